"""A governance preset whose levers are all stated changes nothing, and the commands say so."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.schema import load_with_warnings
from sim.schema.presets import preset_warnings

ROOT = Path(__file__).resolve().parents[1]
BASELINE = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
INTAKE = "  capacity_aware_intake: false\n"
SHORT = ["--set", "horizon=20", "-r", "1", "--no-plots"]
LEVERS = ("levers.rewards.scheme='operations_only'", "levers.sustainment='none'",
          "levers.capacity_aware_intake=False")
"""The baseline's three levers of a preset, as a warning names them."""


@pytest.fixture
def files(tmp_path: Path, monkeypatch) -> Path:
    """A folder of scenario files around the baseline, which states the three levers.

    The tests run in that folder, so that messages name the files as they are written.
    """
    monkeypatch.chdir(tmp_path)
    assert BASELINE.count(INTAKE) == 1
    texts = {
        "as_is.yaml": BASELINE,
        "lean.yaml": BASELINE.replace(INTAKE, ""),  # leaves capacity-aware intake to presets
        "to_be.yaml": "extends: as_is.yaml\nlevers:\n  governance: systems\n",
        "partly.yaml": "extends: lean.yaml\nlevers:\n  governance: systems\n",
        "same.yaml": BASELINE.replace("governance: siloed", "governance: systems"),
    }
    for name, text in texts.items():
        Path(name).write_text(text, encoding="utf-8")
    return Path()


def preset_lines(err: str) -> list[str]:
    """The warnings about presets that a command printed."""
    return [line for line in err.splitlines()
            if line.startswith("pmosim: warning:") and "levers.governance=" in line]


def test_a_preset_partly_overridden_fills_in_the_rest_and_does_not_warn(files, capsys):
    assert main(["validate", str(files / "partly.yaml")]) == 0
    assert preset_lines(capsys.readouterr().err) == []
    assert load_with_warnings(files / "partly.yaml")[0].levers.capacity_aware_intake is True


def test_a_preset_stated_with_its_own_levers_does_not_warn(files, capsys):
    """The baseline names the siloed preset and states its levers with the preset's values."""
    assert main(["validate", str(files / "as_is.yaml")]) == 0
    assert preset_lines(capsys.readouterr().err) == []


@pytest.mark.parametrize(("name", "overrides"), [
    ("sustained.yaml", []),                                  # a TO-BE changes one lever
    ("as_is.yaml", ["--set", "levers.sustainment=project"]),  # so does an override
    ("all_three.yaml", []),                          # the parent names systems, the child states
], ids=["child file", "override", "child states all three"])
def test_a_lever_changed_after_the_preset_departs_from_it_without_a_warning(
        files, capsys, name, overrides):
    """The shipped TO-BE that sustains benefits changes one lever of the baseline's preset."""
    Path("sustained.yaml").write_text(
        (ROOT / "scenarios" / "examples" / "to_be_sustained.yaml").read_text(encoding="utf-8")
        .replace("../baseline.yaml", "as_is.yaml"), encoding="utf-8")
    Path("all_three.yaml").write_text(
        "extends: to_be.yaml\nlevers:\n  rewards: {scheme: balanced}\n  sustainment: project\n"
        "  capacity_aware_intake: false\n", encoding="utf-8")
    assert main(["validate", name, *overrides]) == 0
    assert preset_lines(capsys.readouterr().err) == []


@pytest.mark.parametrize(("name", "overrides", "governance_from", "levers_from"), [
    ("same.yaml", [], "set in same.yaml", "set in same.yaml"),
    ("to_be.yaml", [], "set in to_be.yaml", "set in as_is.yaml"),
    ("as_is.yaml", ["--set", "levers.governance=systems"],
     "from the override levers.governance='systems'", "set in as_is.yaml"),
], ids=["same file", "parent file", "override"])
def test_validate_warns_when_every_lever_of_the_preset_is_stated(
        files, capsys, name, overrides, governance_from, levers_from):
    path = files / name
    assert main(["validate", str(path), *overrides]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"ok: {path} is a valid scenario")
    [line] = preset_lines(err)
    assert line.startswith(f"pmosim: warning: {path}: levers.governance='systems' "
                           f"({governance_from}) changes nothing")
    for lever in LEVERS:
        assert f"{lever} ({levers_from})" in line
    assert line.endswith("state levers.rewards.scheme='outcome_based', levers.sustainment='opex', "
                         "levers.capacity_aware_intake=True")


