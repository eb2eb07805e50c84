"""The decision brief: one printed A4 page that says what a comparison found.

``pmosim compare`` writes ``brief.html`` beside ``comparison.csv`` and
``pmosim run`` a single-scenario version; the studio offers the same page as a
download. The page opens with two or three sentences computed from the
results (the net present value of the change with its interval, what the
money is made of, and the KPIs that change clearly and materially), then the
KPI table in plain units, where the NPV (or its difference) comes from, the
cumulative cash flow of the change, the key weekly series chosen by what the
scenarios contain and the assumptions: what differs, seeds, replications,
horizon and prices. The HTML has no external asset: figures are embedded PNG
data URIs, and a print stylesheet fits a comparison of two scenarios (or one
scenario's run) on one A4 page.

Every number shown comes from the tables the folder holds (``comparison.csv``
or ``kpis.csv``, ``weekly.parquet``) and is written by :mod:`sim.reports.plain`,
the precision rule the studio uses too. A change is named in a headline only if
it is statistically clear (its 95% interval excludes zero) and material (the two
values differ at three significant figures).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.kpis import describe
from sim.model.benefits import KINDS
from sim.model.finance import CHANGE, PRICED_KINDS, present_value, weekly_rate
from sim.reports.plain import PlainRow, first_decimals, fixed, money, plain_row, plain_value, scale
from sim.schema.scenario import Scenario
from sim.studies.folders import scenario_document
from sim.studies.statistics import scenario_differences
from sim.units import DAYS_PER_MONTH, DAYS_PER_WEEK, DAYS_PER_YEAR, format_days, plain_number

__all__ = ["BRIEF_KPIS", "FLOW_SERIES", "LEVEL_SERIES", "cash_figure", "chosen_series",
           "comparison_brief", "headline_sentences", "money", "npv_components", "npv_figure",
           "per_week", "run_brief", "series_figure", "smoothing_weeks"]

BRIEF_KPIS = ("npv_change", "value_benefits", "cost_change", "cost_total", "payback_weeks",
              "ops_service_level", "ops_time_in_system_mean", "ops_wait_mean",
              "projects_completed", "projects_on_time_rate", "benefits_sustained_final",
              "revenue_index_final", "capability_final", "stress_mean", "misalignment_mean",
              "attrition_count", "hours_diverted_share")
"""The KPIs of the brief's table, in order."""
MONEY_KPIS = ("npv_change", "value_benefits", "cost_change", "cost_total", "payback_weeks")
"""KPIs the first two headline sentences speak of; the third names the others."""
MOST_NAMED = 3
"""Most KPIs the third headline sentence names on each side (better, worse)."""

ACTIVITY_LABELS = {"projects": "project time", "opex": "OpEx improvement",
                   "sustainment": "sustainment", "pmo": "PMO overhead",
                   "day_job": "day job", "onboarding": "onboarding"}
KIND_LABELS = {"demand_reduction": "demand avoided", "failure_reduction": "failure avoided",
               "productivity": "effort saved", "revenue": "extra revenue",
               "capability": "capability"}

FLOW_SERIES = (("value_benefits", "value of benefits per week"),
               ("cost_change", "cost of change per week"))
LEVEL_SERIES = (("service_level", "service level"), ("backlog", "items in the system"),
                *((f"benefit_{k}", f"{KIND_LABELS[k]} (realised level)") for k in KINDS),
                ("capability", "operations capability"),
                ("stress_mean", "staff strain"), ("projects_active", "projects in progress"))
"""Weekly series the brief may draw: flows (money per week) and levels."""

_FLAT = 1e-9
_SMALL = 0.005
"""Parts of the NPV smaller than this share of the largest are left out of its chart."""
MAX_PANELS = 8
PANEL_COLUMNS = 4
DPI = 110
"""Resolution of the embedded figures (sharp when printed at their size on A4)."""


def _years(days: float) -> str:
    label = format_days(days)
    return label if not label.endswith(" days") else f"{days / DAYS_PER_YEAR:.1f} years"


# -- the comparison brief -------------------------------------------------------------

