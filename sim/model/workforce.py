"""Staff as individuals: groups, seats, assignments, hiring and each person's day.

Every person is an entity with a group, a skill, a hiring date,
a set of project assignments (each with an allocation fraction of their time)
and a daily plan. Per-person state is held in arrays indexed by *seat*, so daily
rules apply to everyone at once while each person keeps their own values. A
seat is empty while a leaver's replacement is being hired; a new hire fills the
same seat and ramps up from ``new_hire_productivity`` to full productivity over
the onboarding time.

A person's working day is one unit of clock time, split by :func:`plan_day`
into the day job, project work, improvement, sustainment of delivered benefits,
PMO overhead and unassigned time. The day-job share is worked as one block on
the operations duty roster; to keep the organisation's day-job capacity smooth
over the day, each person's block starts at a personal phase (a low-discrepancy
sequence over seats) and wraps around the end of the day.

:class:`Staff` is the one record of who sits where and who works on what: each
seat's group, skill, hiring date and assignments, and each project's team in
the order its members joined. Every change to the seats or the assignments goes
through a method that bumps ``plan_version``, so whoever keeps something that
depends on them (a day plan, a head count) redoes it only when it can have
changed. What people feel and do with their day (stress, productivity,
diversion, duty) is kept by the components that own it, in arrays of their own
indexed by the same seats.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from sim.model import day_kernel as k

GROUPS = ("operations", "projects", "opex", "pmo")
_GOLDEN = 0.6180339887498949


@dataclass
class Assignment:
    """One person's assignment to one project."""

    project: int
    allocation: float
    since: float


