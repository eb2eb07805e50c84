"""What a fit returns, and the small statistical helpers the fits share.

Every fit is a pure function of the data (on the model's clock) that returns a
:class:`Fit`: the estimates it makes (each with its interval and the number of
observations it rests on, and the scenario key it sets, if any), findings in plain
words, and the data of its diagnostic figure. Nothing here draws or writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

LEVEL = 0.95
"""Confidence level of every interval in the fit report."""


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity.

    Attributes
    ----------
    label
        What it is, in plain words.
    value, low, high
        The estimate and its interval (``level``), in ``unit``.
    n
        How many observations it rests on (``n_label`` says of what).
    unit
        Unit of the value as the scenario states it.
    key
        The scenario key it sets, or None when it is only reported.
    method
        How it was estimated, in a few words.
    level
        Confidence level of the interval.
    """

    label: str
    value: float
    low: float
    high: float
    n: int
    unit: str = ""
    key: str | None = None
    method: str = ""
    n_label: str = ""
    level: float = LEVEL

    def covers(self, truth: float) -> bool:
        """Whether the interval contains ``truth``."""
        return self.low <= truth <= self.high


@dataclass(frozen=True)
class Fit:
    """The result of one direct fit.

    Attributes
    ----------
    name
        Short name of the fit (``demand``, ``service``...).
    title
        Section title in the report.
    estimates
        The quantities estimated; those with a ``key`` go into the calibrated
        scenario (see ``sets``).
    findings
        Plain sentences for the report: the criterion applied, what was flagged.
    figure
        Data of the diagnostic figure (see :mod:`sim.calibration.figures`).
    sets
        ``{scenario key: value}`` the calibrated scenario takes from this fit
        (values in the scenario's units; may differ from the raw estimate, e.g. a
        family chosen by a criterion, or an estimate left out because the data do
        not show it).
    """

    name: str
    title: str
    estimates: list[Estimate] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    figure: dict[str, Any] = field(default_factory=dict)
    sets: dict[str, Any] = field(default_factory=dict)

    def estimate(self, label: str) -> Estimate:
        """The estimate called ``label``."""
        for e in self.estimates:
            if e.label == label:
                return e
        raise KeyError(label)


def skipped(name: str, title: str, reason: str) -> Fit:
    """A fit that could not be made: the report says why and BASE's values stay."""
    return Fit(name, title, findings=[f"Not fitted: {reason}. The calibrated scenario keeps "
                                      "the base scenario's values."])


def z_value(level: float = LEVEL) -> float:
    """The two-sided standard normal quantile for ``level``."""
    return float(stats.norm.ppf(0.5 + level / 2.0))


def poisson_rate_interval(events: int, exposure: float,
                          level: float = LEVEL) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate: ``events`` over ``exposure``."""
    alpha = 1.0 - level
    low = 0.0 if events == 0 else stats.chi2.ppf(alpha / 2, 2 * events) / 2.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2.0
    return low / exposure, high / exposure


def binomial_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion (via scipy.stats.binomtest)."""
    if trials == 0:
        return math.nan, math.nan
    ci = stats.binomtest(successes, trials).proportion_ci(confidence_level=level,
                                                          method="wilson")
    return float(ci.low), float(ci.high)


def mean_interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and its Student-t interval."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(
        len(values))
    return mean, mean - half, mean + half


def profile_interval(loglik, best: float, low: float, high: float,
                     level: float = LEVEL) -> tuple[float, float]:
    """Likelihood-ratio interval of one parameter from its profile log-likelihood.

    Parameters
    ----------
    loglik
        The profile log-likelihood as a function of the parameter.
    best
        The maximum likelihood estimate.
    low, high
        A bracket the interval lies in; an end that the profile does not cross
        within the bracket is returned as the bracket's end.
    """
    from scipy.optimize import brentq

    top = loglik(best)
    drop = stats.chi2.ppf(level, 1) / 2.0

    def gap(x: float) -> float:
        return top - loglik(x) - drop

    ends = []
    for edge in (low, high):
        ends.append(brentq(gap, *sorted((edge, best))) if gap(edge) > 0 else edge)
    return ends[0], ends[1]