def comparison_brief(scenarios: Sequence[Scenario], sources: Sequence[str | None],
                     comparison: pd.DataFrame, weekly: pd.DataFrame) -> str:
    """The decision brief of a comparison, as one self-contained HTML page.

    Parameters
    ----------
    scenarios
        The aligned scenarios, AS-IS first.
    sources
        Their files (or None), for the assumptions.
    comparison
        The table written as ``comparison.csv``.
    weekly
        The stacked weekly tables of every scenario.

    Returns
    -------
    str
        The page: one A4 page when printed for one TO-BE; each further TO-BE
        starts a page of its own.
    """
    base = scenarios[0]
    currency = base.finance.currency
    names = [s.name for s in scenarios]
    parts = []
    for k, scenario in enumerate(scenarios[1:]):
        rows = comparison[comparison["scenario"] == scenario.name].set_index("kpi")
        parts.append(f"<section class='comparison{' next' if k else ''}'>"
                     f"<h2>{_e(scenario.name)} compared with {_e(base.name)}</h2>")
        parts.append("".join(f"<p class='headline'>{_e(s)}</p>"
                             for s in headline_sentences(rows, base, scenario)))
        parts.append(_comparison_table(rows, base, scenario.name))
        components = npv_components(weekly, base.name, scenario.name, base)
        waterfall = npv_figure(components, currency, "Where the NPV difference comes from "
                               f"({scenario.name} − {base.name})")
        cash = cash_figure(weekly, [base.name, scenario.name], base, currency)
        parts.append("<div class='pair'>"
                     + _figure_html(waterfall, "Where the NPV difference comes from")
                     + _figure_html(cash, "Cumulative net cash flow of the change")
                     + "</div></section>")
    window = smoothing_weeks(base)
    parts.append(_figure_html(series_figure(weekly, names, base.warmup, window),
                              "Key weekly series", "series"))
    parts.append(_series_caption(window, len(names) > 1))
    parts.append(_assumptions(scenarios, sources))
    title = " vs ".join(names)
    return page_html(title, f"Decision brief: {title}", parts)


def brief_rows(rows: pd.DataFrame, base: Scenario, kpis: Sequence[str] = BRIEF_KPIS
               ) -> list[PlainRow]:
    """The brief's table of one TO-BE in plain units, without the rows that are all zero.

    ``rows`` is the TO-BE's part of ``comparison.csv``, indexed by KPI.
    """
    out = [plain_row(k, rows.loc[k], base.hours_per_day, base.finance.currency)
           for k in kpis if k in rows.index]
    return [r for r in out if not r.zero]


def headline_sentences(rows: pd.DataFrame, base: Scenario, scenario: Scenario) -> list[str]:
    """Three sentences on one TO-BE: its NPV, what the money is made of, what else changes.

    ``rows`` is the TO-BE's part of ``comparison.csv``, indexed by KPI. A KPI is
    named as changed only if its change is both statistically clear (the 95%
    interval excludes zero) and material (its two values differ at three
    significant figures); the figures are those of the table.
    """
    currency = base.finance.currency
    horizon = _years(base.horizon - base.warmup)
    table = {r.kpi: r for r in brief_rows(rows, base, list(rows.index))}
    npv = rows.loc["npv_change"]
    d, low, high = npv["difference"], npv["ci_low"], npv["ci_high"]
    interval = (f" (95% CI {money(low, signed=True)} to {money(high, signed=True)} {currency})"
                if math.isfinite(low) else "")
    if d == low == high == 0.0:
        first = (f"Over {horizon}, {scenario.name} has the same net present value as "
                 f"{base.name} in every replication.")
    elif math.isfinite(low) and low <= 0.0 <= high:
        first = (f"Over {horizon}, {scenario.name} shows no clear difference in net present "
                 f"value from {base.name}: {money(d, currency, True)}{interval}.")
    else:
        verb = "adds" if d >= 0 else "loses"
        first = (f"Over {horizon}, {scenario.name} {verb} {money(abs(d), currency)} of net "
                 f"present value compared with {base.name}{interval}.")
    second = [_money_clause(table.get("value_benefits"), "benefits are worth", "more", "less",
                            "the value of benefits"),
              _money_clause(table.get("cost_change"), "the cost of change", "rises by",
                            "falls by", "the cost of change", subject_first=True)]
    second = [c for c in second if c]
    payback = rows.loc["payback_weeks", "scenario_mean"] if "payback_weeks" in rows.index \
        else math.nan
    if math.isfinite(payback):
        second.append(f"the change pays back after {plain_number(payback)} weeks on average")
    sentences = [first]
    if second:
        text = "; ".join(second)
        sentences.append(text[0].upper() + text[1:] + ".")
    sentences.append(_others_sentence([table[k] for k in BRIEF_KPIS
                                       if k in table and k not in MONEY_KPIS]))
    return sentences