@dataclass
class Staff:
    """Per-seat state of the whole workforce.

    Parameters
    ----------
    group
        Group index per seat (see :data:`GROUPS`).
    skill
        Productivity multiplier per seat.
    """

    group: np.ndarray
    skill: np.ndarray
    active: np.ndarray = field(init=False)
    hired_at: np.ndarray = field(init=False)
    allocated: np.ndarray = field(init=False)
    assignment_count: np.ndarray = field(init=False)
    assignments: list[list[Assignment]] = field(init=False)
    teams: dict[int, list[int]] = field(init=False)
    """Each project's current team, in the order its members joined."""
    phase: np.ndarray = field(init=False)
    plan_version: int = field(init=False, default=0)
    _filled: tuple = field(init=False, default=(-1, None), repr=False)
    _flat: tuple = field(init=False, default=((), None), repr=False)

    def __post_init__(self):
        n = len(self.group)
        self.active = np.ones(n, dtype=bool)
        self.hired_at = np.full(n, -np.inf)
        self.allocated = np.zeros(n)
        self.assignment_count = np.zeros(n, dtype=np.int64)
        self.assignments = [[] for _ in range(n)]
        self.teams = {}
        self.phase = np.mod(np.arange(n) * _GOLDEN, 1.0)

    @classmethod
    def from_groups(cls, sizes: dict[str, int], skills: dict[str, float]) -> Staff:
        """Create the staff of each group, operations first."""
        group = np.concatenate([np.full(sizes.get(g, 0), k, dtype=np.int64)
                                for k, g in enumerate(GROUPS)])
        skill = np.concatenate([np.full(sizes.get(g, 0), skills.get(g, 1.0), dtype=float)
                                for g in GROUPS])
        return cls(group=group, skill=skill)

    @property
    def size(self) -> int:
        """Number of seats (filled or not)."""
        return len(self.group)

    def filled(self) -> np.ndarray:
        """Ids of the filled seats (kept until the seats change; read only)."""
        if self._filled[0] != self.plan_version:
            ids = self.active.nonzero()[0]
            ids.flags.writeable = False
            self._filled = (self.plan_version, ids)
        return self._filled[1]

    def members(self, group: str) -> np.ndarray:
        """Ids of the people currently in ``group`` (filled seats only)."""
        return ((self.group == GROUPS.index(group)) & self.active).nonzero()[0]

    def headcount(self, group: str) -> int:
        """Return the number of people currently in ``group``."""
        return int(np.count_nonzero((self.group == GROUPS.index(group)) & self.active))

    def add(self, group: str, count: int, skill: float, now: float) -> np.ndarray:
        """Add ``count`` new seats in ``group``, filled by new hires; return their ids."""
        first = self.size
        ids = np.arange(first, first + count)
        self.group = _grown(self.group, count, GROUPS.index(group))
        self.skill = _grown(self.skill, count, skill)
        self.active = _grown(self.active, count, True)
        self.hired_at = _grown(self.hired_at, count, now)
        self.allocated = _grown(self.allocated, count, 0.0)
        self.assignment_count = _grown(self.assignment_count, count, 0)
        self.assignments.extend([] for _ in range(count))
        self.phase = np.mod(np.arange(self.size) * _GOLDEN, 1.0)
        self.plan_version += 1
        return ids

    def vacate(self, person: int) -> list[int]:
        """Empty ``person``'s seat (they left); return the projects they were on.

        The leaver leaves each of those teams.
        """
        projects = [a.project for a in self.assignments[person]]
        for project in projects:
            self.release(person, project)
            self.teams[project] = [i for i in self.teams[project] if i != person]
        self.active[person] = False
        self.plan_version += 1
        return projects

    def fill(self, person: int, now: float) -> None:
        """Seat a new hire in the empty seat ``person``."""
        self.active[person] = True
        self.hired_at[person] = now
        self.plan_version += 1

    def assign(self, person: int, project: int, allocation: float, now: float) -> None:
        """Put ``person`` on ``project``'s team for a share ``allocation`` of their time."""
        self.assignments[person].append(Assignment(project, allocation, now))
        self.teams.setdefault(project, []).append(person)
        self.allocated[person] += allocation
        self.assignment_count[person] += 1
        self.plan_version += 1

    def release(self, person: int, project: int) -> None:
        """End ``person``'s assignment to ``project`` (the team list is the caller's)."""
        kept = [a for a in self.assignments[person] if a.project != project]
        self.assignments[person] = kept
        self.allocated[person] = sum(a.allocation for a in kept)
        self.assignment_count[person] = len(kept)
        self.plan_version += 1

    def disband(self, project: int) -> list[int]:
        """Release everybody on ``project`` (it ended); return its last team."""
        team = self.teams.pop(project, [])
        for person in team:
            self.release(person, project)
        return team

    def team(self, project: int) -> list[int]:
        """The current team of ``project`` in joining order (a copy)."""
        return list(self.teams.get(project, ()))

    def flat_teams(self, projects: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The current teams of ``projects`` end to end, as the compiled rules take them.

        Returns the members (each team in joining order) and where each team starts
        in them, with one more entry for the end: project j's team is
        ``members[first[j]:first[j + 1]]``.
        """
        key = (self.plan_version, *projects)
        if self._flat[0] != key:  # the teams change only with the plan version
            teams = [self.teams.get(project, ()) for project in projects]
            first = np.zeros(len(teams) + 1, dtype=np.int64)
            np.cumsum([len(team) for team in teams], out=first[1:])
            members = np.fromiter(itertools.chain.from_iterable(teams), np.int64,
                                  int(first[-1]))
            members.flags.writeable = first.flags.writeable = False
            self._flat = (key, (members, first))
        return self._flat[1]

    def replan(self) -> None:
        """Note that something a day plan depends on has changed."""
        self.plan_version += 1

    def onboarding_factor(self, now: float, onboarding: float, start: float) -> np.ndarray:
        """Productivity of each person from their tenure: ``start`` rising to 1."""
        # np.minimum/np.maximum: np.clip's values (but for the sign of a zero, which
        # nothing here can tell) at a fraction of its call cost on small arrays.
        progress = np.minimum(np.maximum((now - self.hired_at) / onboarding, 0.0), 1.0)
        return start + (1.0 - start) * progress


def _grown(array: np.ndarray, count: int, value) -> np.ndarray:
    """``array`` with ``count`` more entries of ``value`` (its dtype kept)."""
    return np.concatenate([array, np.full(count, value, array.dtype)])


def choose_team(staff: Staff, group: str, size: int, allocation: float,
                max_assignments: int, tiebreak: np.ndarray,
                exclude: list[int] | None = None, fewer: bool = False) -> np.ndarray | None:
    """Pick the people to staff a project, least loaded first.

    Parameters
    ----------
    staff
        The workforce.
    group
        The group teams are drawn from.
    size
        Number of people needed.
    allocation
        Share of each person's time the project needs.
    max_assignments
        Most projects one person may hold.
    tiebreak
        One uniform number per seat, to break ties without favouring low ids.
    exclude
        People who may not be chosen (e.g. already on the project).
    fewer
        Accept fewer than ``size`` people (possibly none) when not enough have room.

    Returns
    -------
    numpy.ndarray or None
        The chosen ids, or None when fewer than ``size`` people have room and
        ``fewer`` is false.
    """
    ids = staff.members(group)
    if exclude:
        ids = ids[~np.isin(ids, exclude)]
    counts = staff.assignment_count[ids]
    room = (counts < max_assignments) & (staff.allocated[ids] + allocation <= 1.0 + 1e-9)
    ids = ids[room]
    if len(ids) < size and not fewer:
        return None
    order = np.lexsort((tiebreak[ids], staff.allocated[ids], counts[room]))
    return ids[order[:size]]


class DayPlan:
    """Shares of each person's working day, after diversion (0 for empty seats).

    The ``assigned_*`` shares are those before diversion, which is what rewards
    and misalignment are judged against; ``diverted`` is the share moved from
    project, improvement and sustainment time to the day job. All eleven are rows
    of one array, :attr:`rows` (in the order of :data:`FIELDS`), which the
    compiled rules read whole; each is also an attribute (a view of its row).
    """

    FIELDS = ("ops", "project", "improvement", "sustainment", "overhead", "unassigned",
              "assigned_ops", "assigned_project", "assigned_improvement",
              "assigned_sustainment", "diverted")
    """The rows of :attr:`rows`, in order (as :data:`sim.model.day_kernel.PLAN_ROWS`)."""

    ops: np.ndarray
    project: np.ndarray
    improvement: np.ndarray
    sustainment: np.ndarray
    overhead: np.ndarray
    unassigned: np.ndarray
    assigned_ops: np.ndarray
    assigned_project: np.ndarray
    assigned_improvement: np.ndarray
    assigned_sustainment: np.ndarray
    diverted: np.ndarray

    def __init__(self, **shares: np.ndarray):
        self._take(np.array([shares[name] for name in self.FIELDS], dtype=float))

    @classmethod
    def of_rows(cls, rows: np.ndarray) -> DayPlan:
        """The plan whose shares are the rows of ``rows`` (kept, not copied)."""
        plan = cls.__new__(cls)
        plan._take(rows)
        return plan

    def _take(self, rows: np.ndarray) -> None:
        self.rows = rows
        for name, row in zip(self.FIELDS, rows, strict=True):
            setattr(self, name, row)

    @property
    def assigned_other(self) -> np.ndarray:
        """Assigned improvement and sustainment together."""
        return self.assigned_improvement + self.assigned_sustainment


def plan_day(staff: Staff, on_hold: np.ndarray | None = None, *,
             improvement_share: float = 0.0, sustainment: np.ndarray | None = None,
             protected: float = 0.0, diversion: np.ndarray | None = None) -> DayPlan:
    """Plan each person's day.

    Operations staff plan their project allocations (except projects on hold),
    then a share ``improvement_share`` of the rest for improvement, then any
    sustainment asked of them, and the remainder for the day job. The OpEx team
    plans sustainment first and improvement for the rest; PMO staff plan
    overhead; dedicated project staff plan their projects and are otherwise
    unassigned. A person who diverts (``diversion``, per seat) moves that share
    of their project, improvement and sustainment time to the day job, except
    the ``protected`` share that nobody may divert. The rule, person by person, is
    :func:`sim.model.day_kernel.plan_day`.

    Returns
    -------
    DayPlan
        The shares per person.
    """
    none = np.zeros(staff.size)
    rows = np.empty((k.PLAN_ROWS, staff.size))
    k.plan_day(staff.group, staff.active, staff.allocated,
               none if on_hold is None else on_hold,
               none if sustainment is None else sustainment,
               none if diversion is None else diversion, improvement_share, protected,
               *PLAN_GROUPS, rows)
    return DayPlan.of_rows(rows)


PLAN_GROUPS = tuple(GROUPS.index(g) for g in ("operations", "opex", "projects", "pmo"))
"""The group indices the compiled day plan takes, in its order."""


def split_off_duty(plan: DayPlan, duty: np.ndarray, overrun: np.ndarray | float) -> dict:
    """Split each person's time off duty between projects, improvement and sustainment.

    ``duty`` is each person's duty block today and ``overrun`` the time they
    spent finishing items after it, which comes out of their off-duty time
    first. Project time takes its planned share of what is left; improvement
    and sustainment share the rest as planned (the rule, person by person, is
    :func:`sim.model.day_kernel.split_off_duty`).

    Returns
    -------
    dict
        Per person ``project_time``, ``improvement_time`` and
        ``sustainment_time``, and their totals ``project``, ``improvement`` and
        ``sustainment``.
    """
    times = np.empty((3, len(duty)))
    overrun = np.broadcast_to(np.asarray(overrun, dtype=float), times.shape[1:])
    totals = k.split_off_duty(plan.rows, duty, overrun, times)
    return split_record(times, totals)


def split_record(times: np.ndarray, totals: tuple[float, float, float]) -> dict:
    """The split of off-duty time as a record: the three rows of ``times`` and their totals.

    ``times`` itself is kept as ``times`` (project, improvement and sustainment
    time in its rows), for the compiled rules.
    """
    return {"project_time": times[0], "improvement_time": times[1],
            "sustainment_time": times[2], "project": totals[0], "improvement": totals[1],
            "sustainment": totals[2], "times": times}


def share_among_keepers(staff: Staff, ask: np.ndarray, members: list[int], started: float,
                        per_day: float) -> None:
    """Add ``per_day`` to ``ask``, shared among ``members`` still in their seats.

    ``members`` is a former project team keeping what it delivered; only those in
    their seats since ``started`` share; with none left, nothing is asked.
    """
    kept = [i for i in members if staff.active[i] and staff.hired_at[i] <= started]
    if kept:
        ask[kept] += per_day / len(kept)


def upkeep_per_seat(staff: Staff, owner: str,
                    asks: list[tuple[list[int], float, float]]) -> np.ndarray:
    """Per seat, the person-days a day that ``asks`` put on ``owner``.

    Each ask is (former project team, project start day, person-days a day).
    ``project`` shares each ask among that team's members still in their seats
    since the project started; a group name (``opex``, ``operations``,
    ``projects``) shares them all among the group's members; ``none`` asks
    nobody.
    """
    ask = np.zeros(staff.size)
    if owner == "project":
        for members, started, per_day in asks:
            share_among_keepers(staff, ask, members, started, per_day)
    elif owner != "none":
        team = staff.members(owner)
        total = sum(per_day for _, _, per_day in asks)
        if len(team) and total:
            ask[team] = total / len(team)
    return ask
