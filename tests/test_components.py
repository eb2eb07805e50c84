"""Each component of the model through its own interface, without an Organisation.

The organisation only wires components together (docs/architecture.md); these
tests build one component at a time, with the few connections it declares (the
service desk for the workforce, wellbeing and the roster; rewards for the
roster; the workforce for the portfolio), call its daily methods as the daily
cycle would, and check what it owns and what it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import simpy
from conftest import scenario_from

from sim.model.benefits import BenefitLedger
from sim.model.component import Component, Day
from sim.model.conditions import Conditions
from sim.model.delivery import Delivery
from sim.model.operations import ServiceDesk
from sim.model.pmo import Pmo
from sim.model.recorder import Final, Recorder, Snapshot
from sim.model.rewards import Rewards
from sim.model.rng import Streams, replication_seed
from sim.model.roster import Roster
from sim.model.staffing import Workforce
from sim.model.timeline import Timeline
from sim.model.wellbeing import Wellbeing
from sim.schema.scenario import apply_changes


@dataclass
class Crew:
    """The people's components of one run, wired as the organisation wires them."""

    env: simpy.Environment
    desk: ServiceDesk
    streams: Streams
    workforce: Workforce
    wellbeing: Wellbeing
    rewards: Rewards
    roster: Roster


class Listener(Component):
    """A component that only notes the seats vacated."""

    def __init__(self):
        self.vacated = []

    def seat_vacated(self, seat, projects):
        self.vacated.append((seat, projects))


def crew_of(scenario, *listeners):
    env = simpy.Environment()
    streams = Streams(replication_seed(scenario.seed, 0))
    servers = sum(getattr(scenario.workforce, g).headcount
                  for g in ("operations", "projects", "opex"))
    desk = ServiceDesk.for_scenario(servers, scenario.operations, streams)
    workforce = Workforce(scenario, env, desk, streams)
    wellbeing = Wellbeing(scenario, env, workforce.seats, desk)
    rewards = Rewards(scenario, workforce.seats)
    roster = Roster(scenario, workforce, desk, rewards)
    workforce.tell((wellbeing, rewards, roster, *listeners))
    return Crew(env, desk, streams, workforce, wellbeing, rewards, roster)


def day_at(pressure: float) -> Day:
    """A morning's day record whose ops pressure is ``pressure`` (no demand, SLA 1)."""
    return Day(0, 0.0, pressure, 1.0)


SMALL = {"operations": {"demand": 20, "service_mean": 0.2, "p_defect": 0.0},
         "workforce": {"operations": {"headcount": 6},
                       "attrition": {"hiring_delay": 10, "new_hire_productivity": 0.4}}}


# -- the workforce, wellbeing, rewards and the roster --------------------------------------

def test_new_seats_start_as_new_hires_and_reach_the_desk_and_every_listener():
    crew = crew_of(scenario_from(SMALL))
    ids = crew.workforce.grow("operations", 2)
    assert ids.tolist() == [6, 7] and crew.workforce.size == 8 and len(crew.desk.speed) == 8
    np.testing.assert_allclose(crew.wellbeing.productivity_factor[ids], 0.4)
    assert len(crew.roster.time_debt) == len(crew.rewards.diversion) == 8
    assert crew.workforce.counts()["hires"] == 2
    assert crew.workforce.levels()["headcount_operations"] == 8


def test_a_leaver_is_backfilled_after_the_hiring_delay_and_every_listener_hears_of_it():
    listener = Listener()
    crew = crew_of(scenario_from(SMALL), listener)
    workforce = crew.workforce
    workforce.assign(3, project=7, allocation=0.5)
    assert workforce.team(7) == [3]
    workforce.leave(3, backfill=True)
    assert listener.vacated == [(3, [7])] and not workforce.seats.active[3]
    assert workforce.team(7) == []  # the one record of the team lost them too
    assert workforce.counts()["leavers"] == 1 and workforce.levels()["vacancies"] == 1
    crew.env.run(until=9)
    workforce.hire_due()
    assert not workforce.seats.active[3]
    crew.env.run(until=10)
    workforce.hire_due()
    assert workforce.seats.active[3] and workforce.counts()["hires"] == 1
    assert crew.wellbeing.productivity_factor[3] == 0.4


def test_keep_group_hires_or_removes_to_the_wanted_headcount():
    workforce = crew_of(scenario_from(SMALL)).workforce
    workforce.keep_group("pmo", 3)
    assert workforce.seats.headcount("pmo") == 3
    workforce.keep_group("pmo", 1)
    assert workforce.seats.headcount("pmo") == 1 and workforce.counts()["removed"] == 2


def test_roster_puts_the_day_job_shares_on_the_desk():
    """Two people lent half their time to a project get a duty block each; the rest
    are on duty all day."""
    crew = crew_of(scenario_from(SMALL))
    for person in (0, 1):
        crew.workforce.assign(person, project=0, allocation=0.5)
    crew.roster.begin_day(day_at(0.5))
    np.testing.assert_allclose(crew.roster.duty_share, [0.5, 0.5, 1, 1, 1, 1])
    assert all(crew.desk.duty()[2:])
    totals = crew.roster.hours(busy=0.0, overrun=0.0,
                               split=crew.roster.split_working_time(None))
    assert totals["project_planned"] == 1.0 and totals["ops_planned"] == 5.0


