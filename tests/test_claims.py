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
    evaluate_claim,
    find_claims,
    load_claim,
)
from sim.studies.verdicts import combine

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
    assert evaluate_claim(load_claim(true), true, knock_outs=False).verdict == SUPPORTED
    assert evaluate_claim(load_claim(false), false, knock_outs=False).verdict == NOT_SUPPORTED


def test_no_difference_is_inconclusive_never_supported(tmp_path):
    """With no projects at all, a WIP limit changes nothing: the difference is exactly 0.

    The check stays undecided, so the replications are doubled up to the cap (4, 8, 16:
    three looks, each at 1 - 0.05 / 3), and the report says the cap was reached.
    """
    path = write_claim(tmp_path, "zero.yaml", checks=[
        {"compare": ["tight", "loose"], "kpi": "ops_arrival_rate", "expect": "higher"}],
        set={**SMALL, "projects.templates": [], "projects.portfolio": []})
    result = evaluate_claim(load_claim(path), path, knock_outs=False)
    row = result.checks.iloc[0]
    assert row["ci_low"] <= 0 <= row["ci_high"] and row["ties"] == row["n"]
    assert result.verdict == INCONCLUSIVE
    assert [look.replications for look in result.looks] == [4, 8, 16]
    assert result.looks[0].level == pytest.approx(1 - 0.05 / 3)
    assert "cap of 16" in result.stopped


def test_a_decided_claim_stops_at_its_first_look(tmp_path):
    """With 8 pairs that all go one way, the permutation test's p is 2/256, below 0.05/3."""
    path = write_claim(tmp_path, "quick.yaml", replications=8)
    result = evaluate_claim(load_claim(path), path, knock_outs=False)
    assert [look.replications for look in result.looks] == [8]
    assert result.stopped == "every deciding check was decided"


def test_an_arm_that_finishes_no_project_is_counted_not_dropped(tmp_path):
    """Survivor bias: in an overloaded arm whose people put the day job first, projects
    are planned as usual but get no time, and none finishes. Its on-time rate is 0 (every
    due project is late), not missing, and every replication stays in the comparison."""
    pulled = {**SMALL, "horizon": "1 year", "levers.wip_limit": 3,
              "behaviour.divert_max": 1.0, "behaviour.divert_gain": 10,
              "levers.rewards.scheme": "operations_only", "operations.backlog_limit": 1000}
    starved = write_claim(tmp_path, "starved.yaml", set=pulled, replications=8,
                          arms={"starved": {"set": {"operations.demand": 160}},
                                "staffed": {"set": {"operations.demand": 80}}},
                          checks=[{"compare": ["starved", "staffed"],
                                   "kpi": "projects_on_time_rate", "expect": "higher"},
                                  {"compare": ["starved", "staffed"],
                                   "kpi": "project_slip_mean", "expect": "lower"}])
    result = evaluate_claim(load_claim(starved), starved, knock_outs=False)
    summary = result.tables["starved"].summary.set_index("replication")
    staffed = result.tables["staffed"].summary.set_index("replication")
    assert (summary["projects_completed"] == 0).all()
    due = summary["projects_due"] > 0
    assert due.mean() > 0.8
    assert (summary.loc[due, "projects_on_time_rate"] == 0).all()
    assert summary["projects_on_time_rate_finished"].isna().all()  # the old, biased figure
    # a replication is left out of a comparison only where a KPI is undefined, and counted
    undefined = int((~due | (staffed["projects_due"] == 0)).sum())
    for row in result.checks.itertuples():
        assert row.n + row.undefined == len(summary)
        assert row.undefined == undefined
        assert row.undefined_because == ("no project was due in the window" if undefined
                                         else "")
    assert result.verdict == SUPPORTED


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
    result = evaluate_claim(load_claim(path), path, knock_outs=False)
    assert list(result.checks["verdict"]) == [SUPPORTED, SUPPORTED]
    assert list(result.checks["method"]) == ["permutation test", "binomial test"]


