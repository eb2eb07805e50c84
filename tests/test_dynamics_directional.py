"""Directional checks of the organisational dynamics: each test states a hypothesis.

Every check compares two settings over the same replication indices, so the
named random streams (arrivals, effort, attrition draws, project sizes, ...) are
common to both and the per-replication differences are paired. A hypothesis
"A is lower than B" passes when a one-sided paired t-test at α = 0.001 rejects
"no effect or the other direction"; where a mechanism is deterministic given
the run (maturity decay, sustainment at full coverage) the check is exact.

The scenarios are small organisations (a dozen to two dozen people) written
inline, starting from the neutral settings of ``conftest.CORE_ONLY`` and
switching on only the mechanism under test, so that the effect is not hidden by
other loops.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import paired_pvalue_less, run_many, scenario_from

import sim

ALPHA = 0.001


def assert_lower(low: pd.Series, high: pd.Series, hypothesis: str) -> None:
    """One-sided paired t-test: ``low`` is below ``high`` on average."""
    assert low.notna().all() and high.notna().all(), hypothesis
    p = paired_pvalue_less(low, high)
    assert p < ALPHA, (f"{hypothesis}: means {low.mean():.4g} vs {high.mean():.4g}, "
                       f"{int((low < high).sum())}/{len(low)} pairs in the stated direction, "
                       f"one-sided paired p = {p:.2g}")


def small_org(**sections: Any) -> dict:
    """Twelve day-job staff serving 35 items a day (load 0.58 with everyone on it)."""
    base: dict[str, Any] = {
        "horizon": 120,
        "operations": {"demand": 35, "service_mean": 0.2, "p_defect": 0.0},
        "workforce": {"operations": {"headcount": 12}},
        "projects": {"portfolio": [{"name": "a", "size": 400, "team": 4},
                                   {"name": "b", "size": 400, "team": 4}]},
    }
    base.update(sections)
    return base


# -- (a) rewards and diversion -----------------------------------------------------------

def test_operations_only_rewards_divert_more_project_time_than_balanced_under_pressure():
    """H: under the same demand surge (x1.5 for six weeks, pushing pi above 1), people
    rewarded only for the day job divert a larger share of their project time than
    people rewarded for their assigned split (reward share 1 vs 0.5 for members)."""
    def scenario(scheme: str):
        return scenario_from(small_org(
            behaviour={"divert_gain": 1.0},
            levers={"rewards": {"scheme": scheme}},
            timeline=[{"at": 30, "scale": {"operations.demand": 1.5}, "for": 30}]))

    ops_only = run_many(scenario("operations_only"), 10)["hours_diverted_share"]
    balanced = run_many(scenario("balanced"), 10)["hours_diverted_share"]
    assert (balanced > 0).all(), "the surge should make even balanced staff divert some time"
    assert_lower(balanced, ops_only, "diverted share: balanced < operations_only")


def test_nobody_diverts_without_pressure_whatever_the_rewards():
    """H: with load far below target (pi stays < 1), operations_only rewards divert
    nothing; diversion is a response to pressure, not to rewards alone."""
    calm = small_org(operations={"demand": 10, "service_mean": 0.2, "p_defect": 0.0},
                     behaviour={"divert_gain": 1.0},
                     levers={"rewards": {"scheme": "operations_only"}})
    result = run_many(scenario_from(calm), 3)
    assert (result["hours_diverted_share"] == 0.0).all()


# -- (b) stress and attrition ------------------------------------------------------------

def _stress_org(overload_gain: float, misalignment_gain: float):
    return scenario_from({
        "horizon": 252,
        "operations": {"demand": 70, "service_mean": 0.2, "p_defect": 0.0},
        "workforce": {"operations": {"headcount": 24},
                      "attrition": {"rate": 0.5, "hiring_delay": 20}},
        "projects": {"templates": [{"name": "t", "per_year": 12, "size": 150, "team": 4}]},
        "behaviour": {"divert_gain": 1.0},
        "stress": {"overload_gain": overload_gain, "misalignment_gain": misalignment_gain},
        "levers": {"rewards": {"scheme": "operations_only"}},
    })


def test_more_stress_means_more_attrition():
    """H: with operations_only rewards (project members misaligned by 0.5) and stress
    gains on (overload 1, misalignment 2), stress is positive and more people leave in a
    year than in the same organisation with stress switched off (hazard x (1 + S))."""
    calm = run_many(_stress_org(0.0, 0.0), 12)
    stressed = run_many(_stress_org(1.0, 2.0), 12)
    assert (calm["stress_mean"] == 0.0).all()
    assert (stressed["stress_mean"] > 0.0).all(), stressed["stress_mean"].describe()
    assert_lower(calm["attrition_count"], stressed["attrition_count"],
                 "leavers: no stress < stress")


def test_leavers_are_backfilled_so_vacancies_follow_attrition():
    """H: with backfill on, every leaver opens a vacancy for the hiring delay, so a
    run with leavers has vacancies and hires (a check that attrition feeds hiring)."""
    stressed = run_many(_stress_org(1.0, 2.0), 12)
    with_leavers = stressed["attrition_count"] > 0
    assert with_leavers.all()
    assert (stressed["vacancies_mean"] > 0).all()
    assert (stressed["hires_count"] > 0).all()


# -- (c) sustainment ---------------------------------------------------------------------

def _sustained_org(sustainment: str):
    return scenario_from({
        "horizon": "2 years",
        "operations": {"demand": 35, "service_mean": 0.2, "p_defect": 0.05},
        "workforce": {"operations": {"headcount": 12}, "opex": {"headcount": 2}},
        "projects": {"portfolio": [
            {"name": "calls", "size": 60, "team": 3, "benefits": [
                {"kind": "failure_reduction", "magnitude": 0.2, "within": "1 month"}]},
            {"name": "lean", "size": 80, "team": 3, "benefits": [
                {"kind": "productivity", "magnitude": 0.15, "within": "3 months"}]},
            {"name": "demand", "size": 80, "team": 3, "start": 60, "benefits": [
                {"kind": "demand_reduction", "magnitude": 0.1, "within": "2 months"}]}]},
        "levers": {"sustainment": sustainment},
    })


def test_without_sustainment_benefits_are_lower_at_year_two():
    """H: when nobody sustains benefits after handover they erode (time constant one
    year), so at day 504 less of the promised benefit is held, and the realised benefit
    levels are lower, than when the OpEx team sustains them at full coverage."""
    none = [sim.run(_sustained_org("none"), r) for r in range(6)]
    opex = [sim.run(_sustained_org("opex"), r) for r in range(6)]
    held_none = pd.Series([r.summary["benefits_sustained_final"] for r in none])
    held_opex = pd.Series([r.summary["benefits_sustained_final"] for r in opex])
    np.testing.assert_allclose(held_opex, 1.0, rtol=1e-12,
                               err_msg="full coverage means no erosion")
    # Without sustainment each benefit's potential erodes from its handover day:
    # held = sum(b exp(-(504 - finished) / erosion)) / sum(b), exactly.
    magnitude = {"calls": 0.2, "lean": 0.15, "demand": 0.1}
    for result, held in zip(none, held_none, strict=True):
        finished = result.projects.set_index("project")["finished"]
        assert finished.notna().all()
        b = np.array([magnitude[name] for name in finished.index])
        expected = np.sum(b * np.exp(-(504.0 - finished.to_numpy()) / 252.0)) / b.sum()
        assert held == pytest.approx(expected, rel=1e-9)
    assert_lower(held_none, held_opex, "benefits sustained at day 504: none < opex")

    def level_at_end(results, kind):
        rows = [r.weekly.iloc[-1] for r in results]
        assert all(row["day"] == 504 for row in rows)
        return pd.Series([row[f"benefit_{kind}"] for row in rows])

    for kind in ("failure_reduction", "productivity", "demand_reduction"):
        assert_lower(level_at_end(none, kind), level_at_end(opex, kind),
                     f"benefit_{kind} at day 504: none < opex")
    coverage = pd.Series([r.weekly["sustainment_coverage"].iloc[-1] for r in opex])
    assert (coverage == 1.0).all()


# -- capability: kaizen against erosion --------------------------------------------------

def _capability_org(opex_team: int, improvement_share: float):
    return scenario_from(small_org(
        horizon=252,
        workforce={"operations": {"headcount": 12}, "opex": {"headcount": opex_team}},
        opex={"capability_min": 0.7},
        levers={"improvement_share": improvement_share}))


def test_without_improvement_capability_erodes_exactly_towards_its_minimum():
    """H: with no improvement time, capability decays as 0.7 + 0.3 exp(-t / 252)."""
    weekly = sim.run(_capability_org(0, 0.0), 0).weekly
    # the level in a row is the one set at the start of its last day (day - 1)
    expected = 0.7 + 0.3 * np.exp(-(weekly["day"].to_numpy() - 1.0) / 252.0)
    np.testing.assert_allclose(weekly["capability"], expected, rtol=1e-9)


def test_improvement_time_keeps_capability_above_what_neglect_leaves():
    """H: an OpEx team of two, or 10% of day-job time set aside, lands kaizen gains that
    keep year-end capability above the eroded level of an organisation without either."""
    neglect = run_many(_capability_org(0, 0.0), 4)["capability_final"]
    team = run_many(_capability_org(2, 0.0), 4)["capability_final"]
    share = run_many(_capability_org(0, 0.1), 4)["capability_final"]
    assert (team > neglect).all() and (share > neglect).all(), (neglect, team, share)
    assert ((team <= 1.5) & (share <= 1.5)).all()


# -- (d) temporary PMO -------------------------------------------------------------------

def _pmo_org(disband_at):
    return scenario_from(small_org(
        horizon=252,
        projects={"portfolio": [{"name": "a", "size": 60, "team": 4},
                                {"name": "b", "size": 400, "team": 4}]},
        pmo={"maturity_initial": 3.0},
        levers={"pmo": {"type": "supportive", "disband_at": disband_at}}))


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_maturity_of_a_temporary_pmo_decays_after_it_disbands(replication):
    """H: after a temporary PMO disbands at day 100, maturity decays towards 1 with the
    forgetting time constant, exactly M(t) = 1 + (M(100) - 1) exp(-(t - 100) / tau),
    while a permanent PMO never loses maturity."""
    temporary = sim.run(_pmo_org(100), replication).weekly.set_index("day")
    permanent = sim.run(_pmo_org(None), replication).weekly.set_index("day")
    tau = 504.0
    m = temporary["maturity"]
    at_disband = m.loc[100]
    assert at_disband > 3.0, "project a completes under the PMO and adds a lesson"
    after = m.loc[m.index > 100]
    assert (after < at_disband).all() and (np.diff(after.to_numpy()) < 0).all()
    expected = 1.0 + (at_disband - 1.0) * np.exp(-(after.index.to_numpy() - 100.0) / tau)
    np.testing.assert_allclose(after.to_numpy(), expected, rtol=1e-9)
    assert (temporary["pmo_active"].loc[temporary.index <= 100] == 1.0).all()
    assert (temporary["pmo_active"].loc[temporary.index > 100] == 0.0).all()
    assert (np.diff(permanent["maturity"].to_numpy()) >= 0).all()
    assert permanent["maturity"].iloc[-1] >= 3.0 > m.iloc[-1]


# -- (e) a demand pulse ------------------------------------------------------------------

PULSE_AT, PULSE_FOR = 40, 30


def _pulse_org(pulse: bool):
    data = small_org(horizon=120)
    if pulse:
        data["timeline"] = [{"at": PULSE_AT, "scale": {"operations.demand": 1.4},
                             "for": PULSE_FOR, "label": "surge"}]
    return scenario_from(data, dynamics=False)


def _pulse_org_dynamic(pulse: bool):
    """The same small organisation with every organisational mechanism at its default."""
    data = small_org(horizon=120, workforce={"operations": {"headcount": 12},
                                             "opex": {"headcount": 1}})
    if pulse:
        data["timeline"] = [{"at": PULSE_AT, "scale": {"operations.demand": 1.4},
                             "for": PULSE_FOR}]
    return scenario_from(data, dynamics=True)


@pytest.mark.parametrize("make", [_pulse_org, _pulse_org_dynamic], ids=["core", "dynamics"])
def test_a_run_with_a_later_pulse_is_identical_before_the_pulse(make):
    """H: an event at day 40 changes nothing before it: every weekly row up to day 40
    (which covers days 35..39) is identical, bit for bit, to the run without it."""
    for replication in range(3):
        with_pulse = sim.run(make(True), replication).weekly
        without = sim.run(make(False), replication).weekly
        before = with_pulse["day"] <= PULSE_AT
        pd.testing.assert_frame_equal(with_pulse[before], without[before])
        assert not with_pulse[~before].equals(without[~before])


def test_a_demand_pulse_raises_the_backlog_during_the_pulse():
    """H: demand x1.4 during days 40..69 raises the mean weekly backlog (items in
    system at week ends) over the weeks of the pulse, pair by pair."""
    def backlog_in_pulse(pulse: bool, replication: int) -> float:
        weekly = sim.run(_pulse_org(pulse), replication).weekly
        window = (weekly["day"] > PULSE_AT) & (weekly["day"] <= PULSE_AT + PULSE_FOR)
        assert window.sum() == PULSE_FOR // 5
        return float(weekly.loc[window, "backlog"].mean())

    reps = range(10)
    surge = pd.Series([backlog_in_pulse(True, r) for r in reps])
    calm = pd.Series([backlog_in_pulse(False, r) for r in reps])
    assert_lower(calm, surge, "backlog during the pulse: no pulse < pulse")
