"""A run whose backlog passes operations.backlog_limit collapses: it stops, and says so.

The overloaded organisation here has 20 people for 100 items a day of 0.3
person-days (offered load 1.58), so its backlog grows by roughly 35 items a
day and passes 50 days of demand (5,000 items) after about 140 days.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import yaml
from conftest import scenario_from

import sim
from sim.cli import main
from sim.schema.loading import merge
from sim.studies.sweeps import load_sweep, open_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
OVERLOADED = {"horizon": 400, "operations": {"demand": 100},
              "workforce": {"operations": {"headcount": 20}}}


def overloaded(**changes):
    return scenario_from(merge(OVERLOADED, changes))


def test_an_overloaded_run_collapses_on_the_day_its_backlog_passes_the_limit():
    scenario = overloaded()
    result = sim.run(scenario, 0)
    day = result.summary["collapsed_day"]
    assert result.summary["collapsed"] == 1.0
    assert 0 < day < scenario.horizon and day == round(day)
    weekly = result.weekly
    assert weekly["day"].iloc[-1] == day  # the series ends on the day of the collapse
    assert weekly["backlog"].iloc[-1] > 50 * 100
    assert weekly["backlog"].iloc[-2] <= 50 * 100  # the week before, it had not collapsed
    assert result.summary["ops_backlog_final"] > 50 * 100
    assert sim.run(scenario, 0).summary == result.summary  # still a pure function


def test_a_higher_backlog_limit_collapses_later_and_a_calm_run_never():
    early = sim.run(overloaded(), 0).summary["collapsed_day"]
    late = sim.run(overloaded(operations={"backlog_limit": 80}), 0).summary["collapsed_day"]
    assert late > early
    calm = sim.run(overloaded(operations={"demand": 40}), 0).summary
    assert calm["collapsed"] == 0.0 and math.isnan(calm["collapsed_day"])


def test_a_collapse_during_the_warmup_leaves_no_window_to_summarise():
    summary = sim.run(overloaded(warmup=300), 0).summary
    assert summary["collapsed"] == 1.0 and summary["collapsed_day"] < 300
    assert math.isnan(summary["ops_wait_mean"]) and math.isnan(summary["stress_mean"])
    assert set(summary) == set(sim.run(overloaded(operations={"demand": 40}), 0).summary)


def write_overloaded(folder: Path) -> Path:
    path = folder / "overloaded.yaml"
    path.write_text(yaml.safe_dump({**OVERLOADED, "replications": 2, "seed": 3,
                                    "workforce": {"operations": {"headcount": 20},
                                                  "attrition": {"rate": 0.0}}}))
    return path


def test_pmosim_run_writes_a_collapsed_run_and_warns(tmp_path, capsys):
    path = write_overloaded(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert "collapsed" in err and "overloaded: 2 of 2 replications" in err
    (folder,) = (tmp_path / "out").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert [c["replication"] for c in manifest["collapsed"]] == [0, 1]
    assert all(0 < c["day"] < 400 for c in manifest["collapsed"])
    assert (folder / "summary.csv").is_file() and (folder / "weekly.parquet").is_file()


def test_sweeps_count_their_collapsed_runs(tmp_path, capsys):
    base = write_overloaded(tmp_path)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"scenario": str(base), "replications": 1,
                                     "parameters": {"operations.demand": [40, 100]}}))
    report = run_sweep(load_sweep(sweep), tmp_path / "out" / "sweep", workers=1)
    assert (report.ran, report.collapsed) == (2, 1)
    results = open_sweep(tmp_path / "out" / "sweep")
    assert results.manifest["sessions"][-1]["collapsed"] == 1
    assert sorted(results.runs()["collapsed"]) == [0.0, 1.0]
    _, analysis = results.analyze(["ops_wait_mean"])
    assert any("1 of 2 runs collapsed" in w for w in analysis.warnings)


def test_claims_count_their_collapsed_runs(tmp_path):
    from sim.studies.claims import evaluate_claim, load_claim

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({
        "id": "K1", "title": "More staff, shorter waits", "claim": "Staff cut waits.",
        "scenario": str(write_overloaded(tmp_path)), "replications": 2,
        "arms": {"few": {"set": {}}, "many": {"set": {"workforce.operations.headcount": 40}}},
        "checks": [{"compare": ["few", "many"], "kpi": "ops_wait_mean", "expect": "lower"}],
        "robustness": {"samples": 0}}))
    result = evaluate_claim(load_claim(path), path, max_replications=2, knock_outs=False)
    assert result.collapsed_runs == 2  # both replications of the arm with 20 people
    tipping = result.tipping.set_index("arm")
    assert tipping.loc["few", "collapsed"] == 2 and tipping.loc["few", "tipped"] == 2
