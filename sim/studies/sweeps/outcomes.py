"""What a KPI's values can be, and confidence intervals that stay within that range.

A mean over a few replications gets a confidence interval on a scale where the
KPI's range cannot be left, then transformed back (the delta method):

- **0/1 outcomes** (``collapsed``): the share of runs with a 1 gets a Wilson
  score interval (scipy's ``binomtest``), which stays in [0, 1] and is not
  degenerate at 0 of n or n of n.
- **shares and other bounded KPIs** (unit ``share``, ``quality 0-1``,
  ``level 1-5``): a Student-t interval on the logit scale of the mean's position
  between the bounds, transformed back; it stays strictly inside the bounds.
- **non-negative KPIs** (counts, rates, durations, stress, indices, costs): a
  Student-t interval on the log scale of the mean, transformed back; it stays
  above 0. Where the standard error passes half of the mean (a few runs, some of
  them 0 or collapsed) the delta method no longer holds and that interval would
  stretch to many times the mean; the Student-t interval cut at 0 is used
  instead, which keeps its coverage because the mean cannot be below 0.
- **signed KPIs** (``npv_change``, ``project_slip_mean``, ``irr_change``): the
  plain Student-t interval.

A mean at a bound (every replication 0, or every one 1) has a zero-width
interval unless the KPI is a 0/1 outcome, whose Wilson interval is not zero-width.
NaN values (a KPI undefined in a run, e.g. no project finished) are not averaged:
they are counted, and :func:`undefined_reason` says when each KPI is undefined
(the table in ``docs/results.md``, NaN and empty values).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.kpis import describe, undefined_because

BOUNDED_UNITS = {"share": (0.0, 1.0), "quality 0-1": (0.0, 1.0), "level 1-5": (1.0, 5.0)}
"""Units of KPIs that live between two bounds."""

SIGNED_UNITS = ("share of plan", "share/year")
"""Units of KPIs that may be negative (a slip below plan, a negative rate of return)."""

SIGNED_KPIS = ("npv_change",)
"""KPIs in a non-negative unit (money) that may still be negative."""

BINARY_UNITS = ("0/1",)
"""Units of KPIs that are 0 or 1 in each run."""


def kpi_kind(kpi: str) -> str:
    """Return how a KPI's values are bounded: ``binary``, ``bounded``, ``positive`` or ``signed``.

    Parameters
    ----------
    kpi
        A KPI name.

    Returns
    -------
    str
        ``binary`` (0/1 per run), ``bounded`` (between the bounds of
        :func:`kpi_bounds`), ``signed`` (any real number) or ``positive``
        (0 or more: every other unit). A KPI without metadata is ``signed``.
    """
    unit = describe(kpi).unit.replace("–", "-")
    if unit in BINARY_UNITS:
        return "binary"
    if unit in BOUNDED_UNITS:
        return "bounded"
    if not unit or unit in SIGNED_UNITS or kpi in SIGNED_KPIS:
        return "signed"
    return "positive"


def kpi_bounds(kpi: str) -> tuple[float, float]:
    """The smallest and largest value a KPI can take (infinite where unbounded)."""
    kind = kpi_kind(kpi)
    if kind == "binary":
        return (0.0, 1.0)
    if kind == "bounded":
        return BOUNDED_UNITS[describe(kpi).unit.replace("–", "-")]
    if kind == "positive":
        return (0.0, math.inf)
    return (-math.inf, math.inf)


LOG_SCALE_MAX_CV = 0.5
"""Non-negative KPIs get a log-scale interval while the standard error of the mean is at most
this share of the mean; above it, the Student t interval cut at 0."""

INTERVAL_METHODS = {"binary": "Wilson score", "bounded": "Student t on the logit scale",
                    "positive": "Student t on the log scale (cut at 0 instead where the "
                                "standard error passes half the mean)",
                    "signed": "Student t"}
"""The name of each kind's interval, for reports."""


