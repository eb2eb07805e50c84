"""Operations capability: the stock OpEx builds and neglect erodes.

Capability C (1 = baseline) multiplies everyone's day-job speed and divides the
probability of defects. Improvement time (the OpEx team's, plus any share of
operations time set aside) accumulates over each kaizen cycle; at the end of
the cycle the gain lands at once, with diminishing returns towards
``capability_max``:

    delta C = (C_max - C) * (1 - exp(-yield * E)),

where E is the cycle's improvement effort in person-days. Meanwhile C erodes
continuously towards ``capability_min`` with time constant ``erosion``
(Repenning and Sterman's capability trap: capability not maintained decays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.model.component import Component, Day
from sim.schema.organisation import Opex
from sim.schema.scenario import Scenario


@dataclass
class Capability(Component):
    """The capability stock and the improvement effort of the current cycle.

    ``params`` is the scenario's ``opex`` section, which the daily cycle needs.
    """

    level: float
    effort: float = 0.0
    gains: float = 0.0
    params: Opex | None = None

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.params = scenario.opex

    def begin_day(self, day: Day) -> None:
        """Publish the capability stock."""
        day.capability_stock = self.level

    def end_day(self, day: Day) -> None:
        """Add today's improvement effort, erode, land a kaizen cycle that ends today."""
        self.day(day.improvement_effort, day.now, self.params)

    def erode(self, days: float, params: Opex) -> None:
        """Let capability decay towards its minimum for ``days``."""
        floor = params.capability_min
        if self.level > floor:
            self.level = floor + (self.level - floor) * math.exp(-days / params.erosion)

    def improve(self, person_days: float) -> None:
        """Add improvement effort to the current cycle."""
        self.effort += person_days

    def day(self, effort: float | None, now: float, params: Opex) -> None:
        """One day: ``effort`` person-days of improvement (None: none), erosion, a landing.

        The gain of a kaizen cycle lands at the end of the day on which the cycle
        ends.
        """
        if effort is not None:
            self.improve(effort)
        self.erode(1.0, params)
        if now % params.kaizen_cycle < 1.0:
            self.land(params)

    def land(self, params: Opex) -> float:
        """End a kaizen cycle: apply its gain and start the next; return the gain."""
        gap = max(params.capability_max - self.level, 0.0)
        gain = gap * -math.expm1(-params.improvement_yield * self.effort)
        self.level += gain
        self.gains += gain
        self.effort = 0.0
        return gain