def test_robustness_samples_every_parameter_the_experiment_does_not_fix(tmp_path):
    from sim.studies.uncertainty import UNCERTAIN

    path = write_claim(tmp_path, "robust.yaml", robustness={
        "samples": 5, "replications": 1, "vary": {"operations.demand": [80, 120]},
        "fix": {"pmo.forgetting": "no PMO disbands here"}})
    result = evaluate_claim(load_claim(path), path, workers=2, knock_outs=False)
    samples, design = result.samples, result.design
    varied = {v.key for v in design.varied}
    assert len(samples) == 5 and set(samples.columns) >= varied | {"outcome"}
    assert samples["operations.demand"].between(80, 120).all()  # the claim's own range
    assert design.fixed["pmo.forgetting"] == "no PMO disbands here"
    assert "the lever under test" in design.fixed.get("levers.wip_limit", "the lever under test")
    assert all(k.startswith("ai.") for k, why in design.fixed.items() if "AI" in why)
    assert varied | set(design.fixed) >= {u.key for u in UNCERTAIN}
    robust = result.robust
    assert robust.holds + robust.fails + robust.ties + robust.undefined == 5
    assert robust.share == pytest.approx(robust.holds / robust.decided)
    assert isinstance(result.failure_condition, str)


def test_a_range_relative_to_the_base_follows_the_base(tmp_path):
    """The load is varied by a factor of the claim's base (the baseline's 300 items a
    day: 270 to 330); a key the claim sets for every arm is held."""
    path = write_claim(tmp_path, "load.yaml", robustness={"samples": 6, "replications": 1},
                       set={"horizon": "2 months"})
    claim = load_claim(path)
    result = evaluate_claim(claim, path, workers=2, knock_outs=False)
    demand = result.samples["operations.demand"]
    assert demand.between(270, 330).all() and demand.max() - demand.min() > 30
    held = write_claim(tmp_path, "held.yaml", robustness={"samples": 2, "replications": 1})
    result = evaluate_claim(load_claim(held), held, knock_outs=False)
    assert result.design.fixed["operations.demand"] == "set by the claim for every arm"


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
    result = evaluate_claim(claim, path, workers=1, knock_outs=False)
    assert result.samples[peak].between(1.0, 1.2).all() and len(result.samples) == 3


def test_claim_plot_shows_the_kpis_the_checks_name(tmp_path, monkeypatch):
    """The figure has one panel per KPI checked, with each arm's mean and interval."""
    from matplotlib.figure import Figure

    from sim.reports.claims import claim_plot

    path = write_claim(tmp_path, "plot.yaml", checks=[
        {"compare": ["tight", "loose"], "kpi": "projects_started", "expect": "higher"},
        {"compare": ["tight", "loose"], "kpi": "stress_mean", "expect": "lower"}])
    result = evaluate_claim(load_claim(path), path, knock_outs=False)
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


