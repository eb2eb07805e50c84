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

import functools
from collections.abc import Callable

import numpy as np
import simpy

from sim.model import day_kernel as k
from sim.model.component import Component, Day
from sim.model.operations import ServiceDesk
from sim.model.stress import points
from sim.model.workforce import GROUPS, DayPlan, Staff
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
        self._rates = np.zeros((2, n))  # the desk's speeds and defect probabilities
        self._gauges = np.zeros(4)

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
            if self._rates.shape[1] != seats.size:
                self._rates = np.zeros((2, seats.size))
            speeds, defects = self._rates
            k.server_rates(seats.skill, self.productivity_factor, today.capability,
                           today.effort_multiplier, today.p_defect, self.defect_factor,
                           speeds, defects)
            self.desk.set_servers(speeds, defects)

    def end_day(self, day: Day) -> None:
        """Publish today's improvement effort, move stress, publish the gauges."""
        effort = k.improvement_effort(day.split["improvement_time"], self.seats.skill,
                                      self.productivity_factor)
        day.improvement_effort = None if effort != effort else effort  # NaN: none done
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
        move_challenge = bool(params.overload_gain or self.challenge.any())
        move_hindrance = bool(params.misalignment_gain or self.hindrance.any())
        schedule = schedule_pressure(seats.allocated) if move_challenge else self.challenge
        self._calm = k.stress_step(
            seats.active, plan.rows, pressure, schedule,
            misaligned if move_hindrance else self.hindrance, params.overload_gain,
            params.misalignment_gain, params.ceiling, params.tau, move_challenge,
            move_hindrance, seats.hired_at, self.env.now, attrition.onboarding,
            attrition.new_hire_productivity, *points(params.challenge_productivity),
            *points(params.hindrance_productivity), *points(params.defects), self.challenge,
            self.hindrance, self.stress, self.productivity_factor, self.defect_factor)
        self.version += 1

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
        table = efficiency_table(self.scenario.workforce.multitasking)
        out = np.empty(seats.size)
        k.project_productivity(seats.skill, self.productivity_factor, seats.group,
                               seats.assignment_count, GROUPS.index("operations"), table, out)
        return out

    def leaving_multiplier(self, seats: np.ndarray) -> np.ndarray:
        """The factor stress puts on the hazard of leaving of ``seats``."""
        params = self.scenario.stress
        out = np.empty(len(seats))
        k.leaving_multiplier(self.challenge, self.hindrance, seats, params.challenge_attrition,
                             params.hindrance_attrition, out)
        return out

    def gauges(self) -> dict[str, float]:
        """Today's stress of the people in a seat (integrated into time averages)."""
        if self._calm:
            return {"stress": 0.0, "stress_p90": 0.0, "stress_challenge": 0.0,
                    "stress_hindrance": 0.0}
        stress, p90, challenge, hindrance = self._measure(gated=True)
        return {"stress": stress, "stress_p90": p90, "stress_challenge": challenge,
                "stress_hindrance": hindrance}

    def levels(self) -> dict[str, float]:
        """Stress now, for the weekly series."""
        stress, p90, challenge, hindrance = self._measure(gated=False)
        return {"stress_mean": stress, "stress_p90": p90, "stress_challenge_mean": challenge,
                "stress_hindrance_mean": hindrance}

    def _measure(self, gated: bool) -> list[float]:
        """Mean stress, its 90th percentile (nearest rank), mean challenge and hindrance.

        Over the people in a seat; with ``gated`` the first two are 0 when nobody is
        stressed.
        """
        k.stress_gauges(self.seats.active, self.stress, self.challenge, self.hindrance, gated,
                        self._gauges)
        return self._gauges.tolist()


@functools.lru_cache(maxsize=16)
def efficiency_table(multitasking: tuple[float, ...]) -> np.ndarray:
    """The multitasking efficiencies for 1, 2, 3... work streams as an array (made once)."""
    table = np.array(multitasking, dtype=float)
    table.flags.writeable = False
    return table