def test_a_lever_stated_by_an_override_is_named_with_the_override(files, capsys):
    """The partly overridden preset loses its last lever to ``--set``."""
    path = files / "partly.yaml"
    assert main(["validate", str(path), "--set", "levers.capacity_aware_intake=false"]) == 0
    [line] = preset_lines(capsys.readouterr().err)
    assert "levers.governance='systems' (set in partly.yaml)" in line
    assert "levers.rewards.scheme='operations_only' (set in lean.yaml)" in line
    assert "levers.sustainment='none' (set in lean.yaml)" in line
    assert ("levers.capacity_aware_intake=False (from the override "
            "levers.capacity_aware_intake=False)") in line


def test_run_warns_and_its_results_are_those_of_the_levers_stated(files, capsys):
    """The warning changes nothing: the TO-BE runs exactly as its parent does."""
    results = {}
    for name in ("as_is", "to_be"):
        out = files / f"out_{name}"
        assert main(["run", str(files / f"{name}.yaml"), *SHORT, "--out", str(out)]) == 0
        err = capsys.readouterr().err
        assert len(preset_lines(err)) == (name == "to_be"), err
        [folder] = out.iterdir()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert [f"pmosim: warning: {w['source']}: {w['warning']}"
                for w in manifest["warnings"]] == preset_lines(err)  # the folder keeps it
        results[name] = pd.read_csv(folder / "summary.csv").drop(columns="scenario",
                                                                 errors="ignore")
    pd.testing.assert_frame_equal(results["as_is"], results["to_be"])


def test_compare_warns_for_the_file_whose_preset_changes_nothing(files, capsys):
    assert main(["compare", str(files / "as_is.yaml"), str(files / "to_be.yaml"),
                 "--out", str(files / "out"), *SHORT]) == 0
    [line] = preset_lines(capsys.readouterr().err)
    assert line.startswith("pmosim: warning: to_be.yaml: levers.governance=")
    assert all(lever in line for lever in LEVERS)
    [folder] = (files / "out").iterdir()
    [kept] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert f"pmosim: warning: {kept['source']}: {kept['warning']}" == line


@pytest.mark.parametrize(("levers", "overrides", "named"), [
    ({"governance": "systems"}, {"levers": {"governance": "siloed", "rewards": {},
                                            "sustainment": "opex",
                                            "capacity_aware_intake": True}},
     "levers.rewards={} (from the override levers="),
    ({"governance": "siloed", "rewards": {"scheme": "balanced"}, "sustainment": "none"},
     {"levers.capacity_aware_intake": False}, "levers.rewards.scheme='balanced' (set in f.yaml)"),
], ids=["whole levers overridden", "one lever overridden"])
def test_preset_warnings_name_the_key_paths_that_replace_the_preset(levers, overrides, named):
    origins = {("levers",): "f.yaml", **{("levers", key): "f.yaml" for key in levers},
               ("levers", "rewards", "scheme"): "f.yaml"}
    [warning] = preset_warnings({"levers": levers}, overrides, origins, "f.yaml")
    assert named in warning


def test_preset_warnings_stay_quiet_without_a_preset_or_with_a_lever_left_to_it():
    stated = {"rewards": {"scheme": "balanced"}, "sustainment": "none"}
    assert preset_warnings({"levers": stated}) == []
    assert preset_warnings({"levers": {**stated, "governance": "systems"}}) == []
    assert preset_warnings({}, {"levers.governance": "systems"}) == []


def test_the_documented_warning_is_what_validate_prints(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["validate", "scenarios/baseline.yaml", "--set", "levers.governance=systems"]) == 0
    [line] = preset_lines(capsys.readouterr().err)
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert f"\n{line}\n" in docs
