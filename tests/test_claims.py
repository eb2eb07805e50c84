"""Claims: declarative experiments, verdicts, robustness and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.errors import ScenarioError
from sim.studies.claims import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    arm_scenarios,
    check_claim,
    combine,
    evaluate_claim,
    failure_condition,
    find_claims,
    load_claim,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "claims"
SMALL = {"horizon": "6 months", "operations.demand": 100, "workforce.operations.headcount": 45}


def write_claim(folder: Path, name: str, **fields) -> Path:
    claim = {"id": "T1", "title": "Higher WIP limits start more projects",
             "claim": "Letting more projects run at once starts more of them.",
             "scenario": str(ROOT / "scenarios" / "baseline.yaml"), "set": SMALL,
             "arms": {"tight": {"label": "WIP 1", "set": {"levers.wip_limit": 1}},
                      "loose": {"label": "WIP 6", "set": {"levers.wip_limit": 6}}},
             "checks": [{"compare": ["tight", "loose"], "kpi": "projects_started",
                         "expect": "higher"}],
             "replications": 4, "robustness": {"samples": 0}}
    claim.update(fields)
    path = folder / name
    path.write_text(yaml.safe_dump(claim, sort_keys=False))
    return path


def test_a_true_claim_is_supported_and_its_opposite_is_not(tmp_path):
    true = write_claim(tmp_path, "true.yaml")
    false = write_claim(tmp_path, "false.yaml", id="T2", checks=[
        {"compare": ["tight", "loose"], "kpi": "projects_started", "expect": "lower"}])
    assert evaluate_claim(load_claim(true), true).verdict == SUPPORTED
    assert evaluate_claim(load_claim(false), false).verdict == NOT_SUPPORTED


def test_no_difference_is_inconclusive_never_supported(tmp_path):
    """With no projects at all, a WIP limit changes nothing: the difference is exactly 0."""
    path = write_claim(tmp_path, "zero.yaml", checks=[
        {"compare": ["tight", "loose"], "kpi": "ops_arrival_rate", "expect": "higher"}],
        set={**SMALL, "projects.templates": [], "projects.portfolio": []})
    result = evaluate_claim(load_claim(path), path)
    row = result.checks.iloc[0]
    assert row["ci_low"] <= 0 <= row["ci_high"]
    assert result.verdict == INCONCLUSIVE


def test_verdict_combination():
    assert combine([SUPPORTED, SUPPORTED]) == SUPPORTED
    assert combine([SUPPORTED, INCONCLUSIVE]) == INCONCLUSIVE
    assert combine([SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE]) == NOT_SUPPORTED


def test_series_window_and_value_checks(tmp_path):
    quick = [{"name": "quick", "size": 20, "team": 2, "benefits": [
        {"kind": "failure_reduction", "magnitude": 0.2, "within": 21}]}]
    path = write_claim(tmp_path, "series.yaml",
                       set={**SMALL, "projects.templates": [], "projects.portfolio": quick},
                       arms={"alone": {"set": {}}, "sustained": {"set": {
                           "levers.sustainment": "opex"}}},
                       checks=[
                           {"compare": ["alone", "sustained"], "series": "benefits_sustained",
                            "window": [63, 126], "expect": "higher"},
                           {"arm": "sustained", "series": "benefit_failure_reduction",
                            "after_handover": "quick", "within": 21,
                            "expect": "at_least", "value": 0.19}])
    result = evaluate_claim(load_claim(path), path)
    assert list(result.checks["verdict"]) == [SUPPORTED, SUPPORTED]


def test_robustness_samples_and_failure_condition(tmp_path):
    path = write_claim(tmp_path, "robust.yaml", robustness={
        "samples": 4, "replications": 2, "vary": {"operations.demand": [80, 120],
                                                  "levers.allocation": [0.3, 0.6]}})
    result = evaluate_claim(load_claim(path), path, workers=2)
    robust = result.robustness
    assert len(robust) == 4 and set(robust.columns) >= {"operations.demand", "holds"}
    assert robust["operations.demand"].between(80, 120).all()
    assert result.holds_share == robust["holds"].mean()
    assert isinstance(result.failure_condition, str)


def test_robustness_can_vary_a_point_of_a_default_curve(tmp_path):
    """A verdict that hangs on a curve's shape can show it: ``vary`` takes a key path
    into a curve the base file does not state (here the challenge curve's peak)."""
    peak = "stress.challenge_productivity.1.1"
    path = write_claim(tmp_path, "curve.yaml", robustness={
        "samples": 3, "replications": 2, "vary": {peak: [1.0, 1.2]}})
    claim = load_claim(path)
    arms = arm_scenarios(claim, path, replications=2, extra={peak: 1.15})
    for scenario in arms.values():
        assert scenario.stress.challenge_productivity[1] == (0.3, 1.15)
        assert scenario.stress.challenge_productivity[2] == (0.6, 1.0)  # the rest kept
    result = evaluate_claim(claim, path, workers=1)
    assert result.robustness[peak].between(1.0, 1.2).all() and len(result.robustness) == 3


def test_claim_plot_shows_the_kpis_the_checks_name(tmp_path, monkeypatch):
    """The figure has one panel per KPI checked, with each arm's mean and interval."""
    from matplotlib.figure import Figure

    from sim.reports.claims import claim_plot

    path = write_claim(tmp_path, "plot.yaml", checks=[
        {"compare": ["tight", "loose"], "kpi": "projects_started", "expect": "higher"},
        {"compare": ["tight", "loose"], "kpi": "stress_mean", "expect": "lower"}])
    result = evaluate_claim(load_claim(path), path)
    drawn = {}
    savefig = Figure.savefig

    def record(fig, *args, **kwargs):
        drawn["titles"] = [ax.get_title() for ax in fig.axes]
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    claim_plot(result, tmp_path)
    assert drawn["titles"][:2] == ["projects started", "stress mean"]
    assert "stress mean" in drawn["titles"][2:]  # and its weekly series
    assert "projects started so far" in drawn["titles"]


def test_failure_condition_names_the_separating_threshold():
    import pandas as pd
    samples = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [3, 1, 2, 6, 5, 4],
                            "holds": [True, True, True, False, False, False]})
    assert failure_condition(samples, ["a", "b"]).startswith("fails mostly when a > 3.5")