def mean_intervals(kpi: str, n: np.ndarray, mean: np.ndarray, std: np.ndarray,
                   level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Confidence intervals of means of ``kpi`` that stay within its range.

    Parameters
    ----------
    kpi
        The KPI (its unit decides the scale, see :func:`kpi_kind`).
    n, mean, std
        Per group: the number of finite values, their mean and their sample
        standard deviation (n - 1 in the denominator).
    level
        Confidence level of the two-sided intervals.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper ends; NaN where n < 2 (n < 1 for 0/1 outcomes).
    """
    n = np.asarray(n, dtype=float)
    mean = np.asarray(mean, dtype=float)
    std = np.nan_to_num(np.asarray(std, dtype=float), nan=0.0)
    kind = kpi_kind(kpi)
    low = np.full(mean.shape, np.nan)
    high = np.full(mean.shape, np.nan)
    if kind == "binary":
        return wilson_intervals(np.round(mean * n), n, level)
    ok = n >= 2
    t = np.where(ok, stats.t.ppf(0.5 + level / 2.0, np.maximum(n - 1, 1)), np.nan)
    se = np.where(ok, std / np.sqrt(np.maximum(n, 1)), np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == "signed":
            low, high = mean - t * se, mean + t * se
        elif kind == "positive":
            # The delta method on the log scale holds while the standard error is small
            # next to the mean; beyond that its interval would stretch to many times the
            # mean, and the plain interval cut at 0 is used (it keeps its coverage, since
            # the mean cannot be below 0). A mean of 0 has only zeros behind it.
            spread = np.exp(t * se / mean)
            logged = (mean > 0) & (se <= LOG_SCALE_MAX_CV * mean)
            low = np.where(logged, mean / spread, np.maximum(mean - t * se, 0.0))
            high = np.where(logged, mean * spread, mean + t * se)
        else:
            a, b = kpi_bounds(kpi)
            p = (mean - a) / (b - a)
            inside = (p > 0) & (p < 1)
            centre = np.log(p / (1 - p))
            width = t * se / ((b - a) * p * (1 - p))
            low = np.where(inside, a + (b - a) * _expit(centre - width), mean)
            high = np.where(inside, a + (b - a) * _expit(centre + width), mean)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def wilson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a share of ``successes`` in ``trials`` (scipy).

    Returns
    -------
    tuple of float
        The lower and upper ends, within [0, 1]; NaN for no trials.
    """
    if trials < 1:
        return (math.nan, math.nan)
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(level, method="wilson")
    return (float(ci.low), float(ci.high))


def wilson_intervals(successes: np.ndarray, trials: np.ndarray,
                     level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of many shares at once (the formula :func:`wilson` uses).

    Wilson (1927): the shares p whose score test does not reject, that is
    ``(k + z²/2 ± z sqrt(k (n - k) / n + z²/4)) / (n + z²)``; NaN for no trials.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (k + z * z / 2.0) / (n + z * z)
        half = z * np.sqrt(np.maximum(k * (n - k) / n, 0.0) + z * z / 4.0) / (n + z * z)
        low = np.where(k > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
        high = np.where(k < n, np.clip(centre + half, 0.0, 1.0), 1.0)
    ok = n >= 1
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def summarise(groups: pd.DataFrame, by: list[str], kpis: tuple[str, ...],
              level: float = 0.95) -> pd.DataFrame:
    """Mean, interval within range, spread and counts of each KPI per group.

    Parameters
    ----------
    groups
        One row per run: the ``by`` columns, the KPI columns and (optionally)
        ``collapsed``.
    by
        The columns that define a group.
    kpis
        The KPI columns to summarise; a KPI missing from ``groups`` has no values.
    level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per group and KPI (groups in order of first appearance, KPIs in
        the order given): the ``by`` columns, ``kpi``, ``n`` (finite values),
        ``mean``, ``ci_low``, ``ci_high``, ``std``, ``runs`` (runs in the group),
        ``undefined`` (runs where the KPI is NaN) and ``collapsed`` (runs that
        collapsed).
    """
    keys = (groups.groupby(by, sort=False, dropna=False).ngroup() if by
            else pd.Series(0, index=groups.index))
    order = pd.unique(keys)
    first = groups.groupby(keys, sort=False)[by].first().reindex(order) if by else None
    runs = keys.value_counts().reindex(order).to_numpy()
    collapsed = (groups["collapsed"].eq(1.0).groupby(keys, sort=False).sum().reindex(order)
                 .to_numpy() if "collapsed" in groups.columns else np.zeros(len(order)))
    frames = []
    for kpi in kpis:
        values = groups[kpi].astype(float) if kpi in groups.columns else pd.Series(
            np.nan, index=groups.index)
        grouped = values.groupby(keys, sort=False)
        n = grouped.count().reindex(order).to_numpy(dtype=float)
        mean = grouped.mean().reindex(order).to_numpy(dtype=float)
        std = grouped.std(ddof=1).reindex(order).to_numpy(dtype=float)
        std = np.where(n >= 2, std, np.nan)
        low, high = mean_intervals(kpi, n, mean, std, level)
        frame = (first.reset_index(drop=True).copy() if first is not None
                 else pd.DataFrame(index=range(len(order))))
        frame["kpi"] = kpi
        frame["n"] = n.astype(int)
        frame["mean"], frame["ci_low"], frame["ci_high"], frame["std"] = mean, low, high, std
        frame["runs"] = runs.astype(int)
        frame["undefined"] = (runs - n).astype(int)
        frame["collapsed"] = np.asarray(collapsed, dtype=int)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    if by:  # group-major order: every KPI of the first group, then the next group
        table["_group"] = np.tile(np.arange(len(order)), len(kpis))
        table = table.sort_values("_group", kind="stable").drop(columns="_group")
    return table.reset_index(drop=True)


def undefined_reason(kpi: str) -> str:
    """When ``kpi`` has no value in a run, in words (a general rule if none is recorded)."""
    return undefined_because(kpi)
