"""Ranking and selection: which finalist is best, how sure we are, and whether it is allowed.

Three procedures, each a small pure function:

- :class:`KimNelson`, the fully sequential indifference-zone procedure of Kim
  and Nelson (2001, "A fully sequential procedure for indifference-zone
  selection in simulation", *ACM TOMACS* 11(3), 251–273), procedure *KN*. With
  probability at least ``1 - alpha`` it selects the best system whenever the
  best mean is at least ``delta`` (the indifference zone) above every other. It
  compares systems through their paired differences, so it is valid, and
  sharper, under common random numbers (the paper's section 3). After a first
  stage of ``n0`` observations of every system, each stage takes one more
  observation from every survivor and eliminates system ``i`` when
  ``mean_i(r) < mean_l(r) - W_il(r)`` for some survivor ``l``, with
  ``W_il(r) = max(0, delta / (2 r) * (h² S²_il / delta² - r))``,
  ``h² = 2 eta (n0 - 1)``, ``eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2``
  and ``S²_il`` the first-stage variance of the differences ``X_i - X_l``. The
  procedure here may be truncated by a budget: it then selects the survivor
  with the best mean and says that the guarantee no longer applies.
- :func:`probability_best`: each finalist's probability of being best, by a
  paired bootstrap (Efron & Tibshirani 1993): the replications every finalist
  shares are resampled together, which keeps the common random numbers'
  pairing, and the share of resamples in which a finalist has the best mean is
  its probability.
- :func:`constraint_check`: whether a mean meets a limit at a stated
  confidence, by a one-sided Student-t bound (a Wilson bound for a 0/1 KPI);
  with several constraints the confidence is split between them (Bonferroni),
  so that "meets every constraint" holds at the stated confidence jointly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sim.studies.statistics import wilson_interval

BOOTSTRAP_RESAMPLES = 10_000


def kn_h2(k: int, alpha: float, n0: int) -> float:
    """The squared width ``h²`` of Kim and Nelson's continuation region."""
    if k < 2:
        return 0.0
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return 2.0 * eta * (n0 - 1)


