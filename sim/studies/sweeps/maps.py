"""Two-factor maps of a sweep: each KPI's mean per cell of every pair of factors.

On a grid a cell is one combination of two factors' values, averaged over the
other factors' values (every combination of them has the same replications, so
the mean over the cell's runs is the mean of its point means). In a sampled
design (Latin hypercube, Sobol, Morris) the values are scattered, so each
numeric factor is cut into :data:`BINS` bins of equal width and a cell is a pair
of bins: a binned map of the runs that fell into it. A factor with at most
:data:`MAX_VALUES` distinct values (whole numbers, choices) keeps one cell per
value. Each cell carries the number of runs, how many collapsed (with the Wilson
interval of that share) and how many have no value of the KPI.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.studies.sweeps.outcomes import summarise, wilson_intervals
from sim.studies.sweeps.sensitivity import cell_text, is_number
from sim.units import plain_number

BINS = 6
"""Bins per numeric factor in the map of a sampled design."""

MAX_VALUES = 12
"""A factor with at most this many distinct values keeps one cell per value."""

CELL_COLUMNS = ("x", "y", "x_cell", "y_cell", "x_order", "y_order")
"""The cell columns of :func:`cell_table`, before the statistics of :func:`summarise`."""


def factor_pairs(parameters: Sequence[str]) -> list[tuple[str, str]]:
    """Every pair of factors, in design order."""
    return list(itertools.combinations(parameters, 2))


def cell_table(runs: pd.DataFrame, x: str, y: str, kpis: Sequence[str],
               level: float = 0.95) -> pd.DataFrame:
    """Summarise each KPI per cell of the map of factors ``x`` and ``y``.

    Parameters
    ----------
    runs
        One row per run: the factor columns, the KPI columns and ``collapsed``.
    x, y
        The factors on the horizontal and the vertical axis.
    kpis
        The KPIs.
    level
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per cell and KPI: ``x`` and ``y`` (the factor names),
        ``x_cell`` and ``y_cell`` (a value or a bin such as ``270–285``),
        ``x_order`` and ``y_order`` (the cell's position along its axis), then
        the statistics of :func:`~sim.studies.sweeps.outcomes.summarise` and
        ``collapsed_low``, ``collapsed_high``: the Wilson interval of the share
        of the cell's runs that collapsed.
    """
    x_cell, x_order = axis_cells(runs[x])
    y_cell, y_order = axis_cells(runs[y])
    frame = runs.assign(x_cell=x_cell, y_cell=y_cell, x_order=x_order, y_order=y_order)
    table = summarise(frame, ["x_cell", "y_cell", "x_order", "y_order"], tuple(kpis), level)
    table["collapsed_low"], table["collapsed_high"] = wilson_intervals(
        table["collapsed"].to_numpy(), table["runs"].to_numpy(), level)
    table.insert(0, "y", y)
    table.insert(0, "x", x)
    return table.sort_values(["kpi", "y_order", "x_order"], kind="stable").reset_index(drop=True)


def axis_cells(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """The cell of each value along one axis, and the cell's position.

    Numbers with at most :data:`MAX_VALUES` distinct values, and choices, get one
    cell per value (numbers in increasing order, choices in order of appearance);
    other numbers get :data:`BINS` bins of equal width, labelled by their ends.
    """
    items = list(values)
    distinct = list(dict.fromkeys(repr(v) for v in items))
    numeric = all(is_number(v) for v in items)
    if not numeric or len(distinct) <= MAX_VALUES:
        firsts = {}
        for v in items:
            firsts.setdefault(repr(v), v)
        keys = (sorted(firsts, key=lambda k: float(firsts[k])) if numeric
                else list(firsts))
        position = {k: i for i, k in enumerate(keys)}
        return ([cell_text(firsts[repr(v)]) for v in items],
                np.array([position[repr(v)] for v in items]))
    x = np.asarray(items, dtype=float)
    edges = np.linspace(x.min(), x.max(), BINS + 1)
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, BINS - 1)
    labels = [f"{plain_number(edges[i])}–{plain_number(edges[i + 1])}" for i in range(BINS)]
    return [labels[i] for i in index], index
