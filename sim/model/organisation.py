"""The organisation: the components of one run, wired together by one daily cycle.

Each subsystem is a :class:`~sim.model.component.Component` that owns its state
(see docs/architecture.md): the PMO (:mod:`~sim.model.pmo`), the workforce
(:mod:`~sim.model.staffing`), operations capability (:mod:`~sim.model.opex`),
the benefits handed over (:mod:`~sim.model.benefits`), AI solutions in use
(:mod:`~sim.model.ai`, only in a scenario with AI projects), each person's
stress (:mod:`~sim.model.wellbeing`), the project portfolio
(:mod:`~sim.model.delivery`), day plans and the duty roster
(:mod:`~sim.model.roster`), rewards (:mod:`~sim.model.rewards`) and money
(:mod:`~sim.model.finance`). Work items move continuously on the service desk
(:mod:`~sim.model.operations`, discrete events); everything that is a stock in
the system-dynamics sense is updated once per working day.

The organisation opens a :class:`~sim.model.component.Day` each morning,
applies the timeline's changes, and calls ``begin_day`` on the components of
:attr:`Organisation.morning` in turn; the desk then opens for the day. When the
day ends it closes the desk's books and calls ``end_day`` on the components of
:attr:`Organisation.evening`, then ``close_day`` on the same list, and books
the day, the warm-up's end, the week and a collapse check with the recorder.
Each component reads what those before it published on the day record.

Adding a subsystem is one component and its place in each of the two lists.
"""

from __future__ import annotations

import numpy as np
import simpy
from simpy.core import StopSimulation

