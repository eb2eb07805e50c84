"""AI solutions: built responsibly by the project, used responsibly by operations.

A project with an ``ai`` block delivers an AI solution. Two halves decide what
it is worth (MODEL.md 3.10; NIST AI RMF 1.0, MEASURE and MANAGE; PMI CPMAI).

Built responsibly
    The project carries an *evaluation gate* (bias, robustness and
    documentation work) of ``gate_effort`` x size person-days, of which the
    lever ``ai_gate`` plans a share. Gate work is done once the build has
    nothing left to do; each person-day of it finds ``findings`` person-days of
    rework that go back to do (the rework cycle). Under schedule pressure the
    rest of the gate is dropped when the forecast slip passes
    ``ai_gate_cut_slip``. With g the share of the full gate done, quality at
    go-live is ``q0 = q_unevaluated + (q_evaluated - q_unevaluated) g`` and the
    incident propensity ``1 + (propensity_unevaluated - 1)(1 - g)``.

Used responsibly
    After handover the benefit is realised as any benefit (a first-order
    approach to b with time constant ``within / 3``) and acts as a benefit of
    its kind of size ``R q``. Quality drifts each day toward a floor,
    ``q - floor -> (q - floor) exp(-1 / drift_time)``, and Poisson shocks
    (``shocks_per_year``) each take ``shock_size`` of ``q - floor``. Without
    shocks ``q(t) = floor + (q0 - floor) exp(-t / drift_time)`` exactly.
    A solution is *degraded* when q < (1 - tolerance) q0. Monitoring time,
    asked of the owner that ``levers.ai_operations`` names, gives a coverage c
    (time supplied / required); each degraded day adds c to the evidence, and
    the degradation is detected on the first day the evidence has reached
    ``detection_delay`` (a delay of ``detection_delay / c`` days, rounded up,
    at constant coverage; at once when the delay is 0; never at c = 0).
    Detection starts a retraining of ``retrain_effort`` person-days asked of
    the same owner; when it is done q is back at q0.
    Incidents arrive (Poisson) at ``incidents_per_year x (1 - q) x propensity``
    a year while the degradation is undetected; once it is detected and being
    retrained, people watch the solution and the rate is that of q0. Each
    incident raises ``items_per_incident`` failure-demand items at the desk.

All randomness (shocks, incidents, when in the day incident items arrive)
comes from the ``ai`` stream, so scenarios without AI draw as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.model.component import Component, Day
from sim.model.conditions import Conditions
from sim.model.projects import Gate
from sim.model.rng import Streams
from sim.schema.ai import AiDynamics, AiSolution
from sim.schema.scenario import Scenario
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

_DONE = 1e-9


def has_ai(scenario: Scenario) -> bool:
    """Whether any project of ``scenario`` delivers an AI solution."""
    p = scenario.projects
    return any(spec.ai is not None for spec in (*p.templates, *p.portfolio))


# -- used responsibly: solutions in operation ------------------------------------------------

@dataclass
class Solution:
    """One AI solution in use."""

    name: str
    kind: str
    magnitude: float
    tau: float
    released: float
    propensity: float
    team: list[int]
    started: float
    quality: float = 0.0
    realised: float = 0.0
    degraded_since: float = math.nan
    evidence: float = 0.0
    retrain_left: float = 0.0

    def __post_init__(self) -> None:
        self.quality = self.released

    @property
    def effect(self) -> float:
        """The benefit in force: realised level times quality."""
        return self.realised * self.quality

    @property
    def retraining(self) -> bool:
        """True while a detected degradation is being retrained."""
        return self.retrain_left > 0.0


def release_quality(params: AiDynamics, gate_share: float) -> tuple[float, float]:
    """Quality at go-live and incident propensity after ``gate_share`` of the full gate."""
    q0 = params.quality_unevaluated + (params.quality_evaluated
                                       - params.quality_unevaluated) * gate_share
    propensity = 1.0 + (params.incident_propensity_unevaluated - 1.0) * (1.0 - gate_share)
    return q0, propensity


def drift(quality: float, floor: float, days: float, tau: float) -> float:
    """Gradual drift over ``days``: ``floor + (q - floor) exp(-days / tau)``."""
    return floor + (quality - floor) * math.exp(-days / tau)


@dataclass
class Tally:
    """Cumulative sums of the AI solutions, so that any period is a difference."""

    incidents: float = 0.0
    detections: float = 0.0
    detection_delay: float = 0.0
    benefit_days: float = 0.0
    quality_days: float = 0.0
    service_days: float = 0.0

    def minus(self, other: Tally) -> Tally:
        """Return the sums since an earlier tally."""
        return Tally(**{k: getattr(self, k) - getattr(other, k) for k in vars(self)})


@dataclass
class AiOperations(Component):
    """Every AI solution handed over in one run, and the work of keeping them good.

    Parameters
    ----------
    params
        The scenario's ``ai`` section.
    owner
        ``levers.ai_operations``.
    streams
        The replication's random streams (only the ``ai`` stream is used).
    raise_failure
        ``raise_failure(delay)`` raises one failure-demand item ``delay`` days
        from now (``ServiceDesk.add_failure``), for the daily cycle.
    """

    params: AiDynamics
    owner: str
    streams: Streams
    raise_failure: Callable[[float], None] | None = None
    solutions: list[Solution] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    window: Tally = field(default_factory=Tally)
    coverage: float = 0.0
    _asked: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        self._rng = self.streams.generator("ai")

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario."""
        self.params = scenario.ai
        self.owner = scenario.levers.ai_operations

    def begin_day(self, day: Day) -> None:
        """Put the AI benefits into the day's conditions; ask for owner time."""
        day.conditions = self.conditions(day.conditions)
        day.upkeep.append(("ai", self.owner, self.asks()))
        day.priced_effects = [(s.kind, s.effect) for s in self.solutions]

    def end_day(self, day: Day) -> None:
        """Advance the solutions in use; put today's completed AI projects into use."""
        self.day(day.upkeep_served["ai"], day.now, self.raise_failure)
        for project in day.completed:
            if project.ai is not None:
                self.hand_over(project.name, project.ai, project.gate, project.final_team,
                               project.started)

    def summary(self, now: float) -> dict[str, float]:
        """The AI KPIs over the window after the warm-up."""
        return summary(self)

    def hand_over(self, name: str, spec: AiSolution, gate: Gate, team: list[int],
                  started: float) -> Solution:
        """Put a completed project's solution into use."""
        q0, propensity = release_quality(self.params, gate.share)
        solution = Solution(name, spec.kind, spec.magnitude, spec.within / 3.0, q0,
                            propensity, list(team), started)
        self.solutions.append(solution)
        return solution

    # -- start of day --------------------------------------------------------------------

    def asks(self) -> list[tuple[list[int], float, float]]:
        """Owner time each solution asks for today: (former team, start day, person-days).

        Monitoring needs ``monitor_effort`` a week per solution; a retraining
        asks for ``retrain_effort / retrain_time`` a day until it is done.
        """
        p = self.params
        if self.owner == "none" or not self.solutions:
            self._asked = (0.0, 0.0)
            return []
        monitor = p.monitor_effort / DAYS_PER_WEEK
        retrain = p.retrain_effort / p.retrain_time
        out = [(s.team, s.started, monitor + (retrain if s.retraining else 0.0))
               for s in self.solutions]
        retraining = sum(s.retraining for s in self.solutions)
        self._asked = (monitor * len(self.solutions), retrain * retraining)
        return out

    def conditions(self, today: Conditions) -> Conditions:
        """The day's conditions with the AI benefits in force."""
        factor = {"productivity": 1.0, "failure_reduction": 1.0, "demand_reduction": 1.0}
        for s in self.solutions:
            factor[s.kind] *= 1.0 - s.effect
        return Conditions(value_rate=today.value_rate * factor["demand_reduction"],
                          capability=today.capability,
                          p_defect=min(today.p_defect * factor["failure_reduction"], 1.0),
                          effort_multiplier=today.effort_multiplier * factor["productivity"])

    # -- end of day ------------------------------------------------------------------------

    def day(self, supplied: float, now: float, raise_failure) -> None:
        """Advance every solution by one day.

        Parameters
        ----------
        supplied
            Person-days of owner time that went to AI solutions today.
        now
            The end of the day.
        raise_failure
            ``raise_failure(delay)`` raises one failure-demand item ``delay``
            days from now (``ServiceDesk.add_failure``).
        """
        if not self.solutions:
            return
        p, tally = self.params, self.tally
        monitor_ask, retrain_ask = self._asked
        asked = monitor_ask + retrain_ask
        to_monitor = supplied * monitor_ask / asked if asked > 0.0 else 0.0
        self.coverage = min(to_monitor / monitor_ask, 1.0) if monitor_ask > 0.0 else 0.0
        to_retrain = supplied - to_monitor
        retraining = [s for s in self.solutions if s.retraining]
        tally.service_days += 1.0
        tally.quality_days += sum(s.quality for s in self.solutions) / len(self.solutions)
        for s in self.solutions:
            tally.benefit_days += s.effect
            s.realised = s.magnitude + (s.realised - s.magnitude) * math.exp(-1.0 / s.tau)
            if s.retraining:
                s.retrain_left -= to_retrain / len(retraining)
                if s.retrain_left <= _DONE:
                    self._restore(s)
            self._drift(s, p)
            self._watch(s, p, now)
            self._incidents(s, p, raise_failure)

    def _restore(self, s: Solution) -> None:
        s.retrain_left = 0.0
        s.quality = s.released
        s.degraded_since = math.nan
        s.evidence = 0.0

    def _drift(self, s: Solution, p: AiDynamics) -> None:
        s.quality = drift(s.quality, p.quality_floor, 1.0, p.drift_time)
        if p.shocks_per_year > 0.0:
            shocks = int(self._rng.poisson(p.shocks_per_year / DAYS_PER_YEAR))
            if shocks:
                s.quality = p.quality_floor + (s.quality - p.quality_floor) \
                    * (1.0 - p.shock_size) ** shocks

    def _watch(self, s: Solution, p: AiDynamics, now: float) -> None:
        """Degradation starts when q falls below tolerance; monitoring evidence detects it."""
        if s.retraining:
            return
        if math.isnan(s.degraded_since):
            if s.quality >= (1.0 - p.degradation_tolerance) * s.released:
                return
            s.degraded_since = now
        if self.coverage > 0.0 and s.evidence >= p.detection_delay:
            self.tally.detections += 1.0
            self.tally.detection_delay += now - s.degraded_since
            s.retrain_left = p.retrain_effort
        else:
            s.evidence += self.coverage

    def _incidents(self, s: Solution, p: AiDynamics, raise_failure) -> None:
        # people watch a solution under retraining, unless nobody is tasked any more
        quality = s.released if s.retraining and self.owner != "none" else s.quality
        rate = p.incidents_per_year / DAYS_PER_YEAR * (1.0 - quality) * s.propensity
        if rate <= 0.0:
            return
        count = int(self._rng.poisson(rate))
        if not count:
            return
        self.tally.incidents += count
        for delay in self._rng.random(count * p.items_per_incident).tolist():
            raise_failure(delay)

    # -- what others read --------------------------------------------------------------------

    def open_window(self) -> None:
        """Mark the end of the warm-up: the summary covers what follows."""
        self.window = Tally(**vars(self.tally))

    def counts(self) -> dict[str, float]:
        """Cumulative counts, for weekly differences."""
        return {"ai_incidents": self.tally.incidents, "ai_detections": self.tally.detections}

    def levels(self) -> dict[str, float]:
        """The solutions now, for the weekly series."""
        live = self.solutions
        return {
            "ai_solutions": float(len(live)),
            "ai_quality": float(np.mean([s.quality for s in live])) if live else math.nan,
            "ai_benefit": float(sum(s.effect for s in live)),
            "ai_monitoring_coverage": self.coverage,
            "ai_degraded": float(sum(not math.isnan(s.degraded_since) and not s.retraining
                                     for s in live)),
            "ai_retraining": float(sum(s.retraining for s in live)),
        }


ABSENT = {"ai_quality_mean": math.nan, "ai_incidents": 0.0,
          "ai_detection_delay_mean": math.nan, "ai_benefit_realised": 0.0}
"""The AI KPIs of a run without AI solutions: zero counts, NaN means."""


def summary(ai: AiOperations) -> dict[str, float]:
    """The AI KPIs over the window after the warm-up."""
    t = ai.tally.minus(ai.window)
    return {
        "ai_quality_mean": t.quality_days / t.service_days if t.service_days else math.nan,
        "ai_incidents": t.incidents,
        "ai_detection_delay_mean": t.detection_delay / t.detections if t.detections
        else math.nan,
        "ai_benefit_realised": t.benefit_days / DAYS_PER_YEAR,
    }
