"""The component protocol and the day record the components publish to.

Every subsystem of the model is a :class:`Component`: it owns its state and
the :class:`~sim.model.organisation.Organisation` calls the same few methods on
each, in the order of its two lists (one for the start of the day, one for its
end):

``begin_day(day)`` / ``end_day(day)``
    The component's part of the start and the end of a working day. It reads
    what components earlier in the list published on ``day`` (a :class:`Day`)
    and publishes what later ones need.
``close_day(day)``
    After every component's ``end_day``: what must wait for all of them (a
    stage gate reviews projects after the day's leavers have gone).
``reconfigure(scenario)``
    A timeline event changed the scenario in force.
``seats_added(ids, now)``, ``seat_filled(seat, now)``, ``seat_vacated(seat, projects)``
    The workforce tells every component when seats are added, filled or
    emptied, so that per-seat arrays stay the size of the staff and a leaver's
    place can be taken.
``open_window()``, ``counts()``, ``levels()``, ``summary(now)``, ``log()``
    What the recorder reads: the end of the warm-up, cumulative counts, state
    variables for the weekly series, summary KPIs and the changes logged.

Each method does nothing by default, so a component implements only the ones it
takes part in. Components never read or write each other's attributes: they
publish values on the day record or are called explicitly through a method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.model.conditions import Conditions
from sim.model.projects import Project
from sim.model.workforce import DayPlan, Staff
from sim.schema.scenario import Scenario


@dataclass(frozen=True)
class Practices:
    """What the PMO in force and maturity do to projects, worked out for the day.

    Published by :class:`sim.model.pmo.Pmo`.
    """

    estimate_error: float
    quality: float
    discovery_delay: float
    protected_time: float
    wip_limit: int
    stage_gates: bool


NO_CONDITIONS = Conditions()
"""The conditions before the first day is set (no demand, capability 1)."""


@dataclass
class Day:
    """What the components publish during one working day.

    The organisation opens one each morning with the day's number, the time and
    the items in the system when the books last closed; every other field is
    set by the component named in its description, for those later in the
    order.
    """

    number: int
    now: float
    in_system: int
    sla: float
    # -- start of day -------------------------------------------------------------------
    practices: Practices | None = None
    """The PMO: what it and maturity do to projects (None: unchanged since last)."""
    pmo_headcount: int = 0
    """The PMO: staff the type in force needs."""
    seats: Staff | None = None
    """The workforce: the seats, their assignments and teams (read only)."""
    capability_stock: float = 1.0
    """Capability: the stock built by improvement."""
    conditions: Conditions = NO_CONDITIONS
    """Benefits in force (and AI solutions): the day's operating conditions."""
    benefits_delivered: int = 0
    """Benefits: the number of benefits handed over so far."""
    realised: np.ndarray | None = None
    """Benefits: each benefit's realised level during the day."""
    upkeep: list[tuple[str, str, list]] = field(default_factory=list)
    """Asks for upkeep time besides the benefits': (asker, owner, asks)."""
    priced_effects: list[tuple[str, float]] = field(default_factory=list)
    """AI solutions: (benefit kind, benefit in force) of each solution in use."""
    on_hold: np.ndarray | None = None
    """Delivery: the share of each person's time projects on hold do not need (None:
    unchanged)."""
    keepers: Iterator[tuple[list[int], int, float]] | None = None
    """Delivery: completed projects with benefits (former team, benefits, start day)."""
    project_productivity: Callable[[], np.ndarray] | None = None
    """Wellbeing: each person's productivity on project work, multitasking included."""
    plan: DayPlan | None = None
    """The roster: everybody's plan for the day."""
    project_allocation: Callable[[], np.ndarray] | None = None
    """The roster: each person's allocation to projects that are not on hold."""
    misaligned: np.ndarray | None = None
    """Rewards: each person's misalignment (gap between reward and day-job share)."""
    # -- end of day ---------------------------------------------------------------------
    busy: float = 0.0
    """The desk: person-days busy on duty."""
    overrun: float = 0.0
    """The desk: person-days of service after duty blocks."""
    overrun_by_person: np.ndarray | None = None
    """The desk: each person's overrun (None: nobody overran)."""
    split: dict = field(default_factory=dict)
    """The roster: each person's off-duty time by activity."""
    upkeep_served: dict[str, float] = field(default_factory=dict)
    """The roster: person-days of upkeep time that served each asker."""
    sustained: float = 0.0
    """The roster: person-days of sustainment time that served delivered benefits."""
    completed: list[Project] = field(default_factory=list)
    """Delivery: the projects completed today, in the order they were worked on."""
    schedule_pressure: Callable[[np.ndarray], np.ndarray] | None = None
    """Delivery: each person's schedule pressure from their allocation."""
    improvement_effort: float | None = None
    """Wellbeing: person-days of improvement done at each person's productivity."""
    leaving_multiplier: Callable[[np.ndarray], np.ndarray] | None = None
    """Wellbeing: the factor stress puts on the hazard of leaving of the given seats."""
    project_work: float = 0.0
    """Delivery: person-days of project time that found work."""
    hours: dict[str, float] = field(default_factory=dict)
    """The roster and delivery: everybody's person-days by activity, planned and worked."""
    gauges: dict[str, float] = field(default_factory=dict)
    """Wellbeing, rewards, workforce: today's state variables to integrate."""
    gate_due: bool = False
    """The PMO: a stage gate reviews the projects in progress now."""

    def pressure(self) -> float:
        """Ops pressure: items in system over what the SLA allows at today's demand."""
        return self.in_system / max(self.conditions.total_rate() * self.sla, 1.0)


class Component:
    """A subsystem of the model; every method of the protocol does nothing by default."""

    def reconfigure(self, scenario: Scenario) -> None:
        """Take the scenario in force after a timeline event."""

    def begin_day(self, day: Day) -> None:
        """Take part in the start of the working day."""

    def end_day(self, day: Day) -> None:
        """Take part in the end of the working day."""

    def close_day(self, day: Day) -> None:
        """Finish the day once every component's :meth:`end_day` has run."""

    def seats_added(self, ids: np.ndarray, now: float) -> None:
        """New seats ``ids`` were added, filled by new hires who start at ``now``."""

    def seat_filled(self, seat: int, now: float) -> None:
        """A new hire took the empty seat ``seat`` at ``now``."""

    def seat_vacated(self, seat: int, projects: list[int]) -> None:
        """The person in ``seat`` left; they were on ``projects`` (ids)."""

    def open_window(self) -> None:
        """The warm-up ended: the summary covers what follows."""

    def counts(self) -> dict[str, float]:
        """Cumulative counts (weekly rows are their differences)."""
        return {}

    def levels(self) -> dict[str, float]:
        """State variables now, for the weekly series."""
        return {}

    def summary(self, now: float) -> dict[str, float]:
        """Summary KPIs over the window after the warm-up."""
        return {}

    def log(self) -> list[dict]:
        """The changes it logged (``day``, ``event``, ``label``, ``change``), in order."""
        return []
