"""Who joins a running project: replacements, ``join`` events and rescues.

A leaver's place on each of their projects is offered to someone else; a
timeline ``join`` event puts people on a named project; a portfolio review
adds people to projects forecast to be late. Whoever joins is a newcomer to
the project (Brooks's law, see :mod:`sim.model.teams`). :class:`Joining` is
the part of :class:`~sim.model.delivery.Delivery` that decides this; it asks
the workforce for people and notes newcomers in the book of projects.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from sim.model.projects import Portfolio, Project
from sim.model.staffing import Workforce
from sim.schema.organisation import Join
from sim.schema.scenario import Scenario


class Joining:
    """People joining the running projects of one run.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    env
        The simulation environment.
    workforce
        The workforce, which keeps every team.
    book
        The book of projects.
    log
        Where rescues are logged (the delivery's event log).
    """

    def __init__(self, scenario: Scenario, env: simpy.Environment, workforce: Workforce,
                 book: Portfolio, log: Callable[[dict], None]):
        self.scenario = scenario
        self.env = env
        self.workforce = workforce
        self.book = book
        self.log = log
        self.rescued = 0
        self._rescues: dict[int, int] = {}  # project id: rescues so far

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.scenario = scenario

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
            slip = self.book.forecast_slip(project, now, len(self.workforce.team(project.id)))
            if slip <= policy.slip_above:
                continue
            joined = self.add_people(project, policy.people, policy.from_, policy.new_hires)
            if joined:
                self._rescues[project.id] = self._rescues.get(project.id, 0) + 1
                self.rescued += 1
            self.log({"day": float(now), "event": -1, "label": "rescue",
                      "change": f"rescue {project.name} (forecast slip {slip:.2f}): "
                                f"{joined} of {policy.people} joined"})

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
        workforce = self.workforce
        if new_hires:
            chosen = workforce.grow(group, count)
        else:
            chosen = workforce.choose(group, count, project.allocation,
                                      exclude=self.workforce.team(project.id), fewer=True)
        now = self.env.now
        for person in chosen.tolist():
            workforce.assign(person, project.id, project.allocation)
            self.book.joined(project, person, now)
        return len(chosen)

    def replace(self, leaver: int, project_ids: list[int]) -> None:
        """A leaver was on these projects: ask for someone to take their place on each."""
        for project_id in project_ids:
            project = self.book.projects[project_id]
            if all(p.id != project.id for p in self.book.active):
                continue
            self.add_people(project, 1)

    def join(self, join: Join) -> str:
        """People join a running project (a timeline event); say who joined."""
        project = next((p for p in self.book.active if p.name == join.project), None)
        if project is None:
            return f"join {join.project}: not in progress"
        joined = self.add_people(project, join.people, join.from_, join.new_hires)
        return f"join {join.project}: {joined} of {join.people} joined"