def _money_clause(row: PlainRow | None, subject: str, up: str, down: str, name: str,
                  subject_first: bool = False) -> str:
    """``benefits are worth 4.11 M GBP more (3.66 M → 7.76 M GBP)``, or no clear change."""
    if row is None:
        return ""
    pair = f"{row.as_is} → {row.to_be}"
    if not row.headline:
        return f"no clear change in {name} ({pair})"
    amount = row.change.lstrip("+" + "\N{MINUS SIGN}")
    rising = not row.change.startswith("\N{MINUS SIGN}")
    if subject_first:
        return f"{subject} {up if rising else down} {amount} ({pair})"
    return f"{subject} {amount} {up if rising else down} ({pair})"


def _others_sentence(rows: list[PlainRow]) -> str:
    """The KPIs that change clearly and materially, better first, with their figures."""
    parts = []
    for verdict in ("better", "worse", "higher", "lower"):
        named = [r for r in rows if r.headline and r.verdict == verdict][:MOST_NAMED]
        if named:
            parts.append(f"Clearly {verdict}: " + "; ".join(
                f"{r.short} {r.as_is} → {r.to_be}" for r in named) + ".")
    if not parts:
        return ("No other KPI of the table changes both clearly (by its 95% interval) and "
                "materially (at three significant figures).")
    return " ".join(parts)


def _comparison_table(rows: pd.DataFrame, base: Scenario, name: str) -> str:
    head = (f"<table class='kpis'><tr><th>KPI</th><th>{_e(base.name)}</th><th>{_e(name)}</th>"
            "<th>change (95% CI)</th><th>verdict</th></tr>")
    body = []
    for r in brief_rows(rows, base):
        ci = f" <span class='ci'>({_e(r.interval)})</span>" if r.interval else ""
        body.append(f"<tr><td>{_e(r.label)}</td><td>{_e(r.as_is)}</td><td>{_e(r.to_be)}</td>"
                    f"<td>{_e(r.change)}{ci}</td>"
                    f"<td class='{_e(r.verdict.split()[0])}'>{_e(r.verdict)}</td></tr>")
    return head + "".join(body) + "</table>"


# -- where the NPV comes from -----------------------------------------------------------

def npv_components(weekly: pd.DataFrame, base: str | None, scenario: str,
                   settings: Scenario) -> pd.Series:
    """Mean present value of each money flow, or its paired difference from ``base``.

    The value of each priced benefit kind counts positive and the cost of each
    change activity negative; they add up to the mean NPV (difference), since
    NPV is linear in the weekly flows. Weeks are those after the warm-up,
    discounted as for ``npv_change``.
    """
    rate = weekly_rate(settings.finance.discount_rate)
    columns = [f"value_{k}" for k in PRICED_KINDS] + ["value_ai"] + [f"cost_{a}" for a in CHANGE]

    def present(runs: pd.DataFrame) -> pd.DataFrame:
        runs = runs[runs["day"] > settings.warmup]
        return runs.groupby("replication")[columns].apply(
            lambda w: pd.Series({c: present_value(w[c].to_numpy(), rate) for c in columns}))

    pv = present(weekly[weekly["scenario"] == scenario])
    if base is not None:
        pv = pv - present(weekly[weekly["scenario"] == base])
    mean = pv.mean()
    out = {KIND_LABELS[k]: mean[f"value_{k}"] for k in PRICED_KINDS}
    out["AI solutions"] = mean["value_ai"]
    out.update({ACTIVITY_LABELS[a]: -mean[f"cost_{a}"] for a in CHANGE})
    return pd.Series(out)