@dataclass
class KimNelson:
    """Kim and Nelson's fully sequential procedure KN, fed one stage at a time.

    Parameters
    ----------
    first
        The first stage: one row per system, ``n0`` observations each (larger is
        better; negate a KPI to be minimised). Column ``j`` of every row is the
        same replication (common random numbers).
    delta
        The indifference zone, in the observations' unit.
    alpha
        One minus the probability of correct selection.

    Attributes
    ----------
    survivors
        Indices of the systems still in contention.
    eliminated
        For each eliminated system, the number of observations at which it went.
    """

    first: np.ndarray
    delta: float
    alpha: float
    survivors: list[int] = field(init=False)
    eliminated: dict[int, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        data = np.asarray(self.first, float)
        if data.ndim != 2 or data.shape[1] < 2:
            raise ValueError("the first stage needs at least 2 observations of each system")
        if not self.delta > 0.0:
            raise ValueError(f"delta = {self.delta}: the indifference zone must be positive")
        k, n0 = data.shape
        self._sums = data.sum(axis=1)
        self._r = n0
        self._h2 = kn_h2(k, self.alpha, n0)
        diffs = data[:, None, :] - data[None, :, :]
        self._s2 = diffs.var(axis=2, ddof=1)
        self.survivors = list(range(k))
        self._screen()

    @property
    def observations(self) -> int:
        """Observations of each survivor so far."""
        return self._r

    @property
    def done(self) -> bool:
        """Whether one system is left."""
        return len(self.survivors) == 1

    def add(self, stage: Sequence[float]) -> None:
        """Add one observation of every survivor (in the order of :attr:`survivors`), screen."""
        for i, x in zip(self.survivors, stage, strict=True):
            self._sums[i] += float(x)
        self._r += 1
        self._screen()

    def drop(self, system: int) -> None:
        """Take ``system`` out of contention (e.g. its objective became undefined)."""
        if system in self.survivors and len(self.survivors) > 1:
            self.survivors.remove(system)
            self.eliminated[system] = self._r

    def means(self) -> dict[int, float]:
        """The current mean of every survivor."""
        return {i: self._sums[i] / self._r for i in self.survivors}

    def best(self) -> int:
        """The survivor with the best mean (the selection, once :attr:`done`)."""
        means = self.means()
        return max(self.survivors, key=lambda i: (means[i], -i))

    def _screen(self) -> None:
        r, delta = self._r, self.delta
        means = self._sums / r
        old = list(self.survivors)
        keep = []
        for i in old:
            gone = False
            for j in old:
                if j == i:
                    continue
                w = max(0.0, delta / (2.0 * r) * (self._h2 * self._s2[i, j] / delta**2 - r))
                if means[i] < means[j] - w:
                    gone = True
                    break
            if gone:
                self.eliminated[i] = r
            else:
                keep.append(i)
        self.survivors = keep or [max(old, key=lambda i: means[i])]


def select_best(draw: Callable[[int, int], np.ndarray], k: int, *, delta: float,
                alpha: float, n0: int, most: int) -> tuple[int, bool, int]:
    """Run :class:`KimNelson` to the end on ``k`` systems whose replication ``r`` ``draw`` gives.

    Parameters
    ----------
    draw
        ``draw(r, count)`` returns replications ``r .. r + count - 1`` of every
        system, shape ``(k, count)`` (larger is better).
    most
        Most observations of any system (a truncation).

    Returns
    -------
    tuple
        The selected system, whether the procedure ended by elimination (False
        if truncated) and the total number of observations taken.
    """
    kn = KimNelson(draw(0, n0), delta=delta, alpha=alpha)
    total = k * n0
    while not kn.done and kn.observations < most:
        stage = draw(kn.observations, 1)[:, 0]
        total += len(kn.survivors)
        kn.add(stage[kn.survivors])
    return kn.best(), kn.done, total


def probability_best(values: np.ndarray, seed: int = 0,
                     resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    """Each system's probability of having the best mean, by a paired bootstrap.

    Parameters
    ----------
    values
        One row per system, one column per replication they share (larger is
        better); columns are resampled together.

    Returns
    -------
    numpy.ndarray
        One probability per system; they sum to 1 (ties share a resample).
    """
    values = np.asarray(values, float)
    k, n = values.shape
    if k == 1:
        return np.ones(1)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=(resamples, n))
    means = values[:, picks].mean(axis=2)  # systems x resamples
    top = means.max(axis=0)
    winners = np.isclose(means, top[None, :], rtol=0.0, atol=1e-12 * max(1.0, abs(top).max()))
    return (winners / winners.sum(axis=0)).sum(axis=1) / resamples


@dataclass(frozen=True)
class ConstraintCheck:
    """How one finalist fares against one constraint.

    Attributes
    ----------
    mean
        The KPI's mean over the replications where it is defined.
    bound
        The one-sided confidence bound on the mean on the side that matters
        (the lower bound for ``at_least``, the upper for ``at_most``).
    met
        Whether the bound is on the allowed side of the limit.
    n, undefined
        Replications used and replications where the KPI was undefined.
    method
        ``Student t`` or ``Wilson``.
    """

    mean: float
    bound: float
    met: bool
    n: int
    undefined: int
    method: str


def constraint_check(values: np.ndarray, limit: float, side: str, level: float,
                     binary: bool = False) -> ConstraintCheck:
    """Whether the mean of ``values`` is ``side`` (at_least / at_most) ``limit`` at ``level``.

    A replication where the KPI is undefined (NaN) cannot show the limit is met:
    the constraint is then not met, and the count says why. A 0/1 KPI uses the
    Wilson bound; any other the one-sided Student-t bound (which is the mean
    itself when every replication gives the same value).
    """
    x = np.asarray(values, float)
    finite = x[np.isfinite(x)]
    n, undefined = len(finite), int(len(x) - len(finite))
    lower = side == "at_least"
    if n == 0:
        return ConstraintCheck(math.nan, math.nan, False, 0, undefined, "none")
    mean = float(np.mean(finite))
    if binary:
        low, high = wilson_interval(int(np.rint(finite.sum())), n, 2.0 * level - 1.0)
        bound, method = (low if lower else high), "Wilson"
    elif n < 2:
        bound, method = (-math.inf if lower else math.inf), "Student t"
    else:
        half = float(stats.t.ppf(level, n - 1)) * float(np.std(finite, ddof=1)) / math.sqrt(n)
        bound, method = (mean - half if lower else mean + half), "Student t"
    met = undefined == 0 and (bound >= limit if lower else bound <= limit)
    return ConstraintCheck(mean, bound, bool(met), n, undefined, method)


def shortfall(mean: float, limit: float, side: str) -> float:
    """How far a mean is on the wrong side of a limit, as a share of the limit (0 if not)."""
    if not math.isfinite(mean):
        return math.inf
    gap = (limit - mean) if side == "at_least" else (mean - limit)
    return max(0.0, gap) / (abs(limit) if limit else 1.0)
