"""The command line and result folders, as a user meets them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim.studies.replications
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
MMC = str(ROOT / "scenarios" / "reference" / "mmc.yaml")
SMALL = ["--set", "horizon=30", "--set", "warmup=0", "--set", "operations.demand=40",
         "--set", "workforce.operations.headcount=15"]
DATA_FILES = ["summary.csv", "kpis.csv", "weekly.parquet", "projects.csv", "events.csv"]


def run_cli(*args: str) -> int:
    return main(list(args))


def only_folder(parent: Path) -> Path:
    folders = [p for p in parent.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_validate_ok(capsys):
    assert run_cli("validate", str(ROOT / "scenarios" / "baseline.yaml")) == 0
    assert "ok:" in capsys.readouterr().out


def test_validate_show_prints_resolved_scenario(capsys):
    assert run_cli("validate", MMC, "--show", "--set", "operations.demand=123") == 0
    out = capsys.readouterr().out
    assert "demand: 123" in out and "levers:" in out


def test_validate_typo_names_file_key_and_suggestion(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("operations:\n  demnd: 120\n")
    assert run_cli("validate", str(bad)) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "operations.demnd" in err
    assert "Did you mean 'operations.demand'" in err
    assert "Traceback" not in err


def test_bad_override_value_is_a_user_error(capsys):
    assert run_cli("validate", MMC, "--set", "operations.demand=-5") == 2
    err = capsys.readouterr().err
    assert "operations.demand = -5" in err and "greater than or equal to 0" in err


def test_missing_file(capsys):
    assert run_cli("run", "no/such/file.yaml") == 2
    assert "no such scenario file: no/such/file.yaml" in capsys.readouterr().err


def test_schema_is_json_schema(capsys):
    assert run_cli("schema") == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object"
    assert {"operations", "workforce", "projects", "levers", "horizon"} <= set(
        schema["properties"])
    assert schema["additionalProperties"] is False


def test_run_writes_a_complete_folder(tmp_path, capsys):
    assert run_cli("run", MMC, "--replications", "3", "--out", str(tmp_path), *SMALL) == 0
    out = capsys.readouterr().out
    assert "ops_wait_mean" in out and "95% CI" in out
    folder = only_folder(tmp_path)
    assert folder.name.startswith("mmc-")
    for name in ["scenario.yaml", "manifest.json", *DATA_FILES]:
        assert (folder / name).is_file(), name
    for plot in ("operations", "projects", "benefits"):
        assert (folder / "plots" / f"{plot}.png").stat().st_size > 1000
    assert not list(folder.rglob(".*partial"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["error"] is None
    assert manifest["replications"] == 3 and manifest["seed"] == 7
    assert [s["spawn_key"] for s in manifest["replication_seeds"]] == [[0], [1], [2]]
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary["replication"]) == [0, 1, 2]
    assert list(summary.columns[:3]) == ["scenario", "replication", "seed"]
    weekly = pd.read_parquet(folder / "weekly.parquet")
    assert set(weekly["replication"]) == {0, 1, 2} and len(weekly) == 3 * 6


def test_same_seed_gives_identical_files_and_never_overwrites(tmp_path):
    for _ in range(2):
        assert run_cli("run", MMC, "-r", "2", "--out", str(tmp_path), "--no-plots", *SMALL) == 0
    first, second = sorted(p for p in tmp_path.iterdir())
    assert first != second
    for name in DATA_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert run_cli("run", MMC, "-r", "2", "--seed", "8", "--out", str(tmp_path / "other"),
                   "--no-plots", *SMALL) == 0
    third = only_folder(tmp_path / "other")
    assert (third / "summary.csv").read_bytes() != (first / "summary.csv").read_bytes()


def test_failed_run_keeps_manifest_with_error_and_no_data(tmp_path, monkeypatch, capsys):
    calls = []

    def broken(scenario, replication):
        calls.append(replication)
        if replication == 1:
            raise RuntimeError("model exploded")
        return sim.run(scenario, replication)

    monkeypatch.setattr(sim.studies.replications, "run", broken)
    with pytest.raises(RuntimeError, match="model exploded"):
        run_cli("run", MMC, "-r", "3", "--out", str(tmp_path), *SMALL)
    folder = only_folder(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "scenario.yaml"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["error"] == "RuntimeError: model exploded"
    assert calls == [0, 1]


def test_interrupted_run_is_recorded(tmp_path, monkeypatch, capsys):
    def interrupted(scenario, replication):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.studies.replications, "run", interrupted)
    assert run_cli("run", MMC, "--out", str(tmp_path), *SMALL) == 130
    manifest = json.loads((only_folder(tmp_path) / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("precious")
    assert run_cli("run", MMC, "--out", str(target), *SMALL) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert target.read_text() == "precious"


def test_bad_replications_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli("run", MMC, "--replications", "0")
    assert exc.value.code == 2
    assert "must be a whole number from 1 to 10,000" in capsys.readouterr().err


def test_console_script_and_module_entry_point(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", "validate", MMC],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: '6 weaks'\n")
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "horizon = '6 weaks'" in done.stderr and "Traceback" not in done.stderr
