"""The schema of AI solutions: what a project delivers, and how a solution behaves in use.

A project may carry an ``ai`` block: it delivers an AI solution whose benefit
works like a benefit of the same kind, scaled by the solution's quality q. The
scenario's ``ai`` section holds the conditions of every AI solution (quality at
go-live, drift, shocks, detection, retraining, incidents); the levers
``ai_gate``, ``ai_gate_cut_slip`` and ``ai_operations`` are management choices
(see :class:`sim.schema.scenario.Levers`).

No source gives numbers for these quantities (NIST AI RMF 1.0 and PMI CPMAI name
the activities, not their size or effect); each default is a modelling choice
documented in docs/model.md and varied in the C11 claim's robustness ranges.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.schema.base import Delay, Fraction, Section, TimeSpan
from sim.schema.limits import MAX_SIZE, MIN_SIZE
from sim.units import DAYS_PER_YEAR

AiKind = Literal["productivity", "failure_reduction", "demand_reduction"]

AiOwner = Literal["none", "opex", "project", "operations", "projects"]
"""Who monitors and retrains AI solutions in use: nobody, the OpEx team, the former
project team, the day-job staff, or the dedicated project staff group."""


class AiSolution(Section):
    """The AI solution a project delivers (a project's ``ai`` block)."""

    kind: AiKind = Field(
        "productivity", description=(
            "What the solution changes, as a benefit of this kind: productivity cuts the "
            "effort per item, failure_reduction the defect probability, demand_reduction "
            "value demand."))
    magnitude: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        description="The benefit b at full realisation and quality q = 1 (a fraction).")
    within: TimeSpan = Field(
        63.0, description="Time after handover by which 95% of b x q is realised.")
    gate_effort: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.15, description=(
            "Effort of the full evaluation gate (bias, robustness and documentation work), "
            "as a share of the project's size. Modelling choice: no source gives a share."))
    findings: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.5, description=(
            "Person-days of rework the gate's findings put back to do, per person-day of "
            "gate work. Modelling choice: no source gives a rate."))


class AiDynamics(Section):
    """How every AI solution behaves once handed over (conditions, not levers)."""

    quality_evaluated: Fraction = Field(
        0.9, description="Quality q at go-live after the full evaluation gate.")
    quality_unevaluated: Fraction = Field(
        0.6, description="Quality q at go-live when the gate is skipped; a partial gate "
                         "interpolates linearly.")
    drift_time: TimeSpan = Field(
        DAYS_PER_YEAR, description="Time constant of gradual drift: q - floor falls by a "
                                   "factor e in this time.")
    quality_floor: Fraction = Field(
        0.2, description="The quality gradual drift tends to.")
    shocks_per_year: Annotated[float, Field(ge=0.0, le=250.0)] = Field(
        1.0, description="Sudden drift events per solution per year (Poisson).")
    shock_size: Fraction = Field(
        0.3, description="Share of q - floor a shock takes away.")
    degradation_tolerance: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.1, description="A solution is degraded when q falls below (1 - this) x its "
                         "go-live quality.")
    detection_delay: Delay = Field(
        20.0, description="Time to detect a degradation at full monitoring coverage; at "
                          "coverage c it takes this / c (never at c = 0).")
    monitor_effort: Annotated[float, Field(gt=0.0, le=25.0)] = Field(
        0.5, description="Person-days per week of monitoring one solution in use needs "
                         "for full coverage.")
    retrain_effort: Annotated[float, Field(ge=MIN_SIZE, le=MAX_SIZE)] = Field(
        15.0, description="Person-days of work to retrain a degraded solution.")
    retrain_time: TimeSpan = Field(
        20.0, description="Planned duration of a retraining: the owner is asked for "
                          "retrain_effort / retrain_time person-days a day.")
    incidents_per_year: Annotated[float, Field(ge=0.0, le=2500.0)] = Field(
        12.0, description="Incidents per year of one solution at q = 0 after a full gate; "
                          "the rate is this x (1 - q) x the propensity.")
    incident_propensity_unevaluated: Annotated[float, Field(ge=1.0, le=100.0)] = Field(
        2.0, description="Incident propensity when the gate is skipped (1 after a full "
                         "gate; a partial gate interpolates linearly).")
    items_per_incident: Annotated[int, Field(ge=0, le=10_000)] = Field(
        20, description="Failure-demand items one incident raises at the service desk.")

    @model_validator(mode="after")
    def _check_order(self) -> AiDynamics:
        if self.quality_unevaluated > self.quality_evaluated:
            raise ValueError(
                f"quality_unevaluated={self.quality_unevaluated:g} must not exceed "
                f"quality_evaluated={self.quality_evaluated:g}: the evaluation gate cannot "
                "lower quality")
        if self.quality_floor > self.quality_unevaluated:
            raise ValueError(
                f"quality_floor={self.quality_floor:g} must not exceed quality_unevaluated="
                f"{self.quality_unevaluated:g}: drift lowers quality")
        return self
