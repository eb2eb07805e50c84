"""AI solutions: the evaluation gate, drift, monitoring, retraining and incidents.

Exact checks drive the pieces alone (the gate in the rework cycle, drift with
its time constant, instant detection restoring quality) and through whole runs
(drift read off the weekly series). Directional checks pair replications of the
C11 base desk (common random numbers) and require the paired mean difference to
clear its one-sided t half-width. Scenarios without AI projects must not move.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import BASELINE, ROOT, load, same_summary, t_halfwidth

import sim
from sim.errors import ScenarioError
from sim.model.ai import AiOperations, Gate, drift, release_quality
from sim.model.projects import Portfolio
from sim.model.rng import Streams, replication_seed
from sim.schema.ai import AiDynamics, AiSolution
from sim.studies.claims import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    evaluate_claim,
    find_claims,
)

AI_DESK = ROOT / "scenarios" / "claims" / "bases" / "ai_desk.yaml"
EXAMPLE = ROOT / "scenarios" / "examples" / "ai_assistant.yaml"
QUIET = {"ai.shocks_per_year": 0.0, "ai.incidents_per_year": 0.0}


def operations(params: AiDynamics, owner: str = "none") -> AiOperations:
    return AiOperations(params, owner, Streams(replication_seed(1, 0)))


def live(params: AiDynamics, owner: str = "none", share: float = 1.0) -> AiOperations:
    ai = operations(params, owner)
    spec = AiSolution(magnitude=0.2)
    gate = Gate.planned(spec, 100.0, share)
    gate.evaluate(gate.to_do)
    ai.hand_over("p", spec, gate, [0, 1], 0.0)
    return ai


def supply_in_full(ai: AiOperations, day: float, raised: list[float]) -> None:
    """One day in which the owner supplies every person-day asked."""
    asked = sum(per_day for _, _, per_day in ai.asks())
    ai.day(asked, day, raised.append)


# -- built responsibly: the gate in the rework cycle -------------------------------------------

def gate_project(share: float, findings: float = 0.5) -> tuple[Portfolio, object]:
    book = Portfolio(quality=1.0, discovery_delay=21.0, threshold=1e-9, estimate_error=0.0)
    spec = AiSolution(magnitude=0.2, gate_effort=0.2, findings=findings)
    project = book.propose("ai", "portfolio", 100.0, 0.0, 2, (), 0.0, spec)
    book.start(project, np.array([0, 1]), 0.5, np.ones(2), 0.0, gate_share=share)
    return book, project


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_gate_work_and_its_findings_are_done_after_the_build(share):
    """With quality 1 the effort is size + gate + the rework its findings put back."""
    book, project = gate_project(share)
    for _ in range(1000):
        book.work(project, 1.0, 1.0)
        if book.is_complete(project):
            break
    gate = 0.2 * 100.0 * share
    assert book.is_complete(project)
    assert project.effort == pytest.approx(100.0 + gate + 0.5 * gate, abs=1e-6)
    assert project.gate.share == pytest.approx(share)
    assert project.planned_duration == pytest.approx((100.0 + gate) / 1.0)


def test_a_project_waits_for_its_gate_before_it_completes():
    book, project = gate_project(1.0, findings=0.0)
    for _ in range(100):
        book.work(project, 1.0, 1.0)
    assert project.to_do == 0.0 and project.gate.to_do == 20.0
    assert not book.waiting_for_rework(project) and not book.is_complete(project)
    for _ in range(20):
        book.work(project, 1.0, 1.0)
    assert project.gate.to_do == 0.0 and book.is_complete(project)


def test_quality_at_go_live_and_propensity_follow_the_share_of_the_gate():
    p = AiDynamics()
    assert release_quality(p, 1.0) == (p.quality_evaluated, 1.0)
    assert release_quality(p, 0.0) == (p.quality_unevaluated,
                                       p.incident_propensity_unevaluated)
    q, prop = release_quality(p, 0.5)
    assert q == pytest.approx((p.quality_evaluated + p.quality_unevaluated) / 2)
    assert prop == pytest.approx((1.0 + p.incident_propensity_unevaluated) / 2)


# -- used responsibly: drift, detection, retraining ---------------------------------------------

@pytest.mark.parametrize("tau", [63.0, 252.0])
def test_drift_without_monitoring_follows_its_time_constant_exactly(tau):
    params = AiDynamics(drift_time=tau, quality_floor=0.0, shocks_per_year=0.0,
                        incidents_per_year=0.0)
    ai = live(params)
    q0 = ai.solutions[0].released
    for day in range(1, 301):
        ai.day(0.0, float(day), [].append)
        assert ai.solutions[0].quality == pytest.approx(q0 * math.exp(-day / tau), rel=1e-12)
    assert ai.tally.detections == 0
    assert drift(0.8, 0.2, tau, tau) == pytest.approx(0.2 + 0.6 / math.e)


def test_drift_in_a_whole_run_follows_its_time_constant():
    """Read off the weekly series: q(d) = q0 exp(-(d - go-live) / tau) after handover."""
    tau = 126.0
    scenario = load(AI_DESK, {**QUIET, "horizon": "2 years", "ai.quality_floor": 0.0,
                              "ai.drift_time": tau, "levers.ai_operations": "none"})
    result = sim.run(scenario, 0)
    live_day = float(result.projects.loc[0, "finished"])
    weekly = result.weekly[result.weekly["day"] > live_day]
    q0 = scenario.ai.quality_evaluated
    expected = q0 * np.exp(-(weekly["day"].to_numpy() - live_day) / tau)
    np.testing.assert_allclose(weekly["ai_quality"].to_numpy(), expected, rtol=1e-10)
    assert result.summary["ai_incidents"] == 0.0
    assert math.isnan(result.summary["ai_detection_delay_mean"])


def test_full_monitoring_with_instant_detection_restores_quality():
    params = AiDynamics(drift_time=63.0, shocks_per_year=0.0, incidents_per_year=0.0,
                        detection_delay=0.0, retrain_effort=0.5, retrain_time=1.0,
                        degradation_tolerance=0.05)
    ai = live(params, owner="opex")
    s = ai.solutions[0]
    lowest, restored = s.released, 0
    for day in range(1, 400):
        before = s.quality
        supply_in_full(ai, float(day), [])
        lowest = min(lowest, s.quality)
        restored += s.quality > before
    assert restored >= 5 and ai.tally.detections == restored
    # detected on the day q crosses the tolerance, retrained the next day
    floor = (1 - params.degradation_tolerance) * s.released * math.exp(-2.0 / 63.0)
    assert lowest >= floor - 1e-12
    assert ai.tally.detection_delay == 0.0
    assert ai.coverage == 1.0


def test_detection_takes_the_delay_over_coverage():
    params = AiDynamics(drift_time=63.0, shocks_per_year=0.0, incidents_per_year=0.0,
                        detection_delay=10.0, degradation_tolerance=0.05)
    for share_supplied, delay in ((1.0, 10.0), (0.5, 20.0)):
        ai = live(params, owner="opex")
        day = 0
        while not ai.tally.detections:
            day += 1
            asked = sum(per_day for _, _, per_day in ai.asks())
            ai.day(asked * share_supplied, float(day), [].append)
        assert ai.tally.detection_delay == delay


def test_incidents_raise_failure_items_and_fall_with_the_gate():
    params = AiDynamics(incidents_per_year=2000.0, shocks_per_year=0.0, items_per_incident=3)
    counts = {}
    for share in (0.0, 1.0):
        ai, raised = live(params, share=share), []
        for day in range(1, 101):
            ai.day(0.0, float(day), raised.append)
        assert len(raised) == 3 * ai.tally.incidents
        assert all(0.0 <= d < 1.0 for d in raised)
        counts[share] = ai.tally.incidents
    assert counts[1.0] < counts[0.0]


# -- whole runs ----------------------------------------------------------------------------------

def test_without_ai_projects_the_ai_settings_change_nothing():
    base = sim.run(load(BASELINE, {"horizon": 60}), 0).summary
    changed = sim.run(load(BASELINE, {"horizon": 60, "levers.ai_gate": 0.0,
                                      "levers.ai_operations": "opex",
                                      "ai.shocks_per_year": 5.0}), 0).summary
    assert same_summary(base, changed)
    assert base["ai_incidents"] == 0.0 and math.isnan(base["ai_quality_mean"])


def test_the_example_runs_and_says_what_the_ai_did():
    result = sim.run(load(EXAMPLE, {"horizon": "2 years"}), 0)
    assert {"ai_quality", "ai_benefit", "ai_incidents", "ai_monitoring_coverage"} \
        <= set(result.weekly.columns)
    assert result.summary["ai_benefit_realised"] > 0.0
    assert 0.0 < result.summary["ai_quality_mean"] <= 1.0


def test_a_late_project_cuts_its_gate_under_schedule_pressure():
    cut = sim.run(load(AI_DESK, {"horizon": "1 year", "levers.ai_gate_cut_slip": 0.0}), 0)
    kept = sim.run(load(AI_DESK, {"horizon": "1 year"}), 0)
    assert "gate cut" in set(cut.events["label"])
    assert cut.projects.loc[0, "finished"] < kept.projects.loc[0, "finished"]
    assert cut.projects.loc[0, "effort"] < kept.projects.loc[0, "effort"]


def paired(overrides_a: dict, overrides_b: dict, kpi: str, n: int = 8) -> np.ndarray:
    """Paired differences b - a of a summary KPI over replications 0..n-1."""
    a = [sim.run(load(AI_DESK, overrides_a), r).summary[kpi] for r in range(n)]
    b = [sim.run(load(AI_DESK, overrides_b), r).summary[kpi] for r in range(n)]
    return np.asarray(b) - np.asarray(a)


def assert_positive(diff: np.ndarray, what: str) -> None:
    mean, hw = float(np.mean(diff)), t_halfwidth(diff, 0.99)
    assert mean - hw > 0.0, f"{what}: paired mean {mean:.4g}, half-width {hw:.3g}"


@pytest.mark.slow
def test_without_monitoring_there_are_more_incidents_and_less_benefit_at_year_two():
    on = {"horizon": "2 years", "levers.ai_operations": "opex"}
    off = {"horizon": "2 years", "levers.ai_operations": "none"}
    assert_positive(paired(on, off, "ai_incidents"), "incidents without monitoring")
    assert_positive(-paired(on, off, "ai_benefit_realised"), "benefit lost without monitoring")


@pytest.mark.slow
def test_without_the_gate_there_are_more_incidents_early():
    """In the first months of use, before drift matters much, the gate's effect shows."""
    gate = {"horizon": "1 year", "levers.ai_gate": 1.0}
    none = {"horizon": "1 year", "levers.ai_gate": 0.0}
    assert_positive(paired(gate, none, "ai_incidents"), "incidents without the gate")


