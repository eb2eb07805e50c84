"""The quick way to build a sweep's points gives what the full way gives, value for value.

:class:`~sim.schema.loading.Variants` validates again only the sections a point
changes, and a sweep's plan writes the digest of each point section by section;
both are checked here against :func:`~sim.schema.loading.scenario_with` and
:func:`~sim.studies.sweeps.files.content_digest` on every point of the shipped
sweeps and on points chosen to leave the quick way (presets, lists, bad values).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.schema.loading import Variants, read_document, scenario_with
from sim.studies.sweeps.files import _Digests, content_digest, load_sweep, plan

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_every_point_of_a_shipped_sweep_is_the_scenario_the_full_way_gives(path):
    spec = load_sweep(path)
    common = {"seed": spec.seed, "replications": spec.replications, "name": spec.name}
    the_plan = plan(spec)
    for point, assignment in spec.design.points():
        full = scenario_with(spec.base, {**assignment, **common}, source=spec.source)
        assert spec.scenario(assignment) == full
        assert the_plan.digests[point] == content_digest(full)


BASE = read_document(ROOT / "scenarios" / "baseline.yaml")
BASE["levers"] = {"wip_limit": 4, "governance": "siloed"}  # the preset fills in the rest
COMMON = {"seed": 5, "replications": 2, "name": "v"}
CHANGES = [
    {"operations.demand": 250.0},
    {"operations.demand": 250},                      # the same number as an integer
    {"levers.governance": "systems"},                # a preset fills in other levers
    {"levers.rewards.scheme": {"projects": 2}},      # a mapping, not kept for reuse
    {"stress.challenge_productivity.1.1": 1.2},      # one point of a curve
    {"stress.challenge_productivity": [[0, 1.0], [1, 0.5]]},
    {"workforce.operations.headcount": 60, "projects.portfolio.0.team": 3},
    {"levers.wip_limit": True},                      # refused: not a number
    {"operations.demand": -1.0},                     # refused: out of range
    {"levers.wip_limit": 1, "levers.pmo.type": "directive"},
    {"horizon": 300},                                # a run setting: the full way only
    {"operations..demand": 5},                       # a malformed key path
]


@pytest.mark.parametrize("changes", CHANGES, ids=str)
def test_a_variant_is_what_the_full_way_gives_or_refuses(changes):
    variants = Variants(BASE, COMMON, source="b.yaml")
    try:
        full = scenario_with(BASE, {**changes, **COMMON}, source="b.yaml")
    except ScenarioError as exc:
        with pytest.raises(ScenarioError) as quick:
            variants.scenario(changes)
        assert str(quick.value) == str(exc)
        return
    for _ in range(2):  # the second time from the sections kept for reuse
        quick = variants.scenario(changes)
        assert quick == full
        assert quick.model_dump() == full.model_dump()
        assert _Digests(variants.base)(quick) == content_digest(full)


def test_a_kept_section_is_not_given_to_a_point_with_other_values():
    variants = Variants(BASE, COMMON)
    first = variants.scenario({"operations.demand": 250.0})
    second = variants.scenario({"operations.demand": 251.0})
    again = variants.scenario({"operations.demand": 250.0})
    assert (first.operations.demand, second.operations.demand) == (250.0, 251.0)
    assert again.operations is first.operations


def test_replacing_sections_checks_every_rule_of_the_whole_scenario():
    # with_sections builds the scenario without validating it whole and checks the
    # cross-field rules itself: a new scenario-level rule must be added there too.
    from sim.schema.scenario import Scenario

    decorators = Scenario.__pydantic_decorators__
    assert list(decorators.model_validators) == ["_check_cross_fields"]
    assert list(decorators.field_validators) == ["_booleans_are_not_numbers"]
