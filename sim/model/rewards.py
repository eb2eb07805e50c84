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

:class:`Rewards` is the component that owns, per seat, the reward share, the
misalignment and the share of time diverted today. The roster asks it to
judge each new plan and to say who diverts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from sim.model import day_kernel as k
from sim.model.component import Component, Day
from sim.model.workforce import DayPlan, Staff
from sim.schema.organisation import RewardWeights
from sim.schema.scenario import Scenario


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
        day job does (``behaviour.unrewarded_ops_share``; 1: reviewed on the day
        job alone).
    """
    return judge(plan, weights, unrewarded)[0]


def judge(plan: DayPlan, weights: RewardWeights,
          unrewarded: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Each person's reward share on the day job and misalignment (see the module).

    The rule, person by person, is :func:`sim.model.day_kernel.judge`.
    """
    size = plan.rows.shape[1]
    reward, misaligned = np.empty(size), np.empty(size)
    k.judge(plan.rows, *judging_weights(weights, unrewarded), reward, misaligned)
    return reward, misaligned


def judging_weights(weights: RewardWeights, unrewarded: float) -> tuple[float, ...]:
    """The scheme's weights as the compiled rule takes them.

    The day job's, projects' and benefits', improvement's and benefits', and the
    share of someone whose own work carries no weight (0 when the day job does not
    count either).
    """
    return (weights.operations, weights.projects + weights.benefits,
            weights.improvement + weights.benefits,
            unrewarded if weights.operations > 0 else 0.0)


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
    out = np.zeros(len(share))
    k.divert(pressure, np.asarray(share, dtype=float), gain, limit, out)
    return out


def misalignment(plan: DayPlan, share: np.ndarray) -> np.ndarray:
    """Gap between reward share and assigned day-job share, per person (0..1)."""
    share = np.asarray(share, dtype=float)
    out = np.empty(len(share))
    k.misalignments(plan.rows, share, out)
    return out


class Rewards(Component):
    """What each person is rewarded for, how misaligned they are, and what they divert.

    Parameters
    ----------
    scenario
        The scenario in force (reward weights, the behaviour of diversion).
    seats
        The workforce's seats (read only: who is in a seat).
    """

    def __init__(self, scenario: Scenario, seats: Staff):
        self.scenario = scenario
        self.seats = seats
        size = seats.size
        self.reward = np.zeros(size)
        self.misaligned = np.zeros(size)
        self.diversion = np.zeros(size)
        self.version = 0
        """Bumped whenever :attr:`diversion` changes."""
        self._judged: Hashable = None
        self._diverting = False

    def reconfigure(self, scenario: Scenario) -> None:
        """Take a changed scenario: the next plan is judged again."""
        self.scenario = scenario
        self._judged = None

    def seats_added(self, ids: np.ndarray, now: float) -> None:
        """New seats are judged with the next plan; nobody in them diverts yet."""
        extra = np.zeros(len(ids))
        self.reward = np.concatenate([self.reward, extra])
        self.misaligned = np.concatenate([self.misaligned, extra])
        self.diversion = np.concatenate([self.diversion, extra])

    def judge_and_divert(self, day: Day, plan_key: Hashable,
                         assigned: Callable[[], DayPlan]) -> None:
        """Rewards set what people protect; under pressure they divert the rest.

        ``assigned()`` makes the day plan whose assigned shares are judged; it is
        asked for only when ``plan_key`` (what those shares depend on) changed.
        The misalignment is published on ``day``.
        """
        if plan_key != self._judged:
            plan = assigned()
            if len(self.reward) != plan.rows.shape[1]:
                self.reward, self.misaligned = np.empty((2, plan.rows.shape[1]))
            k.judge(plan.rows, *judging_weights(self.scenario.levers.rewards.weights,
                                               self.scenario.behaviour.unrewarded_ops_share),
                    self.reward, self.misaligned)
            self._judged = plan_key
        day.misaligned = self.misaligned
        behave = self.scenario.behaviour
        pressure = day.pressure()
        if pressure <= 1.0 and not self._diverting:
            return  # nobody diverts below target pressure, and nobody is diverting now
        changed, self._diverting = k.divert(pressure, self.reward, behave.divert_gain,
                                            behave.divert_max, self.diversion)
        if changed:
            self.version += 1

    def diversion_state(self) -> tuple[int, np.ndarray]:
        """:attr:`version` and each person's share of time diverted to the day job."""
        return self.version, self.diversion

    def end_day(self, day: Day) -> None:
        """Publish today's mean misalignment."""
        day.gauges["misalignment"] = self.misalignment_mean()

    def misalignment_mean(self) -> float:
        """Mean misalignment of the people in a seat (0 when nobody is misaligned)."""
        return k.mean_where(self.misaligned, self.seats.active)

    def levels(self) -> dict[str, float]:
        """Misalignment now, for the weekly series."""
        return {"misalignment_mean": self.misalignment_mean()}
