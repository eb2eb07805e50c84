"""Stress of two kinds, challenge and hindrance, each relieved with a time constant.

Work-stress research separates *challenge* stressors (workload, time pressure),
which on their own tend to raise performance, from *hindrance* stressors (role
conflict, role ambiguity, red tape), which lower it and drive people out
(Cavanaugh et al. 2000; LePine, Podsakoff & LePine 2005; Podsakoff, LePine &
LePine 2007). Each person carries one component of each kind. Both move towards
a target with time constant ``tau`` (first order, exact for a daily step):

    C* = min(overload_gain * max(0, demanded / available - 1), ceiling),
    H* = min(misalignment_gain * m, ceiling),

where demanded time is the planned day-job share times ops pressure, plus the
planned project share times the schedule pressure of their projects (forecast
over planned duration, at least 1), plus planned improvement, sustainment and
overhead; m is the person's misalignment (reviewed on one thing, assigned to
another: role conflict). The strain S = C + H is what is reported.

Effects: productivity is the challenge curve at C times the hindrance curve at
H (the second never rises); the defect multiplier is a curve of S; the hazard
of leaving is multiplied by 1 + k_C C + k_H H.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from sim.model import day_kernel as k
from sim.schema.organisation import Curve, Stress

# The model applies these rules per person in one compiled call a day
# (:func:`sim.model.day_kernel.stress_step`); the functions here apply the same
# compiled rules to arrays, for whoever needs them one at a time.


def lookup(curve: Curve, x: np.ndarray) -> np.ndarray:
    """Interpolate ``curve`` at ``x`` (flat beyond its first and last points)."""
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape[0])
    k.interpolate_each(x, *points(curve), out)
    return out


@functools.lru_cache(maxsize=64)
def points(curve: Curve) -> tuple[np.ndarray, np.ndarray]:
    """The curve's x and y values as arrays (curves are tuples: values, so cacheable)."""
    xs = np.array([p[0] for p in curve])
    ys = np.array([p[1] for p in curve])
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


def target(load: np.ndarray, gain: float, ceiling: float = np.inf) -> np.ndarray:
    """Level one kind of stress is heading for: ``min(gain * max(load, 0), ceiling)``."""
    return np.vectorize(k.target, otypes=[float])(load, gain, ceiling)


def relax(stress: np.ndarray, goal: np.ndarray, days: float, tau: float) -> np.ndarray:
    """Move ``stress`` towards ``goal`` for ``days`` with time constant ``tau``."""
    return np.vectorize(k.relax, otypes=[float])(stress, goal, math.exp(-days / tau))


def productivity(params: Stress, challenge: np.ndarray, hindrance: np.ndarray) -> np.ndarray:
    """Productivity multiplier: the challenge curve at C times the hindrance curve at H."""
    return lookup(params.challenge_productivity, challenge) \
        * lookup(params.hindrance_productivity, hindrance)


def attrition_multiplier(params: Stress, challenge: np.ndarray,
                         hindrance: np.ndarray) -> np.ndarray:
    """Factor on the hazard of leaving: ``1 + k_C C + k_H H``."""
    challenge = np.asarray(challenge, dtype=float)
    out = np.empty(challenge.shape[0])
    k.leaving_multiplier(challenge, np.asarray(hindrance, dtype=float),
                         np.arange(challenge.shape[0]), params.challenge_attrition,
                         params.hindrance_attrition, out)
    return out
