"""Sweep analysis: point means, sensitivity indices, readings, figures and the report.

Designs come through the real path (sweep file -> ``build_design``); the runs
table holds a KPI that is an analytic function of the parameter columns, so the
indices are known exactly. For Y = sum a_i x_i with x_i uniform on
[low_i, high_i], the variance share of x_i is a_i^2 (high_i - low_i)^2 / 12 / Var Y
(Sobol S1 = ST = share), and the Morris mu* of x_i is |a_i| (high_i - low_i): SALib
sees each parameter on [0, 1], so an elementary effect is the change across the
whole range.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

from sim.kpis import describe
from sim.schema.labels import factor_label
from sim.schema.sweep import Sweep
from sim.studies.sweeps.analysis_folder import write_analysis
from sim.studies.sweeps.design import Design, build_design
from sim.studies.sweeps.figures import factor_figure, indices_figure, wrap
from sim.studies.sweeps.reading import kpi_title, reading
from sim.studies.sweeps.sensitivity import number_text, point_means, sensitivity

KPI = "ops_wait_mean"
OTHER = "project_slip_mean"

RANGES = {"operations.demand": (200.0, 400.0), "operations.service_mean": (0.2, 0.4),
          "projects.quality": (0.6, 1.0), "workforce.attrition.rate": (0.0, 0.3)}
SHARES = {"operations.demand": 0.1, "operations.service_mean": 0.3, "projects.quality": 0.6,
          "workforce.attrition.rate": 0.0}
SIGNS = {"operations.demand": 1.0, "operations.service_mean": 1.0, "projects.quality": -1.0,
         "workforce.attrition.rate": 1.0}
COEF = {k: SIGNS[k] * math.sqrt(12 * SHARES[k]) / (RANGES[k][1] - RANGES[k][0]) for k in RANGES}
"""Coefficients giving variance shares 0.1 / 0.3 / 0.6 / 0 (total variance 1)."""

INERT = "workforce.attrition.rate"
ORDER = ("projects.quality", "operations.service_mean", "operations.demand")
"""The influential parameters, most influential first."""


def linear(row) -> float:
    return sum(COEF[k] * float(row[k]) for k in RANGES)


@functools.cache
def sampled(kind: str, samples: int, seed: int = 1) -> Design:
    sweep = Sweep.model_validate({
        "scenario": "base.yaml",
        "parameters": {k: {"low": low, "high": high} for k, (low, high) in RANGES.items()},
        "design": {"kind": kind, "samples": samples, "seed": seed}})
    return build_design(sweep)


def runs_for(design: Design, f=linear, *, replications: int = 1, noise=None,
             drop: int = 0, kpis=(KPI,)) -> pd.DataFrame:
    """One row per run of every distinct point (the first ``drop`` points left out).

    ``noise(point_index, replication)`` is added to the KPI of that run.
    """
    points = design.table.drop_duplicates("point").iloc[drop:]
    records = []
    for i, row in enumerate(points.to_dict("records")):
        for rep in range(replications):
            value = f(row) + (noise(i, rep) if noise else 0.0)
            records.append({"point": row["point"], "replication": rep, "seed": 100 + rep,
                            "run_key": f"{row['point']}-{rep}",
                            **{k: row[k] for k in design.parameters},
                            **dict.fromkeys(kpis, value)})
    return pd.DataFrame.from_records(records)


@functools.cache
def sobol_linear(samples: int = 1024):
    design = sampled("sobol", samples)
    return design, sensitivity(design, runs_for(design), [KPI], seed=7)


def grid_design() -> Design:
    return build_design(Sweep.model_validate({
        "scenario": "base.yaml",
        "parameters": {"operations.demand": [200, 300, 400],
                       "projects.quality": [0.6, 0.8, 1.0],
                       "operations.service": ["exponential", "deterministic"]}}))


def additive(row) -> float:
    bonus = 2.0 if row["operations.service"] == "deterministic" else 0.0
    return 0.01 * row["operations.demand"] + 5.0 * row["projects.quality"] ** 2 + bonus


# --- sensitivity indices recover known answers ------------------------------------------------


def test_sobol_recovers_linear_variance_shares():
    design, sens = sobol_linear()
    assert sens.method == "sobol"
    assert list(sens.indices.columns) == ["kpi", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    table = sens.indices.set_index("parameter")
    assert list(table.index) == list(RANGES)
    for name, share in SHARES.items():
        row = table.loc[name]
        # The output is exact (no noise), so only the estimator's error remains: at
        # N = 1024 it is well below 0.02 for these shares.
        assert abs(row["S1"] - share) <= min(3 * row["S1_conf"], 0.02), name
        assert abs(row["ST"] - share) <= min(3 * row["ST_conf"], 0.02), name
    assert abs(table.loc[INERT, "S1"]) < 0.01
    assert abs(table.loc[INERT, "ST"]) < 0.01
    assert len(design.table) == 1024 * (len(RANGES) + 2)
    assert sens.samples == 1024


def test_morris_mu_star_is_the_change_across_the_range():
    design = sampled("morris", 20)
    sens = sensitivity(design, runs_for(design), [KPI])
    assert sens.method == "morris"
    assert list(sens.indices.columns) == ["kpi", "parameter", "mu", "mu_star", "mu_star_conf",
                                          "sigma"]
    table = sens.indices.set_index("parameter")
    for name, (low, high) in RANGES.items():
        expected = abs(COEF[name]) * (high - low)
        assert table.loc[name, "mu_star"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert table.loc[name, "mu"] == pytest.approx(COEF[name] * (high - low), abs=1e-9)
        assert table.loc[name, "sigma"] < 1e-9
    assert table.loc[INERT, "mu_star"] == 0.0


def test_rbd_fast_recovers_linear_shares_within_its_interval_and_005():
    design = sampled("lhs", 1024)
    sens = sensitivity(design, runs_for(design), [KPI])
    assert sens.method == "rbd-fast"
    assert list(sens.indices.columns) == ["kpi", "parameter", "S1", "S1_conf"]
    table = sens.indices.set_index("parameter")
    for name, share in SHARES.items():
        error = abs(table.loc[name, "S1"] - share)
        assert error <= 0.05, name
        assert error <= table.loc[name, "S1_conf"], name


def test_grid_main_effects_are_exact():
    design = grid_design()
    sens = sensitivity(design, runs_for(design, additive), [KPI])
    assert sens.method == "main effects"
    effects = sens.indices.set_index("parameter")["effect"]
    assert effects["operations.demand"] == pytest.approx(0.01 * 200, rel=1e-12)
    assert effects["projects.quality"] == pytest.approx(5.0 * (1.0 - 0.36), rel=1e-12)
    assert effects["operations.service"] == pytest.approx(2.0, rel=1e-12)
    levels = sens.levels[sens.levels["parameter"] == "operations.demand"]
    assert list(levels["level"]) == ["200", "300", "400"]
    assert list(levels["points"]) == [6, 6, 6]
    others = np.mean([5.0 * q ** 2 for q in (0.6, 0.8, 1.0)]) + 1.0
    assert levels["mean"].to_numpy() == pytest.approx([2 + others, 3 + others, 4 + others])
    text = sens.indices.set_index("parameter").loc["operations.service", "levels"]
    assert text.startswith("exponential: ") and "deterministic: " in text


def test_sobol_pure_interaction_is_read_as_interaction():
    design = sampled("sobol", 256)
    sens = sensitivity(design, runs_for(design, lambda r: (r["operations.demand"] - 300)
                                        * (r["projects.quality"] - 0.8)), [KPI])
    table = sens.indices.set_index("parameter")
    assert table.loc["operations.demand", "ST"] > 0.8
    assert abs(table.loc["operations.demand", "S1"]) < 0.1
    assert "interactions" in reading(sens)[0]


# --- replications, missing points and warnings --------------------------------------------------


def test_point_means_average_replications_with_intervals_on_the_log_scale():
    # A wait cannot be negative: its interval is Student's t on the log scale of the mean
    # (the delta method), mean x exp(+-t se / mean).
    design = grid_design()
    offsets = {0: 0.3, 1: -0.1, 2: 0.5}
    runs = runs_for(design, additive, replications=3, noise=lambda i, rep: offsets[rep] * i,
                    drop=1)
    means = point_means(design, runs, [KPI], level=0.9)
    assert list(means["point"]) == list(design.table["point"])
    assert list(means.columns) == ["point", *design.parameters, "kpi", "n", "mean", "ci_low",
                                   "ci_high", "std", "runs", "undefined", "collapsed"]
    first = means.iloc[0]
    assert first["n"] == 0 and np.isnan(first["mean"]) and np.isnan(first["ci_low"])
    point = means.iloc[4]
    base = additive(design.table.iloc[4])
    values = np.array([base + offsets[rep] * 3 for rep in range(3)])
    spread = math.exp(stats.t.ppf(0.95, 2) * values.std(ddof=1) / math.sqrt(3)
                      / values.mean())
    assert point["n"] == 3 and point["runs"] == 3 and point["undefined"] == 0
    assert point["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert point["ci_low"] == pytest.approx(values.mean() / spread, rel=1e-12)
    assert point["ci_high"] == pytest.approx(values.mean() * spread, rel=1e-12)
    assert point["std"] == pytest.approx(values.std(ddof=1), rel=1e-12)


def test_sensitivity_uses_the_mean_over_replications():
    design = sampled("sobol", 128)
    rng = np.random.default_rng(5)
    jitter = rng.normal(0.0, 0.3, size=design.table["point"].nunique())
    noisy = runs_for(design, replications=2,
                     noise=lambda i, rep: jitter[i] if rep == 0 else 0.2 - jitter[i])
    exact = sensitivity(design, runs_for(design), [KPI])
    averaged = sensitivity(design, noisy, [KPI])
    columns = ["S1", "ST"]
    assert averaged.indices[columns].to_numpy() == pytest.approx(
        exact.indices[columns].to_numpy(), abs=1e-9)
    first_only = sensitivity(design, noisy[noisy["replication"] == 0], [KPI])
    assert not np.allclose(first_only.indices[columns], exact.indices[columns], atol=1e-3)


@pytest.mark.parametrize(("spread", "warns"), [(0.05, False), (2.0, True)])
def test_replication_noise_warning(spread, warns):
    design = grid_design()
    rng = np.random.default_rng(3)
    draws = rng.normal(0.0, spread, size=(len(design.table), 4))
    runs = runs_for(design, additive, replications=4, noise=lambda i, rep: draws[i, rep])
    sens = sensitivity(design, runs, [KPI])
    noisy = [w for w in sens.warnings if "replication noise is" in w]
    assert bool(noisy) is warns
    if warns:
        assert f"for {describe(KPI).label[:1].lower()}{describe(KPI).label[1:]} (" in noisy[0]
        assert noisy[0].endswith("add replications")


def test_missing_points_skip_the_kpi_with_a_warning():
    design = sampled("sobol", 128)
    runs = runs_for(design, drop=3)
    sens = sensitivity(design, runs, [KPI])
    points = design.table["point"].nunique()
    assert f"{KPI}: 3 of {points} points have no finished run; rerun the sweep to fill them" \
        in sens.warnings
    assert sens.indices.empty
    assert KPI in sens.skipped
    assert "no sensitivity indices" in reading(sens)[0].lower()
    means = point_means(design, runs, [KPI])
    assert (means["n"] == 0).sum() == 3


def test_undefined_kpi_at_some_points_skips_only_that_kpi():
    design = sampled("sobol", 128)
    runs = runs_for(design, kpis=(KPI, OTHER))
    undefined = runs["point"].isin(runs["point"].unique()[:2])
    runs.loc[undefined, OTHER] = np.nan
    sens = sensitivity(design, runs, [KPI, OTHER])
    assert set(sens.indices["kpi"]) == {KPI}
    assert sens.skipped[OTHER].startswith("undefined at 2 of ")
    assert KPI not in sens.skipped
    assert not any("finished run" in w for w in sens.warnings)


def test_constant_kpi_is_skipped():
    design = sampled("lhs", 128)
    sens = sensitivity(design, runs_for(design, lambda r: 4.0), [KPI])
    assert sens.indices.empty
    assert "does not vary across the sweep" in sens.skipped[KPI]


@pytest.mark.parametrize(("kind", "samples", "phrase"), [
    ("sobol", 16, "16 base samples (below 128)"),
    ("morris", 4, "4 trajectories (below 10)"),
    ("lhs", 50, "50 points (below 100)"),
])
def test_small_designs_warn(kind, samples, phrase):
    design = sampled(kind, samples)
    sens = sensitivity(design, runs_for(design), [KPI])
    assert any(phrase in w for w in sens.warnings), sens.warnings


@pytest.mark.parametrize(("kind", "samples"), [("sobol", 1024), ("morris", 20), ("lhs", 1024)])
def test_large_designs_do_not_warn(kind, samples):
    design = sampled(kind, samples)
    tiny = lambda i, rep: 1e-6 * (rep - 0.5)  # noqa: E731 - replication noise far below the spread
    sens = sensitivity(design, runs_for(design, replications=2, noise=tiny), [KPI])
    assert sens.warnings == ()


def test_one_replication_per_point_warns():
    design = sampled("sobol", 1024)
    sens = sensitivity(design, runs_for(design), [KPI])
    assert any("one replication per point" in w for w in sens.warnings)


def test_sobol_warns_when_noise_would_pass_for_sensitivity():
    # Noise of about 10% of the spread: below the 20% used for other designs, but in a
    # Sobol design it lifts the ST of the inert parameter above 0.05.
    design = sampled("sobol", 1024)
    rng = np.random.default_rng(3)
    spread = float(np.std([linear(r) for r in design.table.to_dict("records")]))
    draws = rng.normal(0.0, 0.45 * spread, size=(len(design.table), 2))
    sens = sensitivity(design, runs_for(design, replications=2,
                                        noise=lambda i, rep: draws[i, rep]), [KPI])
    share = [w for w in sens.warnings if "replication noise is" in w]
    assert share and "more than 5% of the spread" in share[0], sens.warnings
    assert sens.for_kpi(KPI).set_index("parameter").loc[INERT, "ST"] > 0.05


def test_morris_flags_whole_number_and_choice_parameters():
    sweep = Sweep.model_validate({
        "scenario": "base.yaml", "design": {"kind": "morris", "samples": 20},
        "parameters": {"a": {"low": 1, "high": 3, "integer": True},
                       "b": {"values": ["x", "y"]}, "c": {"low": 0.0, "high": 1.0}}})
    design = build_design(sweep)
    f = lambda r: r["a"] + (2.0 if r["b"] == "y" else 0.0) + 3.0 * r["c"]  # noqa: E731
    sens = sensitivity(design, runs_for(design, f), [KPI])
    assert set(sens.discrete) == {"a", "b"} and sens.categorical == ("b",)
    text = reading(sens)[0]
    assert text.count("read its mu* as a rank, not a size") == 2
    assert sens.for_kpi(KPI).set_index("parameter").loc["c", "mu_star"] == pytest.approx(3.0)


def test_choices_in_a_morris_design_are_read_by_their_means(tmp_path):
    # Morris steps compare only some pairs of choices, so the reading gives the mean per
    # choice over the design, and says why once.
    sweep = Sweep.model_validate({
        "scenario": "base.yaml", "design": {"kind": "morris", "samples": 20},
        "parameters": {"levers.rewards.scheme": {"values": ["operations_only", "balanced",
                                                            "outcome_based"]},
                       "operations.demand": {"low": 250, "high": 350}}})
    design = build_design(sweep)
    bonus = {"operations_only": 0.0, "balanced": 3.0, "outcome_based": 1.0}
    runs = runs_for(design, lambda r: bonus[r["levers.rewards.scheme"]]
                    + 0.01 * r["operations.demand"])
    analysis = write_analysis(tmp_path, design, runs, [KPI])
    (text,) = analysis.reading
    scheme = factor_label("levers.rewards.scheme").lower
    assert f"Averaged over the other factors, {scheme} gives" in text
    order = [text.index(f"with {c} (") for c in ("balanced", "outcome_based",
                                                 "operations_only")]
    assert order == sorted(order)  # highest mean first
    assert sum("Morris steps treat the choices" in w for w in analysis.warnings) == 1


def test_grid_levels_that_print_alike_stay_apart():
    design = build_design(Sweep.model_validate({
        "scenario": "base.yaml", "parameters": {"a": [0.12341, 0.12344], "b": [1.0, 2.0]}}))
    sens = sensitivity(design, runs_for(design, lambda r: 1000 * r["a"] + r["b"]), [KPI])
    levels = sens.levels[sens.levels["parameter"] == "a"]
    assert len(levels) == 2 and levels["points"].tolist() == [2, 2]
    effect = sens.indices.set_index("parameter").loc["a", "effect"]
    assert effect == pytest.approx(0.03)


def test_small_sobol_design_warns_about_wide_intervals():
    design = sampled("sobol", 16)
    sens = sensitivity(design, runs_for(design), [KPI])
    assert any(w.startswith("Sobol confidence intervals reach") and
               w.endswith(f"for {describe(KPI).label[:1].lower()}{describe(KPI).label[1:]}: "
                          "add base samples or replications") for w in sens.warnings), sens.warnings


def test_uncertain_morris_effects_warn():
    design = sampled("morris", 4)
    rng = np.random.default_rng(0)
    jumps = rng.exponential(1.0, size=len(design.table))
    runs = runs_for(design, lambda r: 0.0, noise=lambda i, rep: 5.0 * jumps[i] ** 3)
    sens = sensitivity(design, runs, [KPI])
    assert any("is uncertain" in w for w in sens.warnings), sens.warnings


def test_bootstrap_depends_on_the_seed_only():
    # Seed 0 is the default, and SALib's Sobol analysis falls back on NumPy's legacy global
    # generator for a falsy seed: moving that generator between calls must change nothing.
    design = sampled("sobol", 64)
    runs = runs_for(design)
    first = sensitivity(design, runs, [KPI], seed=0)
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(99)  # noqa: NPY002
        again = sensitivity(design, runs, [KPI], seed=0)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    other = sensitivity(design, runs, [KPI], seed=4)
    pd.testing.assert_frame_equal(first.indices, again.indices)
    assert not np.allclose(first.indices["S1_conf"], other.indices["S1_conf"])


# --- readings, figures and the written analysis -------------------------------------------------


def _order_in(text: str, names) -> list[int]:
    return [text.lower().index(factor_label(name).name.lower()) for name in names]


@pytest.mark.parametrize(("kind", "samples"), [("sobol", 1024), ("morris", 20), ("lhs", 1024)])
def test_reading_puts_the_most_influential_parameter_first(kind, samples):
    design = sampled(kind, samples)
    sens = sobol_linear()[1] if kind == "sobol" else sensitivity(design, runs_for(design), [KPI])
    (text,) = reading(sens)
    assert text.startswith(f"{kpi_title(KPI)}: {factor_label('projects.quality').name}")
    positions = _order_in(text, [*ORDER, INERT])
    assert positions == sorted(positions)
    assert f"{factor_label(INERT).lower} matters little" in text.lower()


def test_reading_wording_per_method():
    sobol_text = reading(sobol_linear()[1])[0]
    assert "on its own it explains about 60% of the variation across the sweep" in sobol_text
    assert "(ST " in sobol_text and "act mostly on their own" in sobol_text
    design = sampled("morris", 20)
    morris_text = reading(sensitivity(design, runs_for(design), [KPI]))[0]
    quality = abs(COEF["projects.quality"]) * 0.4
    assert f"changes the KPI by about {number_text(quality, 3)} days" in morris_text
    assert "raising it lowers the KPI" in morris_text
    grid = grid_design()
    grid_text = reading(sensitivity(grid, runs_for(grid, additive), [KPI]))[0]
    assert grid_text.startswith(f"{kpi_title(KPI)}: Averaged over the other factors, "
                                f"{factor_label('projects.quality').lower} moves it most")
    assert "at 60.0%" in grid_text  # a share


def test_list_design_has_point_means_only(tmp_path):
    design = build_design(Sweep.model_validate({
        "scenario": "base.yaml", "design": "list",
        "points": [{"operations.demand": 250}, {"operations.demand": 350},
                   {"levers.pmo.type": "supportive"}]}))
    runs = runs_for(design, lambda r: 1.0 if pd.isna(r["operations.demand"])
                    else r["operations.demand"] / 100)
    sens = sensitivity(design, runs, [KPI])
    assert sens.method == "none" and sens.indices.empty and sens.warnings == ()
    pmo = factor_label("levers.pmo.type").name
    assert f"from 1 day ({pmo} = supportive) to 3.5 days" in reading(sens)[0]
    analysis = write_analysis(tmp_path, design, runs, [KPI])
    assert analysis.files == ("points.csv", f"plots/scatter-{KPI}.png", "report.md")
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    demand = factor_label("operations.demand").axis
    assert f"| {demand} | {pmo} | {kpi_title(KPI)} |" in report
    assert "| 350 |  | 3.5 |" in report


def test_indices_figure_sorts_bars_by_importance():
    sens = sobol_linear()[1]
    figure = indices_figure(sens, KPI)
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [wrap(factor_label(p).name, 40) for p in [INERT, *reversed(ORDER)]]
    assert len(ax.patches) == 2 * len(RANGES)


def test_factor_figure_has_a_panel_per_factor_and_no_line_it_did_not_choose():
    design = grid_design()
    means = point_means(design, runs_for(design, additive, replications=2,
                                         noise=lambda i, rep: 0.1 * rep), [KPI])
    figure = factor_figure(means, design.parameters, KPI)
    shown = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in shown] == [wrap(factor_label(p).axis)
                                                 for p in design.parameters]
    categorical = shown[2]
    assert [t.get_text() for t in categorical.get_xticklabels()] == ["exponential",
                                                                     "deterministic"]
    # Three values of each factor: too few for a threshold, so no fitted line is drawn,
    # only the point means joined per combination of the other factors.
    assert not any(line.get_linestyle() == "--" for ax in shown for line in ax.get_lines())


def test_write_analysis_writes_the_listed_files(tmp_path):
    design = sampled("sobol", 64)
    runs = runs_for(design, replications=2, noise=lambda i, rep: 0.01 * rep, kpis=(KPI, OTHER))
    folder = tmp_path / "analysis"
    folder.mkdir()
    analysis = write_analysis(folder, design, runs, [KPI, OTHER], seed=2)
    expected = ("points.csv", "sensitivity.csv", "thresholds.csv", "cells.csv",
                f"plots/indices-{KPI}.png", f"plots/scatter-{KPI}.png", f"plots/map-{KPI}.png",
                f"plots/indices-{OTHER}.png", f"plots/scatter-{OTHER}.png",
                f"plots/map-{OTHER}.png", "report.md")
    assert analysis.files == expected
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert written == sorted(expected)
    for name in expected:
        if name.endswith(".png"):
            assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    points = pd.read_csv(folder / "points.csv")
    assert len(points) == 2 * design.table["point"].nunique()
    indices = pd.read_csv(folder / "sensitivity.csv")
    assert len(indices) == 2 * len(RANGES)
    report = (folder / "report.md").read_text(encoding="utf-8")
    for line in analysis.reading:
        assert line in report
    for warning in analysis.warnings:  # each a bullet, its first letter capitalised
        assert f"- {warning[:1].upper()}{warning[1:]}" in report
    assert "64 base samples (below 128)" in report
    assert f"](plots/indices-{KPI}.png)" in report and f"](plots/scatter-{OTHER}.png)" in report
    assert "with 2 replications each" in report


def test_write_analysis_needs_an_existing_folder(tmp_path):
    design = sampled("sobol", 64)
    with pytest.raises(FileNotFoundError):
        write_analysis(tmp_path / "missing", design, runs_for(design), [KPI])
