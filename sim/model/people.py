"""People: seats, day plans and the duty roster, rewards, stress, attrition and hiring.

:class:`People` is the component that owns everything about the workforce: the
per-seat arrays (:class:`sim.model.workforce.Staff`), each person's plan for the
day and time debt, what they are rewarded for, their stress, who is leaving and
who is about to be hired. Each day a person's plan follows their assignments;
under ops pressure they divert time to the day job according to what they are
rewarded for; challenge and hindrance stress move towards their targets and
change their productivity, their defects and their hazard of leaving; a
leaver's seat is refilled after the hiring delay by a new hire who ramps up.

It is connected to the service desk, whose duty roster it keeps (who is on the
day job when), and it tells whoever registered with :attr:`People.on_vacate`
which projects a leaver was on, so that they can be replaced. Everything else
it needs comes in as arguments of its daily methods.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator

import numpy as np
import simpy

from sim.model.arith import dot, expm1
from sim.model.operations import ServiceDesk
from sim.model.rewards import diversion, misalignment, reward_share
from sim.model.rng import Streams
from sim.model.stress import attrition_multiplier, lookup, productivity, relax, target
from sim.model.workforce import (
    GROUPS,
    DayPlan,
    Staff,
    choose_team,
    multitasking_efficiency,
    plan_day,
)
from sim.schema.scenario import Scenario
from sim.units import DAYS_PER_YEAR

_EPS = 1e-12
_PER_SEAT = ("duty_share", "time_debt", "on_hold", "sustain_ask", "reward", "misaligned")
"""The per-seat arrays :class:`People` keeps besides those of :class:`Staff`."""


class People:
    """The workforce of one run and the rules about people.

    Parameters
    ----------
    scenario
        The scenario in force (replaced through :meth:`reconfigure` when a timeline
        event changes it).
    env
        The simulation environment (for the time, and the duty-roster alarms).
    desk
        The service desk whose duty roster this component keeps.
    streams
        The replication's random streams (``attrition``, ``layoffs``, ``staffing``).
    """

    def __init__(self, scenario: Scenario, env: simpy.Environment, desk: ServiceDesk,
                 streams: Streams):
        self.scenario = scenario
        self.env = env
        self.desk = desk
        wf = scenario.workforce
        self.staff = Staff.from_groups(
            {g: getattr(wf, g).headcount for g in GROUPS if g != "pmo"},
            {g: getattr(wf, g).skill for g in GROUPS if g != "pmo"})
        n = self.staff.size
        self.plan: DayPlan = plan_day(self.staff)
        for name in _PER_SEAT:
            setattr(self, name, np.zeros(n))
        self._protected = 0.0
        self.on_vacate: Callable[[int, list[int]], None] = lambda _person, _projects: None
        """Called with a leaver and the ids of the projects they were on."""
        self._planned_version = self._judged_version = -1
        self._splits = self._in_debt = self._diverting = self._sustaining = False
        self._calm = False  # nobody is stressed (unknown until the factors are first set)
        self._plan_totals: dict[str, float] = {}
        self._hires: list[tuple[float, int]] = []
        self._leaving: dict[int, tuple[bool, str]] = {}  # person: (backfill, reason)
        self._attrition = streams.uniform("attrition")
        self._layoffs = streams.generator("layoffs")
        self._tiebreak = streams.generator("staffing")
        self.leavers = self.hires = self.removed = 0
        self.departures: list[tuple[int, float, float]] = []
        """Everyone who left: seat, when they were hired (-inf: there from the start), when."""
        self._last_start = -np.inf  # when the latest new hire started
        self._counted: tuple[int, dict] = (-1, {})
        self._kept: dict[str, tuple[int, int]] = {}  # group: (wanted, plan version) checked

    @property
    def protected_time(self) -> float:
        """Share of project, improvement and sustainment time nobody may divert."""
        return self._protected

    @protected_time.setter
    def protected_time(self, share: float) -> None:
        if share != self._protected:
            self._protected = share
            self.staff.replan()

    @property
    def size(self) -> int:
        """Number of seats (filled or not)."""
        return self.staff.size

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario: plans, rewards and stress factors are redone."""
        self.scenario = scenario
        self.staff.replan()
        self._judged_version = -1
        self._calm = False  # curves may have changed: refresh the factors

    # -- seats --------------------------------------------------------------------

    def grow(self, group: str, count: int, skill: float | None = None) -> np.ndarray:
        """Add ``count`` seats to ``group`` with new hires; return their ids."""
        wf = self.scenario.workforce
        skill = getattr(wf, group).skill if skill is None else skill
        now = self.env.now
        ids = self.staff.add(group, count, skill, now, wf.attrition.new_hire_productivity)
        self._last_start = now
        for name in _PER_SEAT:
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(count)]))
        self.desk.add_servers(count)
        self.hires += count
        return ids

    def leave(self, person: int, backfill: bool, reason: str = "attrition") -> None:
        """A person leaves; with an item in hand they finish it and go the next day end.

        ``reason`` is ``attrition`` (counted as a leaver) or ``removed`` (a layoff
        or a disbanded PMO); only the first may be backfilled.
        """
        if self.desk.busy_since[person] >= 0.0:
            if person not in self._leaving:
                self._leaving[person] = (backfill, reason)
                self.desk.go_off_duty(person)  # takes no new item
                self.staff.replan()
            return
        self._leaving.pop(person, None)
        self.desk.go_off_duty(person)
        self.departures.append((person, float(self.staff.hired_at[person]), self.env.now))
        self.on_vacate(person, self.staff.vacate(person))
        self.time_debt[person] = 0.0
        if reason == "attrition":
            self.leavers += 1
        else:
            self.removed += 1
        if backfill:
            delay = self.scenario.workforce.attrition.hiring_delay
            heapq.heappush(self._hires, (self.env.now + delay, person))

    def choose(self, group: str, count: int, allocation: float,
               exclude: list[int] | None = None, fewer: bool = False) -> np.ndarray | None:
        """Pick ``count`` people of ``group`` with room for ``allocation`` (team rules)."""
        return choose_team(self.staff, group, count, allocation,
                           self.scenario.workforce.max_assignments,
                           self._tiebreak.random(self.staff.size), exclude=exclude,
                           fewer=fewer)

    def assign(self, person: int, project: int, allocation: float) -> None:
        """Give ``person`` a share ``allocation`` of their time on ``project``."""
        self.staff.assign(person, project, allocation, self.env.now)

    def release(self, person: int, project: int) -> None:
        """End ``person``'s assignment to ``project``."""
        self.staff.release(person, project)

    def hire_due(self) -> None:
        """Seat the new hires whose start date has come."""
        staff = self.staff
        while self._hires and self._hires[0][0] <= self.env.now:
            _, seat = heapq.heappop(self._hires)
            staff.fill(seat, self.env.now)
            staff.productivity_factor = staff.productivity_factor.copy()
            staff.productivity_factor[seat] = \
                self.scenario.workforce.attrition.new_hire_productivity
            staff.factor_version += 1
            self._last_start = self.env.now
            self.hires += 1

    def keep_group(self, group: str, wanted: int) -> None:
        """Hire or remove people so that ``group`` has ``wanted`` (hires on the way count)."""
        if self._kept.get(group) == (wanted, self.staff.plan_version):
            return  # nothing about the group or the staff changed since the last check
        members = self.staff.members(group)
        index = GROUPS.index(group)
        hiring = sum(1 for _, seat in self._hires if self.staff.group[seat] == index)
        if len(members) + hiring < wanted:
            self.grow(group, wanted - len(members) - hiring, 1.0)
        for person in members[wanted:].tolist():
            self.leave(person, backfill=False, reason="removed")
        self._kept[group] = (wanted, self.staff.plan_version)

    def change_headcount(self, group: str, change: int) -> None:
        """Add new hires to, or lay off people from, ``group`` (a timeline event)."""
        if change > 0:
            self.grow(group, change)
            return
        members = self.staff.members(group)
        chosen = self._layoffs.choice(members, size=min(-change, len(members)), replace=False)
        for person in sorted(chosen.tolist()):
            self.leave(person, backfill=False, reason="removed")

    def attrition_today(self) -> None:
        """People waiting to leave with empty hands go; then draw who else leaves today."""
        params = self.scenario.workforce.attrition
        for person, (backfill, reason) in sorted(self._leaving.items()):
            if self.desk.busy_since[person] < 0.0:
                del self._leaving[person]
                self.leave(person, backfill, reason)
        if params.rate <= 0.0:
            return
        active = self.staff.active.nonzero()[0]
        multiplier = attrition_multiplier(self.scenario.stress, self.staff.challenge[active],
                                          self.staff.hindrance[active])
        p_leave = -expm1(-params.rate * multiplier / DAYS_PER_YEAR)
        draws = np.fromiter(itertools.islice(self._attrition, len(active)), float, len(active))
        for person in active[draws < p_leave].tolist():
            if person not in self._leaving:
                self.leave(person, params.backfill)

    # -- plans and the roster --------------------------------------------------------

    def set_holds(self, on_hold: np.ndarray) -> None:
        """Take the share of each person's time that projects on hold do not need."""
        self.on_hold = on_hold
        self.staff.replan()

    def ask_for_sustainment(self, owner: str, per_day: float, benefits: int,
                            keepers: Iterator[tuple[list[int], int, float]],
                            extra: np.ndarray | None = None) -> None:
        """Share out the upkeep delivered benefits need among whoever sustains them.

        ``owner`` is ``levers.sustainment``; each of the ``benefits`` handed over
        needs ``per_day`` person-days a day. With ``opex`` the OpEx team shares it
        all; with ``project`` each completed project's former members still in
        their seats (``keepers``: team, benefits, start day) share that project's.
        ``extra`` is other upkeep asked per seat (AI monitoring and retraining,
        see :meth:`upkeep_ask`), planned as sustainment time.
        """
        if owner == "none" and not self._sustaining and extra is None:
            return
        staff = self.staff
        ask = np.zeros(staff.size)
        if owner == "opex":
            team = staff.members("opex")
            if len(team) and benefits:
                ask[team] = benefits * per_day / len(team)
        elif owner == "project":
            for members, count, started in keepers:
                kept = [i for i in members if staff.active[i] and staff.hired_at[i] <= started]
                if kept:
                    ask[kept] += count * per_day / len(kept)
        if extra is not None:
            ask = ask + extra
        self._sustaining = bool(ask.any())
        if not np.array_equal(ask, self.sustain_ask):
            self.sustain_ask = ask
            self.staff.replan()

    def upkeep_ask(self, owner: str, asks: list[tuple[list[int], float, float]]) -> np.ndarray:
        """Per seat, the person-days a day that ``asks`` put on ``owner``.

        Each ask is (former project team, project start day, person-days a day).
        ``project`` shares each ask among that team's members still in their
        seats since the project started; a group name (``opex``, ``operations``,
        ``projects``) shares them all among the group's members; ``none`` asks
        nobody.
        """
        staff = self.staff
        ask = np.zeros(staff.size)
        if owner == "project":
            for members, started, per_day in asks:
                kept = [i for i in members if staff.active[i] and staff.hired_at[i] <= started]
                if kept:
                    ask[kept] += per_day / len(kept)
        elif owner != "none":
            team = staff.members(owner)
            total = sum(per_day for _, _, per_day in asks)
            if len(team) and total:
                ask[team] = total / len(team)
        return ask

    def upkeep_time(self, split: dict, ask: np.ndarray) -> float:
        """Person-days of today's sustainment time (``split``) that served ``ask``.

        Each person's sustainment time is shared between the asks on them in
        proportion to what was asked.
        """
        total = self.sustain_ask
        share = np.divide(ask, total, out=np.zeros_like(ask), where=total > 0.0)
        return dot(split["sustainment_time"], share)

    def judge_and_divert(self, pressure: float) -> None:
        """Rewards set what people protect; under pressure they divert the rest."""
        staff = self.staff
        if staff.plan_version != self._judged_version:
            assigned = self._make_plan()
            self.reward = reward_share(assigned, self.scenario.levers.rewards.weights)
            self.misaligned = misalignment(assigned, self.reward)
            self._judged_version = staff.plan_version
        behave = self.scenario.behaviour
        if pressure <= 1.0 and not self._diverting:
            return  # nobody diverts below target pressure, and nobody is diverting now
        wanted = diversion(pressure, self.reward, behave.divert_gain, behave.divert_max)
        self._diverting = bool(wanted.any())
        staff.set_diversion(wanted)

    def _make_plan(self) -> DayPlan:
        lev = self.scenario.levers
        return plan_day(self.staff, self.on_hold, improvement_share=lev.improvement_share,
                        sustainment=self.sustain_ask, protected=self.protected_time)

    def roster(self) -> None:
        """Plan everybody's day and put day-job blocks on the duty roster.

        When no plan input changed, nobody changes duty within the day and
        nobody owes time, yesterday's roster stands and nothing needs doing.
        """
        staff = self.staff
        if staff.plan_version == self._planned_version and not self._splits \
                and not self._in_debt:
            return
        if staff.plan_version != self._planned_version:  # else only the debt moved
            self._planned_version = staff.plan_version
            self.plan = self._make_plan()
            self._plan_totals = self._totals(self.plan)
        plan = self.plan
        # Debt is paid back from the next duty blocks, whatever off-duty work it
        # came out of (project, improvement or sustainment time), so the planned
        # split holds on average. It is forgiven only where there is no duty block
        # to repay it from, or no off-duty work that could be owed the time.
        off_duty = plan.project + plan.improvement + plan.sustainment
        self.time_debt[(off_duty <= _EPS) | (plan.ops <= _EPS)] = 0.0
        payback = np.minimum(self.time_debt, plan.ops)
        self.time_debt -= payback
        self._in_debt = bool(self.time_debt.any())
        self.duty_share = plan.ops - payback
        if self._leaving:
            self.duty_share[sorted(self._leaving)] = 0.0
        self._plan_totals["duty"] = float(self.duty_share.sum())
        self._put_on_roster(self.duty_share)

    def _totals(self, plan: DayPlan) -> dict[str, float]:
        """Person-days of a day plan by activity (``duty`` is added by the roster)."""
        t = {name: float(getattr(plan, name).sum()) for name in
             ("assigned_ops", "assigned_project", "assigned_improvement",
              "assigned_sustainment", "overhead", "diverted")}
        t["unassigned"] = (float(np.count_nonzero(self.staff.active)) - t["assigned_ops"]
                           - t["assigned_project"] - t["assigned_improvement"]
                           - t["assigned_sustainment"] - t["overhead"])
        return t

    def hours(self, busy: float, overrun: float, split: dict,
              project_work: float) -> dict[str, float]:
        """Everybody's person-days today by activity, planned and as worked.

        ``busy`` and ``overrun`` are the desk's busy time on duty and after duty
        blocks, ``split`` the off-duty time of :meth:`split_working_time` and
        ``project_work`` the part of the project time that found work.
        """
        t = self._plan_totals
        return {"available": self.available(),
                "ops_planned": t["assigned_ops"], "project_planned": t["assigned_project"],
                "improvement_planned": t["assigned_improvement"],
                "sustainment_planned": t["assigned_sustainment"], "diverted": t["diverted"],
                "ops_busy": busy, "ops_idle": t["duty"] - busy, "overrun": overrun,
                "project_work": project_work, "project_idle": split["project"] - project_work,
                "improvement": split["improvement"], "sustainment": split["sustainment"],
                "overhead": t["overhead"], "unassigned": t["unassigned"]}

    def _put_on_roster(self, shares: np.ndarray) -> None:
        desk = self.desk
        full, none = shares >= 1.0 - _EPS, shares <= _EPS
        split = ~(full | none)
        self._splits = bool(split.any())
        people = (split | (full & ~desk.on_duty) | (none & desk.on_duty)).nonzero()[0]
        desk.roster(people, self.staff.phase[people], shares[people], _EPS)

    # -- the day's work ----------------------------------------------------------------

    def split_working_time(self, overrun: np.ndarray | None) -> dict:
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
            zeros = np.zeros(self.staff.size)
            return {"project_time": zeros, "improvement_time": zeros,
                    "sustainment_time": zeros, "project": 0.0, "improvement": 0.0,
                    "sustainment": 0.0}
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
                "sustainment_time": sustain_time, "project": float(project_time.sum()),
                "improvement": float(improvement_time.sum()),
                "sustainment": float(sustain_time.sum())}

    def improvement_effort(self, improvement_time: np.ndarray) -> float:
        """Person-days of improvement done today, at each person's productivity."""
        staff = self.staff
        return dot(improvement_time, staff.skill * staff.productivity_factor)

    def project_productivity(self) -> np.ndarray:
        """Each person's productivity on project work, multitasking included."""
        staff = self.staff
        in_ops = (staff.group == GROUPS.index("operations")).astype(np.int64)
        streams = in_ops + staff.assignment_count
        efficiency = multitasking_efficiency(streams, self.scenario.workforce.multitasking)
        return staff.skill * staff.productivity_factor * efficiency

    def project_allocation(self) -> np.ndarray:
        """Each person's allocation to projects that are not on hold."""
        return self.staff.allocated - self.on_hold

    def speeds(self, capability: float, effort_multiplier: float) -> list[float]:
        """Each person's speed on the day job."""
        staff = self.staff
        return (staff.skill * staff.productivity_factor
                * (capability / effort_multiplier)).tolist()

    def defect_probabilities(self, p_defect: float) -> list[float]:
        """Each person's probability of a defect, their stress included."""
        return np.minimum(p_defect * self.staff.defect_factor, 1.0).tolist()

    # -- stress ----------------------------------------------------------------------

    def update_stress(self, pressure: float,
                      schedule_pressure: Callable[[np.ndarray], np.ndarray]) -> None:
        """Move both kinds of stress towards their targets; refresh their effects.

        ``schedule_pressure(allocated)`` gives each person's schedule pressure
        (it is asked for only when overload builds stress). Each component relaxes
        whenever its gain is on or it is not yet at rest, so stress left over from
        before a timeline event switched a gain off fades with ``tau`` as well.
        """
        params = self.scenario.stress
        staff, plan = self.staff, self.plan
        attrition = self.scenario.workforce.attrition
        gains = params.overload_gain or params.misalignment_gain
        if not gains and self._calm and self._factors_settled(attrition.onboarding):
            return
        active = staff.active
        if params.overload_gain or staff.challenge.any():
            demanded = (plan.ops * pressure + plan.project * schedule_pressure(staff.allocated)
                        + plan.improvement + plan.sustainment + plan.overhead)
            goal = target(demanded - 1.0, params.overload_gain, params.ceiling)
            staff.challenge = np.where(active, relax(staff.challenge, goal, 1.0, params.tau),
                                       0.0)
        if params.misalignment_gain or staff.hindrance.any():
            goal = target(self.misaligned, params.misalignment_gain, params.ceiling)
            staff.hindrance = np.where(active, relax(staff.hindrance, goal, 1.0, params.tau),
                                       0.0)
        staff.stress = staff.challenge + staff.hindrance
        ramp = staff.onboarding_factor(self.env.now, attrition.onboarding,
                                       attrition.new_hire_productivity)
        staff.productivity_factor = productivity(params, staff.challenge, staff.hindrance) * ramp
        staff.defect_factor = lookup(params.defects, staff.stress)
        staff.factor_version += 1
        self._calm = not staff.stress.any()

    def _factors_settled(self, onboarding: float) -> bool:
        """True when every factor is at rest: nobody started within the onboarding time.

        The first day after the last ramp ends still refreshes the factors, so
        they settle at exactly their final values.
        """
        return self.env.now - self._last_start > onboarding + 1.0

    # -- what others read ----------------------------------------------------------------

    def gauges(self) -> dict[str, float]:
        """Today's stress, misalignment and vacancies (integrated into time averages)."""
        vacancies = float(len(self._hires))
        if self._calm and not self.misaligned.any():
            return {"stress": 0.0, "stress_p90": 0.0, "stress_challenge": 0.0,
                    "stress_hindrance": 0.0, "misalignment": 0.0, "vacancies": vacancies}
        staff = self.staff
        active = staff.active
        stress = staff.stress[active]
        stressed = len(stress) and stress.any()
        return {"stress": _mean(stress) if stressed else 0.0,
                "stress_p90": percentile_90(stress) if stressed else 0.0,
                "stress_challenge": _mean(staff.challenge[active]),
                "stress_hindrance": _mean(staff.hindrance[active]),
                "misalignment": self._misalignment_mean(), "vacancies": vacancies}

    def _misalignment_mean(self) -> float:
        active = self.staff.active
        if not self.misaligned.any() or not active.any():
            return 0.0
        return _mean(self.misaligned[active])

    def counts(self) -> dict[str, float]:
        """Cumulative counts of people events, for period differences."""
        return {"leavers": float(self.leavers), "removed": float(self.removed),
                "hires": float(self.hires)}

    def levels(self) -> dict[str, float]:
        """People's state now, for the weekly series."""
        staff = self.staff
        active = staff.active
        stress = staff.stress[active]
        if self._counted[0] != staff.plan_version:  # recount only when staff changed
            self._counted = (staff.plan_version, {
                f"headcount_{g}": float(staff.headcount(g))
                for g in ("operations", "projects", "opex", "pmo")})
        return {
            **self._counted[1],
            "vacancies": float(len(self._hires)),
            "stress_mean": _mean(stress),
            "stress_p90": percentile_90(stress) if len(stress) else 0.0,
            "stress_challenge_mean": _mean(staff.challenge[active]),
            "stress_hindrance_mean": _mean(staff.hindrance[active]),
            "misalignment_mean": self._misalignment_mean(),
        }

    def available(self) -> float:
        """People in a seat today."""
        return float(np.count_nonzero(self.staff.active))


def _mean(values: np.ndarray) -> float:
    """Mean of ``values``, 0 for none.

    The same number as ``values.mean()`` (one sum divided by the count), without
    its call overhead on the small daily arrays.
    """
    n = len(values)
    return float(values.sum()) / n if n else 0.0


def percentile_90(values: np.ndarray) -> float:
    """The 90th percentile by nearest rank (cheaper than interpolating, daily)."""
    k = min(int(np.ceil(0.9 * len(values))) - 1, len(values) - 1)
    return float(np.partition(values, k)[k])