@pytest.mark.slow
def test_c11_runs_and_gets_a_verdict():
    path, claim = find_claims(ROOT / "scenarios" / "claims", ["C11"])[0]
    result = evaluate_claim(claim, path, replications=3, max_replications=3, samples=2,
                            knock_outs=False, workers=1)
    assert result.verdict in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
    assert len(result.checks) == len(claim.checks) and len(result.samples) == 2


# -- schema ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "says"), [
    ({"ai.quality_unevaluated": 0.95}, ["quality_unevaluated=0.95", "quality_evaluated=0.9"]),
    ({"ai.quality_floor": 0.7}, ["quality_floor=0.7", "quality_unevaluated=0.6"]),
    ({"ai.drift_time": 0}, ["ai.drift_time", "0"]),
    ({"levers.ai_operations": "robots"}, ["levers.ai_operations", "robots", "opex"]),
    ({"levers.ai_gate": 1.5}, ["levers.ai_gate", "1.5"]),
    ({"projects.portfolio[0].ai.magnitude": 1.2},
     ["projects.portfolio[0].ai.magnitude", "1.2"]),
    ({"projects.portfolio[0].ai.kind": "revenue"},
     ["projects.portfolio[0].ai.kind", "revenue", "productivity"]),
    ({"projects.portfolio[0].ai.gate_efort": 0.1}, ["gate_efort", "gate_effort"]),
])
def test_bad_ai_values_get_clear_errors(overrides, says):
    with pytest.raises(ScenarioError) as caught:
        load(AI_DESK, overrides)
    message = str(caught.value)
    assert "ai_desk.yaml" in message
    for word in says:
        assert word in message, message


