"""Statistics over replications: means with t-based confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

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
