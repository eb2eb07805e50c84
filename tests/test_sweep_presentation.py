"""How a sweep analysis presents its results: maps, intervals within range, plain labels.

- A grid sweep gets a heat map per KPI over its two factors, and a cell where runs
  collapsed is hatched and says how many did.
- Intervals of shares stay in [0, 1], of counts and durations at or above 0, of 0/1
  outcomes (Wilson) in [0, 1], whatever the values (property tests).
- A KPI that does not vary is reported in one line and not plotted; a KPI undefined in
  some runs is counted and explained; nothing is written in e-notation.
- Factors are named by their schema labels, with the units the schema declares.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle
from pydantic import BaseModel
from scipy import stats

from sim.kpis import describe
from sim.schema.labels import factor_label, format_value
from sim.schema.scenario import Scenario
from sim.schema.sweep import Sweep
from sim.studies.sweeps.analysis_folder import write_analysis
from sim.studies.sweeps.design import build_design
from sim.studies.sweeps.figures import map_figure
from sim.studies.sweeps.maps import axis_cells, cell_table
from sim.studies.sweeps.outcomes import kpi_bounds, kpi_kind, mean_intervals, summarise
from sim.studies.sweeps.reading import kpi_title

E_NOTATION = re.compile(r"\d(\.\d+)?[eE][+-]?\d")

DEMANDS = [270.0, 290.0, 310.0, 330.0, 350.0]
STAFF = [110, 120, 130]


def grid_runs(seed: int = 0):
    """A 5 x 3 grid of demand and headcount, 3 runs a point; the top-left cells collapse."""
    design = build_design(Sweep.model_validate({
        "scenario": "base.yaml",
        "parameters": {"operations.demand": DEMANDS,
                       "workforce.operations.headcount": STAFF}}))
    rng = np.random.default_rng(seed)
    rows = []
    for record in design.table.to_dict("records"):
        demand = record["operations.demand"]
        staff = record["workforce.operations.headcount"]
        for rep in range(3):
            collapsed = float(demand >= 330 and staff == 110 and (demand > 330 or rep == 0))
            rows.append({
                "point": record["point"], "replication": rep, "seed": rep,
                "run_key": f"{record['point']}-{rep}", "operations.demand": demand,
                "workforce.operations.headcount": staff, "collapsed": collapsed,
                "ops_wait_mean": 0.01 * (demand - 260) / (staff - 100) + 5 * collapsed
                + rng.exponential(0.01),
                "ops_service_level": min(1.0, 0.99 - 0.4 * collapsed + rng.normal(0, 0.005)),
                "hours_diverted_share": 0.0,
                "projects_on_time_rate": np.nan if collapsed else rng.uniform(0, 1)})
    return design, pd.DataFrame(rows)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    design, runs = grid_runs()
    kpis = ["ops_wait_mean", "ops_service_level", "hours_diverted_share",
            "projects_on_time_rate"]
    return folder, runs, write_analysis(folder, design, runs, kpis)


def test_a_grid_gets_a_heat_map_per_kpi_that_varies(analysed):
    folder, _, analysis = analysed
    maps = sorted(f for f in analysis.files if f.startswith("plots/map-"))
    assert maps == ["plots/map-collapsed.png", "plots/map-ops_service_level.png",
                    "plots/map-ops_wait_mean.png", "plots/map-projects_on_time_rate.png"]
    for name in maps:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_collapsed_cell_is_hatched_and_says_how_many_runs_collapsed(analysed):
    _, _, analysis = analysed
    tables = [g for _, g in analysis.cells.groupby(["x", "y"], sort=False)]
    figure = map_figure(tables, "ops_wait_mean")
    (ax,) = [a for a in figure.axes if a.get_images()]
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    centres = sorted((p.get_x() + 0.5, p.get_y() + 0.5) for p in hatched)
    # demand 330, 350 (x 3, 4) at 110 people (y 0)
    assert centres == [(3.0, 0.0), (4.0, 0.0)]
    texts = {(t.get_position()): t.get_text() for t in ax.texts}
    assert texts[(3, 0)].endswith("1/3\ncollapsed") and texts[(4, 0)].endswith("3/3\ncollapsed")
    assert "collapsed" not in texts[(2, 0)]
    title = figure.texts[0].get_text() if figure.texts else figure._suptitle.get_text()
    assert " ".join(title.split()).startswith(kpi_title("ops_wait_mean"))


def test_the_map_cells_count_collapses_with_a_wilson_interval(analysed):
    _, _, analysis = analysed
    cells = analysis.cells[analysis.cells["kpi"] == "ops_wait_mean"].set_index(
        ["x_cell", "y_cell"])
    cell = cells.loc[("330", "110")]
    assert (cell["collapsed"], cell["runs"]) == (1, 3)
    assert 0.0 < cell["collapsed_low"] < 1 / 3 < cell["collapsed_high"] < 1.0
    quiet = cells.loc[("270", "130")]
    assert quiet["collapsed"] == 0 and quiet["collapsed_low"] == 0.0
    assert 0.0 < quiet["collapsed_high"] < 1.0


def test_a_constant_kpi_gets_one_line_and_no_figure(analysed):
    _, _, analysis = analysed
    assert not any("hours_diverted_share" in f for f in analysis.files)
    line = next(r for r in analysis.reading if r.startswith(kpi_title("hours_diverted_share")))
    assert line.endswith("0% in every run; it does not vary across the sweep, so it is not "
                         "plotted.")


def test_undefined_values_are_counted_and_explained(analysed):
    _, runs, analysis = analysed
    missing = int(runs["projects_on_time_rate"].isna().sum())
    note = next(w for w in analysis.warnings if w.startswith(kpi_title("projects_on_time_rate")))
    assert f"has no value in {missing} of {len(runs)} runs" in note
    assert "no project was due in the window" in note
    assert f"({missing} of these runs collapsed, and stopped early)" in note
    points = analysis.means[analysis.means["kpi"] == "projects_on_time_rate"]
    assert points["undefined"].sum() == missing


def test_nothing_is_written_in_e_notation(analysed):
    folder, _, analysis = analysed
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert not E_NOTATION.search(report), E_NOTATION.search(report)
    for text in (*analysis.reading, *analysis.warnings):
        assert not E_NOTATION.search(text), text
    assert "0.0000" in report or "0.000" in report  # small waits are written out


def test_the_report_names_factors_plainly(analysed):
    folder, _, _ = analysed
    report = (folder / "report.md").read_text(encoding="utf-8")
    demand = factor_label("operations.demand")
    assert f"| {demand.name} | `operations.demand` | items/day | 270, 290, 310, 330, 350 |" \
        in report
    findings = report.split("## Caveats")[0]
    assert "operations.demand" not in findings and "workforce.operations" not in findings


# --- intervals within range ---------------------------------------------------------------

def _intervals(kpi: str, groups: list[list[float]]):
    frame = pd.DataFrame([{"g": i, kpi: v} for i, vs in enumerate(groups) for v in vs])
    return summarise(frame, ["g"], (kpi,))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8), min_size=1,
                max_size=6))
def test_intervals_of_shares_stay_in_zero_to_one(groups):
    table = _intervals("ops_service_level", groups)
    shown = table.dropna(subset=["ci_low"])
    assert (shown["ci_low"] >= 0.0).all() and (shown["ci_high"] <= 1.0).all()
    assert (shown["ci_low"] <= shown["mean"] + 1e-12).all()
    assert (shown["mean"] <= shown["ci_high"] + 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0.0, 1e4), min_size=1, max_size=8), min_size=1,
                max_size=6),
       st.sampled_from(["projects_completed", "ops_wait_mean", "attrition_count",
                        "ops_backlog_final"]))
def test_intervals_of_counts_and_durations_stay_at_or_above_zero(groups, kpi):
    table = _intervals(kpi, groups)
    shown = table.dropna(subset=["ci_low"])
    assert (shown["ci_low"] >= 0.0).all()
    assert (shown["ci_low"] <= shown["mean"] + 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=12),
                min_size=1, max_size=6))
def test_intervals_of_collapse_shares_are_wilson_intervals_in_zero_to_one(groups):
    from sim.studies.sweeps.outcomes import wilson

    table = _intervals("collapsed", groups)
    for row, values in zip(table.itertuples(), groups, strict=True):
        low, high = wilson(int(sum(values)), len(values))
        assert 0.0 <= row.ci_low <= row.mean <= row.ci_high <= 1.0
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high), abs=1e-12)


def test_the_old_interval_left_the_range_and_the_new_one_does_not():
    # Two replications of a share, 0.1 and 0.9: Student's t gives -4.98 to 5.98.
    low, high = mean_intervals("ops_service_level", np.array([2]), np.array([0.5]),
                               np.array([np.std([0.1, 0.9], ddof=1)]))
    assert 0.0 < low[0] < 0.5 < high[0] < 1.0
    # Two runs of a count, 0 and 1: the log scale would stretch the interval to hundreds of
    # times the mean, so the t interval is cut at 0 instead (it was -5.85 to 6.85).
    low, high = mean_intervals("projects_completed", np.array([2]), np.array([0.5]),
                               np.array([np.std([0.0, 1.0], ddof=1)]))
    t = stats.t.ppf(0.975, 1)
    assert low[0] == 0.0 and high[0] == pytest.approx(0.5 + t * 0.5)
    # Three runs close together: the log scale, mean x exp(+-t se / mean), above 0.
    values = np.array([4.0, 5.0, 6.0])
    se = values.std(ddof=1) / np.sqrt(3)
    low, high = mean_intervals("projects_completed", np.array([3]), np.array([5.0]),
                               np.array([values.std(ddof=1)]))
    spread = np.exp(stats.t.ppf(0.975, 2) * se / 5.0)
    assert (low[0], high[0]) == pytest.approx((5.0 / spread, 5.0 * spread))


@pytest.mark.parametrize(("kpi", "kind"), [("collapsed", "binary"),
                                           ("ops_service_level", "bounded"),
                                           ("maturity_final", "bounded"),
                                           ("ops_wait_mean", "positive"),
                                           ("cost_total", "positive"),
                                           ("npv_change", "signed"),
                                           ("project_slip_mean", "signed")])
def test_each_kpi_has_the_range_of_its_unit(kpi, kind):
    assert kpi_kind(kpi) == kind
    low, high = kpi_bounds(kpi)
    assert low <= 0.0 or kpi == "maturity_final"
    assert (high == 1.0) == (kind == "binary" or describe(kpi).unit in ("share",))


# --- labels ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "unit"), [
    ("operations.demand", "items/day"), ("workforce.operations.headcount", "people"),
    ("levers.wip_limit", "projects"), ("levers.protected_time", "share"),
    ("operations.seasonality.amplitude", "share"), ("operations.sla", "working days"),
    ("projects.portfolio[0].size", "person-days"),
    ("projects.templates[1].per_year", "proposals/year"), ("levers.rewards.scheme", ""),
    ("projects.estimate_error", "")])
def test_factor_units_come_from_the_schema(path, unit):
    assert factor_label(path).unit == unit


def test_factor_names_come_from_the_field_descriptions():
    demand = factor_label("operations.demand")
    description = Scenario.model_fields["operations"].annotation.model_fields[
        "demand"].description
    assert description.startswith(demand.name)
    assert demand.axis == f"{demand.name} (items/day)"
    assert factor_label("levers.rewards.scheme").name == "Reward scheme"  # its section's
    # Every staff group's headcount is "Number of people": each names its group.
    names = {factor_label(f"workforce.{g}.headcount").name for g in ("operations", "opex",
                                                                      "projects")}
    assert len(names) == 3 and all(n.startswith("Number of people (") for n in names)


def test_every_number_in_the_schema_has_a_plain_name():
    def leaves(model: type[BaseModel], prefix: str = ""):
        for name, field in model.model_fields.items():
            sub = field.annotation
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                yield from leaves(sub, f"{prefix}{name}.")
            elif field.annotation in (int, float):
                yield f"{prefix}{name}"

    paths = list(leaves(Scenario))
    assert len(paths) > 50
    for path in paths:
        label = factor_label(path)
        assert label.name and label.name != path and "." not in label.name, path
        assert label.name[0].isupper(), path


def test_unknown_keys_keep_their_path():
    assert factor_label("a.b").name == "a.b" and factor_label("a.b").unit == ""


@pytest.mark.parametrize(("path", "value", "text"), [
    ("operations.demand", 318.4, "318 items/day"), ("levers.protected_time", 0.25, "25.0%"),
    ("workforce.operations.headcount", np.int64(110), "110 people"),
    ("levers.rewards.scheme", "balanced", "balanced"),
    ("operations.p_defect", 0.000412, "0.0412%")])
def test_factor_values_are_written_plainly(path, value, text):
    assert format_value(factor_label(path), value) == text


def test_axis_cells_bin_scattered_values_and_keep_few_values():
    cells, order = axis_cells(pd.Series(np.linspace(0.0, 1.0, 50)))
    assert len(set(cells)) == 6 and order.min() == 0 and order.max() == 5
    cells, order = axis_cells(pd.Series([3, 1, 2, 1]))
    assert cells == ["3", "1", "2", "1"] and list(order) == [2, 0, 1, 0]
    cells, order = axis_cells(pd.Series(["b", "a", "b"]))
    assert cells == ["b", "a", "b"] and list(order) == [0, 1, 0]


def test_a_cell_table_has_one_row_per_cell_and_kpi():
    _, runs = grid_runs()
    table = cell_table(runs, "operations.demand", "workforce.operations.headcount",
                       ["ops_wait_mean"])
    assert len(table) == len(DEMANDS) * len(STAFF)
    assert (table["runs"] == 3).all()