@pytest.mark.parametrize("owner", ["project", "operations", "projects"])
def test_every_owner_monitors_and_their_time_is_sustainment_time(owner):
    overrides = {"horizon": "18 months", "levers.ai_operations": owner}
    if owner == "projects":
        overrides.update({"workforce.projects.headcount": 6,
                          "levers.staffing_source": "projects"})
    result = sim.run(load(AI_DESK, overrides), 0)
    live_weeks = result.weekly[result.weekly["ai_solutions"] > 0]
    assert live_weeks["ai_monitoring_coverage"].mean() > 0.5
    assert live_weeks["hours_sustainment"].sum() > 0.0
    assert result.summary["ai_incidents"] < sim.run(load(AI_DESK, {
        **overrides, "levers.ai_operations": "none"}), 0).summary["ai_incidents"] + 1e-9


def test_a_timeline_event_can_start_monitoring_mid_run():
    scenario = load(AI_DESK, {"horizon": "2 years", "levers.ai_operations": "none",
                              "timeline": [{"at": 300, "set": {"levers.ai_operations": "opex",
                                                               "ai.detection_delay": 5}}]})
    weekly = sim.run(scenario, 0).weekly
    assert weekly.loc[weekly["day"] < 300, "ai_monitoring_coverage"].max() == 0.0
    assert weekly.loc[weekly["day"] > 305, "ai_monitoring_coverage"].min() > 0.0
