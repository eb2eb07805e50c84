"""Wellbeing: each person's stress and what it does to their work.

:class:`Wellbeing` is the component that owns, per seat, the two kinds of
stress (challenge from overload, hindrance from misalignment; rules in
:mod:`sim.model.stress`) and the factors they and onboarding put on each
person's productivity and defects. Each evening stress moves towards its
targets and the factors are refreshed; each morning the service desk gets
everyone's speed and defect probability when a factor or the day's conditions
changed. It publishes the day's stress gauges, each person's productivity on
improvement and project work, and the factor stress puts on the hazard of
leaving.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.arith import dot
from sim.model.component import Component, Day
from sim.model.operations import ServiceDesk
from sim.model.stress import attrition_multiplier, lookup, productivity, relax, target
from sim.model.workforce import GROUPS, DayPlan, Staff, multitasking_efficiency
from sim.schema.scenario import Scenario


class Wellbeing(Component):
    """Stress, productivity and defect factors of every seat.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    env
        The simulation environment (for the time).
    seats
        The workforce's seats (read only: skill, group, who is in a seat, tenure).
    desk
        The service desk, whose servers' speeds and defect probabilities follow.
    """

    def __init__(self, scenario: Scenario, env: simpy.Environment, seats: Staff,
                 desk: ServiceDesk):
        self.scenario = scenario
        self.env = env
        self.seats = seats
        self.desk = desk
        n = seats.size
        self.challenge = np.zeros(n)
        self.hindrance = np.zeros(n)
        self.stress = np.zeros(n)
        self.productivity_factor = np.ones(n)
        self.defect_factor = np.ones(n)
        self.version = 0
        """Bumped whenever a factor changes."""
        self._calm = False  # nobody is stressed (unknown until the factors are first set)
        self._last_start = -np.inf  # when the latest new hire started
        self._speed_key: tuple = ()

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario: the curves may have changed, so refresh the factors."""
        self.scenario = scenario
        self._calm = False

    # -- seats ------------------------------------------------------------------------------

    def seats_added(self, ids: np.ndarray, now: float) -> None:
        """New hires start unstressed, at the new-hire productivity."""
        count = len(ids)
        start = self.scenario.workforce.attrition.new_hire_productivity
        self.challenge = np.concatenate([self.challenge, np.zeros(count)])
        self.hindrance = np.concatenate([self.hindrance, np.zeros(count)])
        self.stress = np.concatenate([self.stress, np.zeros(count)])
        self.productivity_factor = np.concatenate([self.productivity_factor,
                                                   np.full(count, start)])
        self.defect_factor = np.concatenate([self.defect_factor, np.ones(count)])
        self.version += 1
        self._last_start = now

    def seat_filled(self, seat: int, now: float) -> None:
        """A new hire starts unstressed, at the new-hire productivity."""
        self._clear(seat)
        self.productivity_factor = self.productivity_factor.copy()
        self.productivity_factor[seat] = \
            self.scenario.workforce.attrition.new_hire_productivity
        self.version += 1
        self._last_start = now

    def seat_vacated(self, seat: int, projects: list[int]) -> None:
        """An empty seat carries no stress."""
        self._clear(seat)

    def _clear(self, seat: int) -> None:
        self.stress[seat] = self.challenge[seat] = self.hindrance[seat] = 0.0

    # -- the day ----------------------------------------------------------------------------

    def begin_day(self, day: Day) -> None:
        """Give the desk everyone's speed and defect probability when they changed."""
        day.project_productivity = self.project_productivity
        today = day.conditions
        key = (today.capability, today.effort_multiplier, today.p_defect, self.version)
        if key != self._speed_key:
            self._speed_key = key
            seats = self.seats
            speeds = (seats.skill * self.productivity_factor
                      * (today.capability / today.effort_multiplier)).tolist()
            defects = np.minimum(today.p_defect * self.defect_factor, 1.0).tolist()
            self.desk.set_servers(speeds, defects)

    def end_day(self, day: Day) -> None:
        """Publish today's improvement effort, move stress, publish the gauges."""
        improvement = day.split["improvement_time"]
        day.improvement_effort = (dot(improvement, self.seats.skill * self.productivity_factor)
                                  if improvement.any() else None)
        self.update(day.pressure(), day.plan, day.misaligned, day.schedule_pressure)
        day.gauges.update(self.gauges())
        day.leaving_multiplier = self.leaving_multiplier

    def update(self, pressure: float, plan: DayPlan, misaligned: np.ndarray,
               schedule_pressure: Callable[[np.ndarray], np.ndarray]) -> None:
        """Move both kinds of stress towards their targets; refresh their effects.

        ``plan`` is today's plan, ``misaligned`` each person's misalignment and
        ``schedule_pressure(allocated)`` gives each person's schedule pressure
        (it is asked for only when overload builds stress). Each component relaxes
        whenever its gain is on or it is not yet at rest, so stress left over from
        before a timeline event switched a gain off fades with ``tau`` as well.
        """
        params = self.scenario.stress
        seats = self.seats
        attrition = self.scenario.workforce.attrition
        gains = params.overload_gain or params.misalignment_gain
        if not gains and self._calm and self._factors_settled(attrition.onboarding):
            return
        active = seats.active
        if params.overload_gain or self.challenge.any():
            demanded = (plan.ops * pressure + plan.project * schedule_pressure(seats.allocated)
                        + plan.improvement + plan.sustainment + plan.overhead)
            goal = target(demanded - 1.0, params.overload_gain, params.ceiling)
            self.challenge = np.where(active, relax(self.challenge, goal, 1.0, params.tau),
                                      0.0)
        if params.misalignment_gain or self.hindrance.any():
            goal = target(misaligned, params.misalignment_gain, params.ceiling)
            self.hindrance = np.where(active, relax(self.hindrance, goal, 1.0, params.tau),
                                      0.0)
        self.stress = self.challenge + self.hindrance
        ramp = seats.onboarding_factor(self.env.now, attrition.onboarding,
                                       attrition.new_hire_productivity)
        self.productivity_factor = productivity(params, self.challenge, self.hindrance) * ramp
        self.defect_factor = lookup(params.defects, self.stress)
        self.version += 1
        self._calm = not self.stress.any()

    def _factors_settled(self, onboarding: float) -> bool:
        """True when every factor is at rest: nobody started within the onboarding time.

        The first day after the last ramp ends still refreshes the factors, so
        they settle at exactly their final values.
        """
        return self.env.now - self._last_start > onboarding + 1.0

    # -- what others read -------------------------------------------------------------------

    def project_productivity(self) -> np.ndarray:
        """Each person's productivity on project work, multitasking included."""
        seats = self.seats
        in_ops = (seats.group == GROUPS.index("operations")).astype(np.int64)
        streams = in_ops + seats.assignment_count
        efficiency = multitasking_efficiency(streams, self.scenario.workforce.multitasking)
        return seats.skill * self.productivity_factor * efficiency

    def leaving_multiplier(self, seats: np.ndarray) -> np.ndarray:
        """The factor stress puts on the hazard of leaving of ``seats``."""
        return attrition_multiplier(self.scenario.stress, self.challenge[seats],
                                    self.hindrance[seats])

    def gauges(self) -> dict[str, float]:
        """Today's stress of the people in a seat (integrated into time averages)."""
        if self._calm:
            return {"stress": 0.0, "stress_p90": 0.0, "stress_challenge": 0.0,
                    "stress_hindrance": 0.0}
        active = self.seats.active
        stress = self.stress[active]
        stressed = len(stress) and stress.any()
        return {"stress": mean(stress) if stressed else 0.0,
                "stress_p90": percentile_90(stress) if stressed else 0.0,
                "stress_challenge": mean(self.challenge[active]),
                "stress_hindrance": mean(self.hindrance[active])}

    def levels(self) -> dict[str, float]:
        """Stress now, for the weekly series."""
        active = self.seats.active
        stress = self.stress[active]
        return {"stress_mean": mean(stress),
                "stress_p90": percentile_90(stress) if len(stress) else 0.0,
                "stress_challenge_mean": mean(self.challenge[active]),
                "stress_hindrance_mean": mean(self.hindrance[active])}


def mean(values: np.ndarray) -> float:
    """Mean of ``values``, 0 for none.

    The same number as ``values.mean()`` (one sum divided by the count), without
    its call overhead on the small daily arrays.
    """
    n = len(values)
    return float(values.sum()) / n if n else 0.0


def percentile_90(values: np.ndarray) -> float:
    """The 90th percentile by nearest rank (cheaper than interpolating, daily)."""
    k = min(int(np.ceil(0.9 * len(values))) - 1, len(values) - 1)
    return float(np.partition(values, k)[k])
