"""The decision brief: one printable page that says what a comparison found.

``pmosim compare`` writes ``brief.html`` beside ``comparison.csv`` and
``pmosim run`` a single-scenario version. The page opens with two or three
sentences computed from the results (the NPV of the change with its interval,
what happens to the service level, what the money is made of), then the KPI
table in plain units, a chart of where the NPV (or its difference) comes from,
the key weekly series chosen by what the scenarios contain, and the
assumptions: what differs, seeds, replications, horizon and prices. The HTML
has no external asset: figures are embedded PNG data URIs.

Every number shown comes from the tables the folder holds: the headline
figures are those of ``comparison.csv`` (or ``kpis.csv``), formatted by
:func:`money`, :func:`plain_value` and never in e-notation.
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
from sim.schema.scenario import Scenario
from sim.studies.folders import scenario_document
from sim.studies.statistics import scenario_differences
from sim.units import DAYS_PER_MONTH, DAYS_PER_WEEK, display_unit, format_days, plain_number

BRIEF_KPIS = ("npv_change", "value_benefits", "cost_change", "cost_total", "payback_weeks",
              "ops_service_level", "ops_time_in_system_mean", "ops_wait_mean",
              "projects_completed", "projects_on_time_rate", "benefits_sustained_final",
              "revenue_index_final", "capability_final", "stress_mean", "misalignment_mean",
              "attrition_count", "hours_diverted_share")
"""The KPIs of the brief's table, in order."""

ACTIVITY_LABELS = {"projects": "project time", "opex": "OpEx improvement",
                   "sustainment": "sustainment", "pmo": "PMO overhead",
                   "day_job": "day job", "onboarding": "onboarding"}
KIND_LABELS = {"demand_reduction": "demand avoided", "failure_reduction": "failure avoided",
               "productivity": "effort saved", "revenue": "extra revenue",
               "capability": "capability"}

FLOW_SERIES = (("value_benefits", "value of benefits per week"),
               ("cost_change", "cost of change per week"))
LEVEL_SERIES = (("service_level", "service level"), ("backlog", "items in system"),
                *((f"benefit_{k}", f"{k.replace('_', ' ')} realised") for k in KINDS),
                ("capability", "operations capability"),
                ("stress_mean", "mean stress"), ("projects_active", "projects in progress"))
"""Weekly series the brief may draw: flows (money per week) and levels."""

_FLAT = 1e-9
_SMALL = 0.005
"""Parts of the NPV smaller than this share of the largest are left out of its chart."""
MAX_PANELS = 9


# -- numbers in words -------------------------------------------------------------------

def money(x: float, currency: str = "", signed: bool = False) -> str:
    """An amount in thousands or millions with three significant digits: ``1.23 M GBP``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    size = abs(x)
    for scale, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if size >= scale:
            text = plain_number(x / scale, signed) + suffix
            break
    else:
        text = plain_number(x, signed)
    return f"{text} {currency}".rstrip()


def plain_value(kpi: str, x: float, hours_per_day: float, magnitude: float, currency: str,
                signed: bool = False, difference: bool = False) -> str:
    """One KPI value in plain units (money, hours or minutes, percentages, weeks)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    unit = describe(kpi).unit
    if unit == "money":
        return money(x, currency, signed)
    if unit == "weeks":
        return plain_number(x, signed) + " weeks"
    if unit == "share/year":
        return plain_number(100.0 * x, signed) + (" pp" if difference else "% a year")
    factor, suffix, diff_suffix = display_unit(unit, magnitude, hours_per_day)
    return plain_number(x * factor, signed) + (diff_suffix if difference else suffix)