def npv_figure(components: pd.Series, currency: str, title: str) -> Figure:
    """A waterfall of the NPV's parts (components that are zero everywhere are left out)."""
    largest = float(components.abs().max()) if len(components) else 0.0
    big = components.abs() > max(_SMALL * largest, _FLAT)
    shown = components[big]
    rest = float(components[~big].sum())
    if abs(rest) > _FLAT:  # the small parts together, so that the bars add up to the NPV
        shown = pd.concat([shown, pd.Series({"other (small parts)": rest})])
    fig = Figure(figsize=(7.0, 0.3 * (len(shown) + 1) + 0.9))
    ax = fig.subplots()
    start, labels = 0.0, []
    for y, (label, value) in enumerate(shown.items()):
        ax.barh(y, value, left=start, color="#2a7" if value >= 0 else "#c44")
        start += value
        labels.append(label)
    total = float(components.sum())
    ax.barh(len(shown), total, color="#357")
    labels.append("NPV")
    ax.set_yticks(range(len(labels)), labels, fontsize="small")
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", linewidth=0.6)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: money(v)))
    ax.set_xlabel(f"present value ({currency})")
    ax.set_title(title, fontsize="medium")
    ax.annotate(money(total, currency, True), (total, len(shown)), xytext=(4, 0),
                textcoords="offset points", va="center", fontsize="small",
                ha="left" if total >= 0 else "right")
    ends = np.concatenate(([0.0, total], np.cumsum(shown.to_numpy())))
    span = max(ends.max() - ends.min(), _FLAT)
    ax.set_xlim(ends.min() - 0.05 * span, ends.max() + 0.25 * span)
    fig.subplots_adjust(left=0.22, right=0.97, bottom=0.45 / fig.get_figheight() + 0.05,
                        top=1 - 0.35 / fig.get_figheight())
    return fig


# -- the cumulative cash flow -------------------------------------------------------------

def net_cash(weekly: pd.DataFrame, warmup: float = 0.0) -> pd.DataFrame:
    """Cumulative net cash flow of the change per run: value of benefits less cost of change.

    Undiscounted, from the first week after the warm-up: the flows whose sum is
    ``value_benefits - cost_change`` and whose first lasting zero crossing is
    ``payback_weeks``. Columns ``scenario``, ``replication``, ``day``, ``cash``.
    """
    after = weekly[weekly["day"] > warmup]
    net = after["value_benefits"] - after["cost_change"]
    cash = net.groupby([after["scenario"], after["replication"]]).cumsum()
    return after[["scenario", "replication", "day"]].assign(cash=cash.to_numpy())


def cash_figure(weekly: pd.DataFrame, names: Sequence[str], settings: Scenario,
                currency: str) -> Figure:
    """The cumulative net cash flow of each scenario's change (mean and 5-95% band)."""
    cash = net_cash(weekly, settings.warmup)
    fig = Figure(figsize=(4.4, 2.5))
    ax = fig.subplots()
    for k, name in enumerate(names):
        runs = cash[cash["scenario"] == name]
        if runs.empty:
            continue
        grouped = runs.groupby("day")["cash"]
        months = grouped.mean().index.to_numpy() / DAYS_PER_MONTH
        ax.plot(months, grouped.mean().to_numpy(), color=f"C{k}", linewidth=1.2,
                label=str(name))
        if runs["replication"].nunique() > 1:
            ax.fill_between(months, grouped.quantile(0.05).to_numpy(),
                            grouped.quantile(0.95).to_numpy(), color=f"C{k}", alpha=0.2,
                            linewidth=0)
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: money(v)))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    ax.tick_params(labelsize="x-small")
    ax.set_xlabel("months", fontsize="small")
    ax.set_ylabel(currency, fontsize="small")
    ax.set_title("Cumulative net cash flow of the change\n(value of benefits − cost of change, "
                 "undiscounted)", fontsize="small")
    ax.legend(fontsize="x-small", frameon=False, loc="best")
    fig.subplots_adjust(left=0.17, right=0.97, bottom=0.17, top=0.84)
    return fig


# -- the weekly series ------------------------------------------------------------------

def per_week(weekly: pd.DataFrame) -> pd.DataFrame:
    """Weekly flows as per-week rates: a final partial week is scaled to five days."""
    days = weekly.groupby(["scenario", "replication"])["day"].diff()
    days = days.fillna(weekly["day"])
    scale_ = DAYS_PER_WEEK / days
    flows = [c for c, _ in FLOW_SERIES if c in weekly]
    return weekly.assign(**{c: weekly[c] * scale_ for c in flows})


