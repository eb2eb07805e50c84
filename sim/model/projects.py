"""Projects: the pipeline, intake, staffing and the rework cycle.

Proposals arrive from templates (Poisson, ``per_year``) or are listed with a
start date. They wait in a funnel; the PMO starts the most valuable one (or the
oldest) while fewer than ``wip_limit`` projects are in progress and a full team
can be found.

Each project is a small system-dynamics model (Cooper's rework cycle): stocks of
work to do, work done correctly and undiscovered rework. Effort applied does
work; a fraction ``quality`` of it is right, the rest becomes undiscovered rework,
found at rate ``undiscovered / discovery_delay`` and put back to do. A project
completes when both work to do and undiscovered rework fall below a small
fraction of its size. With constant staff of productivity p the total effort
tends to N / (p q).

The plan is made when the project starts: the estimated size divided by the
team's nominal daily effort. It ignores rework, multitasking and diversion, as
plans usually do; the gap between plan and outcome is the project's slip.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.model import day_kernel as k
from sim.schema.ai import AiSolution
from sim.schema.scenario import Benefit, PlannedProject, ProjectTemplate
from sim.units import DAYS_PER_YEAR


@dataclass
class Gate:
    """A project's evaluation gate (an AI project's; see :mod:`sim.model.ai`).

    Attributes
    ----------
    full
        Person-days of the full gate (``gate_effort`` x size).
    to_do
        Gate work still planned.
    findings
        Rework per person-day of gate work.
    done
        Gate work done so far.
    cut
        True once schedule pressure has dropped the rest of the gate.
    """

    full: float
    to_do: float
    findings: float
    done: float = 0.0
    cut: bool = False

    @classmethod
    def planned(cls, spec: AiSolution, size: float, share: float) -> Gate:
        """The gate of a project of ``size`` with ``share`` of the full gate planned."""
        full = spec.gate_effort * size
        return cls(full=full, to_do=full * share, findings=spec.findings)

    @property
    def share(self) -> float:
        """Share of the full gate done (0 when the gate has no effort)."""
        return min(self.done / self.full, 1.0) if self.full > 0.0 else 0.0

    def evaluate(self, spare: float) -> tuple[float, float]:
        """Spend up to ``spare`` work on the gate; return (gate work, rework found)."""
        work = min(spare, self.to_do)
        self.to_do -= work
        self.done += work
        return work, self.findings * work

    def close(self) -> None:
        """Count what is left (below the project's completion threshold) as done."""
        self.done += self.to_do
        self.to_do = 0.0

    def drop(self) -> None:
        """Cut the rest of the gate (schedule pressure)."""
        if self.to_do > 0.0:
            self.to_do = 0.0
            self.cut = True


@dataclass
class Project:
    """One project, from proposal to completion."""

    id: int
    name: str
    template: str
    size: float
    estimate: float
    team_size: int
    benefits: tuple[Benefit, ...]
    arrived: float
    started: float = math.nan
    planned_duration: float = math.nan
    finished: float = math.nan
    final_team: list[int] = field(default_factory=list)
    """Who was on the team when the project ended (the workforce keeps it until then)."""
    joined: dict[int, float] = field(default_factory=dict)
    cancelled: float = math.nan
    allocation: float = 0.0
    to_do: float = 0.0
    done: float = 0.0
    undiscovered: float = 0.0
    effort: float = 0.0
    work: float = 0.0
    ai: AiSolution | None = None
    gate: Gate | None = None

    @property
    def value(self) -> float:
        """Strategic value: total benefit magnitude per estimated person-day."""
        return sum(b.magnitude for b in self.benefits) / self.estimate

    @property
    def status(self) -> str:
        """``proposed``, ``active``, ``completed`` or ``cancelled``."""
        if not math.isnan(self.finished):
            return "completed"
        if not math.isnan(self.cancelled):
            return "cancelled"
        return "proposed" if math.isnan(self.started) else "active"


def lognormal_size(mean: float, cv: float, z: float) -> float:
    """Return a lognormal size with the given mean and coefficient of variation.

    Parameters
    ----------
    mean, cv
        Mean and coefficient of variation of the size.
    z
        A standard normal draw.
    """
    if cv <= 0.0:
        return mean
    sigma2 = math.log1p(cv * cv)
    return mean * math.exp(math.sqrt(sigma2) * z - sigma2 / 2.0)


class ProposalSource:
    """Draws the proposals of one template: arrival gaps, sizes and estimate errors.

    Parameters
    ----------
    template
        The template.
    default_cv
        Size CV used when the template gives none.
    gaps, sizes, errors
        Named streams of unit exponentials and standard normals.
    """

    def __init__(self, template: ProjectTemplate, default_cv: float, *, gaps: Iterator[float],
                 sizes: Iterator[float], errors: Iterator[float]):
        self.template = template
        self.cv = template.size_cv if template.size_cv is not None else default_cv
        self._gaps, self._sizes, self._errors = gaps, sizes, errors

    def next_gap(self) -> float:
        """Days until the next proposal."""
        return next(self._gaps) * DAYS_PER_YEAR / self.template.per_year

    def draw(self) -> tuple[float, float]:
        """Return a true size and the standard normal behind its estimate error."""
        return lognormal_size(self.template.size, self.cv, next(self._sizes)), \
            next(self._errors)


class Portfolio:
    """All projects of one run and the rules that move them along.

    Parameters
    ----------
    quality, discovery_delay, threshold
        Rework-cycle parameters (fraction right first time, mean days to find
        rework, completion threshold as a fraction of size).
    estimate_error
        Sigma of the lognormal estimate error.
    """

    def __init__(self, *, quality: float, discovery_delay: float, threshold: float,
                 estimate_error: float):
        self.quality = quality
        self.discovery_delay = discovery_delay
        self.threshold = threshold
        self.estimate_error = estimate_error
        self.projects: list[Project] = []
        self.funnel: list[Project] = []
        self.active: list[Project] = []

    def adopt(self, *, estimate_error: float, quality: float, discovery_delay: float) -> None:
        """Take the rework-cycle parameters that the PMO in force and maturity bring."""
        self.estimate_error = estimate_error
        self.quality = quality
        self.discovery_delay = discovery_delay

    def joined(self, project: Project, person: int, now: float) -> None:
        """Note that ``person`` joined the running ``project`` at ``now`` (a newcomer)."""
        project.joined[person] = now

    def propose(self, name: str, template: str, size: float, error_z: float, team: int,
                benefits: tuple[Benefit, ...], now: float,
                ai: AiSolution | None = None) -> Project:
        """Add a proposal to the funnel (``ai``: the AI solution it delivers, if any)."""
        estimate = size * math.exp(self.estimate_error * error_z)
        project = Project(len(self.projects), name, template, size, estimate, team,
                          benefits, now, ai=ai)
        self.projects.append(project)
        self.funnel.append(project)
        return project

    def propose_planned(self, spec: PlannedProject, error_z: float, now: float) -> Project:
        """Add an explicitly listed project to the funnel."""
        return self.propose(spec.name, "portfolio", spec.size, error_z, spec.team,
                            spec.benefits, now, spec.ai)

    def next_in_line(self, order: str) -> Project | None:
        """Return the proposal the PMO would start next (``value`` or ``fifo`` order)."""
        if not self.funnel:
            return None
        if order == "fifo":
            return self.funnel[0]
        return max(self.funnel, key=lambda p: (p.value, -p.id))

    def start(self, project: Project, team: np.ndarray, allocation: float,
              skill: np.ndarray, now: float, gate_share: float = 1.0) -> None:
        """Start ``project`` with ``team`` and fix its plan.

        An AI project plans ``gate_share`` of its evaluation gate, and its plan
        includes that gate work at the estimated size.
        """
        self.funnel.remove(project)
        self.active.append(project)
        project.allocation = allocation
        project.started = now
        project.to_do = project.size
        planned_rate = allocation * float(np.sum(skill[team]))
        project.planned_duration = project.estimate / planned_rate
        if project.ai is not None:
            project.gate = Gate.planned(project.ai, project.size, gate_share)
            gate_plan = project.ai.gate_effort * gate_share * project.estimate
            project.planned_duration = (project.estimate + gate_plan) / planned_rate

    def work(self, project: Project, capacity: float, time: float) -> float:
        """Apply one day of effort to ``project`` (the rework cycle).

        Rework is discovered every day, whether or not anybody worked on it.

        Parameters
        ----------
        project
            An active project.
        capacity
            Work the team can do today (person-days times productivity).
        time
            Person-days of time behind ``capacity``.

        Returns
        -------
        float
            The share of the capacity that found work (the rest is idle).
        """
        used = 0.0
        if capacity > 0.0:
            done = min(capacity, project.to_do)
            used = done / capacity
            project.to_do -= done
            project.done += self.quality * done
            project.undiscovered += (1.0 - self.quality) * done
            project.work += done
            if project.gate is not None and project.to_do < self.threshold * project.size:
                gate_work, found = project.gate.evaluate(capacity - done)
                project.to_do += found  # the gate's findings become rework to do
                used += gate_work / capacity
            project.effort += time * used
        found = project.undiscovered * -math.expm1(-1.0 / self.discovery_delay)
        project.undiscovered -= found
        project.to_do += found
        return used

    def waiting_for_rework(self, project: Project) -> bool:
        """Return True when nothing is left to do but hidden rework may still surface.

        The team of such a project works the day job instead until rework is found.
        """
        limit = self.threshold * project.size
        return project.to_do < limit and (project.gate is None or project.gate.to_do < limit)

    def is_complete(self, project: Project) -> bool:
        """Return True when work to do and undiscovered rework are both negligible."""
        limit = self.threshold * project.size
        return project.to_do < limit and project.undiscovered < limit \
            and (project.gate is None or project.gate.to_do < limit)

    def complete(self, project: Project, now: float, team: list[int]) -> None:
        """Record ``project`` as finished at ``now`` by ``team``.

        Gate work left below the completion threshold counts as done, as the
        build's does.
        """
        project.finished = now
        project.final_team = team
        if project.gate is not None:
            project.gate.close()
        self.active.remove(project)

    def cancel(self, project: Project, now: float, team: list[int]) -> None:
        """Stop ``project`` at a stage gate (``team``: who was on it)."""
        project.cancelled = now
        project.final_team = team
        self.active.remove(project)

    def forecast_slip(self, project: Project, now: float, team_size: int) -> float:
        """Forecast duration over planned duration, minus 1, at the planned team rate.

        ``team_size`` is the number of people on the project now.
        """
        rate = project.allocation * max(team_size, 1)
        remaining = (project.to_do + project.undiscovered + gate_left(project)) / rate
        return ((now - project.started) + remaining) / project.planned_duration - 1.0


def gate_left(project: Project) -> float:
    """Evaluation-gate work still to do (0 for a project without AI)."""
    return project.gate.to_do if project.gate is not None else 0.0


def tenures(projects: list[Project], members: np.ndarray, first: np.ndarray,
            now: float) -> np.ndarray:
    """Days each member of each project's team has been on it (infinite for its first members).

    Project j's team is ``members[first[j]:first[j + 1]]``.
    """
    tenure = np.full(len(members), np.inf)
    for j, project in enumerate(projects):
        if project.joined:
            for m in range(first[j], first[j + 1]):
                tenure[m] = now - project.joined.get(int(members[m]), -np.inf)
    return tenure


def pressure(project: Project, team_size: int, now: float) -> float:
    """A running project's schedule pressure: forecast over planned duration, at least 1.

    The forecast is the time so far plus the work left (to do, undiscovered and
    gate work) at the team's planned rate (allocation x ``team_size``).
    """
    rate = project.allocation * team_size
    remaining = project.to_do + project.undiscovered + gate_left(project)
    forecast = (now - project.started) + remaining / rate
    return max(1.0, forecast / project.planned_duration)


def schedule_pressure(projects: list[Project], members: np.ndarray, first: np.ndarray,
                      allocated: np.ndarray, now: float) -> np.ndarray:
    """Per person, the allocation-weighted forecast / planned duration of their projects.

    ``projects`` are those in progress and project j's current team is
    ``members[first[j]:first[j + 1]]`` (see :meth:`sim.model.workforce.Staff.flat_teams`);
    a person without allocation gets 1 (see
    :func:`sim.model.day_kernel.schedule_pressure`).
    """
    starts = first.tolist()
    weight = np.array([p.allocation * pressure(p, end - start, now) if end > start else 0.0
                       for p, start, end in zip(projects, starts, starts[1:], strict=False)])
    out = np.empty(len(allocated))
    k.schedule_pressure(members, first, weight, allocated, out)
    return out


def project_record(p: Project, tolerance: float, end: float) -> dict:
    """One tidy row describing a project at the end of a run (time ``end``).

    ``on_time`` and ``slip`` describe a completed project only. ``due`` says
    whether its on-time deadline (``deadline``: planned finish plus the tolerance)
    had passed by the end; a due project not delivered by its deadline (late,
    still running or cancelled) is ``late``. ``slip_at_end`` is its slip, or for
    a project not delivered, the slip it had reached by the end (a lower bound).
    """
    duration = p.finished - p.started
    completed = p.status == "completed"
    slip = duration / p.planned_duration - 1.0 if completed else math.nan
    last_day = p.started + p.planned_duration * (1.0 + tolerance)
    due = bool(last_day <= end)
    return {
        "project": p.name, "template": p.template, "status": p.status,
        "arrived": p.arrived, "started": p.started, "team": p.team_size,
        "allocation": p.allocation, "size": p.size, "estimate": p.estimate,
        "planned_duration": p.planned_duration, "planned_finish": p.started + p.planned_duration,
        "finished": p.finished, "duration": duration, "slip": slip,
        "on_time": bool(slip <= tolerance) if completed else None,
        "cancelled": p.cancelled, "joined_late": len(p.joined),
        "effort": p.effort, "work": p.work, "rework": max(0.0, p.work - p.size + p.to_do),
        "benefits": len(p.benefits), "deadline": last_day, "due": due,
        "late": (not (completed and p.finished <= last_day)) if due else None,
        "slip_at_end": ((p.finished if completed else end) - p.started) / p.planned_duration
        - 1.0,
    }