def _years(days: float) -> str:
    label = format_days(days)
    return label if not label.endswith(" days") else f"{days / 252:.1f} years"


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
        The page.
    """
    base = scenarios[0]
    currency = base.finance.currency
    parts = []
    for scenario in scenarios[1:]:
        rows = comparison[comparison["scenario"] == scenario.name].set_index("kpi")
        parts.append(f"<h2>{_e(scenario.name)} compared with {_e(base.name)}</h2>")
        parts.append("".join(f"<p class='headline'>{_e(s)}</p>"
                             for s in headline_sentences(rows, base, scenario)))
        parts.append(_comparison_table(rows, base, scenario.name))
        components = npv_components(weekly, base.name, scenario.name, base)
        parts.append(_figure_html(npv_figure(components, currency,
                                             f"Where the NPV difference comes from "
                                             f"({scenario.name} − {base.name})"),
                                  "Where the NPV difference comes from"))
    names = [s.name for s in scenarios]
    parts.append(_figure_html(series_figure(weekly, names, base.warmup), "Key weekly series"))
    parts.append(_assumptions(scenarios, sources))
    title = " vs ".join(names)
    return _page(title, f"Decision brief: {title}", parts)


def headline_sentences(rows: pd.DataFrame, base: Scenario, scenario: Scenario) -> list[str]:
    """Two or three sentences on one TO-BE: NPV, service level, what the money is made of.

    ``rows`` is the TO-BE's part of ``comparison.csv``, indexed by KPI.
    """
    currency = base.finance.currency
    horizon = _years(base.horizon - base.warmup)
    npv = rows.loc["npv_change"]
    d, low, high = npv["difference"], npv["ci_low"], npv["ci_high"]
    verb = "adds" if d >= 0 else "loses"
    interval = (f" (95% CI {money(low, signed=True)} to {money(high, signed=True)})"
                if math.isfinite(low) else "")
    first = f"The {scenario.name} scenario {verb} {money(abs(d), currency)} of NPV{interval} " \
            f"over {horizon} compared with {base.name}"
    if math.isfinite(low) and low <= 0.0 <= high:
        first += ", but the interval includes zero"
    service = rows.loc["ops_service_level"] if "ops_service_level" in rows.index else None
    if service is not None:
        level = _percent_pair(service["baseline_mean"], service["scenario_mean"])
        word = {"better": "raises", "worse": "lowers"}.get(service["verdict"], "keeps")
        first += f", and {word} the service level ({level})"
    sentences = [first + "."]
    value, change = rows.loc["value_benefits"], rows.loc["cost_change"]
    second = (f"Benefits are worth {money(value['difference'], currency, True)} "
              f"({money(value['baseline_mean'])} → {money(value['scenario_mean'])}) for "
              f"{money(change['difference'], currency, True)} of change cost")
    if "payback_weeks" in rows.index and math.isfinite(rows.loc["payback_weeks",
                                                                "scenario_mean"]):
        second += (f"; the change pays back after "
                   f"{plain_number(rows.loc['payback_weeks', 'scenario_mean'])} weeks on "
                   "average")
    sentences.append(second + ".")
    worse = [k for k in BRIEF_KPIS if k in rows.index and rows.loc[k, "verdict"] == "worse"
             and describe(k).unit != "money" and k != "ops_service_level"]
    if worse:
        k = worse[0]
        r = rows.loc[k]
        mag = max(abs(r["baseline_mean"]), abs(r["scenario_mean"]))
        hpd = base.hours_per_day
        sentences.append(f"Watch: {describe(k).label.lower()} gets worse, "
                         f"{plain_value(k, r['baseline_mean'], hpd, mag, currency)} → "
                         f"{plain_value(k, r['scenario_mean'], hpd, mag, currency)}.")
    return sentences


def _percent_pair(before: float, after: float) -> str:
    """``before → after`` as percentages with enough decimals to tell a change apart."""
    first, second = plain_number(100 * before), plain_number(100 * after)
    digits = 2
    while first == second and before != after and digits <= 4:
        first, second = f"{100 * before:.{digits}f}", f"{100 * after:.{digits}f}"
        digits += 1
    return f"{first}% → {second}%"


def _comparison_table(rows: pd.DataFrame, base: Scenario, name: str) -> str:
    currency, hpd = base.finance.currency, base.hours_per_day
    head = (f"<table><tr><th>KPI</th><th>{_e(base.name)}</th><th>{_e(name)}</th>"
            "<th>change (95% CI)</th><th>verdict</th></tr>")
    body = []
    for k in BRIEF_KPIS:
        if k not in rows.index:
            continue
        r = rows.loc[k]
        finite = [abs(v) for v in (r["baseline_mean"], r["scenario_mean"]) if math.isfinite(v)]
        mag = max(finite, default=0.0)

        def show(x, signed=False, diff=False, k=k, mag=mag):
            return plain_value(k, x, hpd, mag, currency, signed, diff)

        ci = "" if not math.isfinite(r["ci_low"]) else \
            f" ({show(r['ci_low'], True, True)} to {show(r['ci_high'], True, True)})"
        body.append(f"<tr><td>{_e(describe(k).label)}</td><td>{show(r['baseline_mean'])}</td>"
                    f"<td>{show(r['scenario_mean'])}</td>"
                    f"<td>{show(r['difference'], True, True)}{ci}</td>"
                    f"<td class='{_e(r['verdict'].split()[0])}'>{_e(r['verdict'])}</td></tr>")
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


# -- the weekly series ------------------------------------------------------------------

def per_week(weekly: pd.DataFrame) -> pd.DataFrame:
    """Weekly flows as per-week rates: a final partial week is scaled to five days."""
    days = weekly.groupby(["scenario", "replication"])["day"].diff()
    days = days.fillna(weekly["day"])
    scale = DAYS_PER_WEEK / days
    flows = [c for c, _ in FLOW_SERIES if c in weekly]
    return weekly.assign(**{c: weekly[c] * scale for c in flows})


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


def series_figure(weekly: pd.DataFrame, names: Sequence[str], warmup: float = 0.0) -> Figure:
    """The chosen weekly series of every scenario (mean and 5-95% band), one panel each.

    The statistics of every series are computed in one pass, and the layout is
    fixed rather than fitted, so that the figure takes a fraction of a second.
    """
    weekly = per_week(weekly)
    shown = chosen_series(weekly)[:MAX_PANELS]
    columns = [c for c, _ in shown]
    grouped = weekly.groupby(["scenario", "day"], sort=True)[columns]
    mean = grouped.mean()
    several = weekly["replication"].nunique() > 1
    low, high = (grouped.quantile(0.05), grouped.quantile(0.95)) if several else (None, None)
    cols = 3
    rows = max(-(-len(shown) // cols), 1)
    height = 1.55 * rows + 0.55
    fig = Figure(figsize=(7.4, height))
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
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.45 / height, top=1 - 0.5 / height,
                        wspace=0.32, hspace=0.45)
    return fig


def _tick(column: str):
    """Tick labels without e-notation: money in k or M, shares in percent."""
    if column in dict(FLOW_SERIES):
        return lambda v, _p: money(v)
    if column == "service_level" or (column.startswith("benefit_") \
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

    npv = table.loc["npv_change"]
    interval = (f" (95% CI {money(npv['ci_low'])} to {money(npv['ci_high'])})"
                if math.isfinite(npv["ci_low"]) else "")
    time = mean("ops_time_in_system_mean")
    sentences = [
        f"Over {horizon}, {scenario.name} spends {money(mean('cost_change'), currency)} on "
        f"change (projects, PMO, OpEx and sustainment) and realises benefits worth "
        f"{money(mean('value_benefits'), currency)}: an NPV of "
        f"{money(mean('npv_change'), currency)}{interval}.",
        f"The service level is {plain_number(100 * mean('ops_service_level'))}% and the mean "
        f"time from arrival to completion "
        f"{plain_value('ops_time_in_system_mean', time, hpd, abs(time), currency)}; "
        f"{plain_number(mean('projects_completed'))} projects complete, "
        f"{plain_number(100 * mean('projects_on_time_rate'))}% of them on time."]
    if math.isfinite(mean("payback_weeks")):
        sentences.append(f"The change pays back after {plain_number(mean('payback_weeks'))} "
                         "weeks on average.")
    rows = []
    for k in BRIEF_KPIS:
        if k not in table.index:
            continue
        r = table.loc[k]
        mag = abs(r["mean"]) if math.isfinite(r["mean"]) else 0.0

        def show(x, k=k, mag=mag):
            return plain_value(k, x, hpd, mag, currency)

        ci = "" if not math.isfinite(r["ci_low"]) else f"{show(r['ci_low'])} to " \
                                                       f"{show(r['ci_high'])}"
        rows.append(f"<tr><td>{_e(describe(k).label)}</td><td>{show(r['mean'])}</td>"
                    f"<td>{ci}</td></tr>")
    parts = ["".join(f"<p class='headline'>{_e(s)}</p>" for s in sentences),
             "<table><tr><th>KPI</th><th>mean</th><th>95% CI</th></tr>" + "".join(rows)
             + "</table>",
             _figure_html(npv_figure(npv_components(weekly, None, scenario.name, scenario),
                                     currency, "Where the NPV comes from"),
                          "Where the NPV comes from"),
             _figure_html(series_figure(weekly, [scenario.name], scenario.warmup),
                          "Key weekly series"),
             _assumptions([scenario], [source])]
    return _page(scenario.name, f"Decision brief: {scenario.name}", parts)


# -- page parts -------------------------------------------------------------------------

def _assumptions(scenarios: Sequence[Scenario], sources: Sequence[str | None]) -> str:
    base = scenarios[0]
    f = base.finance
    rates = ", ".join(f"{g} {money(getattr(f.cost_per_day, g))}"
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
        f"Loaded cost per person-day: {_e(rates)}; {money(f.cost_per_hire)} per hire; value "
        f"{money(f.value_per_item)} per value-demand item.",
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
    return "<h2>Assumptions</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _text(value) -> str:
    if isinstance(value, float):
        return plain_number(value)
    return str(value)


def _figure_html(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='{_e(alt)}' src='data:image/png;base64,{data}'>"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


_STYLE = """
@page { size: A4; margin: 12mm; }
body { font-family: sans-serif; font-size: 10pt; max-width: 190mm; margin: 0 auto;
       color: #222; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11.5pt; margin: 8pt 0 3pt; }
p.headline { font-size: 11pt; margin: 3pt 0; }
table { border-collapse: collapse; font-size: 8.5pt; margin: 4pt 0; }
td, th { border-bottom: 1px solid #ccc; padding: 1pt 5pt; text-align: right; }
td:first-child, th:first-child { text-align: left; }
td.better { color: #161; } td.worse { color: #a11; }
img { max-width: 100%; display: block; margin: 3pt 0; }
ul { padding-left: 14pt; font-size: 8.5pt; } code { font-size: 8pt; }
@media print { img { max-height: 95mm; } }
"""


def _page(title: str, heading: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{_e(heading)}</h1>\n{body}\n</body></html>\n")
