"""Unit tests of each organisational rule and curve, against its stated formula.

Every rule of the dynamics layer is a small pure function (rewards, stress,
capability, maturity) or a schema rule (presets, curves, timeline checks). Each
test states the formula of MODEL.md §3.5-§3.7 or of the module docstring and
checks it with hand-computed values, or as a property over many inputs
(hypothesis, derandomized so the suite is reproducible).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.model import pmo
from sim.model.opex import Capability
from sim.model.rewards import diversion, misalignment, reward_share
from sim.model.stress import attrition_multiplier, lookup, productivity, relax, target
from sim.model.workforce import DayPlan, Staff, plan_day
from sim.schema import validate_scenario
from sim.schema.organisation import REWARD_PRESETS, Opex, Stress

REL = 1e-12
PROPERTY = settings(derandomize=True, max_examples=200, deadline=None)

pressures = st.floats(0.0, 20.0, allow_nan=False)
shares = st.floats(0.0, 1.0, allow_nan=False)
gains = st.floats(0.0, 10.0, allow_nan=False)


# -- rewards: diversion ------------------------------------------------------------------

@PROPERTY
@given(pressure=st.floats(0.0, 1.0), share=shares, gain=gains, limit=shares)
def test_nobody_diverts_at_or_below_target_pressure(pressure, share, gain, limit):
    d = diversion(pressure, np.array([share, 1.0, 0.0]), gain, limit)
    assert np.array_equal(d, np.zeros(3))


@PROPERTY
@given(pressure=st.floats(1.0, 20.0, exclude_min=True), share=shares, gain=gains,
       limit=shares)
def test_diversion_is_the_clipped_product_of_gain_excess_pressure_and_share(
        pressure, share, gain, limit):
    d = diversion(pressure, np.array([share]), gain, limit)[0]
    assert d == pytest.approx(min(gain * (pressure - 1.0) * share, limit), rel=REL, abs=0.0)
    assert 0.0 <= d <= limit


@PROPERTY
@given(p1=pressures, p2=pressures, s1=shares, s2=shares, gain=gains, limit=shares)
def test_diversion_grows_with_pressure_and_with_reward_share_on_operations(
        p1, p2, s1, s2, gain, limit):
    (lo_p, hi_p), (lo_s, hi_s) = sorted((p1, p2)), sorted((s1, s2))
    low = diversion(lo_p, np.array([lo_s]), gain, limit)[0]
    assert diversion(hi_p, np.array([lo_s]), gain, limit)[0] >= low
    assert diversion(lo_p, np.array([hi_s]), gain, limit)[0] >= low


def test_diversion_hand_values():
    share = np.array([0.0, 0.25, 0.5, 1.0])
    # gain 1, pi = 1.4: 0.4 * share, all below the cap
    np.testing.assert_allclose(diversion(1.4, share, 1.0, 0.8), [0.0, 0.1, 0.2, 0.4],
                               rtol=REL)
    # gain 2, pi = 1.5: 1.0 * share, capped at 0.8
    np.testing.assert_allclose(diversion(1.5, share, 2.0, 0.8), [0.0, 0.25, 0.5, 0.8],
                               rtol=REL)
    assert np.array_equal(diversion(3.0, share, 0.0, 0.8), np.zeros(4))


# -- rewards: protected time caps diversion in the day plan ------------------------------

def _staff_with_projects() -> Staff:
    """Four operations people and one OpEx person; three hold project assignments."""
    staff = Staff.from_groups({"operations": 4, "opex": 1}, {})
    staff.assign(0, project=0, allocation=0.5, now=0.0)
    staff.assign(1, project=0, allocation=0.5, now=0.0)
    staff.assign(1, project=1, allocation=0.25, now=0.0)
    staff.assign(2, project=1, allocation=0.25, now=0.0)
    return staff


@pytest.mark.parametrize("protected", [0.0, 0.3, 0.5, 1.0])
@pytest.mark.parametrize("d", [0.0, 0.2, 0.6, 0.9])
def test_protected_time_caps_diversion_in_the_day_plan(d, protected):
    staff = _staff_with_projects()
    plan = plan_day(staff, improvement_share=0.2, protected=protected,
                    diversion=np.full(staff.size, d))
    d_eff = min(d, 1.0 - protected)
    movable = plan.assigned_project + plan.assigned_improvement + plan.assigned_sustainment
    np.testing.assert_allclose(plan.diverted, d_eff * movable, rtol=REL, atol=1e-15)
    np.testing.assert_allclose(plan.project, (1.0 - d_eff) * plan.assigned_project,
                               rtol=REL, atol=1e-15)
    np.testing.assert_allclose(plan.improvement, (1.0 - d_eff) * plan.assigned_improvement,
                               rtol=REL, atol=1e-15)
    np.testing.assert_allclose(plan.ops, plan.assigned_ops + plan.diverted, rtol=REL)
    # diversion moves time, it does not create or destroy it
    total = plan.ops + plan.project + plan.improvement + plan.sustainment + plan.overhead \
        + plan.unassigned
    np.testing.assert_allclose(total, 1.0, rtol=REL)


def test_day_plan_hand_values_under_diversion():
    staff = _staff_with_projects()
    plan = plan_day(staff, protected=0.2, diversion=np.full(staff.size, 0.5))
    # person 1: projects 0.75, day job 0.25; half the project time moves to the day job
    assert plan.assigned_project[1] == 0.75 and plan.assigned_ops[1] == 0.25
    assert plan.project[1] == pytest.approx(0.375, rel=REL)
    assert plan.ops[1] == pytest.approx(0.625, rel=REL)
    # person 3 has no project: nothing to divert
    assert plan.diverted[3] == 0.0 and plan.ops[3] == 1.0
    # the OpEx person diverts half of their improvement time
    assert plan.improvement[4] == pytest.approx(0.5, rel=REL)
    assert plan.ops[4] == pytest.approx(0.5, rel=REL)


# -- rewards: reward share and misalignment per preset -----------------------------------

def _hand_plan() -> DayPlan:
    """Five seats: day job only; half project; dedicated project; mixed; empty seat."""
    ops = np.array([1.0, 0.5, 0.0, 0.3, 0.0])
    project = np.array([0.0, 0.5, 1.0, 0.5, 0.0])
    improvement = np.array([0.0, 0.0, 0.0, 0.2, 0.0])
    zero = np.zeros(5)
    return DayPlan(ops=ops, project=project, improvement=improvement, sustainment=zero,
                   overhead=zero, unassigned=zero, assigned_ops=ops,
                   assigned_project=project, assigned_improvement=improvement,
                   assigned_sustainment=zero, diverted=zero)


def test_operations_only_rewards_everyone_who_works_fully_on_operations():
    """Reviews count the day job alone, even for someone with no day job at all:
    a dedicated project member is then as misaligned as anyone can be."""
    plan = _hand_plan()
    share = reward_share(plan, REWARD_PRESETS["operations_only"])
    np.testing.assert_array_equal(share, [1.0, 1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(misalignment(plan, share), [0.0, 0.5, 1.0, 0.7, 0.0],
                               rtol=REL)


def test_balanced_rewards_follow_the_assigned_split_so_nobody_is_misaligned():
    plan = _hand_plan()
    share = reward_share(plan, REWARD_PRESETS["balanced"])
    np.testing.assert_allclose(share, plan.assigned_ops, rtol=REL)
    np.testing.assert_allclose(misalignment(plan, share), 0.0, atol=1e-15)


@pytest.mark.parametrize(("scheme", "expected_half"), [
    ("project_bonus", 0.5 / (0.5 + 2 * 0.5)),      # projects weigh 2
    ("outcome_based", 0.5 / (0.5 + (1 + 2) * 0.5)),  # projects 1 + benefits 2
])
def test_project_rewarding_schemes_put_less_weight_on_operations_than_balanced(
        scheme, expected_half):
    plan = _hand_plan()
    share = reward_share(plan, REWARD_PRESETS[scheme])
    balanced = reward_share(plan, REWARD_PRESETS["balanced"])
    members = plan.assigned_project > 0
    with_day_job = members & (plan.assigned_ops > 0)
    assert np.all(share[with_day_job] < balanced[with_day_job])
    assert share[1] == pytest.approx(expected_half, rel=REL)
    assert share[0] == 1.0  # nobody on a project: all reward is for the day job
    assert share[2] == 0.0 and share[4] == 0.0  # no day job, or nobody in the seat


# -- stress ------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "target", "tau"), [(0.0, 1.0, 20.0), (1.2, 0.3, 7.0),
                                                      (0.5, 0.5, 3.0)])
def test_stress_closes_one_minus_one_over_e_of_the_gap_in_one_time_constant(start, target,
                                                                           tau):
    after = relax(np.array([start]), np.array([target]), tau, tau)[0]
    assert after == pytest.approx(start + (target - start) * (1.0 - math.exp(-1.0)),
                                  rel=REL, abs=1e-15)


@PROPERTY
@given(start=st.floats(0.0, 3.0), target=st.floats(0.0, 3.0), tau=st.floats(1.0, 100.0),
       n=st.integers(1, 300))
def test_daily_relaxation_steps_compose_exactly(start, target, tau, n):
    s = np.array([start])
    for _ in range(n):
        s = relax(s, np.array([target]), 1.0, tau)
    once = relax(np.array([start]), np.array([target]), float(n), tau)
    assert s[0] == pytest.approx(once[0], rel=1e-9, abs=1e-12)
    assert min(start, target) - 1e-12 <= s[0] <= max(start, target) + 1e-12


def test_stress_targets_are_gain_times_load_above_zero_capped_at_the_ceiling():
    load = np.array([-0.5, 0.0, 0.4, 3.0])
    np.testing.assert_allclose(target(load, 1.5), [0.0, 0.0, 0.6, 4.5], rtol=REL)
    np.testing.assert_allclose(target(load, 1.5, ceiling=2.0), [0.0, 0.0, 0.6, 2.0], rtol=REL)
    assert not target(load, 0.0).any()


def test_lookup_interpolates_linearly_and_is_flat_beyond_its_ends():
    curve = ((0.0, 1.0), (1.0, 3.0), (3.0, 2.0))
    x = np.array([-5.0, 0.0, 0.25, 1.0, 2.0, 3.0, 100.0])
    np.testing.assert_allclose(lookup(curve, x), [1.0, 1.0, 1.5, 3.0, 2.5, 2.0, 2.0],
                               rtol=REL)
    assert np.array_equal(lookup(((0.7, 4.0),), np.array([-1.0, 0.7, 9.0])), [4.0] * 3)


def test_default_stress_curves_are_the_documented_ones():
    s = Stress()
    assert s.challenge_productivity == ((0.0, 1.0), (0.3, 1.05), (0.6, 1.0), (1.0, 0.75),
                                        (1.5, 0.5))
    x = np.linspace(0.0, 3.0, 3001)
    y = lookup(s.challenge_productivity, x)
    assert x[np.argmax(y)] == pytest.approx(0.3) and y.max() == pytest.approx(1.05, rel=REL)
    assert y[-1] == 0.5  # flat beyond C = 1.5
    h = lookup(s.hindrance_productivity, x)
    assert np.all(np.diff(h) <= 0.0) and h[0] == 1.0 and h[-1] == 0.75
    np.testing.assert_allclose(lookup(s.hindrance_productivity, np.array([0.5, 1.0])),
                               [0.9, 0.75], rtol=REL)
    # productivity is the product of the two curves
    c, hh = np.array([0.3, 0.0, 0.3]), np.array([0.0, 0.5, 0.5])
    np.testing.assert_allclose(productivity(s, c, hh), [1.05, 0.9, 1.05 * 0.9], rtol=REL)
    # defects 1 + 0.5 S up to S = 2; attrition hazard 1 + 0.5 C + 1.5 H
    np.testing.assert_allclose(lookup(s.defects, np.array([0.0, 1.0, 2.0, 4.0])),
                               [1.0, 1.5, 2.0, 2.0], rtol=REL)
    np.testing.assert_allclose(attrition_multiplier(s, np.array([0.0, 1.0, 0.0]),
                                                    np.array([0.0, 0.0, 1.0])),
                               [1.0, 1.5, 2.5], rtol=REL)
    assert s.hindrance_attrition > s.challenge_attrition
    assert s.tau == 20.0


# -- OpEx capability ---------------------------------------------------------------------

OPEX = Opex(capability_initial=1.2, capability_min=0.7, capability_max=1.5, erosion=252.0,
            improvement_yield=0.0006)


def test_capability_erodes_towards_its_minimum_with_the_time_constant():
    c = Capability(1.2)
    c.erode(252.0, OPEX)
    assert c.level == pytest.approx(0.7 + 0.5 * math.exp(-1.0), rel=REL)
    daily = Capability(1.2)
    for _ in range(252):
        daily.erode(1.0, OPEX)
    assert daily.level == pytest.approx(c.level, rel=1e-9)


def test_erosion_never_goes_below_the_minimum():
    c = Capability(0.9)
    for days in (10.0, 1e3, 1e6, 1e9):
        c.erode(days, OPEX)
        assert c.level >= OPEX.capability_min
    assert c.level == pytest.approx(OPEX.capability_min, rel=REL)
    at_floor = Capability(0.7)
    at_floor.erode(100.0, OPEX)
    assert at_floor.level == 0.7


@pytest.mark.parametrize("effort", [0.0, 10.0, 250.0, 3000.0])
def test_a_kaizen_landing_closes_the_documented_share_of_the_gap(effort):
    c = Capability(1.1)
    c.improve(effort * 0.25)
    c.improve(effort * 0.75)
    gain = c.land(OPEX)
    expected = (1.5 - 1.1) * (1.0 - math.exp(-0.0006 * effort))
    assert gain == pytest.approx(expected, rel=REL, abs=1e-15)
    assert c.level == pytest.approx(1.1 + expected, rel=REL)
    assert c.effort == 0.0  # the next cycle starts empty
    assert c.land(OPEX) == 0.0


@PROPERTY
@given(steps=st.lists(st.tuples(st.floats(0.0, 400.0), st.floats(0.0, 1e5)), max_size=30),
       start=st.floats(0.7, 1.5))
def test_capability_stays_between_its_minimum_and_maximum(steps, start):
    c = Capability(start)
    for days, effort in steps:
        c.improve(effort)
        c.erode(days, OPEX)
        c.land(OPEX)
        assert OPEX.capability_min <= c.level <= OPEX.capability_max


# -- PMO maturity ------------------------------------------------------------------------

@PROPERTY
@given(maturity=st.floats(1.0, 5.0), rate=st.floats(0.0, 1.0))
def test_learning_keeps_maturity_between_its_start_and_five(maturity, rate):
    after = pmo.learn(maturity, rate)
    assert maturity <= after <= 5.0


def test_learning_closes_the_rate_of_the_gap_and_approaches_five():
    assert pmo.learn(1.0, 0.05) == pytest.approx(1.2, rel=REL)
    m = 1.0
    for n in range(1, 201):
        m = pmo.learn(m, 0.05)
        assert m == pytest.approx(5.0 - 4.0 * 0.95 ** n, rel=1e-9)
    assert 5.0 - m < 1e-3


def test_forgetting_decays_towards_one_with_the_time_constant():
    tau = 504.0
    assert pmo.forget(3.0, tau, tau) == pytest.approx(1.0 + 2.0 * math.exp(-1.0), rel=REL)
    m = 3.0
    for _ in range(252):
        m = pmo.forget(m, 1.0, tau)
    assert m == pytest.approx(1.0 + 2.0 * math.exp(-0.5), rel=1e-9)
    assert pmo.forget(1.0, 1e6, tau) == 1.0
    assert 1.0 < pmo.forget(5.0, 1e3, tau) < 5.0


def test_keep_factor_combines_practice_and_maturity():
    for effect in (0.0, 0.5, 1.0):
        assert pmo.keep_factor(0.0, 1.0, effect) == 1.0
        assert pmo.reduced(0.35, pmo.keep_factor(0.0, 1.0, effect)) == 0.35
    assert pmo.keep_factor(0.2, 1.0, 0.5) == pytest.approx(0.8, rel=REL)
    assert pmo.keep_factor(0.0, 5.0, 0.5) == pytest.approx(0.5, rel=REL)
    assert pmo.keep_factor(0.2, 3.0, 0.5) == pytest.approx(0.8 * 0.75, rel=REL)


def test_a_temporary_pmo_is_none_from_its_disband_day():
    s = validate_scenario({"levers": {"pmo": {"type": "directive", "disband_at": 40}}})
    policy = s.levers.pmo
    assert [pmo.active_type(policy, t) for t in (0.0, 39.0, 39.99, 40.0, 400.0)] == \
        ["directive"] * 3 + ["none"] * 2
    assert pmo.bundle(s.pmo, policy, 10.0).protected_time == 0.5
    assert pmo.bundle(s.pmo, policy, 40.0).headcount == 0


# -- schema: governance presets and reward schemes ---------------------------------------

@pytest.mark.parametrize(("preset", "scheme", "sustainment", "aware"), [
    ("siloed", "operations_only", "none", False),
    ("systems", "outcome_based", "opex", True),
])
def test_governance_presets_set_their_documented_levers(preset, scheme, sustainment, aware):
    levers = validate_scenario({"levers": {"governance": preset}}).levers
    assert levers.rewards.scheme == scheme
    assert levers.sustainment == sustainment
    assert levers.capacity_aware_intake is aware
    assert levers.governance == preset


def test_levers_given_explicitly_win_over_the_governance_preset():
    levers = validate_scenario({"levers": {
        "governance": "systems", "rewards": {"scheme": "balanced"},
        "capacity_aware_intake": False}}).levers
    assert levers.rewards.scheme == "balanced"
    assert levers.capacity_aware_intake is False
    assert levers.sustainment == "opex"  # not given: the preset's


def test_explicit_reward_weights_are_accepted_and_used():
    s = validate_scenario({"levers": {"rewards": {"scheme": {
        "operations": 1, "projects": 3, "benefits": 0.5}}}})
    w = s.levers.rewards.weights
    assert (w.operations, w.projects, w.improvement, w.benefits) == (1.0, 3.0, 0.0, 0.5)
    share = reward_share(_hand_plan(), w)
    assert share[1] == pytest.approx(0.5 / (0.5 + 3.5 * 0.5), rel=REL)


def test_preset_weights_are_the_documented_ones():
    as_tuple = {k: (w.operations, w.projects, w.improvement, w.benefits)
                for k, w in REWARD_PRESETS.items()}
    assert as_tuple["operations_only"] == (1, 0, 0, 0)
    assert as_tuple["balanced"] == (1, 1, 1, 0)
    # the two project-rewarding presets count benefits or projects above balanced
    assert as_tuple["outcome_based"][3] > 0 and as_tuple["project_bonus"][1] > 1


# -- schema: bad input names the key path -----------------------------------------------

def _error(data: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        validate_scenario(data, source="dyn.yaml")
    return str(caught.value)


def _mentions(message: str, *parts: str) -> None:
    missing = [p for p in parts if p not in message]
    assert not missing, f"message lacks {missing}: {message!r}"


@pytest.mark.parametrize(("data", "parts"), [
    ({"stress": {"challenge_productivity": [[0, 1], [0.5, 1.1], [0.5, 0.9]]}},
     ("stress.challenge_productivity", "increase strictly")),
    ({"stress": {"defects": [[1, 1], [0, 2]]}}, ("stress.defects", "increase strictly")),
    ({"stress": {"defects": [[0, 1], [2, -1]]}},
     ("stress.defects[1][1] = -1", "greater than or equal to 0")),
    ({"stress": {"hindrance_productivity": [[0, 1], [0.5, 1.1]]}},
     ("stress.hindrance_productivity", "must not rise", "from 1 at H=0 to 1.1 at H=0.5")),
    ({"stress": {"productivity": [[0, 1], [1, 0.5]]}},
     ("stress", "challenge_productivity", "hindrance_productivity")),
    ({"stress": {"attrition": [[0, 1], [2, 3]]}},
     ("stress", "challenge_attrition", "hindrance_attrition")),
    ({"stress": {"hindrance_attrition": -1}}, ("stress.hindrance_attrition = -1",)),
    ({"opex": {"capability_min": 1.2}},
     ("opex", "capability_min=1.2", "capability_initial=1.0")),
    ({"opex": {"capability_initial": 1.6}}, ("opex", "capability_max=1.5")),
    ({"timeline": [{"at": 5, "set": {"workforce.operations.headcount": 3}}]},
     ("timeline[0]", "workforce.operations.headcount", "cannot change during a run",
      "allowed", "operations.demand")),
    ({"horizon": 100, "timeline": [{"at": 100, "set": {"levers.wip_limit": 3}}]},
     ("timeline[0].at=100", "not before the horizon")),
    ({"horizon": 100, "timeline": [{"at": 10, "set": {"levers.wip_limit": 3}},
                                   {"at": 250, "set": {"levers.wip_limit": 4}}]},
     ("timeline[1].at=250",)),
    ({"timeline": [{"at": 5, "staff": {"operations": 3}, "for": 10}]},
     ("timeline[0]", "'for' undoes set and scale", "staff changes and people joining")),
    ({"timeline": [{"at": 5, "set": {"levers.allocation": 1.5}}]},
     ("timeline[0]", "levers.allocation = 1.5")),
    ({"timeline": [{"at": 5, "scale": {"levers.rewards.scheme": 2}}]},
     ("timeline[0]", "levers.rewards.scheme", "not a number")),
    ({"timeline": [{"at": 5, "staff": {"operations": -500}}]},
     ("timeline[0].staff.operations=-500", "headcount=120")),
    ({"timeline": [{"at": 5.5, "set": {"levers.wip_limit": 3}}]},
     ("timeline[0]", "whole number")),
    ({"timeline": [{"at": 5}]}, ("timeline[0]", "at least one of set, scale, staff or join")),
    ({"levers": {"governance": "silo"}}, ("levers.governance", "'silo'", "siloed")),
])
def test_bad_dynamics_input_is_a_scenario_error_naming_the_key_path(data, parts):
    _mentions(_error(data), "dyn.yaml", *parts)


def test_typo_in_explicit_reward_weights_names_the_key_and_suggests_the_nearest():
    """The scheme is a union (preset name or weights); its errors should still read as
    key paths, without the validator's internal type names, and suggest the nearest key."""
    message = _error({"levers": {"rewards": {"scheme": {"operations": 1, "project": 2}}}})
    _mentions(message, "levers.rewards.scheme.project", "projects")
    assert "RewardWeights" not in message and "literal[" not in message, message
