"""Delivery: the project portfolio at work, from intake to handover.

:class:`Delivery` is the component that runs the change portfolio day by day.
It owns the book of projects (:class:`sim.model.projects.Portfolio`: the funnel,
the projects in progress and the rework-cycle rules) and the proposal
pipeline, and it decides:

* which proposals start (intake under the WIP limit, capacity-aware when
  asked) and who staffs them (through :class:`sim.model.people.People`);
* which projects are on hold (nothing left to do but hidden rework);
* what each team's project time turns into (team dynamics, the rework cycle),
  and which projects are complete;
* who joins a running project: replacements for leavers, ``join`` events and
  rescues of projects forecast to be late (Brooks's law);
* which projects a stage gate cancels.

It reads the people component through its methods (choose, assign, release,
grow) and never its arrays; what others need from it (each person's schedule
pressure, who keeps delivered benefits) it returns from methods.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import simpy
from simpy.events import Timeout

from sim.model.people import People
from sim.model.pmo import Practices
from sim.model.projects import Portfolio, Project, ProposalSource, gate_left
from sim.model.rng import Streams
from sim.model.teams import team_capacity
from sim.schema.organisation import Join
from sim.schema.scenario import Scenario


class Delivery:
    """The change portfolio of one run.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    env
        The simulation environment.
    people
        The workforce, which staffs the projects.
    """

    def __init__(self, scenario: Scenario, env: simpy.Environment, people: People):
        self.scenario = scenario
        self.env = env
        self.people = people
        p = scenario.projects
        self.book = Portfolio(quality=p.quality, discovery_delay=p.discovery_delay,
                              threshold=p.completion_threshold,
                              estimate_error=p.estimate_error)
        self.wip_limit = scenario.levers.wip_limit
        self.stage_gates = False
        self.starts = self.completions = self.cancelled = self.rescued = 0
        self.events: list[dict] = []
        self._held: tuple[int, ...] = ()
        self._rescues: dict[int, int] = {}  # project id: rescues so far
        people.on_vacate = self.replace

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.scenario = scenario

    def adopt(self, practices: Practices) -> None:
        """Take what the PMO in force and maturity do to projects (see :mod:`sim.model.pmo`)."""
        book = self.book
        book.estimate_error = practices.estimate_error
        book.quality = practices.quality
        book.discovery_delay = practices.discovery_delay
        self.wip_limit = practices.wip_limit
        self.stage_gates = practices.stage_gates

    # -- the pipeline --------------------------------------------------------------

    def start_pipeline(self, streams: Streams) -> None:
        """Schedule the listed projects and start the template proposal processes."""
        p = self.scenario.projects
        for template in p.templates:
            if template.per_year > 0:
                key = template.name
                source = ProposalSource(
                    template, p.size_cv,
                    gaps=streams.exponential(f"template:{key}:proposals"),
                    sizes=streams.normal(f"template:{key}:size"),
                    errors=streams.normal(f"template:{key}:estimate"))
                self.env.process(self._propose_from(source))
        errors = streams.normal("portfolio:estimate")
        for spec in p.portfolio:
            z = next(errors)
            if spec.start == 0:
                self.book.propose_planned(spec, z, 0.0)
            else:
                Timeout(self.env, spec.start).callbacks.append(
                    lambda _e, spec=spec, z=z: self.book.propose_planned(spec, z, self.env.now))

    def _propose_from(self, source: ProposalSource) -> Iterator:
        template = source.template
        count = 0
        while True:
            yield self.env.timeout(source.next_gap())
            count += 1
            size, z = source.draw()
            self.book.propose(f"{template.name}-{count}", template.name, size, z,
                              template.team, template.benefits, self.env.now, template.ai)

    # -- start of day ----------------------------------------------------------------

    def intake(self, pressure: float) -> None:
        """Start proposals while WIP, capacity-awareness and staffing allow."""
        lev = self.scenario.levers
        book = self.book
        while len(book.active) < self.wip_limit:
            if lev.capacity_aware_intake and pressure >= lev.intake_pressure_max:
                return
            project = book.next_in_line(lev.intake_order)
            if project is None:
                return
            team = self.people.choose(lev.staffing_source, project.team_size, lev.allocation)
            if team is None:
                return
            for person in team:
                self.people.assign(int(person), project.id, lev.allocation)
            book.start(project, team, lev.allocation, self.people.staff.skill, self.env.now,
                       lev.ai_gate)
            self.starts += 1

    def rescue_late_projects(self) -> None:
        """At each portfolio review, add people to the projects forecast to be late.

        Reviews fall on the days that are positive multiples of ``every``, and only
        projects that have run for at least that long are judged: a project has to
        have a track record to be late. A rescue counts (towards ``times`` and in
        ``projects_rescued``) when somebody joins; an attempt that finds nobody with
        room is logged and tried again at the next review.
        """
        policy = self.scenario.levers.rescue_late_projects
        now = self.env.now
        if policy is None or now < policy.every or now % policy.every >= 1.0:
            return
        for project in list(self.book.active):
            if now - project.started < policy.every \
                    or self._rescues.get(project.id, 0) >= policy.times:
                continue
            slip = self.book.forecast_slip(project, now)
            if slip <= policy.slip_above:
                continue
            joined = self.add_people(project, policy.people, policy.from_, policy.new_hires)
            if joined:
                self._rescues[project.id] = self._rescues.get(project.id, 0) + 1
                self.rescued += 1
            self.events.append({"day": float(now), "event": -1, "label": "rescue",
                                "change": f"rescue {project.name} (forecast slip {slip:.2f}): "
                                          f"{joined} of {policy.people} joined"})

    def hold_waiting_projects(self) -> None:
        """Send teams of projects that only wait for rework to surface back to the day job."""
        book = self.book
        held = tuple(p.id for p in book.active if book.waiting_for_rework(p))
        if held == self._held:
            return
        self._held = held
        on_hold = np.zeros(self.people.size)
        for project in book.active:
            if project.id in held:
                on_hold[project.team] += project.allocation
        self.people.set_holds(on_hold)

    # -- people joining running projects ---------------------------------------------------

    def add_people(self, project: Project, count: int, group: str | None = None,
                   new_hires: bool = False) -> int:
        """Put up to ``count`` more people on a running project; return how many joined.

        They come from ``group`` (default ``levers.staffing_source``), least loaded
        first, among those with room for the project's allocation; with
        ``new_hires`` they are hired from outside into new seats of that group
        instead. Either way they are newcomers to the project (Brooks's law, see
        :mod:`sim.model.teams`).
        """
        group = group or self.scenario.levers.staffing_source
        people = self.people
        if new_hires:
            chosen = people.grow(group, count)
        else:
            chosen = people.choose(group, count, project.allocation, exclude=project.team,
                                   fewer=True)
        now = self.env.now
        for person in chosen.tolist():
            people.assign(person, project.id, project.allocation)
            project.team.append(person)
            project.joined[person] = now
        return len(chosen)

    def replace(self, leaver: int, project_ids: list[int]) -> None:
        """A leaver was on these projects: ask for someone to take their place on each."""
        for project_id in project_ids:
            project = self.book.projects[project_id]
            if all(p.id != project.id for p in self.book.active):
                continue
            project.team = [i for i in project.team if i != leaver]
            self.add_people(project, 1)

    def join(self, join: Join) -> str:
        """People join a running project (a timeline event); say who joined."""
        project = next((p for p in self.book.active if p.name == join.project), None)
        if project is None:
            return f"join {join.project}: not in progress"
        joined = self.add_people(project, join.people, join.from_, join.new_hires)
        return f"join {join.project}: {joined} of {join.people} joined"

    # -- end of day --------------------------------------------------------------------

    def work(self, project_time: np.ndarray) -> tuple[float, list[Project]]:
        """Turn each member's project time into effort on their projects.

        Returns
        -------
        tuple
            Person-days of project time that found work to do, and the projects
            that are complete (in the order they were worked on; not yet handed
            over).
        """
        book = self.book
        if not book.active:
            return 0.0, []
        productivity = self.people.project_productivity()
        working = self.people.project_allocation()
        used = np.zeros(self.people.size)
        done: list[Project] = []
        params = self.scenario.projects
        for project in list(book.active):
            team = np.asarray(project.team, dtype=np.int64)
            if project.id in self._held or not len(team):
                time = np.zeros(len(team))
            else:
                time = project_time[team] * project.allocation / working[team]
            tenure = None
            if project.joined:
                tenure = np.array([self.env.now - project.joined.get(i, -np.inf)
                                   for i in project.team])
            if project.gate is not None:
                self.judge_gate(project)
            capacity = team_capacity(time, productivity[team], tenure, params)
            share = book.work(project, capacity, float(time.sum()))
            used[team] += time * share
            if book.is_complete(project):
                self.complete(project)
                done.append(project)
        return float(used.sum()), done

    def judge_gate(self, project: Project) -> None:
        """Drop the rest of an AI project's evaluation gate when it is forecast too late.

        The project manager judges at the gate: once the build has nothing left to
        do and gate work is due (or under way).
        """
        cut_slip = self.scenario.levers.ai_gate_cut_slip
        if cut_slip is None or project.gate.cut or project.gate.to_do <= 0.0 \
                or project.to_do >= self.book.threshold * project.size:
            return
        slip = self.book.forecast_slip(project, self.env.now)
        if slip > cut_slip:
            project.gate.drop()
            self.events.append({"day": float(self.env.now), "event": -1, "label": "gate cut",
                                "change": f"evaluation gate of {project.name} cut "
                                          f"(forecast slip {slip:.2f})"})

    def complete(self, project: Project) -> None:
        """Record ``project`` as finished and release its team."""
        self.book.complete(project, self.env.now)
        for person in project.team:
            self.people.release(person, project.id)
        self.completions += 1

    def review_at_gates(self, cancel_slip: float) -> None:
        """Cancel the projects whose forecast slip passes ``cancel_slip`` (a stage gate)."""
        for project in list(self.book.active):
            if self.book.forecast_slip(project, self.env.now) > cancel_slip:
                self.book.cancel(project, self.env.now)
                for person in project.team:
                    self.people.release(person, project.id)
                self.cancelled += 1

    # -- what others read ----------------------------------------------------------------

    def schedule_pressure(self, allocated: np.ndarray) -> np.ndarray:
        """Per person, the allocation-weighted forecast / planned duration of their projects."""
        weighted = np.zeros(len(allocated))
        now = self.env.now
        for project in self.book.active:
            if not project.team:
                continue
            rate = project.allocation * len(project.team)
            remaining = project.to_do + project.undiscovered + gate_left(project)
            forecast = (now - project.started) + remaining / rate
            pressure = max(1.0, forecast / project.planned_duration)
            weighted[project.team] += project.allocation * pressure
        return np.divide(weighted, allocated, out=np.ones_like(weighted), where=allocated > 0)

    def keepers(self) -> Iterator[tuple[list[int], int, float]]:
        """Completed projects with benefits: (former team, number of benefits, start day)."""
        for project in self.book.projects:
            if project.status == "completed" and project.benefits:
                yield project.team, len(project.benefits), project.started

    def counts(self) -> dict[str, float]:
        """Cumulative counts of project events, for period differences."""
        return {"cancelled": float(self.cancelled), "rescues": float(self.rescued)}

    def levels(self) -> dict[str, float]:
        """The portfolio now, for the weekly series."""
        return {"projects_funnel": float(len(self.book.funnel)),
                "projects_active": float(len(self.book.active))}
