"""The organisation: the components of one run, wired together by one daily cycle.

Each subsystem is a component that owns its state (see docs/architecture.md):
the service desk (:mod:`~sim.model.operations`), the people
(:mod:`~sim.model.people`), the project portfolio (:mod:`~sim.model.delivery`),
the benefits handed over (:mod:`~sim.model.benefits`), operations capability
(:mod:`~sim.model.opex`), the PMO (:mod:`~sim.model.pmo`) and the timeline
(:mod:`~sim.model.timeline`). Work items move continuously (discrete events on
the desk); everything that is a stock in the system-dynamics sense is updated
once per working day, in this order:

start of day
    timeline changes; hires who start today; the PMO in force and its staff;
    the day's conditions (demand rate, capability, defects, effort, server
    speeds) and the PMO's practices; intake; rescues of late projects; holds;
    sustainment asks (with AI monitoring and retraining); rewards and diversion;
    the duty roster; the day's arrivals.
end of day
    the desk's books; each person's off-duty time; AI solutions in use (see
    :mod:`~sim.model.ai`, only with AI projects); benefits realised and eroded;
    project work and handovers; improvement and capability; the hours booked;
    stress; today's gauges; attrition; the PMO's evening (maturity, gates); the
    recorder's window and week; a collapse check. Money (:mod:`~sim.model.finance`)
    prices the day's time and benefits as a bystander: it changes nothing.

Adding a subsystem is one module with a component class and one line in each
half of this order.
"""

from __future__ import annotations

import numpy as np
import simpy
from simpy.core import StopSimulation

from sim.model import ai, timeline
from sim.model.benefits import BenefitLedger
from sim.model.conditions import Conditions
from sim.model.delivery import Delivery
from sim.model.finance import MoneyBook
from sim.model.operations import ServiceDesk
from sim.model.opex import Capability
from sim.model.people import People
from sim.model.pmo import Pmo
from sim.model.recorder import Final, Recorder, Snapshot
from sim.model.rng import Streams
from sim.schema.scenario import Scenario
from sim.units import DAYS_PER_WEEK


