"""Statistics over replications: means with intervals, and paired comparisons.

A KPI over independent replications is summarised by its mean and a Student-t
confidence interval (:func:`mean_ci`, :func:`kpi_table`). Scenarios are compared
with common random numbers: replication *k* of every scenario uses the same
seeds, so the difference of a KPI in replication *k* is due to the scenarios,
not to luck. The difference is summarised by its mean, the interval of the
paired permutation test (which assumes nothing about the shape of the
differences), the relative change and a verdict word: for a KPI whose good
direction is known, ``better`` or ``worse`` when the interval excludes zero;
``higher`` or ``lower`` for a neutral KPI; and ``no clear difference`` whenever
the interval contains zero (or there are too few pairs to tell). Claims use the
same tests, and the sign test where outcomes have two regimes (:func:`paired_test`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.kpis import HEADLINE, describe, undefined_because
from sim.kpis import format_number as num

ID_COLUMNS = ("scenario", "replication", "seed")


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """Return mean, CI low, CI high, standard deviation and n of finite ``values``.

    Parameters
    ----------
    values
        One value per replication; NaN values (e.g. no project completed) are
        left out and reduce n.
    level
        Confidence level of the two-sided interval (Student's t).

    Returns
    -------
    tuple
        ``(mean, low, high, std, n)``; the interval is NaN when n < 2.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(np.mean(x))
    if n < 2:
        return (mean, math.nan, math.nan, math.nan, 1)
    std = float(np.std(x, ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * std / math.sqrt(n)
    return (mean, mean - half, mean + half, std, n)


def kpi_table(summary: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Summarise a one-row-per-replication table: one row per KPI.

    Parameters
    ----------
    summary
        Columns ``scenario, replication, seed`` and one column per KPI.
    level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, mean, ci_low, ci_high, std, n``.
    """
    rows = []
    for column in summary.columns:
        if column in ID_COLUMNS:
            continue
        mean, low, high, std, n = mean_ci(summary[column], level)
        rows.append({"kpi": column, "mean": mean, "ci_low": low, "ci_high": high,
                     "std": std, "n": n})
    return pd.DataFrame(rows, columns=["kpi", "mean", "ci_low", "ci_high", "std", "n"])


NO_CLEAR = "no clear difference"
COMPARISON_COLUMNS = ["scenario", "baseline", "kpi", "unit", "better", "baseline_mean",
                      "scenario_mean", "difference", "ci_low", "ci_high", "relative_change",
                      "p_value", "method", "n", "undefined", "undefined_because", "verdict"]


def verdict(low: float, high: float, better: str) -> str:
    """Return the verdict word for a difference whose interval is ``[low, high]``.

    Parameters
    ----------
    low, high
        Confidence interval of the mean difference (scenario minus baseline).
    better
        The KPI's good direction: ``higher``, ``lower`` or ``neutral``.
    """
    if math.isnan(low) or math.isnan(high) or low <= 0.0 <= high:
        return NO_CLEAR
    up = low > 0.0
    if better == "higher":
        return "better" if up else "worse"
    if better == "lower":
        return "worse" if up else "better"
    return "higher" if up else "lower"


def paired_difference(base: np.ndarray, other: np.ndarray,
                      level: float = 0.95) -> dict[str, float]:
    """Summarise paired differences ``other - base`` (pairs with a NaN are dropped).

    Returns
    -------
    dict
        ``difference`` (mean), ``ci_low``, ``ci_high``, ``p_value`` (two-sided
        paired t-test), ``n``, and the means of both over the kept pairs.
    """
    base, other = np.asarray(base, float), np.asarray(other, float)
    keep = np.isfinite(base) & np.isfinite(other)
    base, other = base[keep], other[keep]
    diff = other - base
    n = len(diff)
    out: dict[str, float] = {"n": n, "baseline_mean": float(np.mean(base)) if n else math.nan,
                             "scenario_mean": float(np.mean(other)) if n else math.nan,
                             "difference": float(np.mean(diff)) if n else math.nan,
                             "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
    if n < 2:
        return out
    sd = float(np.std(diff, ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    out["ci_low"], out["ci_high"] = out["difference"] - half, out["difference"] + half
    if sd > 0.0:  # the paired t-test, from the same mean and sd as the interval
        t = out["difference"] / (sd / math.sqrt(n))
        out["p_value"] = float(2.0 * stats.t.sf(abs(t), n - 1))
    else:
        out["p_value"] = 1.0 if out["difference"] == 0.0 else 0.0
    return out


def compare_summaries(baseline: pd.DataFrame, scenario: pd.DataFrame,
                      level: float = 0.95) -> pd.DataFrame:
    """Compare two one-row-per-replication summary tables, KPI by KPI.

    Replications are matched by their ``replication`` column, so both tables
    must come from runs with the same root seed. Each KPI's paired differences
    are summarised by their mean and the interval of the paired permutation test
    (:func:`permutation_test`), which assumes nothing about their shape; a pair in
    which the KPI is undefined in either scenario cannot be compared and is
    counted in ``undefined``, with the reason.

    Returns
    -------
    pandas.DataFrame
        One row per KPI with the columns of :data:`COMPARISON_COLUMNS`.
    """
    pairs = baseline.merge(scenario, on="replication", suffixes=("@base", "@other"))
    rows: list[dict[str, Any]] = []
    for kpi in baseline.columns:
        if kpi in ID_COLUMNS or f"{kpi}@other" not in pairs:
            continue
        meta = describe(kpi)
        result = paired_test(pairs[f"{kpi}@base"], pairs[f"{kpi}@other"], two_regimes=False,
                             level=level)
        base_mean = result["first_mean"]
        relative = result["difference"] / abs(base_mean) \
            if base_mean and not math.isnan(base_mean) else math.nan
        rows.append({"scenario": scenario["scenario"].iloc[0],
                     "baseline": baseline["scenario"].iloc[0], "kpi": kpi, "unit": meta.unit,
                     "better": meta.better, "baseline_mean": base_mean,
                     "scenario_mean": result["second_mean"],
                     "difference": result["difference"], "ci_low": result["ci_low"],
                     "ci_high": result["ci_high"], "relative_change": relative,
                     "p_value": result["p_value"], "method": result["method"],
                     "n": result["n"], "undefined": result["undefined"],
                     "undefined_because": undefined_because(kpi) if result["undefined"]
                     else "",
                     "verdict": verdict(result["ci_low"], result["ci_high"], meta.better)})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def scenario_differences(baseline: dict, other: dict, prefix: str = "") -> list[tuple]:
    """List the key paths whose values differ between two scenario documents.

    Returns
    -------
    list of (key path, baseline value, other value)
    """
    out = []
    for key in sorted(set(baseline) | set(other)):
        if key in ("name", "description"):
            continue
        a, b = baseline.get(key), other.get(key)
        path = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(scenario_differences(a, b, f"{path}."))
        elif a != b:
            out.append((path, a, b))
    return out


def headline_rows(comparison: pd.DataFrame, scenario: str) -> list[dict[str, str]]:
    """The headline KPIs of one scenario's comparison, formatted for tables.

    Returns
    -------
    list of dict
        Per KPI: ``kpi``, ``unit``, ``baseline``, ``scenario``, ``change``, ``ci``
        (empty when there is no interval), ``relative`` and ``verdict``.
    """
    rows = comparison[comparison["scenario"] == scenario].set_index("kpi")
    out = []
    for kpi in HEADLINE:
        if kpi not in rows.index:
            continue
        r = rows.loc[kpi]
        out.append({
            "kpi": kpi, "unit": r["unit"], "baseline": num(r["baseline_mean"]),
            "scenario": num(r["scenario_mean"]), "change": num(r["difference"]),
            "ci": "" if math.isnan(r["ci_low"]) else f"[{num(r['ci_low'])}, {num(r['ci_high'])}]",
            "relative": "" if math.isnan(r["relative_change"])
            else f"{r['relative_change']:+.1%}",
            "verdict": r["verdict"]})
    return out


# --- Paired tests that fit the outcome's shape -------------------------------------------
#
# Claims compare arms replication by replication (common random numbers), and many outcomes
# here are bounded (shares), skewed (counts, slips) or made of two regimes (a desk that tips
# into firefighting in some replications and not in others). The tests below assume nothing
# about normality. :func:`paired_test` chooses between them by a rule stated in
# docs/claims.md: the exact sign test when either arm mixes tipped and untipped
# replications, the paired permutation test of the mean otherwise.

SIGN_TEST = "sign test"
PERMUTATION_TEST = "permutation test"
PERMUTATION_RESAMPLES = 9_999
"""Random sign flips when exact enumeration (2^n) would need more."""


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share ``successes / trials`` (NaN, NaN with no trials)."""
    if trials <= 0:
        return (math.nan, math.nan)
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(level, method="wilson")
    return (float(ci.low), float(ci.high))


def mcnemar_exact(first: np.ndarray, second: np.ndarray) -> dict[str, float]:
    """Exact McNemar test of a paired difference in a share (two boolean arrays).

    Returns
    -------
    dict
        ``n`` pairs, ``only_first`` and ``only_second`` (the discordant pairs),
        ``difference`` (share in second minus share in first) and the two-sided
        exact ``p_value`` (a binomial test of the discordant pairs; 1 when none).
    """
    first, second = np.asarray(first, bool), np.asarray(second, bool)
    only_first = int(np.sum(first & ~second))
    only_second = int(np.sum(second & ~first))
    discordant = only_first + only_second
    p = float(stats.binomtest(only_second, discordant).pvalue) if discordant else 1.0
    n = len(first)
    return {"n": n, "only_first": only_first, "only_second": only_second,
            "difference": (only_second - only_first) / n if n else math.nan, "p_value": p}


def sign_test(diff: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """Exact sign test of paired differences, with the median and its interval.

    Ties (differences of exactly 0) carry no sign and are left out of the
    test, as the sign test prescribes; they are counted in ``ties``. The
    interval of the median difference comes from order statistics (exact for
    any continuous distribution of the differences).

    Returns
    -------
    dict
        ``estimate`` (median difference), ``ci_low``, ``ci_high``, ``p_value``,
        ``positive``, ``negative``, ``ties``, ``n``.
    """
    d = np.sort(np.asarray(diff, float))
    n = len(d)
    positive, negative = int(np.sum(d > 0)), int(np.sum(d < 0))
    out: dict[str, Any] = {"n": n, "positive": positive, "negative": negative,
                           "ties": n - positive - negative,
                           "estimate": float(np.median(d)) if n else math.nan,
                           "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
    if positive + negative:
        out["p_value"] = float(stats.binomtest(positive, positive + negative).pvalue)
    # the largest k with P(Bin(n, 1/2) < k) <= (1 - level) / 2: [d_(k), d_(n-k+1)] covers
    k = int(stats.binom.ppf((1.0 - level) / 2.0, n, 0.5)) if n else 0
    if k >= 1 and stats.binom.cdf(k - 1, n, 0.5) > (1.0 - level) / 2.0:
        k -= 1
    if k >= 1:
        out["ci_low"], out["ci_high"] = float(d[k - 1]), float(d[n - k])
    return out


def permutation_test(diff: np.ndarray, level: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Paired permutation test of the mean difference, with its interval by inversion.

    Under the null hypothesis the two arms of a pair are exchangeable, so each
    difference is as likely with either sign: the p-value compares the mean
    with its distribution over sign flips (all 2^n of them when that is at most
    :data:`PERMUTATION_RESAMPLES`, a fixed random set otherwise). The interval is
    every shift delta that the same test does not reject for ``diff - delta``.

    Returns
    -------
    dict
        ``estimate`` (mean difference), ``ci_low``, ``ci_high``, ``p_value``, ``n``.
    """
    d = np.asarray(diff, float)
    n = len(d)
    out: dict[str, Any] = {"n": n, "estimate": float(np.mean(d)) if n else math.nan,
                           "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
    if n < 2:
        return out
    alpha = 1.0 - level
    p_at = _flip_p_value(d, seed)
    out["p_value"] = p_at(0.0)
    spread = float(np.ptp(d))
    if spread == 0.0:  # every pair differs by the same amount: nothing else is possible
        out["ci_low"] = out["ci_high"] = float(d[0])
        return out
    centre = out["estimate"]
    out["ci_low"] = _snapped(_boundary(p_at, centre, centre - 2.0 * spread, alpha), spread)
    out["ci_high"] = _snapped(_boundary(p_at, centre, centre + 2.0 * spread, alpha), spread)
    return out


def _snapped(bound: float, spread: float) -> float:
    """A bound that bisection left a rounding error away from 0 is 0 (it sits on a data value)."""
    return 0.0 if abs(bound) < 1e-9 * spread else bound


def _flip_p_value(d: np.ndarray, seed: int) -> Callable[[float], float]:
    """The two-sided sign-flip p-value of ``d - delta``, as a function of delta.

    The sign patterns are drawn once, so that every delta is tested against the
    same reference set (which makes the inverted interval well defined): all 2^n
    patterns when there are at most :data:`PERMUTATION_RESAMPLES`, otherwise that
    many at random from ``seed``, counted with the observed pattern as
    ``(1 + exceedances) / (1 + resamples)``, as :func:`scipy.stats.permutation_test`
    counts them.
    """
    n = len(d)
    if 2 ** n <= PERMUTATION_RESAMPLES:
        signs = 1.0 - 2.0 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)
        extra = 0
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(PERMUTATION_RESAMPLES, n))
        extra = 1

    def p_value(delta: float) -> float:
        shifted = d - delta
        observed = abs(float(np.sum(shifted)))
        flipped = np.abs(signs @ shifted)
        # a relative tolerance, so that rounding does not decide a tie
        hits = int(np.sum(flipped >= observed * (1.0 - 1e-12)))
        return (hits + extra) / (len(signs) + extra)
    return p_value


def _boundary(p_at: Callable[[float], float], inside: float, outside: float,
              alpha: float, steps: int = 40) -> float:
    """Bisect between a shift the test accepts and one it rejects at ``alpha``."""
    if p_at(outside) > alpha:
        return outside
    for _ in range(steps):
        middle = (inside + outside) / 2.0
        if p_at(middle) > alpha:
            inside = middle
        else:
            outside = middle
    return inside


def paired_test(first: np.ndarray, second: np.ndarray, *, two_regimes: bool,
                level: float = 0.95) -> dict[str, Any]:
    """Test the paired differences ``second - first`` by the rule of docs/claims.md.

    Pairs where either value is undefined (NaN) cannot be compared; they are
    counted in ``undefined``, never silently lost. With ``two_regimes`` (either
    arm has tipped and untipped replications) the outcome is bimodal and the
    exact :func:`sign_test` is used; otherwise :func:`permutation_test`.

    Returns
    -------
    dict
        ``method``, ``n`` (pairs compared), ``undefined``, ``first_mean``,
        ``second_mean``, ``difference`` (mean difference), ``estimate`` (what the
        interval is about: the median difference for the sign test, the mean
        otherwise), ``ci_low``, ``ci_high``, ``p_value``, ``better_pairs``
        (pairs where second > first), ``worse_pairs``, ``ties``.
    """
    first, second = np.asarray(first, float), np.asarray(second, float)
    keep = np.isfinite(first) & np.isfinite(second)
    a, b = first[keep], second[keep]
    diff = b - a
    method = SIGN_TEST if two_regimes else PERMUTATION_TEST
    result = sign_test(diff, level) if two_regimes else permutation_test(diff, level)
    n = int(keep.sum())
    return {"method": method, "n": n, "undefined": int(len(keep) - n),
            "first_mean": float(np.mean(a)) if n else math.nan,
            "second_mean": float(np.mean(b)) if n else math.nan,
            "difference": float(np.mean(diff)) if n else math.nan,
            "estimate": result["estimate"], "ci_low": result["ci_low"],
            "ci_high": result["ci_high"], "p_value": result["p_value"],
            "better_pairs": int(np.sum(diff > 0)), "worse_pairs": int(np.sum(diff < 0)),
            "ties": int(np.sum(diff == 0))}
