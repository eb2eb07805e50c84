"""Recommendations as a user meets them: the file, the three stages, the answer and the CLI.

The simulator's problems use the M/M/c reference (a desk alone) with a 50-day
window, so that one run takes a few hundredths of a second; the statistical test
of the confirmation uses a synthetic objective, not the simulator.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import sim
import sim.recommendation.folder
from sim.cli import main
from sim.kpis import describe
from sim.recommendation import load_recommendation
from sim.recommendation.selection import (
    KimNelson,
    constraint_check,
    kn_h2,
    probability_best,
    select_best,
)
from sim.recommendation.store import Evaluator
from sim.studies.statistics import wilson_interval
from sim.theory.queueing import erlang_c

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "reference" / "mmc.yaml"
CHROMIUM = Path("/usr/bin/chromium")

DEMAND, SERVICE_MEAN, SLA = 20.0, 0.3, 0.5
"""The desk of the tests: 20 items a day, 0.3 days of work each, finished within half a day."""
TARGET = 0.70
"""The service level to reach: by Erlang C, 7 people give 61.8% and 8 people 75.6%."""
HEADCOUNTS = (7, 12)


def write(folder: Path, stem: str = "desk", **fields) -> Path:
    """A recommendation over the M/M/c desk's headcount; ``fields`` add or replace keys."""
    data = {"scenario": str(MMC),
            "set": {"horizon": "60 days", "warmup": "10 days", "operations.demand": DEMAND,
                    "operations.sla": SLA},
            "levers": {"workforce.operations.headcount":
                       {"min": HEADCOUNTS[0], "max": HEADCOUNTS[1], "integer": True}},
            "objective": {"kpi": "cost_total", "goal": "minimise"},
            "constraints": [{"kpi": "ops_service_level", "at_least": TARGET}],
            "budget": 80, "confirm": {"finalists": 3, "replications": 10}, **fields}
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def sojourn_within(arrival: float, service: float, servers: int, t: float) -> float:
    """P(time in system <= t) of an FCFS M/M/c queue, from Erlang C.

    The wait is 0 with probability 1 - C and exponential with rate c mu - lambda
    otherwise; the time in system adds an exponential service with rate mu.
    """
    c_wait = erlang_c(servers, arrival / service)
    theta = servers * service - arrival
    served = 1.0 - math.exp(-service * t)
    if abs(theta - service) < 1e-12:
        both = 1.0 - math.exp(-service * t) * (1.0 + service * t)
    else:
        both = 1.0 - (theta * math.exp(-service * t) - service * math.exp(-theta * t)) \
            / (theta - service)
    return (1.0 - c_wait) * served + c_wait * both


def printed_pages(page: Path, pdf: Path) -> int:
    """Print an HTML file to A4 PDF with headless Chromium; count its pages."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def smallest_by_theory(target: float = TARGET) -> int:
    return next(c for c in range(HEADCOUNTS[0], HEADCOUNTS[1] + 1)
                if sojourn_within(DEMAND, 1.0 / SERVICE_MEAN, c, SLA) >= target)


# --- the M/M/c reference ----------------------------------------------------------------


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The desk's recommendation, run once on one worker: its file, folder and outcome."""
    where = tmp_path_factory.mktemp("desk")
    path = write(where)
    folder, outcome = sim.recommend(path, out=where / "out", workers=1)
    return path, folder, outcome


def test_the_smallest_headcount_that_meets_the_service_level_by_erlang_c(desk):
    theory = smallest_by_theory()
    below = sojourn_within(DEMAND, 1.0 / SERVICE_MEAN, theory - 1, SLA)
    at = sojourn_within(DEMAND, 1.0 / SERVICE_MEAN, theory, SLA)
    assert below < TARGET - 0.05 and at > TARGET + 0.05  # the test can tell them apart
    _, folder, outcome = desk
    chosen = outcome.confirmation.chosen
    assert chosen.candidate.assignment == {"workforce.operations.headcount": theory}
    assert chosen.allowed and chosen.p_best > 0.9
    smaller = [f for f in outcome.confirmation.finalists
               if f.candidate.assignment["workforce.operations.headcount"] < theory]
    assert all(not f.allowed for f in smaller)
    answer = yaml.safe_load((folder / "recommendation.yaml").read_text(encoding="utf-8"))
    assert answer["workforce"] == {"operations": {"headcount": theory}}
    assert answer["extends"] == "as_is.yaml"
    assert outcome.runs <= 80


