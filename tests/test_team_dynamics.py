"""Team dynamics on projects (MODEL.md §3.9): Brooks's law, joining and rescues.

The rules of :mod:`sim.model.teams` are checked against hand values; then the
reference behaviour of Brooks's law on a project of ten dedicated people, where
nothing else is random: a small addition late in the project is near neutral,
a large one makes it finish later than no addition, and every addition costs
effort. The ``join`` timeline event and the ``rescue_late_projects`` lever are
checked through the event log and the project table.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import scenario_from

import sim
from sim.errors import ScenarioError
from sim.model.teams import communication_overhead, team_capacity
from sim.schema.scenario import Projects

REL = 1e-12


def test_communication_overhead_is_0_06_n_squared_percent_at_most_everything():
    assert communication_overhead(10, 0.0006) == pytest.approx(0.06, rel=REL)
    assert communication_overhead(20, 0.0006) == pytest.approx(0.24, rel=REL)
    assert communication_overhead(50, 0.0006) == 1.0
    assert communication_overhead(7, 0.0) == 0.0


def test_team_capacity_by_hand():
    """Four members, one joined 5 of 20 onboarding days ago: ramp 0.5 + 0.5 x 5/20."""
    params = Projects(onboarding=20.0, newcomer_productivity=0.5, mentoring=0.25,
                      communication_overhead=0.0006)
    time = np.array([1.0, 1.0, 1.0, 1.0])
    productivity = np.array([1.0, 1.0, 0.8, 1.0])
    tenure = np.array([np.inf, np.inf, np.inf, 5.0])
    newcomer = 1.0 * (0.5 + 0.5 * 5 / 20)
    established = np.array([1.0, 1.0, 0.8])
    expected = (established.sum() + newcomer - 0.25 * established.mean()) * (1 - 0.0006 * 16)
    assert team_capacity(time, productivity, tenure, params) == pytest.approx(expected, rel=REL)
    # nobody new: the sum of time x productivity, less the overhead
    assert team_capacity(time, productivity, None, params) == pytest.approx(
        3.8 * (1 - 0.0096), rel=REL)
    # after onboarding the newcomer is established and costs no mentoring
    done = np.array([np.inf, np.inf, np.inf, 20.0])
    assert team_capacity(time, productivity, done, params) == pytest.approx(
        3.8 * (1 - 0.0096), rel=REL)


def brooks(add: int, at: int, **projects):
    """One project of 3,200 person-days for ten dedicated people; ``add`` join at ``at``."""
    data = {
        "horizon": 1200,
        "operations": {"demand": 0.0},
        "workforce": {"operations": {"headcount": 0}, "projects": {"headcount": 60}},
        "levers": {"staffing_source": "projects", "allocation": 1.0},
        "projects": {"portfolio": [{"name": "late", "size": 3200, "team": 10}],
                     "communication_overhead": 0.0006, **projects},
    }
    if add:
        data["timeline"] = [{"at": at, "join": {"project": "late", "people": add}}]
    return scenario_from(data)


def finish(scenario, replication: int = 0) -> tuple[float, float]:
    row = sim.run(scenario, replication).projects.iloc[0]
    return float(row["finished"]), float(row["effort"])


@pytest.mark.parametrize("replication", [0, 1])
def test_brooks_law_small_late_addition_is_near_neutral_large_one_delays(replication):
    """Three quarters through a ~410-day project (day 300): +2 people change the finish
    by under 5% of the project's duration; +26 (a team of 36, which loses 78% of its
    time to communication) finish later than no addition; every addition costs effort.
    Replications differ only in the size estimate, which does not change the work."""
    none, effort_none = finish(brooks(0, 300), replication)
    small, effort_small = finish(brooks(2, 300), replication)
    large, effort_large = finish(brooks(26, 300), replication)
    assert 380 < none < 440
    assert abs(small - none) < 0.05 * none, (none, small)
    assert large > none, (none, large)
    assert effort_none < effort_small < effort_large


def test_adding_early_shortens_the_project_but_costs_effort():
    """Brooks's law is about late additions: four people at day 100 finish sooner."""
    none, effort_none = finish(brooks(0, 100))
    early, effort_early = finish(brooks(4, 100))
    assert early < none and effort_early > effort_none


