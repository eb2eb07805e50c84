"""Staff as individuals: groups, project assignments and each person's working day.

Every person is an entity with a group, a skill, a set of project assignments
(each with an allocation fraction of their time) and a daily plan. Per-person
state is held in arrays indexed by person id, so that daily rules can be applied
to everyone at once while each person keeps their own values.

A person's working day is one unit of clock time. The share of it planned for
the day job is worked as one block on the operations duty roster; the rest goes
to their projects. To keep the organisation's day-job capacity smooth over the
day, each person's block starts at a personal phase (a low-discrepancy sequence
over people) and wraps around the end of the day.

Two per-person inputs are open to other mechanisms: ``productivity_factor``
multiplies everything a person does (1.0 = nominal) and ``diversion`` is the
share of planned project time a person moves to the day job (0 = none). Every
change to what a day plan depends on (assignments, diversion) goes through a
method that bumps ``plan_version``, so the daily roster is rebuilt only when a
plan can have changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

GROUPS = ("operations", "projects")
_GOLDEN = 0.6180339887498949


@dataclass
class Assignment:
    """One person's assignment to one project."""

    project: int
    allocation: float
    since: float


@dataclass
class Staff:
    """Per-person state of the whole workforce.

    Parameters
    ----------
    group
        Group index per person (see :data:`GROUPS`).
    skill
        Productivity multiplier per person.
    """

    group: np.ndarray
    skill: np.ndarray
    productivity_factor: np.ndarray = field(init=False)
    diversion: np.ndarray = field(init=False)
    allocated: np.ndarray = field(init=False)
    assignment_count: np.ndarray = field(init=False)
    assignments: list[list[Assignment]] = field(init=False)
    phase: np.ndarray = field(init=False)
    plan_version: int = field(init=False, default=0)

    def __post_init__(self):
        n = len(self.group)
        self.productivity_factor = np.ones(n)
        self.diversion = np.zeros(n)
        self.allocated = np.zeros(n)
        self.assignment_count = np.zeros(n, dtype=np.int64)
        self.assignments = [[] for _ in range(n)]
        self.phase = np.mod(np.arange(n) * _GOLDEN, 1.0)

    @classmethod
    def from_groups(cls, sizes: dict[str, int], skills: dict[str, float]) -> Staff:
        """Create the staff of each group, operations first."""
        group = np.concatenate([np.full(sizes[g], k, dtype=np.int64)
                                for k, g in enumerate(GROUPS)])
        skill = np.concatenate([np.full(sizes[g], skills[g], dtype=float) for g in GROUPS])
        return cls(group=group, skill=skill)

    @property
    def size(self) -> int:
        """Number of people."""
        return len(self.group)

    def members(self, group: str) -> np.ndarray:
        """Ids of the people in ``group``."""
        return np.flatnonzero(self.group == GROUPS.index(group))

    def assign(self, person: int, project: int, allocation: float, now: float) -> None:
        """Give ``person`` a share ``allocation`` of their time on ``project``."""
        self.assignments[person].append(Assignment(project, allocation, now))
        self.allocated[person] += allocation
        self.assignment_count[person] += 1
        self.plan_version += 1

    def release(self, person: int, project: int) -> None:
        """End ``person``'s assignment to ``project``."""
        kept = [a for a in self.assignments[person] if a.project != project]
        self.assignments[person] = kept
        self.allocated[person] = sum(a.allocation for a in kept)
        self.assignment_count[person] = len(kept)
        self.plan_version += 1

    def replan(self) -> None:
        """Note that something a day plan depends on has changed."""
        self.plan_version += 1

    def set_diversion(self, diversion: np.ndarray) -> None:
        """Set each person's share of planned project time moved to the day job."""
        self.diversion = np.asarray(diversion, dtype=float)
        self.plan_version += 1


def choose_team(staff: Staff, group: str, size: int, allocation: float,
                max_assignments: int, tiebreak: np.ndarray) -> np.ndarray | None:
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
        One uniform number per person, to break ties without favouring low ids.

    Returns
    -------
    numpy.ndarray or None
        The chosen ids, or None when fewer than ``size`` people have room.
    """
    ids = staff.members(group)
    counts = staff.assignment_count[ids]
    room = (counts < max_assignments) & (staff.allocated[ids] + allocation <= 1.0 + 1e-9)
    ids = ids[room]
    if len(ids) < size:
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
    index = np.clip(streams - 1, 0, len(lookup) - 1)
    return lookup[index]


def plan_day(staff: Staff, on_hold: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Plan each person's day: the share on the day job and on projects.

    Operations staff plan the time not allocated to projects for the day job;
    dedicated project staff plan none. A person who diverts moves a share
    ``diversion`` of their planned project time to the day job. Allocation to
    projects that are on hold today (``on_hold``, per person) is not planned:
    operations staff spend it on the day job.

    Returns
    -------
    ops_share, project_share : numpy.ndarray
        Shares of the working day per person; they add up to at most 1.
    """
    in_ops = staff.group == GROUPS.index("operations")
    allocated = staff.allocated if on_hold is None else staff.allocated - on_hold
    project_plan = np.clip(allocated, 0.0, 1.0)
    ops_plan = np.where(in_ops, 1.0 - project_plan, 0.0)
    moved = project_plan * np.where(in_ops, staff.diversion, 0.0)
    return ops_plan + moved, project_plan - moved


def duty_windows(phase: float, share: float) -> tuple[tuple[float, float], ...]:
    """Return the parts of the day ``[0, 1)`` a person spends on operations duty.

    Parameters
    ----------
    phase
        Where the person's day-job block starts, as a fraction of the day.
    share
        Length of the block as a fraction of the day.

    Returns
    -------
    tuple of (start, end)
        One window, or two when the block wraps past the end of the day.
    """
    if share <= 0.0:
        return ()
    if share >= 1.0:
        return ((0.0, 1.0),)
    end = phase + share
    if end <= 1.0:
        return ((phase, end),)
    return ((0.0, end - 1.0), (phase, 1.0))