def test_the_answer_files_are_accepted_by_validate_and_compare(desk, tmp_path, capsys):
    _, folder, _ = desk
    page = (folder / "recommendation.html").read_text(encoding="utf-8")
    for words in ("Set workforce.operations.headcount to 8 (base 100).", "Levers",
                  "Against the base", "Finalists", "probability",
                  html.escape(describe("ops_service_level").label, quote=True), "Runner-up"):
        assert words in page
    assert "e+" not in page and "e-0" not in page
    assert main(["validate", str(folder / "recommendation.yaml")]) == 0
    assert main(["compare", str(folder / "as_is.yaml"), str(folder / "recommendation.yaml"),
                 "-r", "3", "--no-plots", "--out", str(tmp_path / "cmp")]) == 0
    compared = capsys.readouterr().out
    assert "desk-recommended vs desk-base" in compared


def test_same_seed_same_answer_on_any_number_of_workers(desk, tmp_path):
    path, one, _ = desk
    two, _ = sim.recommend(path, out=tmp_path / "two", workers=2)
    for name in ("candidates.csv", "finalists.csv", "comparison.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(one / name), pd.read_csv(two / name))


def test_a_stopped_recommendation_resumes_from_its_saved_runs(desk, tmp_path, monkeypatch,
                                                              capsys):
    path, fresh, _ = desk
    real = Evaluator._run
    calls = []

    def stop_on_the_third_batch(self, tasks):
        calls.append(len(tasks))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, tasks)

    monkeypatch.setattr(Evaluator, "_run", stop_on_the_third_batch)
    assert main(["recommend", str(path), "--out", str(tmp_path / "out"), "-w", "1"]) == 130
    assert "Run the same command to resume" in capsys.readouterr().err
    monkeypatch.setattr(Evaluator, "_run", real)
    folder = tmp_path / "out" / "desk"
    saved = sim.recommendation.folder.saved_runs(folder)
    assert saved == sum(calls[:2]) > 0
    assert not (folder / "recommendation.html").exists()
    assert main(["recommend", str(path), "--out", str(tmp_path / "out"), "-w", "1"]) == 0
    assert f"({saved} runs already saved)" in capsys.readouterr().out
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    first, last = manifest["sessions"]
    assert first["status"] == "interrupted" and last["status"] == "completed"
    assert last["ran"] == last["requested"] - saved
    for name in ("candidates.csv", "finalists.csv", "comparison.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(folder / name), pd.read_csv(fresh / name))


def test_an_infeasible_problem_says_so_and_shows_the_closest(tmp_path, capsys):
    # The service level levels off near 81% as people are added: 95% is out of reach.
    path = write(tmp_path, constraints=[{"kpi": "ops_service_level", "at_least": 0.95}])
    assert main(["recommend", str(path), "--out", str(tmp_path / "out"), "-w", "1"]) == 0
    out = capsys.readouterr().out
    assert "No candidate met the constraints" in out
    assert "The closest is" in out
    folder = tmp_path / "out" / "desk"
    assert (folder / "closest.yaml").is_file()
    assert not (folder / "recommendation.yaml").exists()
    assert main(["validate", str(folder / "closest.yaml")]) == 0


def test_the_stress_test_finds_where_the_recommendation_fails(tmp_path):
    path = write(tmp_path, conditions={"operations.demand": {"min": 16, "max": 26}},
                 stress={"samples": 40, "finalists": 2}, budget=200)
    folder, outcome = sim.recommend(path, out=tmp_path / "out")
    stress = outcome.stress
    assert stress.samples == 40 and len(stress.stressed) == 2
    assert 0 < stress.holds < 40
    table = pd.read_csv(folder / "stress.csv")
    assert len(table) == 80 and (table["regret"] >= 0).all()
    finding = stress.finding
    assert finding.found and "operations.demand >" in finding.condition
    page = (folder / "recommendation.html").read_text(encoding="utf-8")
    assert "Where it fails: mostly when operations.demand" in page
    assert printed_pages(folder / "recommendation.html", tmp_path / "page.pdf") == 1


# --- the confirmation, on a synthetic objective -------------------------------------------


def test_confirmation_picks_the_true_best_with_the_stated_probability():
    """Five systems, the fourth better by the indifference zone, noise three times larger.

    One replication of each picks the fourth only about a third of the time;
    Kim and Nelson's procedure must pick it with probability at least 95%.
    """
    k, delta, sigma, alpha, n0 = 5, 1.0, 3.0, 0.05, 10
    means = np.zeros(k)
    means[3] = delta
    trials, correct, lucky = 300, 0, 0
    for m in range(trials):
        rng = np.random.default_rng(m)
        common = rng.normal(0.0, sigma, size=(1, 3000))  # common random numbers
        noise = means[:, None] + rng.normal(0.0, sigma, size=(k, 3000)) + common
        best, ended, _ = select_best(lambda r, c, x=noise: x[:, r:r + c], k, delta=delta,
                                     alpha=alpha, n0=n0, most=3000)
        assert ended
        correct += best == 3
        lucky += int(np.argmax(noise[:, 0])) == 3
    assert wilson_interval(lucky, trials)[1] < 0.5
    assert wilson_interval(correct, trials)[1] >= 1.0 - alpha


def test_kim_nelson_constants_and_screening_follow_the_paper():
    # eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2 and h² = 2 eta (n0 - 1)
    eta = 0.5 * ((2 * 0.05 / 4) ** (-2 / 9) - 1)
    assert kn_h2(5, 0.05, 10) == pytest.approx(2 * eta * 9)
    # identical differences (S² = 0): the worse system goes at once
    kn = KimNelson(np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]]), delta=0.5, alpha=0.05)
    assert kn.done and kn.best() == 0 and kn.eliminated == {1: 3}


