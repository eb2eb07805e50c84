"""People: day plans and the duty roster, rewards, stress, attrition and hiring.

These are the organisation's rules about people, kept apart from the wiring in
:mod:`sim.model.organisation`, whose class mixes them in. Each day a person's
plan follows their assignments; under ops pressure they divert time to the day
job according to what they are rewarded for; stress moves towards a target set
by overload and misalignment and changes their productivity, their defects and
their hazard of leaving; a leaver's seat is refilled after the hiring delay by a
new hire who ramps up; a project that loses a member asks for a replacement,
who needs time to learn it and takes a mentor's time meanwhile (Brooks's law).
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.model.operations import Alarm
from sim.model.rewards import diversion, misalignment, reward_share
from sim.model.stress import attrition_multiplier, lookup, productivity, relax, target
from sim.model.workforce import choose_team, duty_windows, plan_day
from sim.units import DAYS_PER_YEAR

_EPS = 1e-12


class People:
    """Rules about people, mixed into :class:`sim.model.organisation.Organisation`."""

    def _init_people(self) -> None:
        n = self.staff.size
        self.plan = plan_day(self.staff)
        self.duty_share = np.zeros(n)
        self.time_debt = np.zeros(n)
        self.on_hold = np.zeros(n)
        self.sustain_ask = np.zeros(n)
        self.reward = np.zeros(n)
        self.misaligned = np.zeros(n)
        self._planned_version = -1
        self._judged_version = -1
        self._splits = False
        self._in_debt = False
        self._plan_totals: dict[str, float] = {}
        self._on = [self._duty_callback(i, True) for i in range(n)]
        self._off = [self._duty_callback(i, False) for i in range(n)]
        self._hires: list[tuple[float, int]] = []
        self._leaving: dict[int, tuple[bool, str]] = {}  # person: (backfill, reason)
        self._attrition = self.streams.uniform("attrition")
        self._layoffs = self.streams.generator("layoffs")
        self.leavers = self.hires = self.removed = 0
        self._last_start = -np.inf  # when the latest new hire started
        self._calm = False  # nobody is stressed (unknown until the factors are first set)
        self._diverting = False

    # -- seats --------------------------------------------------------------------

    def _grow(self, group: str, count: int, skill: float) -> np.ndarray:
        """Add seats with new hires; extend every per-seat array."""
        ids = self.staff.add(group, count, skill, self.env.now,
                             self.scenario.workforce.attrition.new_hire_productivity)
        self._last_start = self.env.now
        for name in ("duty_share", "time_debt", "on_hold", "sustain_ask", "reward",
                     "misaligned"):
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(count)]))
        self.desk.add_servers(count)
        start = len(self._on)
        self._on.extend(self._duty_callback(i, True) for i in range(start, start + count))
        self._off.extend(self._duty_callback(i, False) for i in range(start, start + count))
        self.hires += count
        return ids

    def _leave(self, person: int, backfill: bool, reason: str = "attrition") -> None:
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
        for project_id in self.staff.vacate(person):
            self._replace_member(self.portfolio.projects[project_id], person)
        self.time_debt[person] = 0.0
        if reason == "attrition":
            self.leavers += 1
        else:
            self.removed += 1
        if backfill:
            delay = self.scenario.workforce.attrition.hiring_delay
            heapq.heappush(self._hires, (self.env.now + delay, person))

    def _replace_member(self, project, leaver: int) -> None:
        """Ask for someone to take a leaver's place on a running project."""
        if all(p.id != project.id for p in self.portfolio.active):
            return
        project.team = [i for i in project.team if i != leaver]
        self.add_to_project(project, 1)

    def add_to_project(self, project, count: int, group: str | None = None,
                       new_hires: bool = False) -> int:
        """Put up to ``count`` more people on a running project; return how many joined.

        They come from ``group`` (default ``levers.staffing_source``), least loaded
        first, among those with room for the project's allocation; with
        ``new_hires`` they are hired from outside into new seats of that group
        instead. Either way they are newcomers to the project (Brooks's law, see
        :mod:`sim.model.teams`).
        """
        lev = self.scenario.levers
        group = group or lev.staffing_source
        if new_hires:
            people = self._grow(group, count, getattr(self.scenario.workforce, group).skill)
        else:
            people = choose_team(self.staff, group, count, project.allocation,
                                 self.scenario.workforce.max_assignments,
                                 self._tiebreak.random(self.staff.size), exclude=project.team,
                                 fewer=True)
        now = self.env.now
        for person in people.tolist():
            self.staff.assign(person, project.id, project.allocation, now)
            project.team.append(person)
            project.joined[person] = now
        return len(people)

    def _hire_due(self) -> None:
        """Seat the new hires whose start date has come."""
        while self._hires and self._hires[0][0] <= self.env.now:
            _, seat = heapq.heappop(self._hires)
            self.staff.fill(seat, self.env.now)
            self.staff.productivity_factor = self.staff.productivity_factor.copy()
            self.staff.productivity_factor[seat] = \
                self.scenario.workforce.attrition.new_hire_productivity
            self.staff.factor_version += 1
            self._last_start = self.env.now
            self.hires += 1

    def _attrition_today(self) -> None:
        """Decide who leaves today (hazard per year, raised by stress)."""
        params = self.scenario.workforce.attrition
        for person, (backfill, reason) in sorted(self._leaving.items()):
            if self.desk.busy_since[person] < 0.0:
                del self._leaving[person]
                self._leave(person, backfill, reason)
        if params.rate <= 0.0:
            return
        active = np.flatnonzero(self.staff.active)
        multiplier = attrition_multiplier(self.scenario.stress, self.staff.challenge[active],
                                          self.staff.hindrance[active])
        p_leave = -np.expm1(-params.rate * multiplier / DAYS_PER_YEAR)
        draws = np.fromiter((next(self._attrition) for _ in active), float, len(active))
        for person in active[draws < p_leave].tolist():
            if person not in self._leaving:
                self._leave(person, params.backfill)

    def change_headcount(self, group: str, change: int) -> None:
        """Add new hires to, or lay off people from, ``group`` (a timeline event)."""
        if change > 0:
            self._grow(group, change, getattr(self.scenario.workforce, group).skill)
            return
        members = self.staff.members(group)
        chosen = self._layoffs.choice(members, size=min(-change, len(members)), replace=False)
        for person in sorted(chosen.tolist()):
            self._leave(person, backfill=False, reason="removed")

    # -- plans and the roster --------------------------------------------------------

    def _judge_and_divert(self, pressure: float) -> None:
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

    def _make_plan(self):
        lev = self.scenario.levers
        return plan_day(self.staff, self.on_hold, improvement_share=lev.improvement_share,
                        sustainment=self.sustain_ask, protected=self.protected_time)

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
        plan = self.plan = self._make_plan()
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
        self._plan_totals = {name: float(getattr(plan, name).sum()) for name in
                             ("assigned_ops", "assigned_project", "assigned_improvement",
                              "assigned_sustainment", "overhead", "diverted")}
        t = self._plan_totals
        t["duty"] = float(self.duty_share.sum())
        t["unassigned"] = (float(np.count_nonzero(staff.active)) - t["assigned_ops"]
                           - t["assigned_project"] - t["assigned_improvement"]
                           - t["assigned_sustainment"] - t["overhead"])
        self._put_on_roster(self.duty_share)

    def _put_on_roster(self, shares: np.ndarray) -> None:
        desk = self.desk
        full, none = shares >= 1.0 - _EPS, shares <= _EPS
        on_duty = np.array(desk.on_duty, dtype=bool)
        split = ~(full | none)
        self._splits = bool(split.any())
        for person in np.flatnonzero(split | (full & ~on_duty) | (none & on_duty)).tolist():
            windows = duty_windows(self.staff.phase[person], float(shares[person]))
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

    # -- stress ----------------------------------------------------------------------

    def _update_stress(self, pressure: float) -> None:
        """Move both kinds of stress towards their targets; refresh their effects.

        Each component relaxes whenever its gain is on or it is not yet at rest, so
        stress left over from before a timeline event switched a gain off fades
        with ``tau`` as well.
        """
        params = self.scenario.stress
        staff, plan = self.staff, self.plan
        attrition = self.scenario.workforce.attrition
        gains = params.overload_gain or params.misalignment_gain
        if not gains and self._calm and self._factors_settled(attrition.onboarding):
            return
        active = staff.active
        if params.overload_gain or staff.challenge.any():
            demanded = (plan.ops * pressure + plan.project * self._schedule_pressure()
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

    def _schedule_pressure(self) -> np.ndarray:
        """Per person, the allocation-weighted forecast / planned duration of their projects."""
        weighted = np.zeros(self.staff.size)
        now = self.env.now
        for project in self.portfolio.active:
            if not project.team:
                continue
            rate = project.allocation * len(project.team)
            forecast = (now - project.started) + (project.to_do + project.undiscovered) / rate
            pressure = max(1.0, forecast / project.planned_duration)
            weighted[project.team] += project.allocation * pressure
        allocated = self.staff.allocated
        return np.divide(weighted, allocated, out=np.ones_like(weighted), where=allocated > 0)