def smoothing_weeks(scenario: Scenario) -> int:
    """Weeks of one kaizen cycle: the window that averages out its sawtooth.

    Improvement gains land at once at the end of each cycle
    (``opex.kaizen_cycle``, 4 weeks by default) and capability erodes
    continuously in between, so the weekly capability, and what depends on it,
    rises and falls once a cycle. A moving average over exactly one cycle
    removes that rhythm and keeps the trend.
    """
    return max(1, round(scenario.opex.kaizen_cycle / DAYS_PER_WEEK))


def smoothed(weekly: pd.DataFrame, columns: Sequence[str], window: int) -> pd.DataFrame:
    """Each run's ``columns`` as a trailing moving average over ``window`` weeks."""
    if window <= 1:
        return weekly
    ordered = weekly.sort_values(["scenario", "replication", "day"])
    runs = ordered.groupby(["scenario", "replication"], sort=False)[list(columns)]
    means = runs.rolling(window, min_periods=1).mean().reset_index(level=[0, 1], drop=True)
    return ordered.assign(**{c: means[c] for c in columns})


def chosen_series(weekly: pd.DataFrame) -> list[tuple[str, str]]:
    """The series worth drawing: present, and not flat in every scenario."""
    out = []
    for column, label in (*FLOW_SERIES, *LEVEL_SERIES):
        if column not in weekly:
            continue
        values = weekly[column].to_numpy(float)
        values = values[np.isfinite(values)]
        if len(values) and values.max() - values.min() > _FLAT * max(1.0, abs(values).max()):
            out.append((column, label))
    return out


def series_figure(weekly: pd.DataFrame, names: Sequence[str], warmup: float = 0.0,
                  window: int = 1) -> Figure:
    """The chosen weekly series of every scenario (mean and 5-95% band), one panel each.

    Each run's series is first averaged over ``window`` weeks (see
    :func:`smoothing_weeks`); the mean and band are then taken over the
    replications. The statistics of every series are computed in one pass, and
    the layout is fixed rather than fitted, so that the figure takes a fraction
    of a second.
    """
    weekly = per_week(weekly)
    shown = chosen_series(weekly)[:MAX_PANELS]
    columns = [c for c, _ in shown]
    weekly = smoothed(weekly, columns, window)
    grouped = weekly.groupby(["scenario", "day"], sort=True)[columns]
    mean = grouped.mean()
    several = weekly["replication"].nunique() > 1
    low, high = (grouped.quantile(0.05), grouped.quantile(0.95)) if several else (None, None)
    cols = PANEL_COLUMNS
    rows = max(-(-len(shown) // cols), 1)
    height = 1.45 * rows + 0.5
    fig = Figure(figsize=(9.0, height))
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()
    for ax, (column, label) in zip(axes, shown, strict=False):
        for k, name in enumerate(names):
            if name not in mean.index.get_level_values(0):
                continue
            line = mean.loc[name, column]
            months = line.index.to_numpy() / DAYS_PER_MONTH
            color = f"C{k}"
            ax.plot(months, line.to_numpy(), color=color, linewidth=1.0, label=str(name))
            if several:
                ax.fill_between(months, low.loc[name, column].to_numpy(),
                                high.loc[name, column].to_numpy(), color=color, alpha=0.2,
                                linewidth=0)
        # a text, not a title: matplotlib re-measures every tick to place titles
        ax.text(0.5, 1.03, label, transform=ax.transAxes, ha="center", fontsize="small")
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(_tick(column)))
        ax.tick_params(labelsize="x-small")
        if warmup:
            ax.axvline(warmup / DAYS_PER_MONTH, color="grey", linewidth=0.5)
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    for ax in axes[-cols:]:
        ax.set_xlabel("months", fontsize="small")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=max(len(labels), 1),
               fontsize="small", frameon=False)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.42 / height, top=1 - 0.45 / height,
                        wspace=0.34, hspace=0.5)
    return fig


def _series_caption(window: int, several: bool) -> str:
    band = " and the 5–95% band over replications" if several else ""
    smooth = (f" Each line is a {window}-week moving average: improvement gains land every "
              f"{window} weeks (one kaizen cycle), which makes weekly values rise and fall "
              "in that rhythm; the average keeps the trend." if window > 1 else "")
    return f"<p class='caption'>Key weekly series: mean{band}.{smooth}</p>"


def _tick(column: str):
    """Tick labels without e-notation: money in k or M, shares in percent."""
    if column in dict(FLOW_SERIES):
        return lambda v, _p: money(v)
    if column == "service_level" or (column.startswith("benefit_")
                                     and column != "benefit_capability"):
        return lambda v, _p: plain_number(100.0 * v) + "%"
    return lambda v, _p: plain_number(v)


