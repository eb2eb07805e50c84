"""Delivery: the project portfolio at work, from intake to handover.

:class:`Delivery` is the component that runs the change portfolio day by day.
It owns the book of projects (:class:`sim.model.projects.Portfolio`: the funnel,
the projects in progress and the rework-cycle rules) and the proposal
pipeline, and it decides:

* which proposals start (intake under the WIP limit, capacity-aware when
  asked) and who staffs them (through :class:`sim.model.staffing.Workforce`,
  which keeps every team);
* which projects are on hold (nothing left to do but hidden rework);
* what each team's project time turns into (team dynamics, the rework cycle),
  and which projects are complete;
* who joins a running project: replacements for leavers, ``join`` events and
  rescues of projects forecast to be late (Brooks's law; its
  :class:`~sim.model.joining.Joining` decides);
* which projects a stage gate cancels.

It asks the workforce for people through its methods (choose, assign,
disband, grow, team) and never touches its arrays; what others need from it
(projects on hold, who keeps delivered benefits, the day's completions, each
person's schedule pressure) it publishes on the day record.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import simpy

from sim.model import day_kernel as k
from sim.model.component import Component, Day, Practices
from sim.model.joining import Joining
from sim.model.pipeline import start_pipeline
from sim.model.projects import Portfolio, Project, schedule_pressure, tenures
from sim.model.rng import Streams
from sim.model.staffing import Workforce
from sim.schema.organisation import Join
from sim.schema.scenario import Scenario


class Delivery(Component):
    """The change portfolio of one run.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    env
        The simulation environment.
    workforce
        The workforce, which staffs the projects and keeps their teams.
    """

    def __init__(self, scenario: Scenario, env: simpy.Environment, workforce: Workforce):
        self.scenario = scenario
        self.env = env
        self.workforce = workforce
        self._seats = workforce.seats  # read only: the teams
        p = scenario.projects
        self.book = Portfolio(quality=p.quality, discovery_delay=p.discovery_delay,
                              threshold=p.completion_threshold,
                              estimate_error=p.estimate_error)
        self.wip_limit = scenario.levers.wip_limit
        self.stage_gates = False
        self.starts = self.completions = self.cancelled = 0
        self.events: list[dict] = []
        self.joining = Joining(scenario, env, workforce, self.book, self.events.append)
        """Who joins running projects: replacements, ``join`` events, rescues."""
        self._held: tuple[int, ...] = ()
        self._teams: tuple = (None,)  # see _at_work

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.scenario = scenario
        self.joining.reconfigure(scenario)

    def adopt(self, practices: Practices) -> None:
        """Take what the PMO in force and maturity do to projects (see :mod:`sim.model.pmo`)."""
        self.book.adopt(estimate_error=practices.estimate_error, quality=practices.quality,
                        discovery_delay=practices.discovery_delay)
        self.wip_limit = practices.wip_limit
        self.stage_gates = practices.stage_gates

    # -- the pipeline --------------------------------------------------------------

    def start_pipeline(self, streams: Streams) -> None:
        """Schedule the listed projects and start the template proposal processes."""
        start_pipeline(self.env, self.book, self.scenario.projects, streams)

    def join(self, join: Join) -> str:
        """People join a running project (a timeline event); say who joined."""
        return self.joining.join(join)

    def team(self, project: Project) -> list[int]:
        """The current team of a running ``project``, in the order its members joined."""
        return self._seats.team(project.id)

    # -- the day ------------------------------------------------------------------------

    def begin_day(self, day: Day) -> None:
        """Adopt the PMO's practices, start projects, rescue late ones, hold waiting ones."""
        if day.practices is not None:
            self.adopt(day.practices)
        self.intake(day.pressure())
        self.joining.rescue_late_projects()
        day.on_hold = self.hold_waiting_projects()
        day.keepers = self.keepers()

    def end_day(self, day: Day) -> None:
        """Work the projects; publish the completions and the project hours."""
        used, day.completed = self.work(day.split["project_time"], day.project_productivity,
                                        day.project_allocation)
        day.project_work = used
        day.hours["project_work"] = used
        day.hours["project_idle"] = day.split["project"] - used
        day.schedule_pressure = self.schedule_pressure

    def close_day(self, day: Day) -> None:
        """A stage gate due today cancels the projects forecast to slip too much."""
        if day.gate_due:
            self.review_at_gates(self.scenario.pmo.cancel_slip)

    def seat_vacated(self, seat: int, projects: list[int]) -> None:
        """A leaver was on these projects: ask for someone to take their place on each."""
        self.joining.replace(seat, projects)

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
            workforce = self.workforce
            team = workforce.choose(lev.staffing_source, project.team_size, lev.allocation)
            if team is None:
                return
            for person in team:
                workforce.assign(int(person), project.id, lev.allocation)
            book.start(project, team, lev.allocation, workforce.seats.skill, self.env.now,
                       lev.ai_gate)
            self.starts += 1

    def hold_waiting_projects(self) -> np.ndarray | None:
        """Send teams of projects that only wait for rework to surface back to the day job.

        Returns the share of each person's time that projects on hold do not
        need, or None when the same projects are on hold as yesterday.
        """
        book = self.book
        held = tuple(p.id for p in book.active if book.waiting_for_rework(p))
        if held == self._held:
            return None
        self._held = held
        on_hold = np.zeros(self.workforce.size)
        for project in book.active:
            if project.id in held:
                on_hold[self.team(project)] += project.allocation
        return on_hold

    # -- end of day --------------------------------------------------------------------

    def work(self, project_time: np.ndarray, productivity, working) -> tuple[float, list[Project]]:
        """Turn each member's project time into effort on their projects.

        ``productivity()`` gives each person's productivity on project work and
        ``working()`` their allocation to projects not on hold (asked for only
        when a project is in progress).

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
        active = list(book.active)
        members, first, allocation, newcomers = self._at_work(active)
        tenure = tenures(active, members, first, self.env.now)
        time, capacity, hours = np.empty(len(members)), np.empty(len(active)), \
            np.empty(len(active))
        params = self.scenario.projects
        k.teams_at_work(members, first, allocation,
                        np.array([p.id in self._held for p in active]), newcomers, tenure,
                        project_time, working(), productivity(), params.onboarding,
                        params.newcomer_productivity, params.mentoring,
                        params.communication_overhead, time, capacity, hours)
        shares = np.empty(len(active))
        done: list[Project] = []
        for j, (project, can, spent) in enumerate(zip(active, capacity.tolist(),
                                                       hours.tolist(), strict=True)):
            if project.gate is not None:
                self.judge_gate(project)
            shares[j] = book.work(project, can, spent)
            if book.is_complete(project):
                self.complete(project)
                done.append(project)
        return k.time_used(members, first, time, shares, np.zeros(self.workforce.size)), done

    def _at_work(self, active: list[Project]) -> tuple[np.ndarray, ...]:
        """The teams of ``active`` projects end to end, their allocations and who has newcomers.

        Kept until a team or the projects change (the seats' plan version).
        """
        members, first = self._seats.flat_teams([p.id for p in active])
        if self._teams[0] is not members:
            self._teams = (members, first, np.array([p.allocation for p in active]),
                           np.array([bool(p.joined) for p in active]))
        return self._teams

    def judge_gate(self, project: Project) -> None:
        """Drop the rest of an AI project's evaluation gate when it is forecast too late.

        The project manager judges at the gate: once the build has nothing left to
        do and gate work is due (or under way).
        """
        cut_slip = self.scenario.levers.ai_gate_cut_slip
        if cut_slip is None or project.gate.cut or project.gate.to_do <= 0.0 \
                or project.to_do >= self.book.threshold * project.size:
            return
        slip = self.book.forecast_slip(project, self.env.now, len(self.team(project)))
        if slip > cut_slip:
            project.gate.drop()
            self.events.append({"day": float(self.env.now), "event": -1, "label": "gate cut",
                                "change": f"evaluation gate of {project.name} cut "
                                          f"(forecast slip {slip:.2f})"})

    def complete(self, project: Project) -> None:
        """Record ``project`` as finished, with the team that finished it, and release them."""
        self.book.complete(project, self.env.now, self.workforce.disband(project.id))
        self.completions += 1

    def review_at_gates(self, cancel_slip: float) -> None:
        """Cancel the projects whose forecast slip passes ``cancel_slip`` (a stage gate)."""
        for project in list(self.book.active):
            if self.book.forecast_slip(project, self.env.now,
                                       len(self.team(project))) > cancel_slip:
                self.book.cancel(project, self.env.now, self.workforce.disband(project.id))
                self.cancelled += 1

    # -- what others read ----------------------------------------------------------------

    def schedule_pressure(self, allocated: np.ndarray) -> np.ndarray:
        """Per person, the allocation-weighted forecast / planned duration of their projects."""
        active = self.book.active
        members, first = self._seats.flat_teams([p.id for p in active])
        return schedule_pressure(active, members, first, allocated, self.env.now)

    def keepers(self) -> Iterator[tuple[list[int], int, float]]:
        """Completed projects with benefits: (former team, number of benefits, start day)."""
        for project in self.book.projects:
            if project.status == "completed" and project.benefits:
                yield project.final_team, len(project.benefits), project.started

    def counts(self) -> dict[str, float]:
        """Cumulative counts of project events, for period differences."""
        return {"cancelled": float(self.cancelled), "rescues": float(self.joining.rescued)}

    def progress(self) -> tuple[int, int]:
        """Projects started and completed so far."""
        return self.starts, self.completions

    def projects(self) -> list[Project]:
        """Every project proposed so far, in the order they were proposed (read only)."""
        return self.book.projects

    def in_progress(self) -> int:
        """Number of projects in progress."""
        return len(self.book.active)

    def log(self) -> list[dict]:
        """The changes logged so far, in the order they happened."""
        return self.events

    def levels(self) -> dict[str, float]:
        """The portfolio now, for the weekly series."""
        return {"projects_funnel": float(len(self.book.funnel)),
                "projects_active": float(len(self.book.active))}
