"""The workforce: seats, who works on what, leavers and hires.

:class:`Workforce` is the component that owns the seats
(:class:`sim.model.workforce.Staff`: each seat's group, skill, hiring date and
assignments, and each project's team), the queue of hires on the way, the
people about to leave and the counts of leavers, removals and hires. Each
morning the hires whose start date has come take their seats and the PMO gets
the staff it needs; each evening the people waiting to leave with empty hands
go and the day's attrition is drawn, at a hazard that stress raises. A
leaver's seat is refilled after the hiring delay.

Whoever keeps something per seat hears of every change through the component
protocol (``seats_added``, ``seat_filled``, ``seat_vacated``); the service desk
gets a server for every seat and takes a leaver off duty. Others read the
seats through :attr:`Workforce.seats`, and change assignments only through
:meth:`assign`, :meth:`disband` and :meth:`choose`.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import simpy

from sim.model import day_kernel as k
from sim.model.component import Component, Day
from sim.model.operations import ServiceDesk
from sim.model.rng import Streams
from sim.model.workforce import GROUPS, Staff, choose_team
from sim.schema.scenario import Scenario
from sim.units import DAYS_PER_YEAR


class Workforce(Component):
    """The seats of one run, and who comes and goes.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    env
        The simulation environment (for the time).
    desk
        The service desk, which has one server per seat.
    streams
        The replication's random streams (``attrition``, ``layoffs``, ``staffing``).
    """

    def __init__(self, scenario: Scenario, env: simpy.Environment, desk: ServiceDesk,
                 streams: Streams):
        self.scenario = scenario
        self.env = env
        self.desk = desk
        wf = scenario.workforce
        self.seats = Staff.from_groups(
            {g: getattr(wf, g).headcount for g in GROUPS if g != "pmo"},
            {g: getattr(wf, g).skill for g in GROUPS if g != "pmo"})
        """The seats (read only outside this component)."""
        self.listeners: Sequence[Component] = ()
        """The components told of every change of seats (see :meth:`tell`)."""
        self.leavers = self.hires = self.removed = 0
        self.departures: list[tuple[int, float, float]] = []
        """Everyone who left: seat, when they were hired (-inf: there from the start), when."""
        self._hires: list[tuple[float, int]] = []  # (start day, seat)
        self._leaving: dict[int, tuple[bool, str]] = {}  # person: (backfill, reason)
        self._attrition = streams.uniform_blocks("attrition")
        self._layoffs = streams.generator("layoffs")
        self._tiebreak = streams.generator("staffing")
        self._counted: tuple[int, dict] = (-1, {})
        self._kept: dict[str, tuple[int, int]] = {}  # group: (wanted, plan version) checked

    def tell(self, listeners: Sequence[Component]) -> None:
        """Tell ``listeners`` of every seat added, filled or vacated from now on."""
        self.listeners = tuple(listeners)

    @property
    def size(self) -> int:
        """Number of seats (filled or not)."""
        return self.seats.size

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.scenario = scenario

    # -- the day ----------------------------------------------------------------------------

    def begin_day(self, day: Day) -> None:
        """Seat today's hires, keep the PMO's head count and publish the seats."""
        self.hire_due()
        self.keep_group("pmo", day.pmo_headcount)
        day.seats = self.seats

    def end_day(self, day: Day) -> None:
        """Count the vacancies, then let today's leavers go."""
        day.gauges["vacancies"] = float(len(self._hires))
        self.attrition_today(day.leaving_multiplier)

    # -- seats ------------------------------------------------------------------------------

    def grow(self, group: str, count: int, skill: float | None = None) -> np.ndarray:
        """Add ``count`` seats to ``group`` with new hires; return their ids."""
        skill = getattr(self.scenario.workforce, group).skill if skill is None else skill
        ids = self.seats.add(group, count, skill, self.env.now)
        self.desk.add_servers(count)
        self.hires += count
        for listener in self.listeners:
            listener.seats_added(ids, self.env.now)
        return ids

    def leave(self, person: int, backfill: bool, reason: str = "attrition") -> None:
        """A person leaves; with an item in hand they finish it and go the next day end.

        ``reason`` is ``attrition`` (counted as a leaver) or ``removed`` (a layoff
        or a disbanded PMO); only the first may be backfilled.
        """
        if self.desk.is_busy(person):
            if person not in self._leaving:
                self._leaving[person] = (backfill, reason)
                self.desk.go_off_duty(person)  # takes no new item
                self.seats.replan()
            return
        self._leaving.pop(person, None)
        self.desk.go_off_duty(person)
        self.departures.append((person, float(self.seats.hired_at[person]), self.env.now))
        projects = self.seats.vacate(person)
        for listener in self.listeners:
            listener.seat_vacated(person, projects)
        if reason == "attrition":
            self.leavers += 1
        else:
            self.removed += 1
        if backfill:
            delay = self.scenario.workforce.attrition.hiring_delay
            heapq.heappush(self._hires, (self.env.now + delay, person))

    def people_records(self) -> tuple[list[tuple[int, float, float]], np.ndarray, np.ndarray,
                                      np.ndarray]:
        """Who left (seat, hired, left) and, per seat, when hired, whether active, the group."""
        seats = self.seats
        return self.departures, seats.hired_at, seats.active, seats.group

    def leaving(self) -> list[int]:
        """The people who finish their item in hand and then leave, in seat order."""
        return sorted(self._leaving)

    def choose(self, group: str, count: int, allocation: float,
               exclude: list[int] | None = None, fewer: bool = False) -> np.ndarray | None:
        """Pick ``count`` people of ``group`` with room for ``allocation`` (team rules)."""
        return choose_team(self.seats, group, count, allocation,
                           self.scenario.workforce.max_assignments,
                           self._tiebreak.random(self.seats.size), exclude=exclude,
                           fewer=fewer)

    def assign(self, person: int, project: int, allocation: float) -> None:
        """Put ``person`` on ``project``'s team for a share ``allocation`` of their time."""
        self.seats.assign(person, project, allocation, self.env.now)

    def disband(self, project: int) -> list[int]:
        """Release the team of ``project`` (it ended); return who was on it."""
        return self.seats.disband(project)

    def team(self, project: int) -> list[int]:
        """The current team of ``project``, in the order its members joined."""
        return self.seats.team(project)

    def hire_due(self) -> None:
        """Seat the new hires whose start date has come."""
        now = self.env.now
        while self._hires and self._hires[0][0] <= now:
            _, seat = heapq.heappop(self._hires)
            self.seats.fill(seat, now)
            self.hires += 1
            for listener in self.listeners:
                listener.seat_filled(seat, now)

    def keep_group(self, group: str, wanted: int) -> None:
        """Hire or remove people so that ``group`` has ``wanted`` (hires on the way count)."""
        seats = self.seats
        if self._kept.get(group) == (wanted, seats.plan_version):
            return  # nothing about the group or the staff changed since the last check
        members = seats.members(group)
        index = GROUPS.index(group)
        hiring = sum(1 for _, seat in self._hires if seats.group[seat] == index)
        if len(members) + hiring < wanted:
            self.grow(group, wanted - len(members) - hiring, 1.0)
        for person in members[wanted:].tolist():
            self.leave(person, backfill=False, reason="removed")
        self._kept[group] = (wanted, seats.plan_version)

    def change_headcount(self, group: str, change: int) -> None:
        """Add new hires to, or lay off people from, ``group`` (a timeline event)."""
        if change > 0:
            self.grow(group, change)
            return
        members = self.seats.members(group)
        chosen = self._layoffs.choice(members, size=min(-change, len(members)), replace=False)
        for person in sorted(chosen.tolist()):
            self.leave(person, backfill=False, reason="removed")

    def attrition_today(self, multiplier) -> None:
        """People waiting to leave with empty hands go; then draw who else leaves today.

        ``multiplier(seats)`` is the factor stress puts on the hazard of leaving of
        those seats.
        """
        params = self.scenario.workforce.attrition
        for person, (backfill, reason) in sorted(self._leaving.items()):
            if not self.desk.is_busy(person):
                del self._leaving[person]
                self.leave(person, backfill, reason)
        if params.rate <= 0.0:
            return
        active = self.seats.filled()
        draws = self._attrition.take(len(active))
        leaving = np.empty(len(active), dtype=np.int64)
        count = k.leavers(active, multiplier(active), params.rate, DAYS_PER_YEAR, draws, leaving)
        for person in leaving[:count].tolist():
            if person not in self._leaving:
                self.leave(person, params.backfill)

    # -- what others read -------------------------------------------------------------------

    def counts(self) -> dict[str, float]:
        """Cumulative counts of people events, for period differences."""
        return {"leavers": float(self.leavers), "removed": float(self.removed),
                "hires": float(self.hires)}

    def levels(self) -> dict[str, float]:
        """Head counts and vacancies now, for the weekly series."""
        seats = self.seats
        if self._counted[0] != seats.plan_version:  # recount only when staff changed
            counted = np.empty(len(GROUPS))
            k.headcounts(seats.group, seats.active, len(GROUPS), counted)
            counts = counted.tolist()
            self._counted = (seats.plan_version, {
                f"headcount_{g}": counts[GROUPS.index(g)]
                for g in ("operations", "projects", "opex", "pmo")})
        return {**self._counted[1], "vacancies": float(len(self._hires))}

    def available(self) -> float:
        """People in a seat today."""
        return float(np.count_nonzero(self.seats.active))
