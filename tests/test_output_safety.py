"""Every writer keeps its files inside its folder and never replaces a file.

Names that become paths are either refused (sweep names, claim ids and arm names:
they are identities the user types again) or turned into safe file names
(scenario names: they are labels). Result files are created exclusively.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.errors import OutputError
from sim.studies.folders import unique_labels, write_atomically, write_text

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "reference" / "mmc.yaml"
TINY = ["--set", "horizon=10", "--set", "warmup=0", "--set", "operations.demand=40",
        "--set", "workforce.operations.headcount=15", "-r", "2", "--no-plots"]
HOSTILE = ["../../../victim", "/tmp/victim", "..", "a/../../b", "..\\..\\victim"]


@pytest.fixture
def arena(tmp_path):
    """A working folder with a precious file next to the output folder, and the output."""
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    victim = tmp_path / "victim.yaml"
    victim.write_text("precious\n")
    return work, work / "out", victim


def files_outside(root: Path, out: Path, allowed: set[Path]) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and out not in p.parents} - allowed


def scenario_named(folder: Path, name: str, stem: str = "s") -> Path:
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump({"extends": str(MMC), "name": name}))
    return path


@pytest.mark.parametrize("name", HOSTILE)
def test_run_keeps_a_hostile_scenario_name_inside_its_folder(arena, name, capsys):
    work, out, victim = arena
    path = scenario_named(work, name)
    assert main(["run", str(path), "--out", str(out), *TINY]) == 0
    (folder,) = out.iterdir()
    assert folder.parent == out and not folder.name.startswith(".")
    assert victim.read_text() == "precious\n"
    assert files_outside(victim.parent, out, {victim, path}) == set()


def test_compare_writes_hostile_scenario_names_as_safe_distinct_files(arena, capsys):
    work, out, victim = arena
    first = scenario_named(work, "../../../victim", "first")
    second = scenario_named(work, "..-..-..-victim", "second")
    third = scenario_named(work, "/tmp/victim", "third")
    assert main(["compare", str(first), str(second), str(third), "--out", str(out),
                 *TINY]) == 0
    (folder,) = out.iterdir()
    written = sorted(p.name for p in (folder / "scenarios").iterdir())
    assert written == ["-..-..-victim-2.yaml", "-..-..-victim.yaml", "-tmp-victim.yaml"]
    assert victim.read_text() == "precious\n"
    assert files_outside(victim.parent, out, {victim, first, second, third}) == set()


@pytest.mark.parametrize("name", HOSTILE)
def test_sweep_refuses_a_name_that_is_not_a_single_folder_name(arena, name, capsys):
    work, out, victim = arena
    path = work / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": name, "scenario": str(MMC),
                                    "parameters": {"operations.demand": [40, 50]}}))
    assert main(["sweep", str(path), "--out", str(out), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "name = " in err and "sweep's name is its folder's name" in err
    assert "Traceback" not in err and not out.exists()
    assert files_outside(victim.parent, out, {victim, path}) == set()


def write_claim(folder: Path, cid: str = "T1", arm: str = "loose") -> Path:
    path = folder / f"claim-{len(list(folder.glob('claim-*')))}.yaml"
    path.write_text(yaml.safe_dump({
        "id": cid, "title": "t", "claim": "c", "scenario": str(MMC),
        "set": {"horizon": 10, "warmup": 0, "operations.demand": 40,
                "workforce.operations.headcount": 15},
        "arms": {"tight": {"set": {"levers.wip_limit": 1}}, arm: {"set": {}}},
        "checks": [{"compare": ["tight", arm], "kpi": "ops_wait_mean", "expect": "lower"}],
        "replications": 2, "robustness": {"samples": 0}}))
    return path


@pytest.mark.parametrize(("cid", "arm", "says"), [
    ("../../../victim", "loose", "id = '../../../victim'"),
    ("/tmp/victim", "loose", "id = '/tmp/victim'"),
    ("..", "loose", "must not start with a dot"),
    ("T1", "../up", "arm '../up'"),
])
def test_claims_refuse_ids_and_arms_that_are_not_single_names(arena, cid, arm, says, capsys):
    work, out, victim = arena
    write_claim(work, cid, arm)
    assert main(["claims", "--dir", str(work), "--out", str(out), "-w", "1"]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not out.exists()
    assert victim.read_text() == "precious\n"


def test_result_files_are_created_exclusively(tmp_path):
    target = tmp_path / "summary.csv"
    target.write_text("earlier results\n")
    with pytest.raises(OutputError, match="exists already"):
        write_atomically(target, lambda p: p.write_text("new"))
    with pytest.raises(OutputError, match="exists already"):
        write_text(target, "new")
    assert target.read_text() == "earlier results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv"]  # no temporary left
    write_text(target, "kept up to date\n", replace=True)  # a record the command owns
    assert target.read_text() == "kept up to date\n"


def test_unique_labels_are_safe_and_distinct():
    labels = unique_labels(["a/b", "a-b", "a?b", ".hidden", "", "ok"])
    assert labels == ["a-b", "a-b-2", "a-b-3", "hidden", "run", "ok"]
