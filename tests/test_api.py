"""The Python API: values in, values out, the same in any process."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

import sim
from sim.studies.replications import run_replications

ROOT = Path(__file__).resolve().parents[1]
def same_summary(a: dict, b: dict) -> bool:
    """Exact equality that treats NaN (e.g. no project completed) as equal to NaN."""
    return pd.Series(a).equals(pd.Series(b))


SMALL = {"horizon": 60, "operations.demand": 60, "workforce.operations.headcount": 25}


@pytest.fixture(scope="module")
def baseline_small():
    return sim.load_scenario(ROOT / "scenarios" / "baseline.yaml",
                             {**SMALL, "workforce.operations.headcount": 30})


def test_scenario_is_an_immutable_value(baseline_small):
    with pytest.raises(ValidationError):
        baseline_small.operations.demand = 1.0
    again = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml",
                              {**SMALL, "workforce.operations.headcount": 30})
    assert again == baseline_small


def test_scenario_and_result_pickle(baseline_small):
    result = sim.run(baseline_small, 0)
    assert pickle.loads(pickle.dumps(baseline_small)) == baseline_small
    back = pickle.loads(pickle.dumps(result))
    assert same_summary(back.summary, result.summary)
    pd.testing.assert_frame_equal(back.weekly, result.weekly)


def test_runs_in_another_process_give_identical_results(baseline_small):
    local = [sim.run(baseline_small, r) for r in (0, 1)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = list(pool.map(sim.run, [baseline_small] * 2, [0, 1]))
    for a, b in zip(local, remote, strict=True):
        assert same_summary(a.summary, b.summary)
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
        pd.testing.assert_frame_equal(a.projects, b.projects)


def test_any_replication_can_be_rerun_alone(baseline_small):
    tables = run_replications(baseline_small, 3)
    alone = sim.run(baseline_small, 2)
    row = tables.summary[tables.summary["replication"] == 2].iloc[0]
    for key, value in alone.summary.items():
        assert row[key] == pytest.approx(value, nan_ok=True, rel=0, abs=0)


def test_replications_tables_carry_run_identity(baseline_small):
    tables = run_replications(baseline_small, 2)
    assert list(tables.summary.columns[:3]) == ["scenario", "replication", "seed"]
    assert list(tables.weekly.columns[:2]) == ["scenario", "replication"]
    assert set(tables.weekly["replication"]) == {0, 1}
    kpis = tables.kpis().set_index("kpi")
    assert kpis.loc["ops_wait_mean", "n"] == 2
    assert kpis.loc["ops_wait_mean", "ci_low"] <= kpis.loc["ops_wait_mean", "mean"]
