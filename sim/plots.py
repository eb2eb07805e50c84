"""Standard figures of a run: operations, projects and benefits over time.

Every function takes the stacked weekly table (all replications) and returns a
matplotlib figure; lines are the mean over replications and bands span the 5th
to 95th percentile. Nothing here runs the model or writes files, and nothing
touches pyplot's global state: figures are plain :class:`~matplotlib.figure.Figure`
objects, which save without a display and show inline in notebooks.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.units import DAYS_PER_MONTH

BENEFIT_KINDS = ("demand_reduction", "failure_reduction", "productivity", "capability")


def band(ax, weekly: pd.DataFrame, column: str, label: str, color: str | None = None) -> None:
    """Plot the mean of ``column`` over replications with a 5-95% band."""
    grouped = weekly.groupby("day")[column]
    months = grouped.mean().index / DAYS_PER_MONTH
    line, = ax.plot(months, grouped.mean().to_numpy(), label=label, color=color)
    if weekly["replication"].nunique() > 1:
        ax.fill_between(months, grouped.quantile(0.05).to_numpy(),
                        grouped.quantile(0.95).to_numpy(), color=line.get_color(), alpha=0.2,
                        linewidth=0)


def operations_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Backlog, service level and wait of the day job."""
    fig = Figure(figsize=(8, 8))
    top, middle, bottom = fig.subplots(3, 1, sharex=True)
    band(top, weekly, "backlog", "items in system (week end)")
    band(top, weekly, "queue", "items waiting (week end)")
    top.set_ylabel("items")
    top.legend(loc="upper left")
    band(middle, weekly, "service_level", "share finished within SLA")
    middle.set_ylabel("service level")
    middle.set_ylim(0, 1.05)
    band(bottom, weekly, "arrivals_per_day", "arrivals per day")
    band(bottom, weekly, "throughput_per_day", "completions per day")
    bottom.set_ylabel("items per day")
    bottom.set_xlabel("months")
    bottom.legend(loc="upper left")
    fig.suptitle(f"Operations{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


def projects_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Projects in progress and waiting, and completions per week."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    band(top, weekly, "projects_active", "in progress")
    band(top, weekly, "projects_funnel", "waiting in the funnel")
    top.set_ylabel("projects")
    top.legend(loc="upper left")
    cumulative = weekly.assign(
        completed_so_far=weekly.groupby("replication")["projects_completed"].cumsum())
    band(bottom, cumulative, "completed_so_far", "completed so far")
    bottom.set_ylabel("projects")
    bottom.set_xlabel("months")
    bottom.legend(loc="upper left")
    fig.suptitle(f"Projects{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


def benefits_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Realised benefit levels by kind, and the revenue index."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for kind in BENEFIT_KINDS:
        band(top, weekly, f"benefit_{kind}", kind.replace("_", " "))
    top.set_ylabel("combined reduction / gain")
    top.legend(loc="upper left")
    band(bottom, weekly, "revenue_index", "revenue index (1 = start)")
    bottom.set_ylabel("index")
    bottom.set_xlabel("months")
    bottom.legend(loc="upper left")
    fig.suptitle(f"Benefits{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


def people_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Stress and misalignment, and headcount with vacancies and leavers."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    band(top, weekly, "stress_mean", "mean stress")
    band(top, weekly, "stress_p90", "90th percentile of stress")
    band(top, weekly, "misalignment_mean", "mean misalignment")
    top.set_ylabel("stress / misalignment")
    top.legend(loc="upper left")
    band(bottom, weekly, "vacancies", "empty seats awaiting a hire")
    cumulative = weekly.assign(left_so_far=weekly.groupby("replication")["leavers"].cumsum())
    band(bottom, cumulative, "left_so_far", "leavers so far")
    bottom.set_ylabel("people")
    bottom.set_xlabel("months")
    bottom.legend(loc="upper left")
    fig.suptitle(f"People{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


def capability_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Operations capability and PMO maturity."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    band(top, weekly, "capability", "operations capability (1 = baseline)")
    top.set_ylabel("capability")
    top.legend(loc="upper left")
    band(bottom, weekly, "maturity", "project management maturity (1-5)")
    bottom.set_ylabel("maturity")
    bottom.set_xlabel("months")
    bottom.legend(loc="upper left")
    fig.suptitle(f"Capability and maturity{': ' + title if title else ''}")
    fig.tight_layout()
    return fig


HOURS_SHOWN = (("ops_busy", "day job: serving"), ("ops_idle", "day job: waiting for work"),
               ("overrun", "day job: finishing after the block"),
               ("project_work", "projects"), ("project_idle", "projects: nothing to do"),
               ("improvement", "improvement"), ("sustainment", "sustaining benefits"),
               ("overhead", "PMO overhead"), ("unassigned", "unassigned"))


def hours_figure(weekly: pd.DataFrame, title: str = "") -> Figure:
    """Where everybody's hours went each week (mean over replications), and diversion."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    means = weekly.groupby("day").mean(numeric_only=True)
    months = means.index / DAYS_PER_MONTH
    shown = [(c, label) for c, label in HOURS_SHOWN if means[f"hours_{c}"].abs().sum() > 0]
    top.stackplot(months, [means[f"hours_{c}"].to_numpy() for c, _ in shown],
                  labels=[label for _, label in shown])
    top.set_ylabel("hours per week")
    top.legend(loc="lower left", fontsize="small", ncol=2)
    band(bottom, weekly, "hours_diverted", "planned project/improvement hours diverted")
    bottom.set_ylabel("hours per week")
    bottom.set_xlabel("months")
    bottom.legend(loc="upper left")
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

    ``extra`` weekly columns are drawn first (e.g. the series a claim is about).
    """
    named = dict(OVERLAY)
    columns = [c for c in dict.fromkeys([*(extra or []), *named]) if c in weekly]
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
    axes[0].legend(loc="best", fontsize="small")
    for ax in axes[-2:]:
        ax.set_xlabel("months")
    fig.suptitle(title or "Scenarios compared")
    fig.tight_layout()
    return fig


FIGURES = {"operations": operations_figure, "projects": projects_figure,
           "benefits": benefits_figure, "people": people_figure,
           "capability": capability_figure, "hours": hours_figure}
"""The figures written into every result folder, by file name."""
