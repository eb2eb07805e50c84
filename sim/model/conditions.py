"""The day's operating conditions: demand, capability, defects and effort per item.

Each morning the organisation sets, from the scenario, the benefits in force and
the capability stock, the value-demand rate for the day, the capability in force,
the probability that an item comes back as failure demand and the effort
multiplier of realised productivity benefits:

    rate       = base demand at mid-day (growth, seasonality) x demand factor of benefits
    capability = capability stock + realised capability benefits
    p_defect   = min(p_defect x (1 - failure reduction) / capability, 1)
    effort     = 1 - productivity benefit
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sim.model.operations import base_demand
from sim.schema.scenario import Operations


class InForce(Protocol):
    """The benefits in force (:class:`sim.model.benefits.BenefitLedger`)."""

    def level(self, kind: str) -> float:
        """The combined effect of the benefits of ``kind``."""

    def demand_factor(self) -> float:
        """The multiplier on value demand."""


@dataclass(frozen=True)
class Conditions:
    """The day's operating conditions (see the module)."""

    value_rate: float = 0.0
    capability: float = 1.0
    p_defect: float = 0.0
    effort_multiplier: float = 1.0

    @classmethod
    def for_day(cls, ops: Operations, day: int, benefits: InForce,
                capability: float) -> Conditions:
        """The conditions of working day ``day`` (from 0) given the capability stock."""
        level = capability + benefits.level("capability")
        p_defect = ops.p_defect * (1.0 - benefits.level("failure_reduction"))
        return cls(value_rate=base_demand(ops, day + 0.5) * benefits.demand_factor(),
                   capability=level, p_defect=min(p_defect / level, 1.0),
                   effort_multiplier=1.0 - benefits.level("productivity"))

    def levels(self) -> dict[str, float]:
        """The conditions in force, for the weekly series."""
        return {"demand_rate": self.value_rate, "p_defect": self.p_defect,
                "effort_multiplier": self.effort_multiplier, "capability": self.capability}

    def total_rate(self) -> float:
        """Value demand plus the failure demand it brings back, in steady state."""
        return self.value_rate / (1.0 - min(self.p_defect, 0.99))