# -- the single-scenario brief ----------------------------------------------------------

def run_brief(scenario: Scenario, source: str | None, kpis: pd.DataFrame,
              weekly: pd.DataFrame) -> str:
    """The brief of one scenario's replications, as one self-contained HTML page.

    ``kpis`` is the table written as ``kpis.csv`` (mean and 95% CI per KPI).
    """
    table = kpis.set_index("kpi")
    currency, hpd = scenario.finance.currency, scenario.hours_per_day
    horizon = _years(scenario.horizon - scenario.warmup)

    def mean(k):
        return table.loc[k, "mean"]

    def show(k):
        return plain_value(k, mean(k), hpd, currency)

    npv = table.loc["npv_change"]
    interval = (f" (95% CI {money(npv['ci_low'])} to {money(npv['ci_high'])} {currency})"
                if math.isfinite(npv["ci_low"]) else "")
    sentences = [
        f"Over {horizon}, {scenario.name} spends {show('cost_change')} on change (projects, "
        f"PMO, OpEx and sustainment) and realises benefits worth {show('value_benefits')}: "
        f"a net present value of {show('npv_change')}{interval}.",
        f"The service level is {show('ops_service_level')} and an item takes "
        f"{show('ops_time_in_system_mean')} from arrival to completion on average; "
        f"{plain_number(mean('projects_completed'))} projects complete, "
        f"{show('projects_on_time_rate')} of them on time."]
    if math.isfinite(mean("payback_weeks")):
        sentences.append(f"The change pays back after {plain_number(mean('payback_weeks'))} "
                         "weeks on average.")
    rows = []
    for k in BRIEF_KPIS:
        if k not in table.index:
            continue
        r = table.loc[k]
        value, ci = _estimate(k, r["mean"], r["ci_low"], r["ci_high"], hpd, currency)
        if value is None:
            continue
        rows.append(f"<tr><td>{_e(describe(k).label)}</td><td>{_e(value)}</td>"
                    f"<td>{_e(ci)}</td></tr>")
    window = smoothing_weeks(scenario)
    parts = ["".join(f"<p class='headline'>{_e(s)}</p>" for s in sentences),
             "<table class='kpis'><tr><th>KPI</th><th>mean</th><th>95% CI</th></tr>"
             + "".join(rows) + "</table>",
             "<div class='pair'>"
             + _figure_html(npv_figure(npv_components(weekly, None, scenario.name, scenario),
                                       currency, "Where the NPV comes from"),
                            "Where the NPV comes from")
             + _figure_html(cash_figure(weekly, [scenario.name], scenario, currency),
                            "Cumulative net cash flow of the change")
             + "</div>",
             _figure_html(series_figure(weekly, [scenario.name], scenario.warmup, window),
                          "Key weekly series", "series"),
             _series_caption(window, weekly["replication"].nunique() > 1),
             _assumptions([scenario], [source])]
    return page_html(scenario.name, f"Decision brief: {scenario.name}", parts)


def _estimate(kpi: str, mean: float, low: float, high: float, hours_per_day: float,
              currency: str) -> tuple[str | None, str]:
    """A mean and its interval to three significant figures of the mean (None if all zero)."""
    if all(v == 0.0 for v in (mean, low, high)):
        return None, ""
    if not math.isfinite(mean):
        return "n/a", ""
    unit = scale(kpi, abs(mean), hours_per_day, currency)
    places = first_decimals(mean * unit.factor)
    value = fixed(mean * unit.factor, places) + unit.value
    if not (math.isfinite(low) and math.isfinite(high)):
        return value, ""
    return value, (f"{fixed(low * unit.factor, places)} to "
                   f"{fixed(high * unit.factor, places)}{unit.value}")


# -- page parts -------------------------------------------------------------------------