def test_operations_only_reviews_divert_project_time_under_pressure():
    scenario = scenario_from({**SMALL, "behaviour": {"divert_gain": 1.0, "divert_max": 0.8},
                              "levers": {"rewards": {"scheme": "operations_only"}}},
                             dynamics=True)
    crew = crew_of(scenario)
    crew.workforce.assign(0, project=0, allocation=0.5)
    crew.roster.begin_day(day_at(1.5))
    assert crew.roster.plan.project[0] == pytest.approx(0.5 * (1 - 0.5))  # d = 1 x 0.5 x 1
    assert crew.rewards.diversion[0] == pytest.approx(0.5)
    crew.roster.begin_day(day_at(0.5))  # back below target: nobody diverts
    assert crew.roster.plan.project[0] == 0.5


def test_overrun_becomes_debt_repaid_from_the_next_duty_block():
    crew = crew_of(scenario_from({**SMALL, "levers": {"improvement_share": 0.2}}))
    roster = crew.roster
    roster.begin_day(day_at(0.5))
    assert roster.duty_share[0] == pytest.approx(0.8)
    overrun = np.zeros(crew.workforce.size)
    overrun[0] = 0.1
    split = roster.split_working_time(overrun)
    assert split["improvement_time"][0] == pytest.approx(0.1)  # 0.2 planned, 0.1 overrun
    roster.begin_day(day_at(0.5))
    assert roster.duty_share[0] == pytest.approx(0.7)  # the debt comes off the duty block
    split = roster.split_working_time(None)
    assert split["improvement_time"][0] == pytest.approx(0.3)  # and goes back to improvement


def test_stress_lowers_productivity_and_the_desk_gets_the_new_speeds():
    scenario = scenario_from({**SMALL, "stress": {"overload_gain": 1.0, "tau": 1.0}},
                             dynamics=True)
    crew = crew_of(scenario)
    morning = day_at(3.0)
    crew.roster.begin_day(morning)
    crew.wellbeing.begin_day(morning)
    assert crew.desk.speed[0] == 1.0
    crew.wellbeing.update(3.0, crew.roster.plan, crew.rewards.misaligned,
                          lambda allocated: np.ones(len(allocated)))
    assert crew.wellbeing.levels()["stress_mean"] > 0.0
    assert (crew.wellbeing.productivity_factor < 1.0).all()
    crew.wellbeing.begin_day(morning)
    np.testing.assert_allclose(crew.desk.speed, crew.wellbeing.productivity_factor)


# -- delivery ----------------------------------------------------------------------------

def delivery_of(data):
    scenario = scenario_from(data)
    crew = crew_of(scenario)
    delivery = Delivery(scenario, crew.env, crew.workforce)
    crew.workforce.tell((crew.wellbeing, crew.rewards, crew.roster, delivery))
    delivery.start_pipeline(crew.streams)
    return crew, delivery


PROJECTS = {**SMALL, "projects": {"portfolio": [{"name": "a", "size": 8, "team": 2},
                                                {"name": "b", "size": 8, "team": 2},
                                                {"name": "c", "size": 8, "team": 2}]},
            "levers": {"wip_limit": 2, "allocation": 0.5}}


def test_intake_starts_up_to_the_wip_limit_and_staffs_each_project():
    crew, delivery = delivery_of(PROJECTS)
    delivery.intake(pressure=0.1)
    active = delivery.book.active
    assert [p.name for p in active] == ["a", "b"] and delivery.starts == 2
    staffed = sorted(i for p in active for i in delivery.team(p))
    assert len(set(staffed)) == 4
    np.testing.assert_allclose(crew.workforce.seats.allocated[staffed], 0.5)


def test_work_completes_projects_and_releases_their_teams():
    crew, delivery = delivery_of(PROJECTS)
    delivery.intake(pressure=0.1)
    teams = {p.name: delivery.team(p) for p in delivery.book.active}
    time = np.full(crew.workforce.size, 0.5)
    completed = []
    for _ in range(200):
        used, done = delivery.work(time, crew.wellbeing.project_productivity,
                                   crew.roster.project_allocation)
        completed += done
        if len(completed) == 2:
            break
    assert [p.name for p in completed] == ["a", "b"] and delivery.completions == 2
    assert not crew.workforce.seats.allocated.any()
    assert {p.name: p.final_team for p in completed} == teams
    assert used > 0


def test_a_leaver_is_replaced_on_a_running_project_as_a_newcomer():
    crew, delivery = delivery_of(PROJECTS)
    delivery.intake(pressure=0.1)
    project = delivery.book.active[0]
    leaver = delivery.team(project)[0]
    crew.workforce.leave(leaver, backfill=False)
    team = delivery.team(project)
    assert leaver not in team and len(team) == 2
    newcomer = team[-1]
    assert project.joined == {newcomer: crew.env.now}


