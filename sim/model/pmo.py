"""The PMO: what each type does, organisational maturity, and stage gates.

A PMO type is a bundle of practices (see :class:`sim.schema.organisation.PmoBundle`):
standardisation shrinks estimate error and rework, monitoring shortens the
delay before rework is discovered, enforcement caps work in progress and runs
stage gates, a directive PMO protects project time, and every PMO has overhead
staff. Organisational project maturity M (1 to 5, OPM3-style) grows with each
completed project while a PMO exists, M += learning_rate (5 - M), and decays
towards 1 with time constant ``forgetting`` while none exists. Maturity adds
its own reduction on top of the bundle's, ``maturity_effect (M - 1) / 4``, so
each practice's effect is ``1 - (1 - bundle share)(1 - maturity share)``.
"""

from __future__ import annotations

import math

from sim.model.component import Component, Day, Practices
from sim.schema.organisation import Pmo as PmoParameters
from sim.schema.organisation import PmoBundle, PmoPolicy
from sim.schema.scenario import Scenario


def active_type(policy: PmoPolicy, now: float) -> str:
    """The PMO type in force at ``now`` (``none`` once a temporary PMO has disbanded)."""
    if policy.disband_at is not None and now >= policy.disband_at:
        return "none"
    return policy.type


def bundle(params: PmoParameters, policy: PmoPolicy, now: float) -> PmoBundle:
    """The practices in force at ``now``."""
    return params.bundles[active_type(policy, now)]


def keep_factor(share: float, maturity: float, effect: float) -> float:
    """What is left of a quantity after a practice of ``share`` and maturity act on it."""
    return (1.0 - share) * (1.0 - effect * (maturity - 1.0) / 4.0)


def reduced(value: float, factor: float) -> float:
    """``value * factor``, returning ``value`` itself when nothing reduces it."""
    return value if factor == 1.0 else value * factor


def learn(maturity: float, rate: float) -> float:
    """Maturity after one more completed project under a PMO."""
    return maturity + rate * (5.0 - maturity)


def forget(maturity: float, days: float, tau: float) -> float:
    """Maturity after ``days`` without a PMO."""
    return 1.0 + (maturity - 1.0) * math.exp(-days / tau)


class Pmo(Component):
    """The PMO of one run: the type in force, organisational maturity and practices.

    Each morning :meth:`morning` finds the type in force (a temporary PMO may
    have disbanded) and logs a change, and :meth:`practices` works out what the
    PMO and maturity do to projects. Completed projects feed :meth:`learn`; days
    without a PMO feed :meth:`forget`.

    Parameters
    ----------
    scenario
        The scenario in force (see :meth:`reconfigure`).
    """

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.kind = "none"
        self.maturity = scenario.pmo.maturity_initial
        self.events: list[dict] = []
        self._version = 0  # bumped whenever the scenario changes
        self._practices_key: tuple = ()
        self._stage_gates = False  # whether the practices in force run stage gates

    def begin_day(self, day: Day) -> None:
        """Publish the type in force's head count and, when they changed, its practices."""
        self.morning(day.now)
        day.pmo_headcount = self.headcount
        day.practices = self.practices(day.now)

    def end_day(self, day: Day) -> None:
        """Learn from today's completed projects; say whether a stage gate is due."""
        for _ in day.completed:
            self.learn()
        day.gate_due = self.evening(day.now, self._stage_gates)

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario: the practices are worked out again."""
        self.scenario = scenario
        self._version += 1

    def morning(self, now: float) -> str:
        """The type in force today; a change is logged."""
        kind = active_type(self.scenario.levers.pmo, now)
        if kind != self.kind:
            self.events.append({"day": float(now), "event": -1, "label": "pmo",
                                "change": f"PMO {self.kind} -> {kind}"})
            self.kind = kind
        return kind

    @property
    def headcount(self) -> int:
        """PMO staff the type in force needs."""
        return self.scenario.pmo.bundles[self.kind].headcount

    def practices(self, now: float) -> Practices | None:
        """What the PMO in force and maturity do to projects; None if unchanged since last."""
        key = (self.maturity, self.kind, self._version)
        if key == self._practices_key:
            return None  # same PMO, same maturity, same scenario as yesterday
        self._practices_key = key
        s = self.scenario
        p = s.projects
        in_force = bundle(s.pmo, s.levers.pmo, now)
        effect = s.pmo.maturity_effect
        standard = keep_factor(in_force.standardisation, self.maturity, effect)
        monitor = keep_factor(in_force.monitoring, self.maturity, effect)
        rework = reduced(1.0 - p.quality, standard)
        self._stage_gates = in_force.stage_gates
        return Practices(
            estimate_error=reduced(p.estimate_error, standard),
            quality=p.quality if standard == 1.0 else 1.0 - rework,
            discovery_delay=reduced(p.discovery_delay, monitor),
            protected_time=max(s.levers.protected_time, in_force.protected_time),
            wip_limit=in_force.wip_limit or s.levers.wip_limit,
            stage_gates=in_force.stage_gates)

    def log(self) -> list[dict]:
        """The changes logged so far, in the order they happened."""
        return self.events

    def levels(self) -> dict[str, float]:
        """The PMO now, for the weekly series: maturity, and whether one is in force."""
        return {"maturity": self.maturity, "pmo_active": float(self.kind != "none")}

    def learn(self) -> None:
        """A project was completed: with a PMO and lessons learned, maturity grows."""
        if self.kind != "none" and self.scenario.levers.pmo.lessons_learned:
            self.maturity = learn(self.maturity, self.scenario.pmo.learning_rate)

    def evening(self, now: float, stage_gates: bool) -> bool:
        """End of day: without a PMO maturity decays; return whether a gate is due now."""
        params = self.scenario.pmo
        if self.kind == "none":
            self.maturity = forget(self.maturity, 1.0, params.forgetting)
            return False
        return bool(stage_gates and params.cancel_slip is not None
                    and now % params.gate_interval < 1.0)
