"""The roster: everybody's plan for the day, the duty roster and time owed.

:class:`Roster` is the component that owns, per seat, what a person's day is
planned to hold and how it is worked: the share of their time projects on hold
do not need, the upkeep asked of them (delivered benefits, AI solutions), the
duty block they work on the service desk and the time they owe it after an
overrun. Each morning it plans everybody's day from their assignments (the
seats), the PMO's protected time and the diversion that rewards bring about,
and puts the day-job blocks on the desk's roster; each evening it splits each
person's time off duty between projects, improvement and sustainment, and
books everybody's hours.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.model import day_kernel as k
from sim.model.arith import dot
from sim.model.component import Component, Day
from sim.model.operations import ServiceDesk
from sim.model.rewards import Rewards
from sim.model.staffing import Workforce
from sim.model.workforce import (
    DayPlan,
    plan_day,
    share_among_keepers,
    split_record,
    upkeep_per_seat,
)
from sim.schema.scenario import Scenario
from sim.units import DAYS_PER_WEEK

_EPS = 1e-12
_TOTALS = ("assigned_ops", "assigned_project", "assigned_improvement", "assigned_sustainment",
           "overhead", "diverted")
_TOTAL_ROWS = np.array([DayPlan.FIELDS.index(name) for name in _TOTALS], dtype=np.int64)


class Roster(Component):
    """Day plans, the duty roster and time debt of one run.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    workforce
        The seats (read only) and who is about to leave.
    desk
        The service desk whose duty roster this component keeps.
    rewards
        What people are rewarded for, asked to judge each plan and for diversion.
    """

    def __init__(self, scenario: Scenario, workforce: Workforce, desk: ServiceDesk,
                 rewards: Rewards):
        self.scenario = scenario
        self.workforce = workforce
        self.desk = desk
        self.rewards = rewards
        n = workforce.size
        self.plan: DayPlan = plan_day(workforce.seats)
        self.duty_share = np.zeros(n)
        self.time_debt = np.zeros(n)
        self.on_hold = np.zeros(n)
        self.sustain_ask = np.zeros(n)
        self.upkeep: dict[str, np.ndarray] = {}
        """Per asker, the upkeep asked of each seat (besides delivered benefits')."""
        self.protected = 0.0
        self.version = 0
        """Bumped whenever holds, asks, protected time or the scenario change."""
        self._planned: tuple = ()
        self._splits = self._in_debt = self._sustaining = False
        self._totals: dict[str, float] = {}
        self._roster = np.zeros((2, 0))  # who gets a duty change today: phases, blocks
        self._people = np.zeros(0, dtype=np.int64)
        self._no_overrun = np.zeros(0)

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario: plans are redone."""
        self.scenario = scenario
        self.version += 1

    def seats_added(self, ids: np.ndarray, now: float) -> None:
        """New seats start with nothing on hold, asked or owed."""
        extra = np.zeros(len(ids))
        self.duty_share = np.concatenate([self.duty_share, extra])
        self.time_debt = np.concatenate([self.time_debt, extra])
        self.on_hold = np.concatenate([self.on_hold, extra])
        self.sustain_ask = np.concatenate([self.sustain_ask, extra])
        for asker, ask in self.upkeep.items():
            self.upkeep[asker] = np.concatenate([ask, extra])

    def seat_vacated(self, seat: int, projects: list[int]) -> None:
        """A leaver's debt goes with them."""
        self.time_debt[seat] = 0.0

    # -- start of day ------------------------------------------------------------------------

    def begin_day(self, day: Day) -> None:
        """Take protected time, holds and asks; let rewards judge; plan; roster."""
        if day.practices is not None:
            self.protect(day.practices.protected_time)
        if day.on_hold is not None:
            self.set_holds(day.on_hold)
        s = self.scenario
        extra = None
        for asker, owner, asks in day.upkeep:
            ask = self.upkeep[asker] = upkeep_per_seat(self.workforce.seats, owner, asks)
            extra = ask if extra is None else extra + ask
        self.ask_for_sustainment(s.levers.sustainment, s.benefits.sustain_effort / DAYS_PER_WEEK,
                                 day.benefits_delivered, day.keepers or iter(()), extra)
        seats = self.workforce.seats
        self.rewards.judge_and_divert(day, (seats.plan_version, self.version), self._make_plan)
        self.roster()
        day.plan = self.plan
        day.project_allocation = self.project_allocation

    def protect(self, share: float) -> None:
        """Set the share of project, improvement and sustainment time nobody may divert."""
        if share != self.protected:
            self.protected = share
            self.version += 1

    def set_holds(self, on_hold: np.ndarray) -> None:
        """Take the share of each person's time that projects on hold do not need."""
        self.on_hold = on_hold
        self.version += 1

    def ask_for_sustainment(self, owner: str, per_day: float, benefits: int,
                            keepers: Iterator[tuple[list[int], int, float]],
                            extra: np.ndarray | None = None) -> None:
        """Share out the upkeep delivered benefits need among whoever sustains them.

        ``owner`` is ``levers.sustainment``; each of the ``benefits`` handed over
        needs ``per_day`` person-days a day. With ``opex`` the OpEx team shares it
        all; with ``project`` each completed project's former members still in
        their seats (``keepers``: team, benefits, start day) share that project's.
        ``extra`` is other upkeep asked per seat (AI monitoring and retraining,
        see :func:`~sim.model.workforce.upkeep_per_seat`), planned as sustainment
        time.
        """
        if owner == "none" and not self._sustaining and extra is None:
            return
        seats = self.workforce.seats
        ask = np.zeros(seats.size)
        if owner == "opex":
            team = seats.members("opex")
            if len(team) and benefits:
                ask[team] = benefits * per_day / len(team)
        elif owner == "project":
            for members, count, started in keepers:
                share_among_keepers(seats, ask, members, started, count * per_day)
        if extra is not None:
            ask = ask + extra
        self._sustaining = bool(ask.any())
        if not np.array_equal(ask, self.sustain_ask):
            self.sustain_ask = ask
            self.version += 1

    def _make_plan(self) -> DayPlan:
        _, diversion = self.rewards.diversion_state()
        return plan_day(self.workforce.seats, self.on_hold,
                        improvement_share=self.scenario.levers.improvement_share,
                        sustainment=self.sustain_ask, protected=self.protected,
                        diversion=diversion)

    def roster(self) -> None:
        """Plan everybody's day and put day-job blocks on the duty roster.

        When no plan input changed, nobody changes duty within the day and
        nobody owes time, yesterday's roster stands and nothing needs doing.
        """
        key = (self.workforce.seats.plan_version, self.version,
               self.rewards.diversion_state()[0])
        if key == self._planned and not self._splits and not self._in_debt:
            return
        if key != self._planned:  # else only the debt moved
            self._planned = key
            self.plan = self._make_plan()
            self._totals = self._plan_totals(self.plan)
        # Debt is paid back from the next duty blocks, whatever off-duty work it
        # came out of (project, improvement or sustainment time), so the planned
        # split holds on average. It is forgiven only where there is no duty block
        # to repay it from, or no off-duty work that could be owed the time.
        size = self.workforce.size
        if self._roster.shape[1] != size:
            self._roster = np.zeros((2, size))
            self._people = np.zeros(size, dtype=np.int64)
        leaving = np.array(self.workforce.leaving(), dtype=np.int64)
        self._in_debt, self._totals["duty"] = k.duty_shares(self.plan.rows, self.time_debt,
                                                            leaving, _EPS, self.duty_share)
        self._put_on_roster(self.duty_share)

    def _plan_totals(self, plan: DayPlan) -> dict[str, float]:
        """Person-days of a day plan by activity (``duty`` is added by the roster)."""
        totals = np.empty(len(_TOTALS))
        k.row_totals(plan.rows, _TOTAL_ROWS, totals)
        t = dict(zip(_TOTALS, totals.tolist(), strict=True))
        t["unassigned"] = (self.workforce.available() - t["assigned_ops"]
                           - t["assigned_project"] - t["assigned_improvement"]
                           - t["assigned_sustainment"] - t["overhead"])
        return t

    def _put_on_roster(self, shares: np.ndarray) -> None:
        people, (phases, blocks) = self._people, self._roster
        count, self._splits = k.rostered(shares, self.desk.duty(), self.workforce.seats.phase,
                                         _EPS, people, phases, blocks)
        self.desk.roster(people[:count], phases[:count], blocks[:count], _EPS)

    # -- end of day ----------------------------------------------------------------------------

    def end_day(self, day: Day) -> None:
        """Split the time off duty; publish the upkeep served and the hours booked."""
        split = day.split = self.split_working_time(day.overrun_by_person)
        sustained = split["sustainment"]
        for asker, ask in self.upkeep.items():
            served = day.upkeep_served[asker] = self.upkeep_time(split, ask)
            sustained -= served
        day.sustained = sustained
        day.hours.update(self.hours(day.busy, day.overrun, split))

    def split_working_time(self, overrun: np.ndarray | None) -> dict:
        """Split each person's time off duty between projects, improvement and sustainment.

        Overrun (finishing an item after the duty block) comes out of that time
        first and is owed back from the next duty block.
        """
        t = self._totals
        if overrun is not None:
            self.time_debt += overrun
            self._in_debt = True
        elif not (t["assigned_project"] or t["assigned_improvement"]
                  or t["assigned_sustainment"]):
            return split_record(np.zeros((3, self.workforce.size)), (0.0, 0.0, 0.0))
        else:
            overrun = self._no_overrun
            if len(overrun) != len(self.duty_share):
                overrun = self._no_overrun = np.zeros(len(self.duty_share))
        times = np.empty((3, len(self.duty_share)))
        return split_record(times, k.split_off_duty(self.plan.rows, self.duty_share, overrun,
                                                    times))

    def upkeep_time(self, split: dict, ask: np.ndarray) -> float:
        """Person-days of today's sustainment time (``split``) that served ``ask``.

        Each person's sustainment time is shared between the asks on them in
        proportion to what was asked.
        """
        total = self.sustain_ask
        share = np.divide(ask, total, out=np.zeros_like(ask), where=total > 0.0)
        return dot(split["sustainment_time"], share)

    def hours(self, busy: float, overrun: float, split: dict) -> dict[str, float]:
        """Everybody's person-days today by activity, planned and as worked.

        ``busy`` and ``overrun`` are the desk's busy time on duty and after duty
        blocks, ``split`` the off-duty time of :meth:`split_working_time`. What
        the project time turned into is delivery's to book.
        """
        t = self._totals
        return {"available": self.workforce.available(),
                "ops_planned": t["assigned_ops"], "project_planned": t["assigned_project"],
                "improvement_planned": t["assigned_improvement"],
                "sustainment_planned": t["assigned_sustainment"], "diverted": t["diverted"],
                "ops_busy": busy, "ops_idle": t["duty"] - busy, "overrun": overrun,
                "improvement": split["improvement"], "sustainment": split["sustainment"],
                "overhead": t["overhead"], "unassigned": t["unassigned"]}

    def project_allocation(self) -> np.ndarray:
        """Each person's allocation to projects that are not on hold."""
        return self.workforce.seats.allocated - self.on_hold
