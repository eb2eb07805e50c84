"""Knock-outs: which mechanisms a claim's verdict rests on.

Each mechanism of :data:`sim.studies.mechanisms.MECHANISMS` is switched to its
neutral setting in every arm in turn, the arms are run with the same seeds and as
many replications as the claim's last look, and the claim is judged again at that
look's confidence level. Comparing that verdict with the claim's own (the same
number of replications, so the same power) says whether the knock-out leaves the
verdict as it is, *flips* it (supported and not supported trade places), *erases*
it (a decided verdict becomes inconclusive) or makes one *appear* (an
inconclusive verdict becomes decided).

A mechanism is not knocked out when an arm sets one of its keys (it is the lever
under test) or when it is already off in every arm.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.schema.claims import Claim
from sim.schema.loading import get_key_path, scenario_with
from sim.schema.scenario import Scenario
from sim.studies.mechanisms import MECHANISMS, Mechanism
from sim.studies.robustness import overlaps
from sim.studies.verdicts import INCONCLUSIVE

SAME, FLIPS, ERASES, APPEARS = "same", "flips", "erases", "appears"


def applicable(claim: Claim, arms: Mapping[str, Scenario]) -> tuple[list[Mechanism],
                                                                    dict[str, str]]:
    """The mechanisms to knock out for ``claim``, and why the others are not."""
    arm_keys = {k for arm in claim.arms.values() for k in arm.set}
    chosen, skipped = [], {}
    documents = [a.model_dump(mode="json", by_alias=True) for a in arms.values()]
    for mechanism in MECHANISMS:
        if any(overlaps(key, k) for key in mechanism.neutral for k in arm_keys):
            skipped[mechanism.name] = "the lever under test: an arm sets it"
        elif all(_is_neutral(doc, mechanism.neutral) for doc in documents):
            skipped[mechanism.name] = "already off in every arm"
        else:
            chosen.append(mechanism)
    return chosen, skipped


def _is_neutral(document: Mapping[str, Any], neutral: Mapping[str, Any]) -> bool:
    for key, value in neutral.items():
        try:
            if get_key_path(document, key) != value:
                return False
        except KeyError:
            return False
    return True


def knocked_out_arms(claim: Claim, document: Mapping[str, Any], seed: int,
                     mechanism: Mechanism, name: str, source: str,
                     replications: int) -> dict[str, Scenario]:
    """Every arm's scenario with ``mechanism`` switched off, named ``<name>:<arm>``."""
    out = {}
    for arm, spec in claim.arms.items():
        scenario = scenario_with(document, {**claim.set, **spec.set, **mechanism.neutral},
                                 source=source)
        out[arm] = scenario.model_copy(update={"name": f"{name}:{arm}", "seed": seed,
                                               "replications": replications})
    return out


def change(before: str, after: str) -> str:
    """How a knock-out changed the verdict ``before`` into ``after``."""
    if before == after:
        return SAME
    if before == INCONCLUSIVE:
        return APPEARS
    return ERASES if after == INCONCLUSIVE else FLIPS