def test_a_join_adds_people_and_says_how_many():
    _, delivery = delivery_of(PROJECTS)
    delivery.intake(pressure=0.1)
    join = scenario_from({**PROJECTS, "timeline": [
        {"at": 1, "join": {"project": "a", "people": 5}}]}).timeline[0].join
    # four others have room for another half-day (two of them are on project b)
    assert delivery.join(join) == "join a: 4 of 5 joined"
    project = delivery.book.active[0]
    assert len(delivery.team(project)) == 6 and len(project.joined) == 4


def test_a_stage_gate_cancels_projects_forecast_to_slip_too_much():
    crew, delivery = delivery_of(PROJECTS)
    delivery.intake(pressure=0.1)
    for project in delivery.book.active:
        project.planned_duration = 1.0  # hopelessly late
    delivery.review_at_gates(cancel_slip=0.5)
    assert delivery.cancelled == 2 and not delivery.book.active
    assert not crew.workforce.seats.allocated.any()


# -- PMO, timeline, conditions, recorder -----------------------------------------------------

def test_pmo_logs_its_type_works_out_practices_once_and_learns():
    scenario = scenario_from({**SMALL, "levers": {"pmo": {"type": "controlling",
                                                           "disband_at": 50}}},
                             dynamics=True)
    pmo = Pmo(scenario)
    assert pmo.morning(0.0) == "controlling" and pmo.headcount == 3
    practices = pmo.practices(0.0)
    assert practices.stage_gates and practices.quality > scenario.projects.quality
    assert pmo.practices(1.0) is None  # nothing changed since yesterday
    before = pmo.maturity
    pmo.learn()
    assert pmo.maturity == before + scenario.pmo.learning_rate * (5 - before)
    assert pmo.morning(50.0) == "none"
    assert [e["change"] for e in pmo.events] == ["PMO none -> controlling",
                                                 "PMO controlling -> none"]
    level = pmo.maturity
    assert pmo.evening(50.0, stage_gates=True) is False
    assert pmo.maturity == pytest.approx(1 + (level - 1) * math.exp(-1 / (2 * 252)))


def test_timeline_applies_a_pulse_and_undoes_it():
    scenario = scenario_from({**SMALL, "timeline": [
        {"at": 3, "for": 4, "scale": {"operations.demand": 1.5}}]})
    timeline = Timeline(scenario.timeline)
    assert list(timeline.due(2.0)) == []
    [start] = timeline.due(3.0)
    raised = timeline.scenario_after(start, scenario)
    assert raised.operations.demand == 30
    [end] = timeline.due(7.0)
    assert end.ending and timeline.scenario_after(end, raised).operations.demand == 20


def test_conditions_of_a_day_follow_benefits_and_capability():
    ops = apply_changes(scenario_from(SMALL), {"operations.p_defect": 0.1}).operations
    ledger = BenefitLedger(erosion=252.0)
    today = Conditions.for_day(ops, 0, ledger, capability=1.25)
    assert today.value_rate == 20 and today.capability == 1.25
    assert today.p_defect == pytest.approx(0.1 / 1.25) and today.effort_multiplier == 1.0
    assert today.total_rate() == pytest.approx(20 / (1 - 0.08))


def test_recorder_writes_a_weekly_row_from_snapshots_only():
    recorder = Recorder(hours_per_day=7.5)
    desk = {"value_arrivals": 0, "failure_arrivals": 0, "wait_sum": 0.0, "completed": 0,
            "time_in_system_sum": 0.0, "within_sla": 0, "busy_time": 0.0, "defects": 0,
            "started": 0, "area": 0.0, "abandoned": 0, "abandoned_time_sum": 0.0}
    realised = np.zeros(5)
    recorder.open(Snapshot(0.0, desk, realised, 0, 0, {"leavers": 0.0}))
    recorder.book_day(project_work=2.0)
    later = {**desk, "value_arrivals": 50, "completed": 40, "time_in_system_sum": 20.0,
             "started": 40, "area": 100.0}
    recorder.close_week(Snapshot(5.0, later, realised, 1, 0, {"leavers": 2.0},
                                 levels={"backlog": 10.0}))
    [row] = recorder.rows
    assert row["value_arrivals"] == 50 and row["throughput_per_day"] == 8.0
    assert row["hours_project_work"] == 15.0 and row["leavers"] == 2.0
    assert row["projects_started"] == 1 and row["backlog"] == 10.0
    recorder.open_window(Snapshot(0.0, desk, realised, 0, 0, {"leavers": 0.0}))
    final = Final(backlog=10.0, revenue_index=1.0, capability=1.0, maturity=1.0,
                  benefits_sustained=math.nan, projects=[], active=1, on_time_tolerance=0.1)
    summary = recorder.summary(Snapshot(5.0, later, realised, 1, 0, {"leavers": 2.0}), final)
    assert summary["ops_time_in_system_mean"] == 0.5 and summary["attrition_count"] == 2.0
