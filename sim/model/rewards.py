"""Rewards, priorities and misalignment: why people divert time to the day job.

A reward scheme weighs what performance reviews count: the day job, project
work, improvement, and (on top of the last two and of sustainment) benefits.
Weights apply per unit of time a person is assigned to each activity, so a
person's *reward share on operations* is

    r = w_ops a_ops / (w_ops a_ops + (w_proj + w_ben) a_proj
                       + (w_imp + w_ben) (a_imp + a_sus)),

where the a are their assigned shares of the day; someone whose own work
carries no weight at all while the day job does (e.g. an OpEx member under
``operations_only``) gets r = ``behaviour.unrewarded_ops_share``: 1 (the
default) means they are reviewed on the day job alone. No source gives this
rule; it is a modelling choice that the claims' robustness samples vary.
Under ops pressure above
target (pi > 1) people put current work first (Repenning's rule made
behavioural): they divert a share d = clip(gain (pi - 1) r, 0, max) of their
project, improvement and sustainment time to the day job. Misalignment is the
gap between what they are rewarded for and what they are assigned to:
m = |r - a_ops|.
"""

from __future__ import annotations

import numpy as np

from sim.model.workforce import DayPlan
from sim.schema.organisation import RewardWeights


def reward_share(plan: DayPlan, weights: RewardWeights, unrewarded: float = 1.0) -> np.ndarray:
    """Each person's share of reward weight on the day job (0 with no day job).

    Parameters
    ----------
    plan
        The day plan; its assigned (before diversion) shares are used.
    weights
        The reward scheme.
    unrewarded
        The share given to someone whose own work carries no weight while the
        day job does (``behaviour.unrewarded_ops_share``).
    """
    ops = weights.operations * plan.assigned_ops
    total = (ops + (weights.projects + weights.benefits) * plan.assigned_project
             + (weights.improvement + weights.benefits) * plan.assigned_other)
    # Someone whose own work carries no weight: reviewed on the day job, as far as `unrewarded`.
    working = plan.assigned_ops + plan.assigned_project + plan.assigned_other
    fallback = np.where(working > 0.0, unrewarded if weights.operations > 0 else 0.0, 0.0)
    return np.divide(ops, total, out=fallback, where=total > 0.0)


def diversion(pressure: float, share: np.ndarray, gain: float, limit: float) -> np.ndarray:
    """Share of project and improvement time each person diverts today.

    Parameters
    ----------
    pressure
        Ops pressure pi (1 = at the service-level target).
    share
        Reward share on operations per person.
    gain, limit
        How strongly people respond, and the most they divert.

    Returns
    -------
    numpy.ndarray
        ``clip(gain (pi - 1) share, 0, limit)``: zero whenever pi <= 1.
    """
    if pressure <= 1.0 or gain == 0.0:
        return np.zeros_like(share)
    return np.clip(gain * (pressure - 1.0) * share, 0.0, limit)


def misalignment(plan: DayPlan, share: np.ndarray) -> np.ndarray:
    """Gap between reward share and assigned day-job share, per person (0..1)."""
    working = plan.assigned_ops + plan.assigned_project + plan.assigned_other
    assigned = np.divide(plan.assigned_ops, working, out=np.zeros_like(working),
                         where=working > 0.0)
    return np.where(working > 0.0, np.abs(share - assigned), 0.0)
