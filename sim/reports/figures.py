"""Standard figures of a run: operations, projects and benefits over time.

Every function takes the stacked weekly table (all replications) and returns a
matplotlib figure; lines are the mean over replications and bands span the 5th
to 95th percentile. Nothing here runs the model or writes files, and nothing
touches pyplot's global state: figures are plain :class:`~matplotlib.figure.Figure`
objects, which save without a display and show inline in notebooks.

A run's last week is shorter than five days when the horizon is not a whole
number of weeks; it is left out of the figures (its flows would show as a drop
that did not happen). Legends sit outside the panels, so that they hide no
data, and tick labels are plain numbers, never in e-notation.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.units import DAYS_PER_MONTH, DAYS_PER_WEEK

BENEFIT_KINDS = ("demand_reduction", "failure_reduction", "productivity", "capability")


def whole_weeks(weekly: pd.DataFrame) -> pd.DataFrame:
    """Drop each run's last row when it covers less than a week (and is not the only row)."""
    keys = [k for k in ("scenario", "replication") if k in weekly]
    if weekly.empty or not keys:
        return weekly
    runs = weekly.groupby(keys, sort=False)["day"]
    length = weekly["day"] - runs.shift(1).fillna(0.0)
    last = weekly.index.isin(runs.tail(1).index)
    short = last & (length < DAYS_PER_WEEK - 1e-9) & (runs.transform("size") > 1)
    return weekly[~short]


def plain_ticks(ax) -> None:
    """Plain tick labels on the y axis: no e-notation, no offset."""
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)


def outside_legend(ax, **kwargs) -> None:
    """A legend to the right of the panel, where it hides no data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, **kwargs)


def band(ax, weekly: pd.DataFrame, column: str, label: str, color: str | None = None) -> None:
    """Plot the mean of ``column`` over replications with a 5-95% band."""
    weekly = whole_weeks(weekly)
    grouped = weekly.groupby("day")[column]
    months = grouped.mean().index / DAYS_PER_MONTH
    line, = ax.plot(months, grouped.mean().to_numpy(), label=label, color=color)
    if weekly["replication"].nunique() > 1:
        ax.fill_between(months, grouped.quantile(0.05).to_numpy(),
                        grouped.quantile(0.95).to_numpy(), color=line.get_color(), alpha=0.2,
                        linewidth=0)
    plain_ticks(ax)


def panels_figure(weekly: pd.DataFrame, name: str, title: str,
                  panels: list[tuple[str, list[tuple[str, str]]]],
                  height: float = 6.0) -> Figure:
    """Panels stacked over a shared time axis: each a y label and (column, label) lines."""
    fig = Figure(figsize=(8, height))
    axes = fig.subplots(len(panels), 1, sharex=True)
    for ax, (ylabel, lines) in zip(axes, panels, strict=True):
        for column, label in lines:
            band(ax, weekly, column, label)
        ax.set_ylabel(ylabel)
        outside_legend(ax, fontsize="small")
    axes[-1].set_xlabel("months")
    fig.suptitle(f"{name}{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


def _so_far(weekly: pd.DataFrame, column: str, total: str) -> pd.DataFrame:
    """Add the running total of a weekly count, per replication."""
    return weekly.assign(**{total: weekly.groupby("replication")[column].cumsum()})


def operations_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Backlog, service level and flow of the day job."""
    fig = panels_figure(weekly, "Operations", title, [
        ("items", [("backlog", "items in system (week end)"),
                   ("queue", "items waiting (week end)")]),
        ("service level", [("service_level", "share finished within SLA")]),
        ("items per day", [("arrivals_per_day", "arrivals per day"),
                           ("throughput_per_day", "completions per day")])], height=8)
    fig.axes[1].set_ylim(0, 1.05)
    return fig


def projects_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Projects in progress and waiting, and completions so far."""
    return panels_figure(_so_far(weekly, "projects_completed", "completed_so_far"),
                         "Projects", title, [
        ("projects", [("projects_active", "in progress"),
                      ("projects_funnel", "waiting in the funnel")]),
        ("projects", [("completed_so_far", "completed so far")])])


def benefits_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Realised benefit levels by kind, and the revenue index."""
    return panels_figure(weekly, "Benefits", title, [
        ("combined reduction / gain",
         [(f"benefit_{kind}", kind.replace("_", " ")) for kind in BENEFIT_KINDS]),
        ("index", [("revenue_index", "revenue index (1 = start)")])])


