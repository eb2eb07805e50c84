"""The indirect fits and the hold-out check, on a small organisation and a small budget.

Theil's statistics are checked against cases whose split is known; the ABC-SMC fit
must stay inside its priors, name what it cannot pin down, give the same posterior
for the same seed whatever the number of workers, and the hold-out check must score
both scenarios on every series the data have.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import simulated_exports

import sim
from sim.calibration.calibrate import Options, calibrate
from sim.calibration.holdout import score, theil
from sim.calibration.priors import PRIORS, Budget
from sim.cli import main

SMALL = """\
name: small
horizon: 126
seed: 5
replications: 1
operations: {demand: 40, service_mean: 0.3, patience: 2}
workforce:
  operations: {headcount: 16}
  attrition: {rate: 0.3}
projects:
  templates: [{name: change, per_year: 12, size: 30, team: 2}]
levers: {wip_limit: 3}
"""
BUDGET = Budget(population=12, generations=3, simulations=80)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return simulated_exports(tmp_path_factory.mktemp("small"), SMALL, replication=1)[0]


def _calibrate(paths, workers=1):
    return calibrate(paths["base"], str(paths["tickets"]), str(paths["people"]),
                     str(paths["projects"]),
                     Options(holdout=42.0, workers=workers, budget=BUDGET, replications=4))


@pytest.fixture(scope="module")
def calibrated(exports):
    """The small organisation calibrated in this process."""
    return _calibrate(exports)


def test_theil_split_adds_up_and_names_the_error():
    rng = np.random.default_rng(1)
    actual = rng.normal(10, 2, 24)
    mse, u_m, u_s, u_c = theil(actual + 3.0, actual)  # a pure bias
    assert mse == pytest.approx(9.0) and u_m == pytest.approx(1.0) and u_s == pytest.approx(0)
    mse, u_m, u_s, u_c = theil(actual.mean() + 2 * (actual - actual.mean()), actual)  # swing
    assert u_s == pytest.approx(1.0) and u_m == pytest.approx(0, abs=1e-12)
    noisy = actual + rng.normal(0, 1, 24)
    _, u_m, u_s, u_c = theil(noisy, actual)
    assert u_m + u_s + u_c == pytest.approx(1.0)
    assert u_c > 0.5  # noise shows as unequal covariation


def test_the_share_of_hold_out_months_inside_the_band_is_counted():
    data = pd.DataFrame({"month": range(4), "backlog": [10.0, 10.0, 10.0, 30.0]})
    for name in ("service_level", "abandonment", "headcount", "projects_finished", "slip"):
        data[name] = np.nan
    runs = {"backlog": np.tile(np.arange(8.0, 13.0)[:, None], (1, 4))}
    runs.update({n: np.full((5, 4), np.nan) for n in data if n not in ("month", "backlog")})
    (row,) = score(data, runs, first_holdout=2, label="x")
    assert (row["inside"], row["months"]) == (1, 2)
    assert row["rmse_holdout"] == pytest.approx(np.sqrt((0 + 20**2) / 2))


def test_indirect_fits_stay_in_their_priors_and_the_check_scores_both_scenarios(calibrated,
                                                                                  tmp_path):
    result = calibrated
    table = result.posterior.table
    assert table["key"].tolist() == list(PRIORS)
    for row in table.itertuples():
        assert row.prior_low <= row.low <= row.median <= row.high <= row.prior_high
        assert result.sets[row.key] == pytest.approx(row.median, rel=1e-5)
    assert not table["pinned"].all()  # 80 simulations cannot pin six parameters down
    assert BUDGET.population <= result.posterior.simulations <= BUDGET.simulations
    scores = result.check.scores
    assert set(scores["scenario"]) == {"base", "calibrated"}
    assert {"backlog", "service_level", "headcount"} <= set(scores["series"])
    assert (scores["months"] == 2).all()
    split = scores.loc[scores["rmse_all"] > 0, ["u_m", "u_s", "u_c"]]  # 0: no error to split
    assert ((split.sum(axis=1) - 1).abs() < 1e-9).all()
    from sim.reports.calibration import calibration_to_folder

    folder = calibration_to_folder(result, tmp_path / "out", ["test"])
    report = (folder / "report.md").read_text()
    assert "## Indirect fits" in report and "cannot pin down" in report
    assert "## Hold-out check" in report and "| calibrated |" in report
    assert {"posterior.png", "holdout.png"} <= {p.name for p in (folder / "plots").iterdir()}
    loaded = sim.load_scenario(folder / "calibrated.yaml")
    assert loaded.behaviour.divert_gain == pytest.approx(result.sets["behaviour.divert_gain"])


@pytest.mark.slow
def test_the_posterior_is_the_same_whatever_the_number_of_workers(exports, calibrated):
    one, two = calibrated, _calibrate(exports, 2)
    pd.testing.assert_frame_equal(one.posterior.particles, two.posterior.particles)
    pd.testing.assert_frame_equal(one.check.scores, two.check.scores)


def test_direct_only_leaves_the_indirect_keys_at_the_base(exports, tmp_path, capsys):
    out = tmp_path / "direct"
    assert main(["calibrate", str(exports["base"]), "--tickets", str(exports["tickets"]),
                 "--direct", "--out", str(out)]) == 0
    text = (out / "calibrated.yaml").read_text()
    assert not any(key.split(".")[-1] + ":" in text for key in PRIORS)
    report = (out / "report.md").read_text()
    assert "not made (`--direct`)" in report and "no people file was given" in report
