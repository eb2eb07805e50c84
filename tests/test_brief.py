"""The decision brief: computed headlines, plain numbers, panels that show something.

The brief of the README's example (the baseline against the OpEx team
sustaining benefits) is generated once, with fewer replications; its headline
numbers must be those of ``comparison.csv``, it may headline only changes that
are clear and material, no number may be in e-notation, every figure panel
must show a series that varies, and printed by Chromium it is one A4 page.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, load, print_to_pdf

from sim.errors import OutputError
from sim.reports.brief import (
    BRIEF_KPIS,
    FLOW_SERIES,
    MAX_PANELS,
    brief_rows,
    chosen_series,
    comparison_brief,
    headline_sentences,
    money,
    net_cash,
    npv_components,
    per_week,
    series_figure,
    smoothed,
    smoothing_weeks,
)
from sim.reports.comparison import compare_to_folder
from sim.reports.plain import plain_row
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
    headlines = [h.replace("&gt;", ">") for h in re.findall(r"<p class='headline'>(.*?)</p>",
                                                           page)]
    assert len(headlines) == 3
    npv = table.loc["npv_change"]
    currency = scenarios[0].finance.currency
    assert f"adds {money(npv['difference'], currency)} of net present value" in headlines[0]
    assert (f"{money(npv['ci_low'], signed=True)} to {money(npv['ci_high'], signed=True)} "
            f"{currency}") in headlines[0]
    assert "Over 2 years" in headlines[0]
    rows = {r.kpi: r for r in brief_rows(table, scenarios[0])}
    value = rows["value_benefits"]
    assert f"worth {value.change.lstrip('+')} more ({value.as_is} → {value.to_be})" \
        in headlines[1]
    assert npv["difference"] > 0  # sustaining benefits is worth it in this example


def test_a_headline_names_only_changes_that_are_clear_and_material(compared):
    scenarios, folder, _ = compared
    table = pd.read_csv(folder / "comparison.csv").set_index("kpi")
    base = scenarios[0]
    others = headline_sentences(table, base, scenarios[1])[2]
    rows = [r for r in brief_rows(table, base) if r.kpi not in ("npv_change", "value_benefits",
                                                                 "cost_change", "cost_total",
                                                                 "payback_weeks")]
    named = [r for r in rows if f"{r.short} {r.as_is} → {r.to_be}" in others]
    assert named and named == [r for r in rows if r.headline][:len(named)]
    assert all(r.verdict in ("better", "worse") and r.material for r in named)
    # with the table's own figures: what the headline says, the table shows
    page = (folder / "brief.html").read_text(encoding="utf-8")
    for r in named:
        assert f"<td>{r.as_is}</td><td>{r.to_be}</td>" in page
    # a change that is clear but not material at three figures is left out
    tiny = table.copy()
    level = tiny.loc["ops_service_level"]
    tiny.loc["ops_service_level", ["baseline_mean", "scenario_mean", "difference", "ci_low",
                                   "ci_high", "verdict"]] = [0.9988, 0.9993, 0.0005, 0.0003,
                                                             0.0007, "better"]
    assert level is not None
    row = plain_row("ops_service_level", tiny.loc["ops_service_level"], 7.5)
    assert (row.as_is, row.to_be, row.clear, row.material) == ("99.88%", "99.93%", True, False)
    assert "service level" not in headline_sentences(tiny, base, scenarios[1])[2]


def test_the_brief_prints_on_one_a4_page(compared, tmp_path):
    _, folder, _ = compared
    pages = print_to_pdf(folder / "brief.html", tmp_path / "brief.pdf")
    assert len(pages) == 1, f"the brief prints on {len(pages)} pages"
    width, height = pages[0]
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4, in mm


def test_every_row_has_a_unit_and_all_zero_rows_are_left_out(compared):
    scenarios, folder, _ = compared
    table = pd.read_csv(folder / "comparison.csv").set_index("kpi")
    zero = table.loc[list(BRIEF_KPIS)]
    zero = zero[(zero[["baseline_mean", "scenario_mean", "ci_low", "ci_high"]] == 0).all(axis=1)]
    assert "hours_diverted_share" in zero.index  # nobody diverts time in this example
    rows = brief_rows(table, scenarios[0])
    assert not {r.kpi for r in rows} & set(zero.index)
    unit = re.compile(r"(%|pp|GBP|min|h|days|weeks|projects|people|× start|strain|of 5)$")
    for r in rows:
        for text in (r.as_is, r.to_be, r.change, r.interval):
            assert text in ("", "n/a", "no change") or unit.search(text), (r.kpi, text)
    page = (folder / "brief.html").read_text(encoding="utf-8")
    assert "time lost to day job" not in page


@pytest.mark.parametrize(("kpi", "values", "expected"), [
    # the two values share a decimal place and get the figures that tell them apart
    ("ops_service_level", (0.99880, 0.99930, 0.0003, 0.0006, "better"),
     ("99.88%", "99.93%", "+0.050 pp", "+0.030 to +0.060 pp", False)),
    ("ops_wait_mean", (2.2 / 450, 0.443 / 450, -0.0045, -0.0035, "better"),
     ("2.20 min", "0.44 min", "−1.76 min", "−2.02 to −1.57 min", True)),
    ("stress_mean", (0.0540, 0.0000616, -0.06, -0.05, "better"),
     ("0.0540 strain", "0.0001 strain", "−0.0539 strain", "−0.0600 to −0.0500 strain", True)),
    # values that cannot be told apart at five figures: no change, with the interval
    ("cost_total", (23_786_300.0, 23_786_400.0, -14_200.0, 14_400.0, "no clear difference"),
     ("23.8 M GBP", "23.8 M GBP", "no change", "−0.014 to +0.014 M GBP", False)),
    ("cost_change", (2_995_726.0, 2_999_056.0, -17_082.0, 23_742.0, "no clear difference"),
     ("2.996 M GBP", "2.999 M GBP", "+0.0033 M GBP", "−0.0171 to +0.0237 M GBP", False)),
])
def test_one_precision_rule_for_every_row(kpi, values, expected):
    a, b, low, high, verdict = values
    row = plain_row(kpi, {"baseline_mean": a, "scenario_mean": b, "difference": b - a,
                          "ci_low": low, "ci_high": high, "verdict": verdict}, 7.5, "GBP")
    assert (row.as_is, row.to_be, row.change, row.interval, row.material) == expected


def test_the_cash_flow_ends_at_value_less_cost_of_change(compared):
    _, folder, _ = compared
    weekly = pd.read_parquet(folder / "weekly.parquet")
    summary = pd.read_csv(folder / "summary.csv").set_index(["scenario", "replication"])
    last = net_cash(weekly).groupby(["scenario", "replication"])["cash"].last()
    expected = summary["value_benefits"] - summary["cost_change"]
    assert np.allclose(last.sort_index(), expected.loc[last.sort_index().index], rtol=1e-9)


def test_the_series_average_out_the_kaizen_cycle():
    scenario = load(BASELINE)
    window = smoothing_weeks(scenario)
    assert window == 4  # a 4-week kaizen cycle in the baseline
    weeks = np.arange(1, 41)
    trend = 1.0 + 0.001 * weeks
    saw = np.tile([0.0, -0.01, -0.02, 0.03], 10)  # the cycle's rise and decay, mean zero
    weekly = pd.DataFrame({"scenario": "s", "replication": 0, "day": 5.0 * weeks,
                           "capability": trend + saw})
    smooth = smoothed(weekly, ["capability"], window)["capability"].to_numpy()
    expected = pd.Series(trend).rolling(window).mean().to_numpy()
    assert np.allclose(smooth[window - 1:], expected[window - 1:], atol=1e-12)
    assert np.ptp(np.diff(smooth[window:])) < 1e-12  # no sawtooth left, a straight trend


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
    assert len(visible) == min(len(shown), MAX_PANELS)
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
    assert f"a net present value of {money(npv, scenario.finance.currency)}" in text
    assert len(re.findall(r"data:image/png;base64,", page)) == 3
    assert len(print_to_pdf(folder / "brief.html", tmp_path / "brief.pdf")) == 1


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