def test_bad_claim_files_name_the_key(tmp_path):
    bad = write_claim(tmp_path, "bad.yaml", checks=[
        {"compare": ["tight", "nowhere"], "kpi": "projects_started", "expect": "higher"}])
    with pytest.raises(ScenarioError, match="nowhere"):
        load_claim(bad)
    typo = write_claim(tmp_path, "typo.yaml", replicatons=3)
    with pytest.raises(ScenarioError, match="replicatons"):
        load_claim(typo)
    good = tmp_path / "good"
    good.mkdir()
    write_claim(good, "t1.yaml")
    with pytest.raises(ScenarioError, match="no claim with id C99"):
        find_claims(good, ["C99"])


BAD_CLAIMS = {
    "unknown KPI": ({"checks": [{"compare": ["tight", "loose"], "kpi": "projects_startd",
                                 "expect": "higher"}]},
                    ["checks[0].kpi = 'projects_startd': unknown KPI",
                     "Did you mean 'projects_started'?"]),
    "unknown weekly series": ({"checks": [{"compare": ["tight", "loose"], "series": "backlogg",
                                           "window": [20, 60], "expect": "higher"}]},
                              ["checks[0].series = 'backlogg': unknown weekly column",
                               "Did you mean 'backlog'?"]),
    "window beyond the horizon": ({"checks": [{"compare": ["tight", "loose"],
                                               "series": "backlog", "window": ["2 years",
                                                                               "3 years"],
                                               "expect": "higher"}]},
                                  ["checks[0].window = [504, 756]: holds no weekly row",
                                   "126 days"]),
    "unknown project": ({"checks": [{"arm": "loose", "series": "pressure",
                                     "after_handover": "no-such-project", "within": 20,
                                     "expect": "at_most", "value": 1}]},
                        ["checks[0].after_handover = 'no-such-project'", "no such project"]),
    "bad key in an arm": ({"arms": {"tight": {"set": {"levers.wip_limt": 1}},
                                    "loose": {"set": {}}}},
                          ["arms (on ", "levers.wip_limt: unknown key",
                           "Did you mean 'levers.wip_limit'?"]),
    "bad robustness range": ({"robustness": {"samples": 2, "vary": {"operations.p_defect":
                                                                    [0.1, 1.5]}}},
                             ["robustness.vary.operations.p_defect = 1.5",
                              "less than 1"]),
    "unknown robustness key": ({"robustness": {"samples": 2, "vary": {"operations.demnd":
                                                                      [10, 20]}}},
                               ["robustness.vary.operations.demnd", "unknown key"]),
}


