"""Stress: built by overload and misalignment, relieved with a time constant.

Each person's stress S moves towards a target with time constant ``tau``
(first order, exact for a daily step):

    S* = min(overload_gain * max(0, demanded / available - 1) + misalignment_gain * m,
             ceiling),

where demanded time is the planned day-job share times ops pressure, plus the
planned project share times the schedule pressure of their projects (forecast
over planned duration, at least 1), plus planned improvement and sustainment.
Stress changes productivity (an inverted U: a little stress helps, more hurts),
the probability of defects and the hazard of leaving, each through a lookup
curve the scenario can replace.
"""

from __future__ import annotations

import math

import numpy as np

from sim.schema.organisation import Curve


def lookup(curve: Curve, x: np.ndarray) -> np.ndarray:
    """Interpolate ``curve`` at ``x`` (flat beyond its first and last points)."""
    xs = np.array([p[0] for p in curve])
    ys = np.array([p[1] for p in curve])
    return np.interp(x, xs, ys)


def stress_target(overload: np.ndarray, misalignment: np.ndarray, overload_gain: float,
                  misalignment_gain: float, ceiling: float = np.inf) -> np.ndarray:
    """Stress level each person is heading for, at most ``ceiling``."""
    target = overload_gain * np.maximum(overload, 0.0) + misalignment_gain * misalignment
    return np.minimum(target, ceiling)


def relax(stress: np.ndarray, target: np.ndarray, days: float, tau: float) -> np.ndarray:
    """Move ``stress`` towards ``target`` for ``days`` with time constant ``tau``."""
    return target + (stress - target) * math.exp(-days / tau)