def test_without_overhead_and_mentoring_more_people_always_finish_sooner():
    """The delay comes from the mechanisms: with no overhead and no mentoring, even 26
    newcomers at half speed only help."""
    kwargs = {"communication_overhead": 0.0, "mentoring": 0.0}
    none, _ = finish(brooks(0, 300, **kwargs))
    large, _ = finish(brooks(26, 300, **kwargs))
    assert large < none


def test_a_join_event_adds_newcomers_and_is_logged():
    result = sim.run(brooks(4, 50), 0)
    project = result.projects.iloc[0]
    assert project["joined_late"] == 4
    assert result.events["change"].tolist() == ["join late: 4 of 4 joined"]


def test_a_join_of_a_project_not_in_progress_is_logged_and_changes_nothing():
    scenario = brooks(4, 50).model_copy(deep=True)
    data = scenario.model_dump(mode="json", by_alias=True)
    data["timeline"] = [{"at": 50, "join": {"project": "later", "people": 4}}]
    data["projects"]["portfolio"].append({"name": "later", "start": 500, "size": 100,
                                          "team": 2})
    result = sim.run(sim.schema.validate_scenario(data), 0)
    assert result.events["change"].tolist() == ["join later: not in progress"]
    assert (result.projects["joined_late"] == 0).all()


def test_joining_new_hires_ramp_up_in_the_organisation_too():
    """Hired from outside, newcomers add seats and start at new_hire_productivity, so
    the project gains less from them than from colleagues who already work there."""
    def scenario(new_hires: bool):
        data = brooks(4, 300).model_dump(mode="json", by_alias=True)
        data["timeline"][0]["join"]["new_hires"] = new_hires
        data["workforce"]["attrition"]["rate"] = 0.0
        return sim.schema.validate_scenario(data)
    inside = sim.run(scenario(False), 0)
    outside = sim.run(scenario(True), 0)
    assert outside.summary["hires_count"] == 4 and inside.summary["hires_count"] == 0
    assert outside.weekly["headcount_projects"].iloc[-1] == 64
    assert outside.projects.iloc[0]["finished"] > inside.projects.iloc[0]["finished"]


def test_join_names_a_project_the_run_can_have():
    data = brooks(4, 300).model_dump(mode="json", by_alias=True)
    data["timeline"][0]["join"]["project"] = "lat"
    with pytest.raises(ScenarioError, match=r"timeline\[0\]\.join\.project='lat'.*Listed "
                                            r"projects: late"):
        sim.schema.validate_scenario(data)


def test_rescue_adds_people_to_projects_forecast_late_once_each():
    """The estimate is far below the true size, so the project is forecast late at the
    first review after it starts; the PMO adds 4 people once (times: 1)."""
    data = brooks(0, 0).model_dump(mode="json", by_alias=True)
    data["projects"]["portfolio"][0]["size"] = 3200
    data["projects"]["estimate_error"] = 0.0
    data["projects"]["quality"] = 0.6  # rework the plan ignores: the forecast slips
    data["levers"]["rescue_late_projects"] = {"slip_above": 0.2, "people": 4, "every": 21}
    result = sim.run(sim.schema.validate_scenario(data), 0)
    rescues = result.events[result.events["label"] == "rescue"]
    assert len(rescues) == 1 and rescues["change"].iloc[0].endswith("4 of 4 joined")
    day = rescues["day"].iloc[0]
    assert day % 21 == 0 and day >= 21, "reviews fall on positive multiples of every"
    assert day - result.projects.iloc[0]["started"] >= 21, "a project needs a track record"
    assert result.summary["projects_rescued"] == 1.0
    assert result.projects.iloc[0]["joined_late"] == 4