class Organisation:
    """One replication of a scenario, ready to run.

    Parameters
    ----------
    scenario
        The validated scenario.
    seed
        The replication's seed sequence.
    records
        Whether the service desk keeps a record of every item (off by default; it
        changes no figure).
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence, records: bool = False):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        wf = scenario.workforce
        servers = sum(getattr(wf, g).headcount for g in ("operations", "projects", "opex"))
        self.desk = ServiceDesk.for_scenario(servers, scenario.operations, self.streams,
                                             records)
        self.people = People(scenario, self.env, self.desk, self.streams)
        self.delivery = Delivery(scenario, self.env, self.people)
        self.benefits = BenefitLedger(scenario.benefits.erosion)
        self.capability = Capability(scenario.opex.capability_initial)
        self.ai = (ai.AiOperations(scenario.ai, scenario.levers.ai_operations, self.streams)
                   if ai.has_ai(scenario) else None)
        self._ai_ask: np.ndarray | None = None
        self.pmo = Pmo(scenario)
        self.timeline = timeline.Timeline(scenario.timeline)
        self.recorder = Recorder(scenario.hours_per_day)
        self.money = MoneyBook(scenario)
        self.today = Conditions()
        self.coverage = 0.0
        self.collapsed_day: float | None = None
        self._in_system = 0
        self._speed_key: tuple = ()

    @property
    def events(self) -> list[dict]:
        """Every logged change (timeline, PMO, rescues), in the order they happened."""
        logs = (self.timeline.events, self.pmo.events, self.delivery.events)
        return sorted((e for log in logs for e in log), key=lambda e: e["day"])

    # -- running ----------------------------------------------------------------

    def start(self) -> None:
        """Set the run up at time 0: the pipeline, the recorder and the daily cycle.

        :meth:`run` calls it; a test may call it and then step ``env`` itself.
        """
        self._apply_practices()  # listed projects are estimated on day 0
        self.delivery.start_pipeline(self.streams)
        self.recorder.open(self.snapshot())
        if self.scenario.warmup == 0:
            self._open_window()
        self.env.process(self._daily_cycle())

    def run(self) -> None:
        """Simulate from time 0 to the scenario's horizon."""
        self.start()
        self.env.run(until=self.scenario.horizon)
        if self.collapsed_day is None:
            self._end_day()

    def _daily_cycle(self):
        day = 0
        while True:
            self._begin_day(day)
            yield self.env.timeout(1.0)
            day += 1
            self._end_day()

    def _begin_day(self, day: int) -> None:
        now = self.env.now
        self._apply_timeline()
        self.people.hire_due()
        self.pmo.morning(now)
        self.people.keep_group("pmo", self.pmo.headcount)
        self._set_conditions(day)
        self.delivery.intake(self.pressure())
        self.delivery.rescue_late_projects()
        self.delivery.hold_waiting_projects()
        s = self.scenario
        if self.ai is not None:
            self._ai_ask = self.people.upkeep_ask(s.levers.ai_operations, self.ai.asks())
        self.people.ask_for_sustainment(s.levers.sustainment,
                                        s.benefits.sustain_effort / DAYS_PER_WEEK,
                                        len(self.benefits), self.delivery.keepers(),
                                        self._ai_ask)
        self.people.judge_and_divert(self.pressure())
        self.people.roster()
        self.desk.start_day(day + 1.0, self.today.value_rate)

    def _apply_timeline(self) -> None:
        """Make the changes due today: set or scale keys, undo pulses, change staff, join."""
        now = self.env.now
        for change in self.timeline.due(now):
            self._reconfigure(self.timeline.scenario_after(change, self.scenario))
            event = change.event
            described = timeline.describe(event, change.ending)
            if not change.ending:
                for group, count in event.staff.items():
                    self.people.change_headcount(group, count)
                if event.join is not None:
                    joined = self.delivery.join(event.join)
                    described = ", ".join(p for p in (described, joined) if p)
            self.timeline.log(now, change, described)

    def _reconfigure(self, scenario: Scenario) -> None:
        """Hand the scenario in force to every component."""
        self.scenario = scenario
        for component in (self.people, self.delivery, self.pmo):
            component.reconfigure(scenario)
        if self.ai is not None:
            self.ai.reconfigure(scenario)

    def _set_conditions(self, day: int) -> None:
        """Demand rate, defect probability, effort and speeds for the day ahead."""
        today = self.today = Conditions.for_day(self.scenario.operations, day, self.benefits,
                                                self.capability.level)
        if self.ai is not None:
            today = self.today = self.ai.conditions(today)
        key = (today.capability, today.effort_multiplier, today.p_defect,
               self.people.staff.factor_version)
        if key != self._speed_key:
            self._speed_key = key
            self.desk.set_servers(self.people.speeds(today.capability, today.effort_multiplier),
                                  self.people.defect_probabilities(today.p_defect))
        self._apply_practices()

    def _apply_practices(self) -> None:
        """Hand what the PMO in force and maturity do to the projects and the people."""
        practices = self.pmo.practices(self.env.now)
        if practices is not None:  # else: same PMO, maturity and scenario as yesterday
            self.delivery.adopt(practices)
            self.people.protected_time = practices.protected_time

    def pressure(self) -> float:
        """Ops pressure: items in system over what the SLA allows at today's demand.

        The items in system are counted once, when the day's books close; nothing
        can change them before the next day starts.
        """
        sla = self.scenario.operations.sla
        return self._in_system / max(self.today.total_rate() * sla, 1.0)

    # -- end of day -------------------------------------------------------------

    def _end_day(self) -> None:
        s, people, now = self.scenario, self.people, self.env.now
        self.desk.close_books(now)
        self._in_system = self.desk.in_system
        busy, overrun, per_server = self.desk.take_day_hours()
        split = people.split_working_time(None if per_server is None
                                          else np.asarray(per_server))
        required = len(self.benefits) * s.benefits.sustain_effort / DAYS_PER_WEEK
        sustained = split["sustainment"]
        if self.ai is not None:
            self.money.book_ai([(a.kind, a.effect) for a in self.ai.solutions])
            ai_time = self.people.upkeep_time(split, self._ai_ask)
            sustained -= ai_time
            self.ai.day(ai_time, now, self.desk.add_failure)
        self.coverage = min(sustained / required, 1.0) if required > 0 else 0.0
        self.money.book_day(now, people.staff, people.plan, split, self.benefits.realised)
        self.benefits.step(1.0, self.coverage, s.benefits.erosion)
        project_work, completed = self.delivery.work(split["project_time"])
        for project in completed:
            self.benefits.hand_over(project.benefits)
            self.money.hand_over(project.id, [b.kind for b in project.benefits])
            if project.ai is not None:
                self.ai.hand_over(project.name, project.ai, project.gate, project.team,
                                  project.started)
            self.pmo.learn()
        improvement = split["improvement_time"]
        self.capability.day(people.improvement_effort(improvement) if improvement.any()
                            else None, now, s.opex)
        self.recorder.book_day(**people.hours(busy, overrun, split, project_work))
        people.update_stress(self.pressure(), self.delivery.schedule_pressure)
        self.recorder.gauge_day(**people.gauges())
        people.attrition_today()
        if self.pmo.evening(now, self.delivery.stage_gates):
            self.delivery.review_at_gates(s.pmo.cancel_slip)
        if now == s.warmup:
            self._open_window()
        self.money.mark(now, people.hires)
        if now % DAYS_PER_WEEK == 0 or now == s.horizon:
            self.recorder.close_week(self.snapshot(levels=True))
        self._stop_if_collapsed()

    def _stop_if_collapsed(self) -> None:
        """End the run (closing its week) when the backlog passes the collapse limit."""
        limit = self.scenario.operations.backlog_limit * max(self.today.value_rate, 1.0)
        if self._in_system <= limit:
            return
        now = self.env.now
        self.collapsed_day = float(now)
        if now % DAYS_PER_WEEK != 0 and now != self.scenario.horizon:
            self.recorder.close_week(self.snapshot(levels=True))
        if now < self.scenario.horizon:
            raise StopSimulation(None)

    def _open_window(self) -> None:
        self.recorder.open_window(self.snapshot())
        if self.ai is not None:
            self.ai.open_window()

    # -- what the recorder reads -------------------------------------------------

    def snapshot(self, levels: bool = False) -> Snapshot:
        """What the components publish now (with the state variables if ``levels``)."""
        delivery = self.delivery
        counts = {**self.people.counts(), **delivery.counts(),
                  **self.money.counts(self.people.hires)}
        if self.ai is not None:
            counts.update(self.ai.counts())
        return Snapshot(self.env.now, self.desk.counters(), self.benefits.realised_days,
                        delivery.starts, delivery.completions, counts,
                        self.levels() if levels else None)

    def levels(self) -> dict[str, float]:
        """State variables now, for the weekly series."""
        out = {**self.desk.levels(), "pressure": self.pressure(), **self.today.levels(),
               **self.people.levels(), **self.pmo.levels(), **self.delivery.levels(),
               "sustainment_coverage": self.coverage, **self.benefits.levels()}
        if self.ai is not None:
            out.update(self.ai.levels())
        return out

    def summary(self) -> dict[str, float]:
        """The run's summary KPIs over the window after the warm-up."""
        book = self.delivery.book
        final = Final(backlog=float(self.desk.in_system),
                      revenue_index=1.0 + self.benefits.level("revenue"),
                      capability=self.today.capability, maturity=self.pmo.maturity,
                      benefits_sustained=self.benefits.sustained_share(),
                      projects=book.projects, active=len(book.active),
                      on_time_tolerance=self.scenario.projects.on_time_tolerance)
        return {**self.recorder.summary(self.snapshot(), final), **ai.summary(self.ai),
                **self.money.summary(self.env.now, self.people.hires)}