def test_knock_outs_show_what_a_verdict_rests_on(tmp_path):
    """Reviews that count only the day job make project staff misaligned, which is
    hindrance stress. Switching hindrance stress off erases the verdict; switching off a
    mechanism it cannot depend on (communication overhead in teams of two) leaves it."""
    path = write_claim(tmp_path, "rests.yaml",
                       set={**SMALL, "horizon": "4 months"},
                       arms={"ops_only": {"set": {"levers.rewards.scheme": "operations_only"}},
                             "balanced": {"set": {"levers.rewards.scheme": "balanced"}}},
                       checks=[{"compare": ["ops_only", "balanced"],
                                "kpi": "stress_hindrance_mean", "expect": "lower"}])
    result = evaluate_claim(load_claim(path), path, workers=2)
    assert result.verdict == SUPPORTED
    ko = result.knockouts.set_index("mechanism")
    assert ko.loc["hindrance stress", "change"] == "erases"
    assert ko.loc["communication overhead", "change"] == "same"
    assert ko.loc["communication overhead", "verdict"] == SUPPORTED
    assert "customer patience" in result.not_knocked_out  # off in both arms already


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
                             ["robustness: every sampled key at the high end of its range",
                              "operations.p_defect = 1.5", "less than 1"]),
    "unknown robustness key": ({"robustness": {"samples": 2, "vary": {"operations.demnd":
                                                                      [10, 20]}}},
                               ["operations.demnd", "unknown key"]),
    "unknown key to hold": ({"robustness": {"samples": 2, "fix": {"stress.tua": "why"}}},
                            ["robustness.fix.stress.tua", "not a parameter"]),
    "unknown tipping series": ({"tipping": {"series": "presure"}},
                               ["tipping.series = 'presure'", "Did you mean 'pressure'?"]),
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
    assert main(["claims", "--dir", str(claims), "--out", str(out), "-r", "3", "-k", "4"]) == 0
    printed = capsys.readouterr().out
    assert "T1" in printed and SUPPORTED in printed
    folder = next(out.iterdir())
    for name in ("report.md", "report.html", "verdicts.csv", "checks.csv", "tipping.csv",
                 "knockouts.csv", "robustness.csv", "verdicts.md", "plots/T1.png",
                 "manifest.json"):
        assert (folder / name).is_file(), name
    report = (folder / "report.md").read_text()
    for part in ("## T1: Higher WIP limits start more projects", "Verdict: supported",
                 "Deciding checks", " test, p ", "Regimes:",
                 "What the verdict rests on", "Robustness: 4 organisations", "plots/T1.png"):
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
    result = evaluate_claim(claim, path, samples=0, workers=2, knock_outs=False)
    assert result.verdict == SUPPORTED, result.checks[["check", "verdict"]]


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_claim_gets_a_verdict_and_a_report_section(tmp_path, path):
    """Each shipped claim runs end to end through the command line (few replications)."""
    claim = load_claim(path)
    out = tmp_path / "out"
    code = main(["claims", claim.id, "--dir", str(SHIPPED), "--out", str(out), "-r", "2",
                 "--max-replications", "2", "-k", "1", "-w", "1", "--no-knockouts"])
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


def test_docs_get_their_verdicts_from_a_run(tmp_path, capsys):
    """--docs writes the run's verdicts between the markers; --from rewrites them from the
    folder's tables alone, identically; a file without markers is refused before any run."""
    from sim.reports.claims import DOCS_BEGIN, DOCS_END

    claims = tmp_path / "claims"
    claims.mkdir()
    write_claim(claims, "t1.yaml", replications=8)
    docs = tmp_path / "claims.md"
    docs.write_text(f"# Claims\n\nbefore\n\n{DOCS_BEGIN}\nold\n{DOCS_END}\n\nafter\n")
    out = tmp_path / "out"
    assert main(["claims", "--dir", str(claims), "--out", str(out), "-k", "0",
                 "--no-knockouts", "--docs", str(docs)]) == 0
    written = docs.read_text()
    assert written.startswith("# Claims\n\nbefore\n\n") and written.endswith("\n\nafter\n")
    assert "\nold\n" not in written
    assert "| T1: Higher WIP limits start more projects | supported | 8 |" in written
    assert "- **T1** (supported, 8 replications per arm" in written
    folder = next(out.iterdir())
    assert written.count(DOCS_BEGIN) == 1
    assert (folder / "verdicts.md").read_text().strip() in written
    docs.write_text(f"{DOCS_BEGIN}\n{DOCS_END}\n")
    assert main(["claims", "--docs", str(docs), "--from", str(folder)]) == 0
    assert (folder / "verdicts.md").read_text().strip() in docs.read_text()
    plain = tmp_path / "plain.md"
    plain.write_text("no markers\n")
    capsys.readouterr()
    assert main(["claims", "--dir", str(claims), "--out", str(tmp_path / "o2"),
                 "--docs", str(plain)]) == 2
    assert "needs exactly one pair of markers" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()