def test_probability_best_keeps_the_pairing_of_common_random_numbers():
    rng = np.random.default_rng(1)
    shared = rng.normal(0.0, 10.0, 20)
    values = np.vstack([shared + 0.5, shared])  # always 0.5 apart, however noisy
    assert probability_best(values, seed=2).tolist() == [1.0, 0.0]
    independent = np.vstack([rng.normal(0.5, 10.0, 20), rng.normal(0.0, 10.0, 20)])
    assert 0.2 < probability_best(independent, seed=2)[0] < 0.9


def test_constraint_check_uses_a_one_sided_bound_and_counts_undefined_runs():
    values = np.array([0.80, 0.82, 0.78, 0.81, 0.79])
    half = stats.t.ppf(0.95, 4) * values.std(ddof=1) / math.sqrt(5)
    check = constraint_check(values, 0.75, "at_least", 0.95)
    assert check.met and check.bound == pytest.approx(values.mean() - half)
    assert not constraint_check(values, 0.80, "at_least", 0.95).met
    assert not constraint_check(np.append(values, np.nan), 0.75, "at_least", 0.95).met
    share = constraint_check(np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), 0.5, "at_most", 0.95,
                             binary=True)
    assert share.method == "Wilson" and share.met


# --- bad files ----------------------------------------------------------------------------


