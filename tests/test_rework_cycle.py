"""The rework cycle of a project (MODEL.md §3.3).

Effort does work; a fraction q is right, the rest becomes undiscovered rework,
found at rate undiscovered / discovery_delay and put back to do. The project
completes when work to do and undiscovered rework are both below
``threshold × size``. With constant productivity p the total effort tends to
N / (p q): at completion the correct work q·W equals N minus what is left, and
what is left is under 2 × threshold × N, so

    (1 − 2θ) N / (p q) < effort ≤ N / (p q).

The duration is at least effort·p / capacity (a day cannot use more than its
capacity); the last days use capacity only partly, because the to-do stock is
refilled only as fast as rework is discovered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import scenario_from
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model.organisation import Organisation
from sim.model.projects import Portfolio
from sim.model.rng import replication_seed

REL = 1e-9  # float tolerance for identities that hold exactly in real arithmetic


@dataclass
class Day:
    """One day of a unit-test trace: the stocks before and after, and the use."""

    to_do_before: float
    capacity: float
    used: float
    to_do: float
    done: float
    undiscovered: float


def fresh_project(size, quality=0.85, discovery=21.0, threshold=0.005):
    portfolio = Portfolio(quality=quality, discovery_delay=discovery, threshold=threshold,
                          estimate_error=0.0)
    project = portfolio.propose("p", "unit", size, 0.0, 1, (), 0.0)
    portfolio.start(project, np.array([0]), 1.0, np.array([1.0]), 0.0)
    return portfolio, project


def work_to_completion(portfolio, project, capacity, productivity, *, hold=False,
                       max_days=200_000):
    """Apply ``capacity`` (time × productivity) every day until the project completes.

    With ``hold`` the team gives no time on days that start with less than the
    completion threshold left to do (it only waits for rework to surface), as
    the organisation does.
    """
    trace: list[Day] = []
    while not portfolio.is_complete(project):
        assert len(trace) < max_days, "project never completes"
        before = project.to_do
        today = 0.0 if hold and portfolio.waiting_for_rework(project) else capacity
        used = portfolio.work(project, today, today / productivity)
        trace.append(Day(before, today, used, project.to_do, project.done,
                         project.undiscovered))
    return trace


def meets_criterion(day: Day, size: float, threshold: float) -> bool:
    return day.to_do < threshold * size and day.undiscovered < threshold * size


def test_exact_trace_without_rework():
    """q = 1: size 10 at 3 a day takes days of 3, 3, 3 and a last third of a day."""
    portfolio, project = fresh_project(10.0, quality=1.0)
    trace = work_to_completion(portfolio, project, capacity=3.0, productivity=1.5)
    assert [(d.to_do, d.used) for d in trace] == [
        (7.0, 1.0), (4.0, 1.0), (1.0, 1.0), (0.0, 1.0 / 3.0)]
    assert project.effort == pytest.approx(10.0 / 1.5, rel=REL)
    assert project.work == 10.0


def test_rework_surfaces_on_days_without_effort():
    """Discovery is a flow of its own: undiscovered × (1 − e^{−1/D}) per day."""
    portfolio, project = fresh_project(50.0, quality=0.8, discovery=10.0)
    portfolio.work(project, 5.0, 5.0)
    to_do, done, hidden = project.to_do, project.done, project.undiscovered
    effort, work = project.effort, project.work
    assert hidden > 0.0
    assert portfolio.work(project, 0.0, 0.0) == 0.0
    found = hidden * (1.0 - math.exp(-0.1))
    assert project.undiscovered == pytest.approx(hidden - found, rel=REL)
    assert project.to_do == pytest.approx(to_do + found, rel=REL)
    assert (project.done, project.effort, project.work) == (done, effort, work)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(size=st.floats(1.0, 400.0), capacity=st.floats(0.2, 25.0),
       productivity=st.floats(0.25, 2.0), quality=st.floats(0.3, 1.0),
       discovery=st.floats(0.01, 60.0), threshold=st.floats(0.001, 0.05),
       hold=st.booleans())
def test_rework_cycle_properties(size, capacity, productivity, quality, discovery, threshold,
                                 hold):
    portfolio, project = fresh_project(size, quality, discovery, threshold)
    trace = work_to_completion(portfolio, project, capacity, productivity, hold=hold)

    for day in trace:
        # stocks never negative, and work is neither created nor lost
        assert min(day.to_do, day.done, day.undiscovered) >= 0.0
        assert day.to_do + day.done + day.undiscovered == pytest.approx(size, rel=REL)
        # a day uses all its capacity unless it ran out of work to do
        assert 0.0 <= day.used <= 1.0
        if 0.0 < day.capacity and day.used < 1.0:
            assert day.used * day.capacity == pytest.approx(day.to_do_before, rel=REL)
    # completion criterion: met on the last day and on no day before
    assert meets_criterion(trace[-1], size, threshold)
    assert not any(meets_criterion(d, size, threshold) for d in trace[:-1])

    # effort → N / (p q), short by at most what the threshold leaves undone
    left = project.to_do + project.undiscovered
    assert project.effort * productivity * quality == pytest.approx(size - left, rel=REL)
    ideal = size / (productivity * quality)
    assert (1.0 - 2.0 * threshold) * ideal < project.effort <= ideal * (1.0 + REL)
    # no day does more than its capacity
    assert project.work <= len(trace) * capacity * (1.0 + REL)


# -- end to end ----------------------------------------------------------------------

THRESHOLD = 0.005  # the schema default of projects.completion_threshold


def project_scenario(*, quality=0.85, skill=1.0, projects=1, allocation=0.5,
                     max_assignments=2, source="operations", size=120.0, overhead=0.0):
    """Two people, no day-job demand, ``projects`` equal projects staffed by both.

    With no demand nobody overruns a duty block, so each member gives exactly
    ``allocation`` of every day to each project.
    """
    staff = {"operations": {"headcount": 2, "skill": skill}}
    if source == "projects":
        staff = {"operations": {"headcount": 1}, "projects": {"headcount": 2, "skill": skill}}
    return scenario_from({
        "horizon": 1500, "seed": 11,
        "operations": {"demand": 0.0, "p_defect": 0.0},
        "workforce": {**staff, "max_assignments": max_assignments},
        "projects": {"quality": quality, "communication_overhead": overhead,
                     "portfolio": [{"name": f"p{i}", "size": size, "team": 2}
                                   for i in range(projects)]},
        "levers": {"allocation": allocation, "wip_limit": projects,
                   "staffing_source": source},
    })


# (scenario arguments, multitasking efficiency for that many work streams)
END_TO_END = [
    pytest.param({}, 1.0, id="q0.85-p1-two-streams"),
    pytest.param({"quality": 0.6}, 1.0, id="q0.6"),
    pytest.param({"skill": 1.25}, 1.0, id="skill1.25"),
    pytest.param({"source": "projects", "allocation": 1.0}, 1.0, id="dedicated-one-stream"),
    pytest.param({"projects": 2, "allocation": 0.4}, 0.75, id="three-streams"),
    pytest.param({"projects": 3, "allocation": 0.3, "max_assignments": 3}, 0.60,
                 id="four-streams"),
    # a team of two loses 4 x 0.05 = 20% of its project time to communication
    pytest.param({"overhead": 0.05}, 1.0 - 4 * 0.05, id="communication-overhead"),
]


@pytest.mark.parametrize(("kwargs", "efficiency"), END_TO_END)
def test_recorded_effort_is_size_over_q_and_productivity(kwargs, efficiency):
    scenario = project_scenario(**kwargs)
    q = scenario.projects.quality
    skill = kwargs.get("skill", 1.0)
    p = skill * efficiency
    result = sim.run(scenario)
    projects = result.projects
    assert (projects["status"] == "completed").all()
    ideal = projects["size"] / (q * p)
    assert ((1.0 - 2.0 * THRESHOLD) * ideal < projects["effort"]).all(), projects["effort"]
    assert (projects["effort"] <= ideal * (1.0 + REL)).all(), projects["effort"]
    # work done is effort times productivity
    np.testing.assert_allclose(projects["work"], projects["effort"] * p, rtol=REL)
    # a day gives the project no more than allocation × team of effort
    capacity_days = projects["effort"] / (projects["allocation"] * projects["team"])
    assert (projects["duration"] >= capacity_days * (1.0 - REL)).all()


@pytest.mark.parametrize(("kwargs", "efficiency"), END_TO_END[:3] + END_TO_END[4:5])
def test_organisation_hands_over_on_the_first_day_the_criterion_holds(kwargs, efficiency):
    """The run completes a project exactly when the stand-alone rework cycle does.

    The twin gets the team's full allocation every day except days the project
    starts with (almost) nothing to do, when the team is on hold (day job).
    """
    scenario = project_scenario(**kwargs)
    org = Organisation(scenario, replication_seed(scenario.seed, 0))
    org.run()
    skill = kwargs.get("skill", 1.0)
    for project in org.delivery.book.projects:
        assert project.status == "completed"
        limit = THRESHOLD * project.size
        assert project.to_do < limit and project.undiscovered < limit
        assert min(project.to_do, project.done, project.undiscovered) >= 0.0

        portfolio, twin = fresh_project(project.size, scenario.projects.quality,
                                        scenario.projects.discovery_delay, THRESHOLD)
        time = project.allocation * len(project.final_team)
        trace = work_to_completion(portfolio, twin, time * skill * efficiency,
                                   skill * efficiency, hold=True)
        assert project.finished - project.started == len(trace)
        assert project.effort == pytest.approx(twin.effort, rel=REL)
        assert math.isclose(project.work, twin.work, rel_tol=REL)
