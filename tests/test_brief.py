"""The decision brief: computed headlines, plain numbers, panels that show something.

The brief of the README's example (the baseline against the OpEx team
sustaining benefits) is generated once, with fewer replications; its headline
numbers must be those of ``comparison.csv``, no number may be in e-notation
and every figure panel must show a series that varies.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, load

from sim.errors import OutputError
from sim.reports.brief import (
    FLOW_SERIES,
    chosen_series,
    comparison_brief,
    money,
    npv_components,
    per_week,
    series_figure,
)
from sim.reports.comparison import compare_to_folder
from sim.reports.runs import run_to_folder
from sim.studies.folders import write_text

TO_BE = SCENARIOS / "examples" / "to_be_sustained.yaml"
QUICK = {"replications": 3, "horizon": "2 years"}


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    scenarios = [load(BASELINE, QUICK), load(TO_BE, QUICK)]
    folder, comparison = compare_to_folder(scenarios, [str(BASELINE), str(TO_BE)], out=out,
                                           command=["pmosim", "compare"])
    return scenarios, folder, comparison


def _text(page: str) -> str:
    page = re.sub(r"<img[^>]*>", " ", page)
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_the_comparison_writes_a_self_contained_brief(compared):
    _, folder, _ = compared
    page = (folder / "brief.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    sources = re.findall(r"(?:src|href)=['\"]([^'\"]+)", page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    for source in sources:
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http" not in _text(page)
    manifest = (folder / "manifest.json").read_text()
    assert '"brief.html"' in manifest


def test_the_headline_numbers_are_those_of_comparison_csv(compared):
    scenarios, folder, _ = compared
    table = pd.read_csv(folder / "comparison.csv").set_index("kpi")
    page = (folder / "brief.html").read_text(encoding="utf-8")
    headlines = re.findall(r"<p class='headline'>(.*?)</p>", page)
    assert 2 <= len(headlines) <= 3
    npv = table.loc["npv_change"]
    currency = scenarios[0].finance.currency
    first = headlines[0].replace("\N{MINUS SIGN}", "-")
    assert f"adds {money(npv['difference'], currency)} of NPV" in first
    assert f"{money(npv['ci_low'], signed=True)} to {money(npv['ci_high'], signed=True)}" \
        in first
    assert "over 2 years" in first
    level = table.loc["ops_service_level"]
    from sim.reports.brief import _percent_pair

    assert f"({_percent_pair(level['baseline_mean'], level['scenario_mean'])})" in first
    value = table.loc["value_benefits"]
    assert money(value["difference"], currency, True) in headlines[1]
    assert npv["difference"] > 0  # sustaining benefits is worth it in this example


def test_no_number_in_the_brief_is_in_e_notation(compared):
    _, folder, _ = compared
    text = _text((folder / "brief.html").read_text(encoding="utf-8"))
    assert not re.search(r"\d[eE][+-]?\d", text), re.search(r".{30}\d[eE][+-]?\d.{10}", text)
    assert "nan" not in text.lower().split()


def test_the_figures_show_only_series_that_vary(compared):
    scenarios, folder, _ = compared
    weekly = pd.read_parquet(folder / "weekly.parquet")
    shown = [c for c, _ in chosen_series(per_week(weekly))]
    for column in shown:
        assert weekly[column].max() > weekly[column].min(), column
    # the example's benefits reduce failures, save effort and raise revenue: no panel for
    # demand reduction or capability, which stay at zero
    assert "benefit_demand_reduction" not in shown and "benefit_capability" not in shown
    assert {"benefit_failure_reduction", "benefit_productivity"} <= set(shown)
    figure = series_figure(weekly, [s.name for s in scenarios])
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert len(visible) == min(len(shown), 9)
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [s.name for s in scenarios]
    assert all(legend.get_window_extent().y0 >= ax.get_window_extent().y1 - 1e-6
               for ax in visible)  # the legend sits above the panels, hiding nothing


def test_the_npv_parts_add_up_to_the_npv_difference(compared):
    scenarios, folder, comparison = compared
    weekly = pd.read_parquet(folder / "weekly.parquet")
    parts = npv_components(weekly, scenarios[0].name, scenarios[1].name, scenarios[0])
    npv = comparison.set_index(["scenario", "kpi"]).loc[(scenarios[1].name, "npv_change")]
    assert parts.sum() == pytest.approx(npv["difference"], rel=1e-9)


def test_a_final_partial_week_is_shown_as_a_weekly_rate():
    weekly = pd.DataFrame({"scenario": "s", "replication": 0, "day": [5.0, 10.0, 12.0],
                           "value_benefits": [10.0, 10.0, 4.0], "cost_change": 1.0})
    rated = per_week(weekly)
    assert rated["value_benefits"].tolist() == [10.0, 10.0, 10.0]
    assert rated["cost_change"].tolist() == [1.0, 1.0, 2.5]
    assert [c for c, _ in chosen_series(rated)] == ["cost_change"]
    assert FLOW_SERIES[0][0] == "value_benefits"


def test_money_is_written_in_thousands_and_millions():
    assert money(1_234_567.0, "GBP") == "1.23 M GBP"
    assert money(-45_600.0, signed=True) == "\N{MINUS SIGN}45.6 k"
    assert money(12.5) == "12.5"
    assert money(float("nan")) == "n/a"
    assert money(2.5e9) == "2.50 bn"


def test_a_run_writes_its_own_brief(tmp_path):
    scenario = load(BASELINE, {"replications": 2, "horizon": "1 year"})
    folder, kpis = run_to_folder(scenario, out=tmp_path, source=str(BASELINE))
    page = (folder / "brief.html").read_text(encoding="utf-8")
    text = _text(page)
    assert not re.search(r"\d[eE][+-]?\d", text)
    npv = kpis.set_index("kpi").loc["npv_change", "mean"]
    assert f"an NPV of {money(npv, scenario.finance.currency)}" in text
    assert len(re.findall(r"data:image/png;base64,", page)) == 2


def test_a_brief_never_replaces_a_file(tmp_path):
    write_text(tmp_path / "brief.html", "first")
    with pytest.raises(OutputError):
        write_text(tmp_path / "brief.html", "second")
    assert (tmp_path / "brief.html").read_text() == "first"


def test_a_brief_of_three_scenarios_has_a_section_for_each_to_be(compared):
    scenarios, folder, comparison = compared
    weekly = pd.read_parquet(folder / "weekly.parquet")
    third = scenarios[1].model_copy(update={"name": "again"})
    extra = comparison[comparison["scenario"] == scenarios[1].name].assign(scenario="again")
    twice = pd.concat([weekly, weekly[weekly["scenario"] == scenarios[1].name]
                       .assign(scenario="again")], ignore_index=True)
    page = comparison_brief([*scenarios, third], [None, None, None],
                            pd.concat([comparison, extra]), twice)
    assert page.count("<h2>") == 3  # two comparisons and the assumptions


def test_the_brief_module_writes_nothing_itself():
    source = Path(__file__).resolve().parents[1] / "sim" / "reports" / "brief.py"
    code = source.read_text(encoding="utf-8")
    assert "open(" not in code and "write_text" not in code


def test_the_standard_figures_drop_a_final_partial_week_and_keep_legends_off_the_data(
        compared):
    from sim.reports import figures as plots

    _, folder, _ = compared
    weekly = pd.read_parquet(folder / "weekly.parquet")
    last = weekly.groupby(["scenario", "replication"])["day"].max()
    assert (last % 5 != 0).all()  # 2 years = 504 days: the last week has 4 days
    kept = plots.whole_weeks(weekly)
    assert len(kept) == len(weekly) - len(last)
    assert kept["day"].max() == 500
    one = weekly[weekly["scenario"] == "baseline"]
    for name, draw in plots.FIGURES.items():
        if plots.FIGURE_NEEDS.get(name, "day") not in one:
            continue  # drawn only for scenarios that have what it shows
        figure = draw(one, name)
        figure.canvas.draw()
        for ax in figure.axes:
            legend = ax.get_legend()
            if legend is not None:
                assert legend.get_window_extent().x0 >= ax.get_window_extent().x1 - 1e-6, name
            labels = [t.get_text() for t in ax.get_yticklabels()]
            assert not any(re.search(r"\de[+-]?\d|1e\d", t) for t in labels), (name, labels)
            assert ax.yaxis.get_offset_text().get_text() == "", name
    overlay = plots.overlay_figure(weekly)
    titles = [ax.get_title() for ax in overlay.axes if ax.get_visible()]
    assert "hours diverted a week" not in titles  # nobody diverts in this example: no panel
    assert overlay.legends and all(ax.get_legend() is None for ax in overlay.axes)


def test_a_change_in_the_service_level_is_shown_with_the_decimals_that_tell_it_apart():
    from sim.reports.brief import _percent_pair

    assert _percent_pair(0.9991, 0.9994) == "99.91% → 99.94%"
    assert _percent_pair(0.99912, 0.99913) == "99.912% → 99.913%"
    assert _percent_pair(0.999, 0.999) == "99.9% → 99.9%"
