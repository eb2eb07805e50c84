"""The organisation: subsystems wired together by one daily cycle.

Work items move continuously (discrete events on the service desk); everything
that is a stock in the system-dynamics sense (project work, benefits, people's
plans) is updated once per working day, in this order:

* at the start of a day: set today's demand rate, defect probability, effort
  multiplier and server speeds from the benefits in force; start projects from
  the funnel (the PMO's intake); plan every person's day and put them on the
  operations duty roster;
* at the end of a day: close the desk's books; advance the benefits in force
  during the day; turn each person's remaining time into project effort (time
  spent finishing an item after a duty block ended is owed back from the next
  duty block, so the planned split holds on average); move the rework cycle and
  hand over completed projects; book everybody's hours; write the week's row
  every five days.

A project whose work to do has run out but whose hidden rework has not yet
surfaced is *on hold*: its team works the day job until rework is found.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import simpy
from simpy.events import Timeout

from sim.model.benefits import KINDS, BenefitLedger
from sim.model.operations import Alarm, ServiceDesk
from sim.model.projects import Portfolio, ProposalSource
from sim.model.recorder import Recorder
from sim.model.rng import Streams, buffered
from sim.model.workforce import (
    GROUPS,
    Staff,
    choose_team,
    duty_windows,
    multitasking_efficiency,
    plan_day,
)
from sim.schema.scenario import Operations, Scenario
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

_EPS = 1e-12


class Organisation:
    """One replication of a scenario, ready to run.

    Parameters
    ----------
    scenario
        The validated scenario.
    seed
        The replication's seed sequence.
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        wf = scenario.workforce
        self.staff = Staff.from_groups(
            {g: getattr(wf, g).headcount for g in GROUPS},
            {g: getattr(wf, g).skill for g in GROUPS})
        self.servers = wf.operations.headcount
        self.desk = _service_desk(self.env, self.servers, scenario.operations, self.streams)
        p = scenario.projects
        self.portfolio = Portfolio(quality=p.quality, discovery_delay=p.discovery_delay,
                                   threshold=p.completion_threshold,
                                   estimate_error=p.estimate_error)
        self.ledger = BenefitLedger(scenario.benefits.erosion)
        self.recorder = Recorder(scenario.hours_per_day)
        self.capability = 1.0
        self.value_rate = 0.0
        self.effort_multiplier = 1.0
        self.ops_share = np.zeros(self.staff.size)
        self.project_share = np.zeros(self.staff.size)
        self.duty_share = np.zeros(self.staff.size)
        self.time_debt = np.zeros(self.staff.size)
        self._planned_version = -1
        self._held: tuple[int, ...] = ()
        self.on_hold = np.zeros(self.staff.size)
        self._splits = False
        self._in_debt = False
        self._plan_totals: dict[str, float] = {}
        self._on = [self._duty_callback(i, True) for i in range(self.servers)]
        self._off = [self._duty_callback(i, False) for i in range(self.servers)]
        self._tiebreak = self.streams.generator("staffing")

    # -- running ----------------------------------------------------------------

    def run(self) -> None:
        """Simulate from time 0 to the scenario's horizon."""
        horizon = self.scenario.horizon
        self._start_pipeline()
        self.recorder.open(self)
        if self.scenario.warmup == 0:
            self.recorder.open_window(self)
        self.env.process(self._daily_cycle())
        self.env.run(until=horizon)
        self._end_day()

    def _daily_cycle(self):
        day = 0
        while True:
            self._begin_day(day)
            yield self.env.timeout(1.0)
            day += 1
            self._end_day()

    def _start_pipeline(self) -> None:
        p = self.scenario.projects
        for template in p.templates:
            if template.per_year > 0:
                key = template.name
                source = ProposalSource(
                    template, p.size_cv,
                    gaps=self.streams.exponential(f"template:{key}:proposals"),
                    sizes=self.streams.normal(f"template:{key}:size"),
                    errors=self.streams.normal(f"template:{key}:estimate"))
                self.env.process(self._propose_from(source))
        errors = self.streams.normal("portfolio:estimate")
        for spec in p.portfolio:
            z = next(errors)
            if spec.start == 0:
                self.portfolio.propose_planned(spec, z, 0.0)
            else:
                Timeout(self.env, spec.start).callbacks.append(
                    lambda _e, spec=spec, z=z: self.portfolio.propose_planned(
                        spec, z, self.env.now))

    def _propose_from(self, source: ProposalSource):
        template = source.template
        count = 0
        while True:
            yield self.env.timeout(source.next_gap())
            count += 1
            size, z = source.draw()
            self.portfolio.propose(f"{template.name}-{count}", template.name, size, z,
                                   template.team, template.benefits, self.env.now)

    # -- start of day -----------------------------------------------------------

    def _begin_day(self, day: int) -> None:
        self._set_conditions(day)
        self._intake()
        self._hold_waiting_projects()
        self._roster()
        self.desk.start_day(day + 1.0, self.value_rate)

    def _set_conditions(self, day: int) -> None:
        """Demand rate, defect probability, effort and speeds for the day ahead."""
        ops = self.scenario.operations
        self.value_rate = base_demand(ops, day + 0.5) * self.ledger.demand_factor()
        self.capability = 1.0 + self.ledger.level("capability")
        p_defect = ops.p_defect * (1.0 - self.ledger.level("failure_reduction"))
        self.desk.p_defect = min(p_defect / self.capability, 1.0)
        self.effort_multiplier = 1.0 - self.ledger.level("productivity")
        n = self.servers
        speed = (self.staff.skill[:n] * self.staff.productivity_factor[:n]
                 * (self.capability / self.effort_multiplier))
        self.desk.speed[:] = speed.tolist()

    def pressure(self) -> float:
        """Ops pressure: items in system over what the SLA allows at today's demand."""
        total_rate = self.value_rate / (1.0 - min(self.desk.p_defect, 0.99))
        return self.desk.in_system / max(total_rate * self.scenario.operations.sla, 1.0)

    def _intake(self) -> None:
        """Start proposals while WIP, capacity-awareness and staffing allow."""
        lev = self.scenario.levers
        while len(self.portfolio.active) < lev.wip_limit:
            if lev.capacity_aware_intake and self.pressure() >= lev.intake_pressure_max:
                return
            project = self.portfolio.next_in_line(lev.intake_order)
            if project is None:
                return
            tiebreak = self._tiebreak.random(self.staff.size)
            team = choose_team(self.staff, lev.staffing_source, project.team_size,
                               lev.allocation, self.scenario.workforce.max_assignments,
                               tiebreak)
            if team is None:
                return
            for person in team:
                self.staff.assign(int(person), project.id, lev.allocation, self.env.now)
            self.portfolio.start(project, team, lev.allocation, self.staff.skill, self.env.now)
            self.recorder.starts += 1

    def _hold_waiting_projects(self) -> None:
        """Send teams of projects that only wait for rework to surface back to the day job."""
        held = tuple(p.id for p in self.portfolio.active
                     if self.portfolio.waiting_for_rework(p))
        if held == self._held:
            return
        self._held = held
        self.on_hold[:] = 0.0
        for project in self.portfolio.active:
            if project.id in held:
                self.on_hold[project.team] += project.allocation
        self.staff.replan()

    def _roster(self) -> None:
        """Plan everybody's day and put day-job blocks on the duty roster.

        When no plan input changed, nobody changes duty within the day and
        nobody owes time, yesterday's roster stands and nothing needs doing.
        """
        staff = self.staff
        if staff.plan_version == self._planned_version and not self._splits \
                and not self._in_debt:
            return
        self._planned_version = staff.plan_version
        self.ops_share, self.project_share = plan_day(staff, self.on_hold)
        # Debt is owed by the project time to the day job; with no project time
        # or no day job in the plan there is nothing to repay it from.
        self.time_debt[(self.project_share <= _EPS) | (self.ops_share <= _EPS)] = 0.0
        payback = np.minimum(self.time_debt, self.ops_share)
        self.time_debt -= payback
        self._in_debt = bool(self.time_debt.any())
        self.duty_share = self.ops_share - payback
        self._plan_totals = {"ops_planned": float(self.ops_share.sum()),
                             "project_planned": float(self.project_share.sum()),
                             "duty": float(self.duty_share.sum())}
        desk = self.desk
        shares = self.duty_share[: self.servers]
        full, none = shares >= 1.0 - _EPS, shares <= _EPS
        on_duty = np.array(desk.on_duty, dtype=bool)
        split = ~(full | none)
        self._splits = bool(split.any())
        for person in np.flatnonzero(split | (full & ~on_duty) | (none & on_duty)).tolist():
            windows = duty_windows(staff.phase[person], float(shares[person]))
            if windows and windows[0][0] <= _EPS:
                desk.go_on_duty(person)
            else:
                desk.go_off_duty(person)
            for start, end in windows:
                if start > _EPS:
                    Alarm(self.env, start, self._on[person])
                if end < 1.0 - _EPS:
                    Alarm(self.env, end, self._off[person])

    def _duty_callback(self, person: int, on: bool):
        if on:
            return lambda _event: self.desk.go_on_duty(person)
        return lambda _event: self.desk.go_off_duty(person)

    # -- end of day -------------------------------------------------------------

    def _end_day(self) -> None:
        self.desk.close_books()
        busy_on, overrun_list = self.desk.take_day_hours()
        busy, overrun = sum(busy_on), sum(overrun_list)
        self.ledger.step(1.0, self.scenario.levers.sustainment_coverage)
        totals = self._plan_totals
        project_time = project_work = 0.0
        if self.portfolio.active or overrun > 0.0:
            over = np.zeros(self.staff.size)
            over[: self.servers] = overrun_list
            self.time_debt += over
            self._in_debt = True
            unassigned = 1.0 - self.ops_share - self.project_share
            time = np.maximum(1.0 - self.duty_share - unassigned - over, 0.0)
            project_time = float(time.sum())
            project_work = float(self._work_on_projects(time).sum())
        self.recorder.book_day(
            ops_planned=totals["ops_planned"], project_planned=totals["project_planned"],
            ops_busy=busy, ops_idle=totals["duty"] - busy, overrun=overrun,
            project_work=project_work, project_idle=project_time - project_work,
            unassigned=self.staff.size - totals["ops_planned"] - totals["project_planned"])
        now = self.env.now
        if now == self.scenario.warmup:
            self.recorder.open_window(self)
        if now % DAYS_PER_WEEK == 0 or now == self.scenario.horizon:
            self.recorder.close_week(self)

    def _work_on_projects(self, project_time: np.ndarray) -> np.ndarray:
        """Turn each member's project time into effort on their projects.

        Returns the time per person that found work to do.
        """
        staff = self.staff
        if not self.portfolio.active:
            return np.zeros(staff.size)
        in_ops = (staff.group == GROUPS.index("operations")).astype(np.int64)
        streams = in_ops + staff.assignment_count
        efficiency = multitasking_efficiency(streams, self.scenario.workforce.multitasking)
        productivity = staff.skill * staff.productivity_factor * efficiency
        working = staff.allocated - self.on_hold
        used = np.zeros(staff.size)
        for project in list(self.portfolio.active):
            team = np.asarray(project.team)
            if project.id in self._held:
                time = np.zeros(len(team))
            else:
                time = project_time[team] * project.allocation / working[team]
            share = self.portfolio.work(project, float(time @ productivity[team]),
                                        float(time.sum()))
            used[team] += time * share
            if self.portfolio.is_complete(project):
                self._hand_over(project)
        return used

    def _hand_over(self, project) -> None:
        self.portfolio.complete(project, self.env.now)
        for person in project.team:
            self.staff.release(person, project.id)
        self.ledger.hand_over(project.benefits)
        self.recorder.completions += 1

    # -- observation ------------------------------------------------------------

    def levels(self) -> dict[str, float]:
        """State variables at this moment, for the weekly series."""
        out = {
            "backlog": float(self.desk.in_system),
            "queue": float(len(self.desk.queue)),
            "pressure": self.pressure(),
            "demand_rate": self.value_rate,
            "p_defect": self.desk.p_defect,
            "effort_multiplier": self.effort_multiplier,
            "capability": self.capability,
            "headcount_operations": float(self.servers),
            "headcount_projects": float(self.staff.size - self.servers),
            "projects_funnel": float(len(self.portfolio.funnel)),
            "projects_active": float(len(self.portfolio.active)),
            "revenue_index": 1.0 + self.ledger.level("revenue"),
        }
        for kind in KINDS:
            out[f"benefit_{kind}"] = self.ledger.level(kind)
        return out