@pytest.mark.parametrize("fields, words", [
    ({"objectiv": {"kpi": "cost_total", "goal": "minimise"}},
     ["objectiv: unknown key", "Did you mean 'objective'?"]),
    ({"levers": {"workforce.operations.headcount": {"min": 9, "max": 9, "integer": True}}},
     ["levers.workforce.operations.headcount", "the range is empty"]),
    ({"constraints": [{"kpi": "ops_service_level", "at_least": 1.2}]},
     ["constraints[0]", "at_least 1.2 is impossible"]),
    ({"constraints": [{"kpi": "ops_service_levle", "at_least": 0.9}]},
     ["unknown KPI 'ops_service_levle'", "Did you mean 'ops_service_level'?"]),
    ({"levers": {"workforce.operations.headcont": {"min": 7, "max": 9}}},
     ["levers.workforce.operations.headcont", "headcount"]),
    ({"levers": {"levers.rewards.scheme": {"choices": []}}},
     ["levers.levers.rewards.scheme", "choices is empty"]),
    ({"conditions": {"levers.wip_limit": {"min": 2, "max": 4}}},
     ["conditions.levers.wip_limit", "not under management control"]),
    ({"budget": 20}, ["budget = 20: too small", "at least 46 runs"]),
])
def test_bad_files_get_the_standard_errors_and_leave_nothing(tmp_path, capsys, fields, words):
    path = write(tmp_path, **fields)
    assert main(["recommend", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pmosim: error: {path}") or str(path.name) in err.splitlines()[0]
    assert "Traceback" not in err
    for word in words:
        assert word in err
    assert not (tmp_path / "out").exists()


def test_the_budget_option_is_checked_before_anything_runs(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["recommend", str(write(tmp_path)), "--budget", "0"])
    assert stop.value.code == 2
    assert "must be a whole number from 1" in capsys.readouterr().err


def test_load_recommendation_splits_the_budget_between_the_stages(tmp_path):
    problem = load_recommendation(write(tmp_path, conditions={
        "operations.demand": {"min": 16, "max": 26}}, stress={"samples": 10}), budget=200)
    share = problem.allocation
    assert share.stress == 10 * 3
    assert share.search + share.confirm + share.stress == 200
    assert share.confirm >= 10 * (3 + 1)


def test_the_shipped_example_is_valid_and_shares_its_budget(monkeypatch):
    monkeypatch.chdir(ROOT)
    problem = load_recommendation("scenarios/recommend/levers.yaml")
    assert len(problem.spec.levers) == 5
    share = problem.allocation
    assert (share.budget, share.stress) == (400, 50 * 3)
    assert share.search + share.confirm + share.stress == 400


def test_a_folder_that_is_not_a_recommendations_is_refused_untouched(tmp_path, capsys):
    taken = tmp_path / "out" / "desk"
    taken.mkdir(parents=True)
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["recommend", str(write(tmp_path)), "--out", str(tmp_path / "out")]) == 2
    assert "is not a recommendation folder" in capsys.readouterr().err
    assert sorted(p.name for p in taken.iterdir()) == ["notes.txt"]


def test_a_folder_another_recommendation_is_writing_to_is_refused(tmp_path, capsys):
    """Another process holds the folder's lock: the command says so and runs nothing."""
    import subprocess
    import sys

    taken = tmp_path / "out" / "desk"
    (taken / "runs").mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sim.studies.folders import lock_folder; "
         "lock = lock_folder(sys.argv[1], 'recommendation'); print('held', flush=True); "
         "sys.stdin.read()", str(taken)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline() == "held\n"
        assert main(["recommend", str(write(tmp_path)), "--out", str(tmp_path / "out")]) == 2
        assert f"{taken}: another recommendation is writing to this folder" in \
            capsys.readouterr().err
        assert sorted(p.name for p in taken.iterdir()) == [".lock", "runs"]
    finally:
        holder.communicate("")


def test_a_finalist_whose_objective_is_undefined_is_counted_and_not_ranked(desk):
    from sim.recommendation.engine import solve
    from sim.recommendation.store import RunStore

    path, _, _ = desk
    problem = load_recommendation(path)
    runs = Evaluator(RunStore(None))

    def evaluate(requests):
        out = runs(requests)
        return [{**s, "cost_total": math.nan}
                if scenario.workforce.operations.headcount == 9 and r == 5 else s
                for (scenario, r), s in zip(requests, out, strict=True)]

    outcome = solve(problem, evaluate)
    by_headcount = {f.candidate.assignment["workforce.operations.headcount"]: f
                    for f in outcome.confirmation.finalists}
    assert by_headcount[9].undefined == 1 and not by_headcount[9].allowed
    assert by_headcount[8] is outcome.confirmation.chosen