def people_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Stress and misalignment, and vacancies with leavers so far."""
    return panels_figure(_so_far(weekly, "leavers", "left_so_far"), "People", title, [
        ("stress / misalignment", [("stress_mean", "mean stress"),
                                   ("stress_p90", "90th percentile of stress"),
                                   ("misalignment_mean", "mean misalignment")]),
        ("people", [("vacancies", "empty seats awaiting a hire"),
                    ("left_so_far", "leavers so far")])])


def capability_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Operations capability and PMO maturity."""
    return panels_figure(weekly, "Capability and maturity", title, [
        ("capability", [("capability", "operations capability (1 = baseline)")]),
        ("maturity", [("maturity", "project management maturity (1-5)")])])


HOURS_SHOWN = (("ops_busy", "day job: serving"), ("ops_idle", "day job: waiting for work"),
               ("overrun", "day job: finishing after the block"),
               ("project_work", "projects"), ("project_idle", "projects: nothing to do"),
               ("improvement", "improvement"), ("sustainment", "sustaining benefits"),
               ("overhead", "PMO overhead"), ("unassigned", "unassigned"))


def hours_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Where everybody's hours went each week (mean over replications), and diversion."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    means = whole_weeks(weekly).groupby("day").mean(numeric_only=True)
    months = means.index / DAYS_PER_MONTH
    shown = [(c, label) for c, label in HOURS_SHOWN if means[f"hours_{c}"].abs().sum() > 0]
    top.stackplot(months, [means[f"hours_{c}"].to_numpy() for c, _ in shown],
                  labels=[label for _, label in shown])
    top.set_ylabel("hours per week")
    plain_ticks(top)
    outside_legend(top, fontsize="small")
    band(bottom, weekly, "hours_diverted", "planned project/improvement hours diverted")
    bottom.set_ylabel("hours per week")
    bottom.set_xlabel("months")
    outside_legend(bottom, fontsize="small")
    fig.suptitle(f"Hours by activity{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


OVERLAY = (("backlog", "items in system"), ("service_level", "service level"),
           ("projects_active", "projects in progress"), ("benefit_failure_reduction",
                                                         "failure reduction realised"),
           ("revenue_index", "revenue index"), ("stress_mean", "mean stress"),
           ("capability", "operations capability"), ("hours_diverted", "hours diverted a week"))


def overlay_figure(weekly: pd.DataFrame, title: str = "",
                   extra: list[str] | None = None) -> Figure:
    """The key series of several scenarios on shared axes (mean and 5-95% band).

    ``extra`` weekly columns are drawn first (e.g. the series a claim is about);
    of the standard series, those that never change in any scenario are left out.
    """
    named = dict(OVERLAY)
    varying = [c for c in named if c in weekly and weekly[c].nunique(dropna=True) > 1]
    columns = [c for c in dict.fromkeys([*(extra or []), *varying]) if c in weekly]
    shown = [(c, named.get(c, c.replace("_", " "))) for c in columns][:8]
    rows = (len(shown) + 1) // 2
    fig = Figure(figsize=(11, 2.6 * rows))
    axes = fig.subplots(rows, 2, sharex=True, squeeze=False).ravel()
    for ax, (column, label) in zip(axes, shown, strict=False):
        for name, runs in weekly.groupby("scenario", sort=False):
            band(ax, runs, column, str(name))
        ax.set_title(label, fontsize="medium")
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1),
               fontsize="small", frameon=False)
    for ax in axes[-2:]:
        ax.set_xlabel("months")
    fig.suptitle(title or "Scenarios compared")
    fig.tight_layout(rect=(0, 0.3 / (2.6 * rows), 1, 1))
    return fig


KPI_SERIES = {
    "ops_wait_mean": "wait_mean", "ops_time_in_system_mean": "time_in_system_mean",
    "ops_wip_mean": "wip_mean", "ops_service_level": "service_level",
    "ops_backlog_final": "backlog", "ops_abandoned_share": "abandoned_share",
    "ops_abandoned": "abandoned", "stress_mean": "stress_mean",
    "stress_challenge_mean": "stress_challenge_mean",
    "stress_hindrance_mean": "stress_hindrance_mean", "misalignment_mean": "misalignment_mean",
    "capability_final": "capability", "maturity_final": "maturity",
    "revenue_index_final": "revenue_index", "benefits_sustained_final": "benefits_sustained",
    "projects_active_final": "projects_active", "vacancies_mean": "vacancies",
    "ai_quality_mean": "ai_quality", "ai_benefit_realised": "ai_benefit",
}
"""The weekly series behind a summary KPI, where there is one."""