from sim.model import ai, day_kernel, timeline
from sim.model.benefits import BenefitLedger
from sim.model.component import Component, Day
from sim.model.delivery import Delivery
from sim.model.finance import MoneyBook
from sim.model.operations import ServiceDesk
from sim.model.opex import Capability
from sim.model.pmo import Pmo
from sim.model.projects import Project
from sim.model.recorder import Final, Recorder, Snapshot
from sim.model.rewards import Rewards
from sim.model.rng import Streams
from sim.model.roster import Roster
from sim.model.staffing import Workforce
from sim.model.wellbeing import Wellbeing
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
        day_kernel.ready()
        self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        wf = scenario.workforce
        servers = sum(getattr(wf, g).headcount for g in ("operations", "projects", "opex"))
        self.desk = ServiceDesk.for_scenario(servers, scenario.operations, self.streams,
                                             records)
        self.workforce = Workforce(scenario, self.env, self.desk, self.streams)
        seats = self.workforce.seats
        self.wellbeing = Wellbeing(scenario, self.env, seats, self.desk)
        self.rewards = Rewards(scenario, seats)
        self.roster = Roster(scenario, self.workforce, self.desk, self.rewards)
        self.delivery = Delivery(scenario, self.env, self.workforce)
        self.benefits = BenefitLedger(scenario.benefits.erosion, scenario)
        self.capability = Capability(scenario.opex.capability_initial, params=scenario.opex)
        self.pmo = Pmo(scenario)
        self.money = MoneyBook(scenario)
        solutions = [ai.AiOperations(scenario.ai, scenario.levers.ai_operations, self.streams,
                                     self.desk.add_failure)] if ai.has_ai(scenario) else []
        self.morning: tuple[Component, ...] = (
            self.pmo, self.workforce, self.capability, self.benefits, *solutions,
            self.wellbeing, self.delivery, self.roster)
        """Who takes part in the start of the day, in order."""
        self.evening: tuple[Component, ...] = (
            self.roster, self.delivery, self.money, *solutions, self.benefits,
            self.wellbeing, self.capability, self.rewards, self.workforce, self.pmo)
        """Who takes part in the end of the day, in order."""
        self.components: tuple[Component, ...] = (
            self.workforce, self.wellbeing, self.rewards, self.roster, self.pmo,
            self.delivery, self.benefits, self.capability, *solutions, self.money)
        """Every component, in the order their counts and levels are read."""
        self.workforce.tell(self.components)
        self._hooks = {name: _taking_part(components, name) for name, components in (
            ("begin_day", self.morning), ("end_day", self.evening),
            ("close_day", self.evening), ("reconfigure", self.components),
            ("open_window", self.components), ("counts", self.components),
            ("levels", self.components), ("summary", self.components),
            ("log", self.components))}
        self.timeline = timeline.Timeline(scenario.timeline)
        self.recorder = Recorder(scenario.hours_per_day)
        self.day = Day(-1, 0.0, 0, scenario.operations.sla)
        self.collapsed_day: float | None = None

    @property
    def events(self) -> list[dict]:
        """Every logged change (timeline, PMO, rescues), in the order they happened."""
        logs = [self.timeline.events, *(log() for log in self._hooks["log"])]
        return sorted((e for log in logs for e in log), key=lambda e: e["day"])

    # -- running ----------------------------------------------------------------

    def start(self) -> None:
        """Set the run up at time 0: the pipeline, the recorder and the daily cycle.

        :meth:`run` calls it; a test may call it and then step ``env`` itself.
        """
        practices = self.pmo.practices(0.0)  # listed projects are estimated on day 0
        self.delivery.adopt(practices)
        self.roster.protect(practices.protected_time)
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

    def _begin_day(self, number: int) -> None:
        self._apply_timeline()
        today = self.day = Day(number, self.env.now, self.day.in_system,
                               self.scenario.operations.sla)
        for begin_day in self._hooks["begin_day"]:
            begin_day(today)
        self.desk.start_day(number + 1.0, today.conditions.value_rate)

    def _apply_timeline(self) -> None:
        """Make the changes due today: set or scale keys, undo pulses, change staff, join."""
        now = self.env.now
        for change in self.timeline.due(now):
            self.scenario = self.timeline.scenario_after(change, self.scenario)
            for reconfigure in self._hooks["reconfigure"]:
                reconfigure(self.scenario)
            event = change.event
            described = timeline.describe(event, change.ending)
            if not change.ending:
                for group, count in event.staff.items():
                    self.workforce.change_headcount(group, count)
                if event.join is not None:
                    joined = self.delivery.join(event.join)
                    described = ", ".join(p for p in (described, joined) if p)
            self.timeline.log(now, change, described)

    def _end_day(self) -> None:
        today, now = self.day, self.env.now
        today.now = now
        self.desk.close_books(now)
        today.in_system = self.desk.in_system
        today.busy, today.overrun, per_server = self.desk.take_day_hours()
        today.overrun_by_person = None if per_server is None else np.asarray(per_server)
        for end_day in self._hooks["end_day"]:
            end_day(today)
        for close_day in self._hooks["close_day"]:
            close_day(today)
        self.recorder.book_day(**today.hours)
        self.recorder.gauge_day(**today.gauges)
        if now == self.scenario.warmup:
            self._open_window()
        if now % DAYS_PER_WEEK == 0 or now == self.scenario.horizon:
            self.recorder.close_week(self.snapshot(levels=True))
        self._stop_if_collapsed()

    def _stop_if_collapsed(self) -> None:
        """End the run (closing its week) when the backlog passes the collapse limit."""
        limit = self.scenario.operations.backlog_limit * max(self.day.conditions.value_rate,
                                                             1.0)
        if self.day.in_system <= limit:
            return
        now = self.env.now
        self.collapsed_day = float(now)
        if now % DAYS_PER_WEEK != 0 and now != self.scenario.horizon:
            self.recorder.close_week(self.snapshot(levels=True))
        if now < self.scenario.horizon:
            raise StopSimulation(None)

    def _open_window(self) -> None:
        self.recorder.open_window(self.snapshot())
        for open_window in self._hooks["open_window"]:
            open_window()

    # -- what the recorder reads -------------------------------------------------

    def pressure(self) -> float:
        """Ops pressure now (see :meth:`sim.model.component.Day.pressure`)."""
        return self.day.pressure()

    def snapshot(self, levels: bool = False) -> Snapshot:
        """What the components publish now (with the state variables if ``levels``)."""
        counts: dict[str, float] = {}
        for component_counts in self._hooks["counts"]:
            counts.update(component_counts())
        starts, completions = self.delivery.progress()
        return Snapshot(self.env.now, self.desk.counters(), self.benefits.realised_so_far(),
                        starts, completions, counts, self.levels() if levels else None)

    def levels(self) -> dict[str, float]:
        """State variables now, for the weekly series."""
        out = {**self.desk.levels(), "pressure": self.pressure(),
               **self.day.conditions.levels()}
        for component_levels in self._hooks["levels"]:
            out.update(component_levels())
        return out

    def summary(self) -> dict[str, float]:
        """The run's summary KPIs over the window after the warm-up."""
        final = Final(backlog=float(self.desk.in_system),
                      revenue_index=1.0 + self.benefits.level("revenue"),
                      capability=self.day.conditions.capability,
                      maturity=self.pmo.levels()["maturity"],
                      benefits_sustained=self.benefits.sustained_share(),
                      projects=self.delivery.projects(), active=self.delivery.in_progress(),
                      on_time_tolerance=self.scenario.projects.on_time_tolerance)
        out = {**self.recorder.summary(self.snapshot(), final), **ai.ABSENT}
        for component_summary in self._hooks["summary"]:
            out.update(component_summary(self.env.now))
        return out

    def people_records(self) -> tuple[list[tuple[int, float, float]], np.ndarray, np.ndarray,
                                      np.ndarray]:
        """Who left (seat, hired, left) and, per seat, when hired, whether active, the group."""
        return self.workforce.people_records()

    def item_records(self) -> np.ndarray:
        """The desk's record of every item (only when the run keeps records)."""
        return self.desk.item_records()

    def projects(self) -> list[Project]:
        """Every project proposed during the run (read only)."""
        return self.delivery.projects()

    def project_money(self, project: Project) -> dict[str, float]:
        """One project's money columns (see ``docs/results.md``)."""
        slip_days = project.finished - project.started - project.planned_duration
        return self.money.project_money(project.id, project.effort,
                                        self.scenario.levers.staffing_source,
                                        project.benefits, slip_days)

    def weekly_rows(self) -> list[dict]:
        """The weekly rows written so far."""
        return self.recorder.rows

    def has_window(self) -> bool:
        """Whether the warm-up ended before the run did (else there is nothing to summarise)."""
        return self.recorder.window is not None


def _taking_part(components: tuple[Component, ...], name: str) -> list:
    """The bound methods ``name`` of the components that override it, in order.

    The protocol's defaults do nothing, so skipping them changes nothing but
    the cost of calling them every day.
    """
    default = getattr(Component, name)
    return [getattr(c, name) for c in components if getattr(type(c), name) is not default]
