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

A run whose day-job backlog passes ``operations.backlog_limit`` days of value
demand at the end of a day has *collapsed*: the desk can no longer keep up, and
every waiting item is held in memory, so the run stops there and records the day.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator

import numpy as np
import simpy
from simpy.core import StopSimulation
from simpy.events import Timeout

from sim.model import pmo, timeline
from sim.model.benefits import KINDS, BenefitLedger
from sim.model.operations import ServiceDesk
from sim.model.opex import Capability
from sim.model.people import People
from sim.model.projects import Portfolio, ProposalSource
from sim.model.recorder import Recorder
from sim.model.rng import Streams, buffered
from sim.model.teams import team_capacity
from sim.model.workforce import GROUPS, Staff, choose_team, multitasking_efficiency
from sim.schema.scenario import Operations, Scenario, apply_changes
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR


class Organisation(People):
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
            {g: getattr(wf, g).headcount for g in GROUPS if g != "pmo"},
            {g: getattr(wf, g).skill for g in GROUPS if g != "pmo"})
        self.desk = _service_desk(self.env, self.staff.size, scenario.operations, self.streams)
        p = scenario.projects
        self.portfolio = Portfolio(quality=p.quality, discovery_delay=p.discovery_delay,
                                   threshold=p.completion_threshold,
                                   estimate_error=p.estimate_error)
        self.ledger = BenefitLedger(scenario.benefits.erosion)
        self.recorder = Recorder(scenario.hours_per_day)
        self.capability = Capability(scenario.opex.capability_initial)
        self.maturity = scenario.pmo.maturity_initial
        self.value_rate = 0.0
        self.effort_multiplier = 1.0
        self.capability_level = 1.0
        self.p_defect = 0.0
        self.protected_time = 0.0
        self.pmo_type = "none"
        self.coverage = 0.0
        self.cancelled = self.rescued = 0
        self._rescues: dict[int, int] = {}  # project id: rescues so far
        self.events: list[dict] = []
        self._held: tuple[int, ...] = ()
        self._speed_key: tuple = ()
        self._in_system = 0
        self.collapsed_day: float | None = None
        self._pmo_checked = (-1, "")
        self._practices_key: tuple = ()
        self._counted: tuple[int, dict] = (-1, {})
        self._scenario_version = 0  # bumped whenever a timeline event changes the scenario
        self._sustaining = False
        self._tiebreak = self.streams.generator("staffing")
        self._changes = timeline.schedule(scenario.timeline)
        self._init_people()

    # -- running ----------------------------------------------------------------

    def run(self) -> None:
        """Simulate from time 0 to the scenario's horizon."""
        horizon = self.scenario.horizon
        self._set_project_practices()  # listed projects are estimated on day 0
        self._start_pipeline()
        self.recorder.open(self)
        if self.scenario.warmup == 0:
            self.recorder.open_window(self)
        self.env.process(self._daily_cycle())
        self.env.run(until=horizon)
        if self.collapsed_day is None:
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
        self._apply_timeline()
        self._hire_due()
        self._run_pmo()
        self._set_conditions(day)
        self._intake()
        self._rescue_late_projects()
        self._hold_waiting_projects()
        self._ask_for_sustainment()
        self._judge_and_divert(self.pressure())
        self._roster()
        self.desk.start_day(day + 1.0, self.value_rate)

    def _apply_timeline(self) -> None:
        """Make the changes due today: set or scale keys, undo pulses, change staff, join."""
        while self._changes and self._changes[0].time <= self.env.now:
            change = heapq.heappop(self._changes)
            event = change.event
            described = timeline.describe(event, change.ending)
            if change.ending:
                factors = {k: 1.0 / f for k, f in event.scale.items()}
                self.scenario = apply_changes(self.scenario, change.undo, factors)
            else:
                if event.for_ is not None:
                    document = self.scenario.model_dump(mode="json", by_alias=True)
                    heapq.heappush(self._changes, timeline.Change(
                        change.time + event.for_, change.order, change.index, event,
                        ending=True, undo=timeline.previous_values(document, event)))
                if event.set or event.scale:
                    self.scenario = apply_changes(self.scenario, event.set, event.scale)
                for group, count in event.staff.items():
                    self.change_headcount(group, count)
                if event.join is not None:
                    described = ", ".join(p for p in (described, self._join(event.join)) if p)
            self.staff.replan()
            self._scenario_version += 1
            self._judged_version = -1
            self._calm = False  # curves may have changed: refresh the factors
            self.events.append({"day": float(self.env.now), "event": change.index,
                                "label": event.label, "change": described})

    def _join(self, join) -> str:
        """People join a running project (a timeline event); say who joined."""
        project = next((p for p in self.portfolio.active if p.name == join.project), None)
        if project is None:
            return f"join {join.project}: not in progress"
        joined = self.add_to_project(project, join.people, join.from_, join.new_hires)
        return f"join {join.project}: {joined} of {join.people} joined"

    def _rescue_late_projects(self) -> None:
        """At each portfolio review, add people to the projects forecast to be late.

        Reviews fall on the days that are positive multiples of ``every``, and only
        projects that have run for at least that long are judged: a project has to
        have a track record to be late. A rescue counts (towards ``times`` and in
        ``projects_rescued``) when somebody joins; an attempt that finds nobody with
        room is logged and tried again at the next review.
        """
        policy = self.scenario.levers.rescue_late_projects
        now = self.env.now
        if policy is None or now < policy.every or now % policy.every >= 1.0:
            return
        for project in list(self.portfolio.active):
            if now - project.started < policy.every \
                    or self._rescues.get(project.id, 0) >= policy.times:
                continue
            slip = self.portfolio.forecast_slip(project, now)
            if slip <= policy.slip_above:
                continue
            joined = self.add_to_project(project, policy.people, policy.from_,
                                         policy.new_hires)
            if joined:
                self._rescues[project.id] = self._rescues.get(project.id, 0) + 1
                self.rescued += 1
            self.events.append({"day": float(now), "event": -1, "label": "rescue",
                                "change": f"rescue {project.name} (forecast slip {slip:.2f}): "
                                          f"{joined} of {policy.people} joined"})

    def _set_conditions(self, day: int) -> None:
        """Demand rate, defect probability, effort and speeds for the day ahead."""
        s = self.scenario
        ops = s.operations
        self.value_rate = base_demand(ops, day + 0.5) * self.ledger.demand_factor()
        self.capability_level = self.capability.level + self.ledger.level("capability")
        p_defect = ops.p_defect * (1.0 - self.ledger.level("failure_reduction"))
        self.p_defect = min(p_defect / self.capability_level, 1.0)
        self.effort_multiplier = 1.0 - self.ledger.level("productivity")
        staff = self.staff
        key = (self.capability_level, self.effort_multiplier, self.p_defect,
               staff.factor_version)
        if key != self._speed_key:
            self._speed_key = key
            speed = (staff.skill * staff.productivity_factor
                     * (self.capability_level / self.effort_multiplier))
            self.desk.speed[:] = speed.tolist()
            self.desk.p_defect[:] = np.minimum(self.p_defect * staff.defect_factor,
                                               1.0).tolist()
        self._set_project_practices()

    def _set_project_practices(self) -> None:
        """Estimate error, quality and discovery delay under today's PMO and maturity."""
        p = self.scenario.projects
        practices = pmo.bundle(self.scenario.pmo, self.scenario.levers.pmo, self.env.now)
        key = (self.maturity, self.pmo_type, self._scenario_version)
        if key == self._practices_key:
            return  # same PMO, same maturity, same scenario as yesterday
        self._practices_key = key
        effect = self.scenario.pmo.maturity_effect
        standard = pmo.keep_factor(practices.standardisation, self.maturity, effect)
        monitor = pmo.keep_factor(practices.monitoring, self.maturity, effect)
        self.portfolio.estimate_error = pmo.reduced(p.estimate_error, standard)
        rework = pmo.reduced(1.0 - p.quality, standard)
        self.portfolio.quality = p.quality if standard == 1.0 else 1.0 - rework
        self.portfolio.discovery_delay = pmo.reduced(p.discovery_delay, monitor)
        self.protected_time = max(self.scenario.levers.protected_time, practices.protected_time)
        self.wip_limit = practices.wip_limit or self.scenario.levers.wip_limit
        self.stage_gates = practices.stage_gates

    def pressure(self) -> float:
        """Ops pressure: items in system over what the SLA allows at today's demand.

        The items in system are counted once, when the day's books close; nothing
        can change them before the next day starts.
        """
        total_rate = self.value_rate / (1.0 - min(self.p_defect, 0.99))
        return self._in_system / max(total_rate * self.scenario.operations.sla, 1.0)

    def _intake(self) -> None:
        """Start proposals while WIP, capacity-awareness and staffing allow."""
        lev = self.scenario.levers
        while len(self.portfolio.active) < self.wip_limit:
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

    def _ask_for_sustainment(self) -> None:
        """Share out the effort delivered benefits need among whoever sustains them."""
        owner = self.scenario.levers.sustainment
        if owner == "none" and not self._sustaining:
            return
        ask = np.zeros(self.staff.size)
        per_day = self.scenario.benefits.sustain_effort / DAYS_PER_WEEK
        if owner == "opex":
            team = self.staff.members("opex")
            if len(team) and len(self.ledger):
                ask[team] = len(self.ledger) * per_day / len(team)
        elif owner == "project":
            for project in self.portfolio.projects:
                if project.status != "completed" or not project.benefits:
                    continue
                keepers = [i for i in project.team if self.staff.active[i]
                           and self.staff.hired_at[i] <= project.started]
                if keepers:
                    ask[keepers] += len(project.benefits) * per_day / len(keepers)
        self._sustaining = bool(ask.any())
        if not np.array_equal(ask, self.sustain_ask):
            self.sustain_ask = ask
            self.staff.replan()

    def _run_pmo(self) -> None:
        """Keep PMO staff in line with the PMO in force (a temporary one disbands)."""
        kind = pmo.active_type(self.scenario.levers.pmo, self.env.now)
        if self._pmo_checked == (self.staff.plan_version, kind):
            return  # nothing about the PMO or its staff changed since yesterday
        if kind != self.pmo_type:
            self.events.append({"day": float(self.env.now), "event": -1, "label": "pmo",
                                "change": f"PMO {self.pmo_type} -> {kind}"})
            self.pmo_type = kind
        wanted = self.scenario.pmo.bundles[kind].headcount
        staff = self.staff.members("pmo")
        pmo_group = GROUPS.index("pmo")
        hiring = sum(1 for _, seat in self._hires if self.staff.group[seat] == pmo_group)
        if len(staff) + hiring < wanted:
            self._grow("pmo", wanted - len(staff) - hiring, 1.0)
        for person in staff[wanted:].tolist():
            self._leave(person, backfill=False, reason="removed")
        self._pmo_checked = (self.staff.plan_version, kind)

    # -- end of day -------------------------------------------------------------

    def _end_day(self) -> None:
        self.desk.close_books()
        self._in_system = self.desk.in_system
        busy, overrun, per_server = self.desk.take_day_hours()
        split = self._split_working_time(None if per_server is None else np.asarray(per_server))
        required = len(self.ledger) * self.scenario.benefits.sustain_effort / DAYS_PER_WEEK
        self.coverage = min(split["sustainment"] / required, 1.0) if required > 0 else 0.0
        self.ledger.step(1.0, self.coverage, self.scenario.benefits.erosion)
        project_work = float(self._work_on_projects(split["project_time"]).sum()) \
            if self.portfolio.active else 0.0
        self._improve(split["improvement_time"])
        totals = self._plan_totals
        self.recorder.book_day(
            available=float(np.count_nonzero(self.staff.active)),
            ops_planned=totals["assigned_ops"], project_planned=totals["assigned_project"],
            improvement_planned=totals["assigned_improvement"],
            sustainment_planned=totals["assigned_sustainment"], diverted=totals["diverted"],
            ops_busy=busy, ops_idle=totals["duty"] - busy, overrun=overrun,
            project_work=project_work, project_idle=split["project"] - project_work,
            improvement=split["improvement"], sustainment=split["sustainment"],
            overhead=totals["overhead"], unassigned=totals["unassigned"])
        self._update_stress(self.pressure())
        self._gauge()
        self._attrition_today()
        self._end_day_pmo()
        now = self.env.now
        if now == self.scenario.warmup:
            self.recorder.open_window(self)
        if now % DAYS_PER_WEEK == 0 or now == self.scenario.horizon:
            self.recorder.close_week(self)
        self._stop_if_collapsed()

    def _stop_if_collapsed(self) -> None:
        """End the run when the backlog passes ``operations.backlog_limit`` days of demand.

        The day's week is closed so the weekly series ends on the day of the
        collapse; before the horizon the simulation stops at once (the next day
        never starts).
        """
        limit = self.scenario.operations.backlog_limit * max(self.value_rate, 1.0)
        if self._in_system <= limit:
            return
        now = self.env.now
        self.collapsed_day = float(now)
        if now % DAYS_PER_WEEK != 0 and now != self.scenario.horizon:
            self.recorder.close_week(self)
        if now < self.scenario.horizon:
            raise StopSimulation(None)

    def _split_working_time(self, overrun: np.ndarray | None) -> dict:
        """Split each person's time off duty between projects, improvement and sustainment.

        Overrun (finishing an item after the duty block) comes out of that time
        first and is owed back from the next duty block.
        """
        plan = self.plan
        t = self._plan_totals
        if overrun is not None:
            self.time_debt += overrun
            self._in_debt = True
        elif not (t["assigned_project"] or t["assigned_improvement"]
                  or t["assigned_sustainment"]):
            return self._idle_split()
        else:
            overrun = 0.0
        rest = 1.0 - plan.ops - plan.project - plan.improvement - plan.sustainment
        work = np.maximum(1.0 - self.duty_share - rest - overrun, 0.0)
        other = plan.improvement + plan.sustainment
        planned = plan.project + other
        project_share = np.divide(plan.project, planned, out=np.ones_like(planned),
                                  where=planned > 0.0)
        project_time = work * project_share
        other_time = work - project_time
        improvement_share = np.divide(plan.improvement, other, out=np.zeros_like(other),
                                      where=other > 0.0)
        improvement_time = other_time * improvement_share
        sustain_time = other_time - improvement_time
        return {"project_time": project_time, "improvement_time": improvement_time,
                "project": float(project_time.sum()),
                "improvement": float(improvement_time.sum()),
                "sustainment": float(sustain_time.sum())}

    def _idle_split(self) -> dict:
        """The split when nobody planned project, improvement or sustainment time."""
        zeros = np.zeros(self.staff.size)
        return {"project_time": zeros, "improvement_time": zeros, "project": 0.0,
                "improvement": 0.0, "sustainment": 0.0}

    def _improve(self, improvement_time: np.ndarray) -> None:
        """Improvement effort of the day; erosion; a kaizen cycle's gain when it ends."""
        params = self.scenario.opex
        staff = self.staff
        if improvement_time.any():
            self.capability.improve(float(improvement_time @ (staff.skill
                                                              * staff.productivity_factor)))
        self.capability.erode(1.0, params)
        if self.env.now % params.kaizen_cycle < 1.0:
            self.capability.land(params)

    def _end_day_pmo(self) -> None:
        """Maturity decays without a PMO; gates review projects when due."""
        params = self.scenario.pmo
        if self.pmo_type == "none":
            self.maturity = pmo.forget(self.maturity, 1.0, params.forgetting)
        elif self.stage_gates and params.cancel_slip is not None \
                and self.env.now % params.gate_interval < 1.0:
            for project in list(self.portfolio.active):
                if self.portfolio.forecast_slip(project, self.env.now) > params.cancel_slip:
                    self._cancel(project)

    def _cancel(self, project) -> None:
        self.portfolio.cancel(project, self.env.now)
        for person in project.team:
            self.staff.release(person, project.id)
        self.cancelled += 1

    def _work_on_projects(self, project_time: np.ndarray) -> np.ndarray:
        """Turn each member's project time into effort on their projects.

        Returns the time per person that found work to do.
        """
        staff = self.staff
        in_ops = (staff.group == GROUPS.index("operations")).astype(np.int64)
        streams = in_ops + staff.assignment_count
        efficiency = multitasking_efficiency(streams, self.scenario.workforce.multitasking)
        productivity = staff.skill * staff.productivity_factor * efficiency
        working = staff.allocated - self.on_hold
        used = np.zeros(staff.size)
        for project in list(self.portfolio.active):
            team = np.asarray(project.team, dtype=np.int64)
            if project.id in self._held or not len(team):
                time = np.zeros(len(team))
            else:
                time = project_time[team] * project.allocation / working[team]
            tenure = None
            if project.joined:
                tenure = np.array([self.env.now - project.joined.get(i, -np.inf)
                                   for i in project.team])
            capacity = team_capacity(time, productivity[team], tenure, self.scenario.projects)
            share = self.portfolio.work(project, capacity, float(time.sum()))
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
        if self.pmo_type != "none" and self.scenario.levers.pmo.lessons_learned:
            self.maturity = pmo.learn(self.maturity, self.scenario.pmo.learning_rate)

    # -- observation ------------------------------------------------------------

    def counts(self) -> dict[str, float]:
        """Cumulative counts of people and project events, for period differences."""
        return {"leavers": float(self.leavers), "removed": float(self.removed),
                "hires": float(self.hires), "cancelled": float(self.cancelled),
                "rescues": float(self.rescued)}

    def _headcounts(self) -> dict[str, float]:
        """People per group (recounted only when staff changed)."""
        if self._counted[0] != self.staff.plan_version:
            self._counted = (self.staff.plan_version, {
                f"headcount_{g}": float(self.staff.headcount(g))
                for g in ("operations", "projects", "opex", "pmo")})
        return self._counted[1]

    def _misalignment_mean(self) -> float:
        active = self.staff.active
        if not self.misaligned.any() or not active.any():
            return 0.0
        return float(self.misaligned[active].mean())

    def _gauge(self) -> None:
        """Integrate today's stress, misalignment and vacancies."""
        if self._calm and not self.misaligned.any():
            self.recorder.gauge_day(stress=0.0, stress_p90=0.0, stress_challenge=0.0,
                                    stress_hindrance=0.0, misalignment=0.0,
                                    vacancies=float(len(self._hires)))
            return
        active = self.staff.active
        stress = self.staff.stress[active]
        stressed = len(stress) and stress.any()
        self.recorder.gauge_day(
            stress=float(stress.mean()) if stressed else 0.0,
            stress_p90=percentile_90(stress) if stressed else 0.0,
            stress_challenge=_mean(self.staff.challenge[active]),
            stress_hindrance=_mean(self.staff.hindrance[active]),
            misalignment=self._misalignment_mean(),
            vacancies=float(len(self._hires)))

    def levels(self) -> dict[str, float]:
        """State variables at this moment, for the weekly series."""
        staff = self.staff
        active = staff.active
        stress = staff.stress[active]
        out = {
            "backlog": float(self.desk.in_system),
            "queue": float(len(self.desk.queue)),
            "pressure": self.pressure(),
            "demand_rate": self.value_rate,
            "p_defect": self.p_defect,
            "effort_multiplier": self.effort_multiplier,
            "capability": self.capability_level,
            **self._headcounts(),
            "vacancies": float(len(self._hires)),
            "stress_mean": float(stress.mean()) if len(stress) else 0.0,
            "stress_p90": percentile_90(stress) if len(stress) else 0.0,
            "stress_challenge_mean": _mean(staff.challenge[active]),
            "stress_hindrance_mean": _mean(staff.hindrance[active]),
            "misalignment_mean": self._misalignment_mean(),
            "maturity": self.maturity,
            "pmo_active": float(self.pmo_type != "none"),
            "sustainment_coverage": self.coverage,
            "benefits_sustained": self.ledger.sustained_share(),
            "projects_funnel": float(len(self.portfolio.funnel)),
            "projects_active": float(len(self.portfolio.active)),
            "revenue_index": 1.0 + self.ledger.level("revenue"),
        }
        for kind in KINDS:
            out[f"benefit_{kind}"] = self.ledger.level(kind)
        return out


def _mean(values: np.ndarray) -> float:
    """Mean of ``values``, 0 for none."""
    return float(values.mean()) if len(values) else 0.0


def percentile_90(values: np.ndarray) -> float:
    """The 90th percentile by nearest rank (cheaper than interpolating, daily)."""
    k = min(int(np.ceil(0.9 * len(values))) - 1, len(values) - 1)
    return float(np.partition(values, k)[k])


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
        sla=ops.sla,
        patience=None if ops.patience is None else _scaled(
            streams.generator("patience").standard_exponential, ops.patience))


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