KPI_COUNTS = {"attrition_count": "leavers", "projects_completed": "projects_completed",
              "projects_started": "projects_started", "projects_cancelled": "cancelled",
              "projects_rescued": "rescues", "hires_count": "hires",
              "ai_incidents": "ai_incidents"}
"""Summary KPIs that count weekly events: their weekly series is the running total."""


def claim_figure(weekly: pd.DataFrame, kpis: dict[str, pd.DataFrame], series: list[str],
                 title: str = "") -> Figure:
    """The measures a claim is judged on, arm by arm.

    Parameters
    ----------
    weekly
        The arms' stacked weekly tables (a ``scenario`` column names the arm).
    kpis
        For each summary KPI a check names, one row per arm with ``arm``, ``mean``,
        ``ci_low`` and ``ci_high`` (95% interval over replications).
    series
        Weekly columns the checks name; the weekly counterparts of the KPIs
        (see :data:`KPI_SERIES` and :data:`KPI_COUNTS`) are drawn after them.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per KPI (each arm's mean with its interval), then one per
        weekly series (mean over replications with a 5-95% band, per arm).
    """
    counts = [k for k in kpis if KPI_COUNTS.get(k) in weekly]
    for kpi in counts:
        weekly = _so_far(weekly, KPI_COUNTS[kpi], f"{KPI_COUNTS[kpi]}_so_far")
    lines = dict.fromkeys([*series, *(KPI_SERIES[k] for k in kpis if k in KPI_SERIES),
                           *(f"{KPI_COUNTS[k]}_so_far" for k in counts)])
    lines = [c for c in lines if c in weekly]
    width = 4
    kpi_rows = -(-len(kpis) // width)
    line_rows = -(-len(lines) // 2)
    fig = Figure(figsize=(11, 2.8 * (kpi_rows + line_rows) + 0.6))
    grid = fig.add_gridspec(max(kpi_rows + line_rows, 1), 2 * width)
    for k, (kpi, table) in enumerate(kpis.items()):
        ax = fig.add_subplot(grid[k // width, 2 * (k % width):2 * (k % width) + 2])
        y = range(len(table))
        mean = table["mean"].to_numpy(float)
        err = [mean - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - mean]
        ax.errorbar(mean, list(y), xerr=err, fmt="o", capsize=3)
        ax.set_yticks(list(y), [str(a) for a in table["arm"]], fontsize="small")
        ax.invert_yaxis()
        ax.set_title(kpi.replace("_", " "), fontsize="medium")
    for k, column in enumerate(lines):
        row = kpi_rows + k // 2
        ax = fig.add_subplot(grid[row, width * (k % 2):width * (k % 2) + width])
        for name, runs in weekly.groupby("scenario", sort=False):
            band(ax, runs, column, str(name))
        ax.set_title(column.replace("_", " "), fontsize="medium")
        ax.set_xlabel("months")
        if k == 0:
            handles, labels = ax.get_legend_handles_labels()
            fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1),
                       fontsize="small", frameon=False)
    fig.suptitle(title or "Claim")
    fig.tight_layout(rect=(0, 0.35 / fig.get_figheight() if lines else 0, 1, 1))
    return fig


def ai_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """AI solutions in use: quality and monitoring, benefit in force, incidents so far."""
    weekly = _so_far(_so_far(weekly, "ai_incidents", "ai_incidents_so_far"),
                     "ai_detections", "ai_detections_so_far")
    fig = panels_figure(weekly, "AI solutions", title, [
        ("share", [("ai_quality", "mean quality of the solutions in use"),
                   ("ai_monitoring_coverage", "monitoring coverage")]),
        ("reduction", [("ai_benefit", "AI benefit in force (realised x quality)")]),
        ("count", [("ai_incidents_so_far", "incidents so far"),
                   ("ai_detections_so_far", "degradations detected so far")])], height=8)
    fig.axes[0].set_ylim(0, 1.05)
    return fig


FIGURES = {"operations": operations_figure, "projects": projects_figure,
           "benefits": benefits_figure, "people": people_figure,
           "capability": capability_figure, "hours": hours_figure, "ai": ai_figure}
"""The figures written into result folders, by file name (see :data:`FIGURE_NEEDS`)."""

FIGURE_NEEDS = {"ai": "ai_quality"}
"""Figures drawn only when the weekly table has this column (the scenario has AI)."""