SHIPPED_DOCS = ROOT / "docs" / "claims.md"


def docs_block() -> str:
    from sim.reports.claims import DOCS_BEGIN, DOCS_END

    text = SHIPPED_DOCS.read_text()
    return text.split(DOCS_BEGIN, 1)[1].split(DOCS_END, 1)[0]


def _docs_block_is_empty() -> bool:
    return not docs_block().strip()


WHILE_EMPTY = pytest.mark.skipif(_docs_block_is_empty(), reason="docs/claims.md's verdicts "
                                 "block is empty until the full claims run writes it; these "
                                 "tests run once it is filled")


@WHILE_EMPTY
def test_the_verdicts_in_the_docs_cover_every_shipped_claim():
    block = docs_block()
    rows = [line for line in block.splitlines() if line.startswith("| C")]
    ids = [claim.id for _, claim in find_claims(SHIPPED)]
    assert [row.split(":")[0].lstrip("| ") for row in rows] == ids
    for row in rows:
        verdict = row.split(" | ")[1].removesuffix(" (largely by construction)")
        assert verdict in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE), row
    assert "Settings:" in block and "robustness samples as in each claim file" in block


@WHILE_EMPTY
@pytest.mark.slow
def test_the_verdicts_in_the_docs_are_what_the_run_gives():
    """The docs' line for C4 is reproduced by running C4's arms at the documented settings
    (same seed: the same runs, so the same figures to the last digit printed)."""
    from sim.reports.claims import _docs_effect
    from sim.studies.claims import evaluate_claims

    path, claim = shipped("C4")
    result = evaluate_claims([(path, claim)], samples=0, knock_outs=False, workers=2)[0]
    line = next(line for line in docs_block().splitlines() if line.startswith("- **C4**"))
    n = result.looks[-1].replications
    verdict = f"{result.verdict} (largely by construction)" if claim.construction \
        else result.verdict
    assert line.startswith(f"- **C4** ({verdict}, {n} replications per arm; "
                           f"{result.stopped}): ")
    checks = result.checks.assign(claim="C4")
    effects = "; ".join(_docs_effect(r) for r in checks[checks["decides"]].itertuples())
    assert effects in line


def test_docs_take_a_claim_re_run_alone_from_the_later_folder(tmp_path, capsys):
    """--from with several folders: each claim's lines come from the last folder that has
    it, in the claims' order; folders run with different settings are refused (exit 2)."""
    from sim.reports.claims import DOCS_BEGIN, DOCS_END

    claims = tmp_path / "claims"
    claims.mkdir()
    write_claim(claims, "t1.yaml", replications=4)
    write_claim(claims, "t2.yaml", id="T2", replications=4, checks=[
        {"compare": ["tight", "loose"], "kpi": "projects_started", "expect": "lower"}])
    common = ["--dir", str(claims), "-k", "0", "--no-knockouts"]
    assert main(["claims", *common, "--out", str(tmp_path / "a")]) == 0
    write_claim(claims, "t2.yaml", id="T2", replications=4)  # T2 now expects "higher"
    assert main(["claims", "T2", *common, "--out", str(tmp_path / "b")]) == 0
    first, second = next((tmp_path / "a").iterdir()), next((tmp_path / "b").iterdir())
    docs = tmp_path / "claims.md"
    docs.write_text(f"{DOCS_BEGIN}\n{DOCS_END}\n")
    assert main(["claims", "--docs", str(docs), "--from", str(first), str(second)]) == 0
    rows = [line for line in docs.read_text().splitlines() if line.startswith("| T")]
    assert [row.split(" | ")[1] for row in rows] == ["supported", "supported"]
    alone = tmp_path / "alone.md"
    alone.write_text(f"{DOCS_BEGIN}\n{DOCS_END}\n")
    assert main(["claims", "--docs", str(alone), "--from", str(first)]) == 0
    assert [line.split(" | ")[1] for line in alone.read_text().splitlines()
            if line.startswith("| T")] == ["supported", "not supported"]
    assert main(["claims", "T1", *common, "-w", "1", "--out", str(tmp_path / "c")]) == 0
    third = next((tmp_path / "c").iterdir())
    capsys.readouterr()
    before = docs.read_text()
    assert main(["claims", "--docs", str(docs), "--from", str(first), str(third)]) == 2
    assert "run with different settings" in capsys.readouterr().err
    assert docs.read_text() == before


