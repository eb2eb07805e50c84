"""Robustness: whether a claim holds in organisations other than its base.

The organisations are drawn by Latin hypercube over every parameter of
:data:`sim.studies.uncertainty.UNCERTAIN` (and the claim's own ``vary``), less
those the experiment fixes (an arm's lever, a key the claim sets for every arm,
a key the claim holds with a stated reason, an AI parameter where there is no AI
project). Each sampled organisation runs every arm with a few replications, and
its outcome is read from the claim's deciding checks (see
:func:`sim.studies.verdicts.sample_outcome`). The report gives the share of
organisations where the claim holds among those where it holds or fails, with a
Wilson interval; ties and undefined outcomes are counted apart. Where it fails,
:func:`sim.studies.discovery.discover` looks for a simple condition, reported only
if it beats a permutation null.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.model.ai import has_ai
from sim.schema.claims import Claim
from sim.schema.loading import get_key_path, scenario_with
from sim.schema.scenario import Scenario
from sim.studies.discovery import Finding, discover
from sim.studies.statistics import wilson_interval
from sim.studies.uncertainty import BY_KEY, UNCERTAIN

OUTCOMES = ("holds", "fails", "tie", "undefined")


@dataclass(frozen=True)
class Varied:
    """One sampled parameter of one claim: its range and where the range comes from."""

    key: str
    low: float
    high: float
    source: str
    basis: str


@dataclass
class Design:
    """A claim's robustness design: what is varied, what is held, and the samples."""

    varied: list[Varied]
    fixed: dict[str, str]
    samples: list[dict[str, Any]] = field(default_factory=list)


def design(claim: Claim, document: Mapping[str, Any], base: Scenario,
           count: int) -> Design:
    """Choose the sampled parameters and draw ``count`` organisations.

    Parameters
    ----------
    claim
        The claim.
    document
        Its base scenario file's document (``extends`` resolved, before validation).
    base
        The base scenario with the claim's ``set`` applied.
    count
        How many organisations.
    """
    varied, fixed = _choose(claim, base)
    out = Design(varied, fixed)
    if not count or not varied:
        return out
    doc = base.model_dump(mode="json", by_alias=True)
    points = qmc.scale(qmc.LatinHypercube(d=len(varied), seed=base.seed).random(count),
                       [v.low for v in varied], [v.high for v in varied])
    for point in points:
        out.samples.append({v.key: _typed(get_key_path(doc, v.key), x)
                            for v, x in zip(varied, point, strict=True)})
    return out


def _choose(claim: Claim, base: Scenario) -> tuple[list[Varied], dict[str, str]]:
    """The parameters sampled for ``claim`` and those held, each with its reason."""
    spec = claim.robustness
    arm_keys = {k for arm in claim.arms.values() for k in arm.set}
    doc = base.model_dump(mode="json", by_alias=True)
    ai = has_ai(base)
    varied: list[Varied] = []
    fixed: dict[str, str] = {}
    for u in UNCERTAIN:
        if u.key in spec.vary:  # the claim's own range wins, also over its own `set`
            low, high = spec.vary[u.key]
            varied.append(Varied(u.key, float(low), float(high), u.source,
                                 "range set by the claim"))
            continue
        reason = _held(u.key, arm_keys, claim.set, spec.fix)
        if not reason and u.needs == "ai" and not ai:
            reason = "acts only on AI solutions, and the experiment has none"
        if reason:
            fixed[u.key] = reason
            continue
        scale = get_key_path(doc, u.key) if u.relative else 1.0
        varied.append(Varied(u.key, float(u.low * scale), float(u.high * scale), u.source,
                             u.basis))
    for key, (low, high) in spec.vary.items():
        if key not in BY_KEY:
            varied.append(Varied(key, float(low), float(high), "", "range set by the claim"))
    return varied, fixed


def _held(key: str, arm_keys: set[str], claim_set: Mapping[str, Any],
          fix: Mapping[str, str]) -> str:
    """Why ``key`` is not sampled for this claim (empty if it is)."""
    if any(overlaps(key, k) for k in arm_keys):
        return "the lever under test: an arm sets it"
    if any(overlaps(key, k) for k in claim_set):
        return "set by the claim for every arm"
    return fix.get(key, "")


def overlaps(key: str, other: str) -> bool:
    """Whether two key paths name the same value or one lies inside the other."""
    return key == other or key.startswith(other + ".") or other.startswith(key + ".")


def _typed(current: Any, value: float) -> Any:
    """Keep integer keys integers when sampling them."""
    return int(np.rint(value)) if isinstance(current, int) and not isinstance(current, bool) \
        else float(value)


def sample_arms(claim: Claim, document: Mapping[str, Any], base_seed: int,
                values: Mapping[str, Any], name: str, source: str) -> dict[str, Scenario]:
    """Every arm's scenario in one sampled organisation, named ``<name>:<arm>``."""
    return {arm: arm_in_sample(claim, document, base_seed, values, arm, name, source)
            for arm in claim.arms}


def arm_in_sample(claim: Claim, document: Mapping[str, Any], base_seed: int,
                  values: Mapping[str, Any], arm: str, name: str, source: str) -> Scenario:
    """One arm's scenario in one sampled organisation, named ``<name>:<arm>``."""
    spec = claim.arms[arm]
    scenario = scenario_with(document, {**claim.set, **spec.set, **values}, source=source)
    return scenario.model_copy(update={"name": f"{name}:{arm}", "seed": base_seed,
                                       "replications": claim.robustness.replications})


def ends(plan: Design) -> list[dict[str, Any]]:
    """Two organisations at the low and at the high end of every range (for checking)."""
    return [{v.key: v.low for v in plan.varied}, {v.key: v.high for v in plan.varied}]


@dataclass(frozen=True)
class Summary:
    """A claim's robustness in numbers."""

    samples: int
    holds: int
    fails: int
    ties: int
    undefined: int
    share: float
    ci_low: float
    ci_high: float
    finding: Finding

    @property
    def decided(self) -> int:
        """Organisations where the claim holds or fails."""
        return self.holds + self.fails


def summarise(table: pd.DataFrame, varied: list[Varied], seed: int,
              level: float = 0.95) -> Summary:
    """Count the outcomes, the share that holds with its interval, and look for a condition."""
    counts = {o: int((table["outcome"] == o).sum()) for o in OUTCOMES} if len(table) else \
        dict.fromkeys(OUTCOMES, 0)
    decided = counts["holds"] + counts["fails"]
    low, high = wilson_interval(counts["holds"], decided, level)
    share = counts["holds"] / decided if decided else math.nan
    if decided:
        judged = table[table["outcome"].isin(["holds", "fails"])]
        finding = discover(judged[[v.key for v in varied]],
                           (judged["outcome"] == "fails").to_numpy(), seed=seed)
    else:
        finding = Finding(False, "", math.nan, math.nan, 0, math.nan,
                          "no sampled organisation gave a verdict")
    return Summary(len(table), counts["holds"], counts["fails"], counts["tie"],
                   counts["undefined"], share, low, high, finding)