@pytest.mark.parametrize("case", list(BAD_CLAIMS))
def test_every_claim_is_checked_before_anything_runs(case, tmp_path, capsys, monkeypatch):
    fields, expected = BAD_CLAIMS[case]
    claims = tmp_path / "claims"
    claims.mkdir()
    write_claim(claims, "ok.yaml", id="T0")
    write_claim(claims, "bad.yaml", **fields)
    monkeypatch.setattr("sim.studies.claims.run_tasks",
                        lambda *a, **k: pytest.fail("a run started"))
    out = tmp_path / "out"
    assert main(["claims", "--dir", str(claims), "--out", str(out), "-w", "1"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert not out.exists()


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda d: None, "no such folder of claim files"),
    (lambda d: d.mkdir(), "no claim files (*.yaml) there"),
    (lambda d: (d.mkdir(), (d / "c.yaml").write_bytes(b"\x89PNG\x00\x01\xff")),
     "not a text file"),
    (lambda d: (d.mkdir(), write_claim(d, "a.yaml"), write_claim(d, "b.yaml", id="t1")),
     "id 't1' is used by two claim files"),
])
def test_claim_folders_that_cannot_be_used_are_clear_errors(setup, expected, tmp_path, capsys):
    claims = tmp_path / "claims"
    setup(claims)
    out = tmp_path / "out"
    assert main(["claims", "--dir", str(claims), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists()


def test_cli_lists_runs_and_writes_the_report(tmp_path, capsys):
    claims = tmp_path / "claims"
    claims.mkdir()
    write_claim(claims, "t1.yaml")
    assert main(["claims", "--dir", str(claims), "--list"]) == 0
    assert "T1" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["claims", "--dir", str(claims), "--out", str(out), "-r", "3"]) == 0
    printed = capsys.readouterr().out
    assert "T1" in printed and SUPPORTED in printed
    folder = next(out.iterdir())
    for name in ("report.md", "report.html", "verdicts.csv", "checks.csv", "plots/T1.png",
                 "manifest.json"):
        assert (folder / name).is_file(), name
    report = (folder / "report.md").read_text()
    for part in ("## T1: Higher WIP limits start more projects", "Verdict: supported",
                 "Robustness:", "plots/T1.png"):
        assert part in report
    assert "data:image/png;base64," in (folder / "report.html").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["inputs"] == [str(claims / "t1.yaml")]


def test_every_shipped_claim_file_validates_and_builds_its_arms():
    files = sorted(SHIPPED.glob("*.yaml"))
    assert len(files) >= 12, "the claims C1-C12 ship with the project"
    ids = []
    for path in files:
        claim = load_claim(path)
        check_claim(claim, path)  # raises on anything that would fail after the runs
        arms = arm_scenarios(claim, path)
        assert len({s.seed for s in arms.values()}) == 1  # common random numbers
        ids.append(claim.id)
    assert len(ids) == len(set(ids))


def shipped(claim_id: str) -> tuple[Path, object]:
    found = find_claims(SHIPPED, [claim_id])
    return found[0]


@pytest.mark.slow
def test_c3_calibration_is_supported_by_construction():
    path, claim = shipped("C3")
    result = evaluate_claim(claim, path, samples=0, workers=2)
    assert result.verdict == SUPPORTED, result.checks[["check", "verdict"]]


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_claim_gets_a_verdict_and_a_report_section(tmp_path, path):
    """Each shipped claim runs end to end through the command line (few replications)."""
    claim = load_claim(path)
    out = tmp_path / "out"
    code = main(["claims", claim.id, "--dir", str(SHIPPED), "--out", str(out), "-r", "2",
                 "-k", "1", "-w", "1"])
    assert code == 0
    folder = next(out.iterdir())
    report = (folder / "report.md").read_text()
    assert f"## {claim.id}: {claim.title}" in report
    assert f"{claim.id}," in (folder / "verdicts.csv").read_text()
    for word in ("Verdict:", "Robustness:", "Experiment:"):
        assert word in report
    assert (folder / "plots" / f"{claim.id}.png").is_file()


def test_the_shipped_claims_are_found_from_another_directory(tmp_path, monkeypatch, capsys):
    from sim.studies.claims import find_claims

    monkeypatch.chdir(tmp_path)
    assert main(["claims", "--list"]) == 0
    printed = capsys.readouterr().out.splitlines()
    shipped = find_claims(Path(__file__).resolve().parents[1] / "scenarios" / "claims")
    assert [line.split()[0] for line in printed] == [claim.id for _, claim in shipped]
    for line in printed:
        shown = Path(line.rsplit("(", 1)[1].rstrip(")"))
        assert not shown.is_absolute() and shown.parts[0] == ".."
        assert (tmp_path / shown).is_file()
    assert main(["claims", "C4", "--list"]) == 0
    assert capsys.readouterr().out.startswith("C4 ")
