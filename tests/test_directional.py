"""Directional checks: a lever or condition moves a KPI the way theory says.

Each check runs the baseline (one year) and a variant with the same
replication indices: the named random streams (arrivals, effort, defects,
project sizes, ...) are then common to both settings, so the per-replication
differences are paired and their noise is small. A one-sided paired t-test at
α = 0.001 must reject "no effect or the other direction".
"""

from __future__ import annotations

import pytest
from conftest import BASELINE, load, paired_pvalue_less, run_many

ALPHA = 0.001
PAIRS = 12


def paired(column: str, low: dict, high: dict):
    """The KPI ``column`` for PAIRS paired replications at two settings.

    One side of each pair is the unchanged baseline, whose runs are cached and
    shared by the tests that run in the same worker.
    """
    base = {"horizon": "1 year"}
    a = run_many(load(BASELINE, {**base, **low}), PAIRS)[column]
    b = run_many(load(BASELINE, {**base, **high}), PAIRS)[column]
    assert a.notna().all() and b.notna().all(), column
    return a, b


def assert_increases(column: str, low: dict, high: dict) -> None:
    a, b = paired(column, low, high)
    p = paired_pvalue_less(a, b)
    assert p < ALPHA, (f"{column}: {low} → {high} should increase it; means "
                       f"{a.mean():.4g} → {b.mean():.4g}, {(b > a).sum()}/{PAIRS} pairs up, "
                       f"one-sided p = {p:.2g}")


def assert_decreases(column: str, low: dict, high: dict) -> None:
    a, b = paired(column, low, high)
    p = paired_pvalue_less(b, a)
    assert p < ALPHA, (f"{column}: {low} → {high} should decrease it; means "
                       f"{a.mean():.4g} → {b.mean():.4g}, {(b < a).sum()}/{PAIRS} pairs down, "
                       f"one-sided p = {p:.2g}")


@pytest.mark.slow
def test_more_operations_staff_shortens_the_wait():
    assert_decreases("ops_wait_mean", {"workforce.operations.headcount": 108}, {})


@pytest.mark.slow
def test_more_demand_raises_utilisation():
    assert_increases("ops_utilisation", {"operations.demand": 280}, {})


@pytest.mark.slow
def test_higher_wip_limit_starts_more_projects():
    assert_increases("projects_started", {"levers.wip_limit": 3}, {})


@pytest.mark.slow
def test_higher_quality_means_less_rework():
    assert_decreases("project_rework_share", {}, {"projects.quality": 0.95})
