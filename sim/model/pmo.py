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

from sim.schema.organisation import Pmo, PmoBundle, PmoPolicy


def active_type(policy: PmoPolicy, now: float) -> str:
    """The PMO type in force at ``now`` (``none`` once a temporary PMO has disbanded)."""
    if policy.disband_at is not None and now >= policy.disband_at:
        return "none"
    return policy.type


def bundle(params: Pmo, policy: PmoPolicy, now: float) -> PmoBundle:
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
