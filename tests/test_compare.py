"""Comparisons: paired statistics, verdicts, common random numbers, the folder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.cli import main
from sim.studies.comparison import align, compare
from sim.studies.statistics import NO_CLEAR, compare_summaries, paired_difference, verdict

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SHORT = {"horizon": "6 months", "replications": 4, "operations.demand": 100,
         "workforce.operations.headcount": 45}


def test_paired_interval_matches_scipy():
    rng = np.random.default_rng(3)
    base = rng.normal(10.0, 2.0, 12)
    other = base + rng.normal(0.7, 0.5, 12)
    result = paired_difference(base, other)
    reference = stats.ttest_rel(other, base)
    low, high = reference.confidence_interval(0.95)
    assert result["ci_low"] == pytest.approx(low, rel=1e-12)
    assert result["ci_high"] == pytest.approx(high, rel=1e-12)
    assert result["p_value"] == pytest.approx(reference.pvalue, rel=1e-12)
    assert result["difference"] == pytest.approx(np.mean(other - base), rel=1e-12)
    assert result["n"] == 12


def test_pairs_with_a_missing_value_are_dropped():
    result = paired_difference([1.0, np.nan, 3.0, 4.0], [2.0, 5.0, np.nan, 6.0])
    assert result["n"] == 2 and result["difference"] == pytest.approx(1.5)


@pytest.mark.parametrize(("low", "high", "better", "expected"), [
    (-0.1, 0.2, "higher", NO_CLEAR), (-0.1, 0.2, "lower", NO_CLEAR), (0.0, 0.3, "higher", NO_CLEAR),
    (0.1, 0.3, "higher", "better"), (0.1, 0.3, "lower", "worse"),
    (-0.3, -0.1, "higher", "worse"), (-0.3, -0.1, "lower", "better"),
    (0.1, 0.3, "neutral", "higher"), (-0.3, -0.1, "neutral", "lower"),
    (math.nan, math.nan, "higher", NO_CLEAR)])
def test_verdict(low, high, better, expected):
    assert verdict(low, high, better) == expected


def test_an_interval_spanning_zero_is_never_called_better():
    base = pd.DataFrame({"scenario": "a", "replication": range(5), "seed": 1,
                         "ops_service_level": [0.9, 0.8, 0.95, 0.85, 0.9]})
    other = base.assign(scenario="b",
                        ops_service_level=[0.91, 0.79, 0.97, 0.84, 0.92])
    row = compare_summaries(base, other).set_index("kpi").loc["ops_service_level"]
    assert row["ci_low"] < 0 < row["ci_high"]
    assert row["verdict"] == NO_CLEAR


def test_common_random_numbers_share_arrivals_across_scenarios():
    """A lever that leaves demand alone leaves every arrival where it was."""
    as_is = sim.load_scenario(BASELINE, SHORT)
    to_be = sim.load_scenario(BASELINE, {**SHORT, "levers.wip_limit": 2, "seed": 999})
    scenarios = align([as_is, to_be])
    assert scenarios[1].seed == as_is.seed and scenarios[1].name != scenarios[0].name
    tables, table = compare(scenarios)
    a, b = (t.weekly.set_index(["replication", "week"]) for t in tables)
    assert a["value_arrivals"].equals(b["value_arrivals"])
    assert not a["projects_active"].equals(b["projects_active"])
    started = table.set_index("kpi").loc["projects_started"]
    assert started["difference"] < 0  # fewer projects in progress at once


def test_compare_writes_a_folder_with_table_report_and_plot(tmp_path, capsys):
    to_be = tmp_path / "to_be.yaml"
    to_be.write_text(f"extends: {BASELINE}\nname: to-be\nseed: 5\n"
                     "levers:\n  sustainment: opex\n")
    args = [f"--set={k}={v}" for k, v in SHORT.items() if k != "replications"]
    code = main(["compare", str(BASELINE), str(to_be), "-r", "3", "--out", str(tmp_path / "out"),
                 *args])
    assert code == 0
    out = capsys.readouterr().out
    assert "to-be vs baseline" in out and "verdict" in out
    folder = next((tmp_path / "out").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert [s["name"] for s in manifest["scenarios"]] == ["baseline", "to-be"]
    for name in ("comparison.csv", "summary.csv", "weekly.parquet", "report.md",
                 "plots/overlay.png", "scenarios/baseline.yaml", "scenarios/to-be.yaml"):
        assert (folder / name).is_file(), name
    table = pd.read_csv(folder / "comparison.csv")
    assert set(table["scenario"]) == {"to-be"} and (table["n"] <= 3).all()
    summary = pd.read_csv(folder / "summary.csv")
    assert set(summary["seed"]) == {42}  # the AS-IS seed, shared
    report = (folder / "report.md").read_text()
    assert "levers.sustainment" in report and "| KPI |" in report
    assert "overlay.png" in report


def test_compare_needs_two_scenarios(capsys):
    assert main(["compare", str(BASELINE)]) == 2
    assert "at least two scenarios" in capsys.readouterr().err
