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

from dataclasses import dataclass, field

import numpy as np

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


def multitasking_efficiency(streams: np.ndarray, table: tuple[float, ...]) -> np.ndarray:
    """Efficiency of project work by number of concurrent work streams.

    Parameters
    ----------
    streams
        Work streams per person (the day job counts as one); values below 1 are
        treated as 1.
    table
        Efficiency for 1, 2, 3, ... streams; the last entry covers larger numbers.

    Returns
    -------
    numpy.ndarray
        Efficiency per person.
    """
    lookup = np.asarray(table, dtype=float)
    index = np.minimum(np.maximum(streams - 1, 0), len(lookup) - 1)
    return lookup[index]


@dataclass
class DayPlan:
    """Shares of each person's working day, after diversion (0 for empty seats).

    The ``assigned_*`` shares are those before diversion, which is what rewards
    and misalignment are judged against; ``diverted`` is the share moved from
    project, improvement and sustainment time to the day job.
    """

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
    the ``protected`` share that nobody may divert.

    Returns
    -------
    DayPlan
        The shares per person.
    """
    group = staff.group
    in_ops = group == GROUPS.index("operations")
    in_opex = group == GROUPS.index("opex")
    allocated = staff.allocated if on_hold is None else staff.allocated - on_hold
    project = np.minimum(np.maximum(allocated, 0.0), 1.0)
    rest = np.where(in_ops, 1.0 - project, 0.0)
    own_improvement = improvement_share * rest
    asked = np.zeros(staff.size) if sustainment is None else sustainment
    in_projects = group == GROUPS.index("projects")
    sustain = np.where(in_ops, np.minimum(asked, rest - own_improvement),
                       np.where(in_opex, np.minimum(asked, 1.0),
                                np.where(in_projects, np.minimum(asked, 1.0 - project), 0.0)))
    improvement = own_improvement + np.where(in_opex, 1.0 - sustain, 0.0)
    # Adding and subtracting exact zeros leaves the day job's share unchanged to
    # the last bit when improvement and sustainment are off.
    ops = rest - np.where(in_ops, own_improvement + sustain, 0.0)
    wanted = np.zeros(staff.size) if diversion is None else diversion
    divert = np.where(in_ops | in_opex, np.minimum(wanted, 1.0 - protected), 0.0)
    moved_project = project * np.where(in_ops, divert, 0.0)
    moved_other = (improvement + sustain) * divert
    plan = DayPlan(
        ops=ops + moved_project + moved_other,
        project=project - moved_project,
        improvement=improvement - improvement * divert,
        sustainment=sustain - sustain * divert,
        overhead=np.where(group == GROUPS.index("pmo"), 1.0, 0.0),
        unassigned=np.where(in_projects, 1.0 - project - sustain, 0.0),
        assigned_ops=ops, assigned_project=project, assigned_improvement=improvement,
        assigned_sustainment=sustain, diverted=moved_project + moved_other)
    if not staff.active.all():
        for name, value in vars(plan).items():
            setattr(plan, name, np.where(staff.active, value, 0.0))
    return plan


def split_off_duty(plan: DayPlan, duty: np.ndarray, overrun: np.ndarray | float) -> dict:
    """Split each person's time off duty between projects, improvement and sustainment.

    ``duty`` is each person's duty block today and ``overrun`` the time they
    spent finishing items after it, which comes out of their off-duty time
    first. Project time takes its planned share of what is left; improvement
    and sustainment share the rest as planned.

    Returns
    -------
    dict
        Per person ``project_time``, ``improvement_time`` and
        ``sustainment_time``, and their totals ``project``, ``improvement`` and
        ``sustainment``.
    """
    rest = 1.0 - plan.ops - plan.project - plan.improvement - plan.sustainment
    work = np.maximum(1.0 - duty - rest - overrun, 0.0)
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
