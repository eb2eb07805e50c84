"""Statistics over replications: means with intervals, and paired comparisons.

A KPI over independent replications is summarised by its mean and a Student-t
confidence interval (:func:`mean_ci`, :func:`kpi_table`). Scenarios are compared
with common random numbers: replication *k* of every scenario uses the same
seeds, so the difference of a KPI in replication *k* is due to the scenarios,
not to luck. The difference is summarised by its mean, a Student-t confidence
interval over the replications, the relative change and a verdict word: for a
KPI whose good direction is known, ``better`` or ``worse`` when the interval
excludes zero; ``higher`` or ``lower`` for a neutral KPI; and ``no clear
difference`` whenever the interval contains zero (or there are too few pairs to
tell).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.kpis import HEADLINE, describe
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
                      "p_value", "n", "verdict"]


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
    must come from runs with the same root seed.

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
        result = paired_difference(pairs[f"{kpi}@base"], pairs[f"{kpi}@other"], level)
        base_mean = result["baseline_mean"]
        relative = result["difference"] / abs(base_mean) \
            if base_mean and not math.isnan(base_mean) else math.nan
        rows.append({"scenario": scenario["scenario"].iloc[0],
                     "baseline": baseline["scenario"].iloc[0], "kpi": kpi, "unit": meta.unit,
                     "better": meta.better, **result, "relative_change": relative,
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