def test_a_threshold_that_too_few_runs_could_never_show_is_refused(tmp_path, capsys):
    """A 0/1 threshold along six arms at one robustness replication has six runs: the BIC
    gap could never reach the margin, so the claim is refused before anything runs."""
    from sim.studies.claims import fewest_runs_for_a_binary_threshold

    assert fewest_runs_for_a_binary_threshold() == 9
    path, _ = shipped("C10")
    claim = yaml.safe_load(path.read_text())
    claim["scenario"] = str((path.parent / claim["scenario"]).resolve())
    claim["robustness"]["replications"] = 1
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "c10.yaml").write_text(yaml.safe_dump(claim, sort_keys=False))
    assert main(["claims", "--dir", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "c10.yaml" in err and "checks[0]" in err
    assert "robustness.replications = 1 gives 6 (6 arms x 1)" in err
    assert "robustness.replications of at least 2" in err
    assert not (tmp_path / "out").exists()


def test_not_worse_within_a_margin(tmp_path):
    """Non-inferiority: a discount rate changes nothing the desk does, so the service level
    is not worse within a margin (the interval is exactly 0); with a margin of 0 an interval
    that touches 0 cannot show it. More projects at once (WIP 6 on a small desk) tips some
    runs and lowers the service level by more than a tiny margin: not supported."""
    check = {"compare": ["a", "b"], "kpi": "ops_service_level", "expect": "not_worse",
             "margin": 0.01}
    same = {"a": {"set": {"finance.discount_rate": 0.03}},
            "b": {"set": {"finance.discount_rate": 0.05}}}
    path = write_claim(tmp_path, "nw.yaml", replications=8, arms=same, checks=[check])
    row = evaluate_claim(load_claim(path), path, knock_outs=False).checks.iloc[0]
    assert row["verdict"] == SUPPORTED and row["ci_low"] == row["ci_high"] == 0.0
    assert row["expect"].startswith("not worse by more than 0.01 (higher is better)")
    zero = write_claim(tmp_path, "nw0.yaml", replications=8, arms=same,
                       checks=[{**check, "margin": 0.0}], max_replications=8)
    row = evaluate_claim(load_claim(zero), zero, knock_outs=False).checks.iloc[0]
    assert row["verdict"] == INCONCLUSIVE
    worse = write_claim(tmp_path, "nw1.yaml", replications=8, max_replications=8, checks=[
        {"compare": ["tight", "loose"], "kpi": "ops_service_level", "expect": "not_worse",
         "margin": 0.0001}])
    row = evaluate_claim(load_claim(worse), worse, knock_outs=False).checks.iloc[0]
    assert row["ci_high"] < -0.0001 and row["verdict"] == NOT_SUPPORTED


def test_trend_and_spread_over_the_due_projects(tmp_path):
    """A trend is the slope per year of a project column against the start days, over due
    projects; a spread their standard deviation. Both come from the project table."""
    import numpy as np

    from sim.run import run
    from sim.studies.verdicts import _measure

    path = write_claim(tmp_path, "trend.yaml", set={**SMALL, "horizon": "1 year"},
                       checks=[{"arm": "loose", "trend": "slip_at_end", "expect": "at_most",
                                "value": 10.0},
                               {"compare": ["tight", "loose"], "spread": "slip_at_end",
                                "expect": "higher", "decides": False}])
    claim = load_claim(path)
    scenario = arm_scenarios(claim, path)["loose"]
    result = run(scenario, 0)
    due = result.projects[result.projects["due"].astype(bool)]
    x, y = due["started"].to_numpy(float), due["slip_at_end"].to_numpy(float)
    assert len(due) >= 3
    assert _measure(claim.checks[0], result) == pytest.approx(np.polyfit(x, y, 1)[0] * 252)
    assert _measure(claim.checks[1], result) == pytest.approx(np.std(y, ddof=1))
    outcome = evaluate_claim(claim, path, knock_outs=False)
    assert outcome.checks.iloc[0]["method"] == "binomial test"
    assert outcome.checks.iloc[1]["method"] in ("sign test", "permutation test")
    assert outcome.checks.iloc[0]["unit"] == "share of plan per year"


def test_check_shapes_are_refused_with_their_reason(tmp_path):
    for fields, words in [
        ({"compare": ["tight", "loose"], "kpi": "ops_wait_mean", "expect": "not_worse"},
         "margin goes with expect: not_worse"),
        ({"compare": ["tight", "loose"], "kpi": "ops_wait_mean", "series": "backlog",
          "window": [0, 20], "expect": "lower"}, "exactly one of kpi, series, trend or spread"),
        ({"arm": "loose", "kpi": "ops_wait_mean", "expect": "higher"},
         "a value check on one arm expects at_least or at_most"),
    ]:
        bad = write_claim(tmp_path, "bad.yaml", checks=[fields])
        with pytest.raises(ScenarioError, match=words):
            load_claim(bad)
    neutral = write_claim(tmp_path, "neutral.yaml", checks=[
        {"compare": ["tight", "loose"], "kpi": "ops_utilisation", "expect": "not_worse",
         "margin": 0.1}])
    with pytest.raises(ScenarioError, match="has no good direction of its own"):
        check_claim(load_claim(neutral), neutral)
    unknown = write_claim(tmp_path, "unknown.yaml", checks=[
        {"compare": ["tight", "loose"], "trend": "slipp", "expect": "lower"}])
    with pytest.raises(ScenarioError, match="Did you mean 'slip'"):
        check_claim(load_claim(unknown), unknown)


def test_a_threshold_along_arms_is_located_or_refused(tmp_path):
    """Six loads on a small desk: the share of runs that end tipped crosses a half between the
    lowest and the highest, and the check locates it with an interval inside the sweep. Along
    arms that differ only in a price nothing changes: no threshold (not supported)."""
    loads = [80, 110, 140, 170, 200, 230]
    arms = {f"d{d}": {"set": {"operations.demand": d}} for d in loads}
    check = {"along": {f"d{d}": d for d in loads}, "kpi": "tipped", "expect": "threshold"}
    path = write_claim(tmp_path, "thr.yaml", arms=arms, checks=[check], replications=8,
                       max_replications=8, set={**SMALL, "operations.backlog_limit": 1000})
    result = evaluate_claim(load_claim(path), path, knock_outs=False, workers=2)
    row = result.checks.iloc[0]
    assert row["verdict"] == SUPPORTED, row
    assert loads[0] < row["ci_low"] <= row["estimate"] <= row["ci_high"] < loads[-1]
    shares = result.tipping.set_index("arm")["share"]
    assert shares[f"d{loads[0]}"] == 0 and shares[f"d{loads[-1]}"] == 1
    prices = {f"p{i}": {"set": {"finance.discount_rate": 0.01 * i}} for i in range(1, 7)}
    flat = write_claim(tmp_path, "flat.yaml", arms=prices, replications=8, max_replications=8,
                       checks=[{"along": {f"p{i}": i for i in range(1, 7)},
                                "kpi": "ops_wait_mean", "expect": "threshold"}])
    row = evaluate_claim(load_claim(flat), flat, knock_outs=False, workers=2).checks.iloc[0]
    assert row["verdict"] == NOT_SUPPORTED and row["method"].startswith("threshold")