def _assumptions(scenarios: Sequence[Scenario], sources: Sequence[str | None]) -> str:
    base = scenarios[0]
    f = base.finance
    rates = ", ".join(f"{g} {money(getattr(f.cost_per_day, g), f.currency)}"
                      for g in ("operations", "projects", "opex", "pmo"))
    items = [
        f"{base.replications} replications per scenario with root seed {base.seed}; "
        "replication <i>k</i> of every scenario used the same random numbers."
        if len(scenarios) > 1 else
        f"{base.replications} replications with root seed {base.seed}.",
        f"Horizon {_e(_years(base.horizon))}, warm-up {_e(format_days(base.warmup))}; "
        "KPIs cover the time after the warm-up.",
        f"Prices in {_e(f.currency)} of {f.price_base_year}, real terms; annual discount rate "
        f"{plain_number(100 * f.discount_rate)}% (HM Treasury Green Book), weekly flows, the "
        "first week discounted one period.",
        f"Loaded cost per person-day: {_e(rates)}; {money(f.cost_per_hire, f.currency)} per "
        f"hire; value {money(f.value_per_item, f.currency)} per value-demand item.",
    ]
    for scenario, source in zip(scenarios, sources, strict=True):
        about = f" ({_e(source)})" if source else ""
        items.append(f"<b>{_e(scenario.name)}</b>{about}: "
                     f"{_e(scenario.description or 'no description')}")
    base_doc = scenario_document(base)
    for scenario in scenarios[1:]:
        changes = scenario_differences(base_doc, scenario_document(scenario))
        shown = "; ".join(f"<code>{_e(k)}</code>: {_e(_text(a))} → {_e(_text(b))}"
                          for k, a, b in changes[:12]) or "nothing"
        more = f"; and {len(changes) - 12} more keys" if len(changes) > 12 else ""
        items.append(f"What differs in {_e(scenario.name)}: {shown}{more}.")
    if len(scenarios) > 1:
        items.append("Verdicts: <i>better</i> or <i>worse</i> when the 95% interval of the "
                     "paired difference excludes zero. A headline names a change only when "
                     "it is also material: its two values differ at three significant "
                     "figures. Each row shows the figures that tell its two values apart "
                     "(<i>no change</i> when none do); pp: percentage points.")
    return ("<section class='assumptions'><h2>Assumptions</h2><ul>"
            + "".join(f"<li>{i}</li>" for i in items) + "</ul></section>")


def _text(value) -> str:
    if isinstance(value, float):
        return plain_number(value)
    return str(value)


def _figure_html(figure: Figure, alt: str, css_class: str = "") -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    about = f" class='{css_class}'" if css_class else ""
    return f"<img{about} alt='{_e(alt)}' src='data:image/png;base64,{data}'>"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


PAGE_STYLE = """
@page { size: A4; margin: 9mm 10mm; }
body { font-family: sans-serif; font-size: 9.5pt; max-width: 190mm; margin: 0 auto;
       color: #222; line-height: 1.3; }
h1 { font-size: 14pt; margin: 0 0 2pt; } h2 { font-size: 11pt; margin: 5pt 0 2pt; }
p.headline { font-size: 9pt; margin: 1.5pt 0; }
table { border-collapse: collapse; font-size: 7.5pt; margin: 4pt 0; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: 0.5pt 3pt; text-align: right;
         white-space: nowrap; vertical-align: top; }
td:first-child, th:first-child { text-align: left; white-space: normal; padding-left: 0; }
th { font-weight: 600; border-bottom: 1px solid #888; }
span.ci { color: #555; }
p.caption { font-size: 7pt; color: #444; margin: 0 0 2pt; }
"""
"""The look of every one-page report (the brief, the recommendation): A4, small tables."""

_STYLE = PAGE_STYLE + """
td.better { color: #161; } td.worse { color: #a11; }
img { max-width: 100%; display: block; margin: 2pt 0; }
.pair { display: flex; justify-content: space-between; }
.pair img { width: 49%; height: auto; }
.assumptions ul { padding-left: 12pt; margin: 2pt 0; font-size: 7pt; }
.assumptions li { margin: 0.3pt 0; } code { font-size: 6.5pt; }
@media print {
  body { max-width: none; }
  section.next { break-before: page; }
  table, .pair, img, li { break-inside: avoid; }
  .pair img { height: 42mm; width: auto; max-width: 49%; }
  img.series { height: 50mm; width: auto; margin: 0 auto; }
}
"""


def page_html(title: str, heading: str, parts: list[str], style: str = _STYLE) -> str:
    """A whole page: its title, a heading and the parts, in the one-page look."""
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{style}</style></head>"
            f"<body><h1>{_e(heading)}</h1>\n{body}\n</body></html>\n")
