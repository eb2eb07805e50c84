"""Benefits: how completed projects change operations, and how the change fades.

On handover each benefit of a project starts to be realised. Two stocks describe
it: the *potential* P, which starts at the promised magnitude b, and the
*realised* level R, which closes the gap to P as a first-order delay with time
constant T/3, so that 95% of b is realised T after handover when nothing erodes.
Without sustainment the potential erodes with time constant ``erosion`` scaled by
(1 - coverage); with full coverage it stays at b.

Realised levels change operations multiplicatively, benefit by benefit:
value demand x (1 - R), defect probability x (1 - R), effort per item x (1 - R),
revenue index x (1 + R); capability benefits add R to operations capability and a
revenue benefit with demand coupling k multiplies value demand by (1 + k R).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model import day_kernel as k
from sim.model.component import Component, Day
from sim.model.conditions import Conditions
from sim.schema.scenario import Benefit, Scenario
from sim.units import DAYS_PER_WEEK

KINDS = ("demand_reduction", "failure_reduction", "productivity", "revenue", "capability")


class BenefitLedger(Component):
    """Every benefit handed over in one run.

    As a component of the daily cycle it sets the day's operating conditions
    from the benefits in force (:class:`~sim.model.conditions.Conditions`) each
    morning, and each evening realises and erodes the benefits at the day's
    sustainment coverage and takes over those of the projects completed.

    Parameters
    ----------
    erosion
        Time constant (days) of erosion at zero sustainment coverage.
    scenario
        The scenario in force, for the daily cycle (see :meth:`reconfigure`).
    """

    def __init__(self, erosion: float, scenario: Scenario | None = None):
        self.erosion = erosion
        self.scenario = scenario
        self.coverage = 0.0
        """Today's sustainment coverage: time that served benefits over time needed."""
        self.kind = np.zeros(0, dtype=np.int64)
        self.magnitude = np.zeros(0)
        self.tau = np.zeros(0)
        self.coupling = np.zeros(0)
        self.potential = np.zeros(0)
        self.realised = np.zeros(0)
        self.realised_days = np.zeros(len(KINDS))
        self._levels = (-1, np.zeros(len(KINDS) + 1))  # (version, levels and demand factor)
        self._version = 0  # bumped whenever a realised level changes

    def __len__(self) -> int:
        return len(self.kind)

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.scenario = scenario

    def begin_day(self, day: Day) -> None:
        """Set the day's conditions from the benefits in force and the capability stock."""
        day.conditions = Conditions.for_day(self.scenario.operations, day.number, self,
                                            day.capability_stock)
        day.benefits_delivered = len(self)
        day.realised = self.realised

    def end_day(self, day: Day) -> None:
        """Realise and erode at today's coverage; take over today's completed projects."""
        params = self.scenario.benefits
        required = len(self) * params.sustain_effort / DAYS_PER_WEEK
        self.coverage = min(day.sustained / required, 1.0) if required > 0 else 0.0
        self.step(1.0, self.coverage, params.erosion)
        for project in day.completed:
            self.hand_over(project.benefits)

    def hand_over(self, benefits: tuple[Benefit, ...]) -> None:
        """Start realising a completed project's benefits."""
        if not benefits:
            return
        self.kind = np.append(self.kind, [KINDS.index(b.kind) for b in benefits])
        self.magnitude = np.append(self.magnitude, [b.magnitude for b in benefits])
        self.tau = np.append(self.tau, [b.within / 3.0 for b in benefits])
        self.coupling = np.append(self.coupling, [b.demand_coupling for b in benefits])
        self.potential = np.append(self.potential, [b.magnitude for b in benefits])
        self.realised = np.append(self.realised, np.zeros(len(benefits)))
        self._version += 1

    def step(self, days: float, coverage: float, erosion: float | None = None) -> None:
        """Advance realisation and erosion by ``days`` with sustainment ``coverage``.

        ``erosion`` overrides the time constant given at creation (it may change
        during a run).

        The realised levels in force during the step are integrated first, so that
        cumulative benefit matches what operations experienced.
        """
        if not len(self):
            return
        if erosion is not None:
            self.erosion = erosion
        k.realise(self.kind, self.realised, self.potential, self.tau, days, coverage,
                  self.erosion, self.realised_days)
        self._version += 1

    def realised_so_far(self) -> np.ndarray:
        """Realised level integrated over working days so far, by kind (:data:`KINDS`)."""
        return self.realised_days

    def level(self, kind: str) -> float:
        """Return the combined effect of all benefits of ``kind`` now.

        This is the fractional reduction ``1 - prod(1 - R)`` for reduction kinds,
        the fractional gain ``prod(1 + R) - 1`` for revenue and the sum of R for
        capability (see :func:`sim.model.day_kernel.benefit_levels`).
        """
        return self._in_force()[KINDS.index(kind)]

    def demand_factor(self) -> float:
        """Multiplier on value demand from demand reductions and revenue coupling."""
        return self._in_force()[len(KINDS)]

    def _in_force(self) -> list[float]:
        """Every kind's combined effect and the demand factor, worked out once per change."""
        version, levels = self._levels
        if version != self._version:
            out = np.empty(len(KINDS) + 1)
            k.benefit_levels(self.kind, self.realised, self.coupling, out)
            levels = out.tolist()
            self._levels = (self._version, levels)
        return levels

    def levels(self) -> dict[str, float]:
        """The benefits now, for the weekly series: coverage, sustained share, revenue, kinds."""
        out = {"sustainment_coverage": self.coverage,
               "benefits_sustained": self.sustained_share(),
               "revenue_index": 1.0 + self.level("revenue")}
        for kind, level in zip(KINDS, self._in_force(), strict=False):
            out[f"benefit_{kind}"] = level
        return out

    def sustained_share(self) -> float:
        """Share of promised magnitude still held as potential (1 = nothing eroded)."""
        total = float(np.sum(self.magnitude))
        return float(np.sum(self.potential)) / total if total else math.nan