def base_demand(ops: Operations, t: float) -> float:
    """Value demand per day at time ``t`` before benefits: growth and seasonality."""
    growth = (1.0 + ops.demand_growth) ** (t / DAYS_PER_YEAR)
    season = ops.seasonality
    wave = 1.0 + season.amplitude * math.cos(2.0 * math.pi * (t - season.peak) / season.period)
    return ops.demand * growth * wave


def _service_desk(env: simpy.Environment, servers: int, ops: Operations,
                  streams: Streams) -> ServiceDesk:
    return ServiceDesk(
        env, servers, arrivals=streams.exponential("arrivals"),
        value_effort=_effort_source(streams.generator("service"), ops),
        failure_effort=_effort_source(streams.generator("failure_service"), ops),
        defect_draws=streams.uniform("defects"),
        defect_delays=_scaled(streams.generator("defect_delay").standard_exponential,
                              ops.defect_delay),
        sla=ops.sla)


def _scaled(draw, scale: float) -> Iterator[float]:
    return buffered(lambda n: draw(n) * scale)


def _effort_source(gen: np.random.Generator, ops: Operations) -> Iterator[float]:
    """Efforts per item in person-days, from the scenario's service distribution."""
    mean = ops.service_mean
    if ops.service == "exponential":
        return _scaled(gen.standard_exponential, mean)
    if ops.service == "deterministic":
        return buffered(lambda n: np.full(n, mean))
    sigma2 = math.log1p(ops.service_cv ** 2)
    mu = math.log(mean) - sigma2 / 2.0
    return buffered(lambda n: np.exp(mu + math.sqrt(sigma2) * gen.standard_normal(n)))
