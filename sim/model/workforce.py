"""Staff as individuals: groups, seats, assignments, hiring and each person's day.

Every person is an entity with a group, a skill, a stress level, a hiring date,
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

Every change to what a day plan depends on goes through a method that bumps
``plan_version``, so the daily roster is rebuilt only when a plan can have
changed; likewise every change to skill, productivity or defect factors bumps
``factor_version``.
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
    stress: np.ndarray = field(init=False)
    challenge: np.ndarray = field(init=False)
    hindrance: np.ndarray = field(init=False)
    productivity_factor: np.ndarray = field(init=False)
    defect_factor: np.ndarray = field(init=False)
    diversion: np.ndarray = field(init=False)
    allocated: np.ndarray = field(init=False)
    assignment_count: np.ndarray = field(init=False)
    assignments: list[list[Assignment]] = field(init=False)
    phase: np.ndarray = field(init=False)
    plan_version: int = field(init=False, default=0)
    factor_version: int = field(init=False, default=0)

    def __post_init__(self):
        n = len(self.group)
        self.active = np.ones(n, dtype=bool)
        self.hired_at = np.full(n, -np.inf)
        self.stress = np.zeros(n)
        self.challenge = np.zeros(n)
        self.hindrance = np.zeros(n)
        self.productivity_factor = np.ones(n)
        self.defect_factor = np.ones(n)
        self.diversion = np.zeros(n)
        self.allocated = np.zeros(n)
        self.assignment_count = np.zeros(n, dtype=np.int64)
        self.assignments = [[] for _ in range(n)]
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

    def add(self, group: str, count: int, skill: float, now: float,
            productivity: float = 1.0) -> np.ndarray:
        """Add ``count`` new seats in ``group``, filled by new hires; return their ids.

        ``productivity`` is the new hires' productivity factor on their first day
        (they ramp up from there, see :meth:`onboarding_factor`).
        """
        first = self.size
        ids = np.arange(first, first + count)
        grow = {"group": GROUPS.index(group), "skill": skill, "active": True,
                "hired_at": now, "stress": 0.0, "challenge": 0.0, "hindrance": 0.0,
                "productivity_factor": productivity,
                "defect_factor": 1.0, "diversion": 0.0, "allocated": 0.0,
                "assignment_count": 0}
        for name, value in grow.items():
            array = getattr(self, name)
            setattr(self, name, np.concatenate([array, np.full(count, value, array.dtype)]))
        self.assignments.extend([] for _ in range(count))
        self.phase = np.mod(np.arange(self.size) * _GOLDEN, 1.0)
        self.plan_version += 1
        self.factor_version += 1
        return ids

    def vacate(self, person: int) -> list[int]:
        """Empty ``person``'s seat (they left); return the projects they were on."""
        projects = [a.project for a in self.assignments[person]]
        for project in projects:
            self.release(person, project)
        self.active[person] = False
        self._clear_stress(person)
        self.plan_version += 1
        return projects

    def fill(self, person: int, now: float) -> None:
        """Seat a new hire in the empty seat ``person``."""
        self.active[person] = True
        self.hired_at[person] = now
        self._clear_stress(person)
        self.plan_version += 1

    def _clear_stress(self, person: int) -> None:
        """Clear both kinds of stress of the person in seat ``person``."""
        self.stress[person] = self.challenge[person] = self.hindrance[person] = 0.0

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
        if not np.array_equal(diversion, self.diversion):
            self.diversion = np.asarray(diversion, dtype=float)
            self.plan_version += 1

    def onboarding_factor(self, now: float, onboarding: float, start: float) -> np.ndarray:
        """Productivity of each person from their tenure: ``start`` rising to 1."""
        # np.minimum/np.maximum: np.clip's values (but for the sign of a zero, which
        # nothing here can tell) at a fraction of its call cost on small arrays.
        progress = np.minimum(np.maximum((now - self.hired_at) / onboarding, 0.0), 1.0)
        return start + (1.0 - start) * progress


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
             protected: float = 0.0) -> DayPlan:
    """Plan each person's day.

    Operations staff plan their project allocations (except projects on hold),
    then a share ``improvement_share`` of the rest for improvement, then any
    sustainment asked of them, and the remainder for the day job. The OpEx team
    plans sustainment first and improvement for the rest; PMO staff plan
    overhead; dedicated project staff plan their projects and are otherwise
    unassigned. A person who diverts (``staff.diversion``) moves that share of
    their project, improvement and sustainment time to the day job, except the
    ``protected`` share that nobody may divert.

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
    divert = np.where(in_ops | in_opex, np.minimum(staff.diversion, 1.0 - protected), 0.0)
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
