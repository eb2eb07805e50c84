"""Weekly time series and the run summary, aggregated as the run goes.

Nothing here keeps individual items: the service desk keeps running sums, and
the recorder reads them at every week end (five working days) and at the end of
the warm-up. A week's figures are differences of sums; the summary is the
difference between the end of the run and the end of the warm-up.

The recorder never reads a component: the organisation hands it a
:class:`Snapshot` of what the components publish (the desk's running sums, the
benefits realised so far, cumulative counts and, at a week's end, the state
variables), and the run's final state for the summary.

Hours are booked per person per day in six activities whose sum is the
person's working day: day-job work on duty, idle on duty, overrun (finishing an
item after the duty block ended), project work, idle project time (the project
had nothing left to do) and unassigned time (dedicated project staff without a
project).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.benefits import KINDS
from sim.units import DAYS_PER_YEAR

ACTIVITIES = ("ops_busy", "ops_idle", "overrun", "project_work", "project_idle", "improvement",
              "sustainment", "overhead", "unassigned")
PLANS = ("available", "ops_planned", "project_planned", "improvement_planned",
         "sustainment_planned", "diverted")
END_DAYS = 63.0
"""How far back from the end ``ops_pressure_end`` looks: three months."""


@dataclass(frozen=True)
class Snapshot:
    """What the components publish at one moment.

    Attributes
    ----------
    time
        The simulation time.
    desk
        The service desk's running sums (see ``ServiceDesk.counters``).
    realised_days
        Benefit level integrated over time so far, by kind (see ``BenefitLedger``).
    starts, completions
        Projects started and completed so far.
    counts
        Other cumulative counts (leavers, hires, cancellations, ...).
    levels
        State variables now, for a weekly row (None when not needed).
    """

    time: float
    desk: dict[str, float]
    realised_days: np.ndarray
    starts: int
    completions: int
    counts: dict[str, float]
    levels: dict[str, float] | None = None


@dataclass(frozen=True)
class Final:
    """The run's state at its end, for the summary KPIs."""

    backlog: float
    revenue_index: float
    capability: float
    maturity: float
    benefits_sustained: float
    projects: Sequence
    active: int
    on_time_tolerance: float


@dataclass
class Books:
    """Cumulative totals at one moment, so that any period is a difference."""

    time: float
    desk: dict[str, float]
    hours: dict[str, float]
    realised_days: np.ndarray
    starts: int
    completions: int
    counts: dict[str, float] = field(default_factory=dict)
    gauges: dict[str, float] = field(default_factory=dict)


@dataclass
class Recorder:
    """Accumulates daily hours and writes one row per week.

    Parameters
    ----------
    hours_per_day
        Hours in one working day, to report person-days as hours.
    """

    hours_per_day: float
    rows: list[dict] = field(default_factory=list)
    hours: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(ACTIVITIES + PLANS, 0.0))
    gauges: dict[str, float] = field(default_factory=dict)
    _last: Books | None = None
    window: Books | None = None

    def book_day(self, **person_days: float) -> None:
        """Add one day of everybody's time per activity (person-days) to the totals."""
        hours = self.hours
        for name, value in person_days.items():
            hours[name] += value

    def books(self, snap: Snapshot) -> Books:
        """The cumulative totals now: the components' and the recorder's own."""
        return Books(snap.time, snap.desk, dict(self.hours), snap.realised_days.copy(),
                     snap.starts, snap.completions, snap.counts, dict(self.gauges))

    def gauge_day(self, **values: float) -> None:
        """Integrate one day of state variables (their sums give time averages)."""
        gauges = self.gauges
        for name, value in values.items():
            gauges[name] = gauges.get(name, 0.0) + value

    def open(self, snap: Snapshot) -> None:
        """Start the first week."""
        self._last = self.books(snap)

    def open_window(self, snap: Snapshot) -> None:
        """Mark the end of the warm-up: the summary covers what follows."""
        self.window = self.books(snap)

    def close_week(self, snap: Snapshot) -> None:
        """Write the row of the week that ends now (``snap`` carries the levels)."""
        now = self.books(snap)
        last = self._last
        days = now.time - last.time
        desk = _minus(now.desk, last.desk)
        hours = {k: (now.hours[k] - last.hours[k]) * self.hours_per_day for k in now.hours}
        row = {"week": len(self.rows) + 1, "day": now.time}
        row.update(_desk_row(desk, days))
        row.update(snap.levels or {})
        row.update({f"hours_{k}": v for k, v in hours.items()})
        row["projects_started"] = now.starts - last.starts
        row["projects_completed"] = now.completions - last.completions
        for name in now.counts:
            row[name] = now.counts[name] - last.counts[name]
        for name in now.gauges:
            row[f"{name}_week_mean"] = (now.gauges[name] - last.gauges.get(name, 0.0)) / days
        self.rows.append(row)
        self._last = now

    def pressure_at_end(self, since: float, end: float) -> float:
        """Mean ops pressure at the week ends of the last :data:`END_DAYS` of the window.

        NaN when no week ended then (a window shorter than a week).
        """
        values = [row["pressure"] for row in self.rows
                  if row["day"] > max(since, end - END_DAYS) and "pressure" in row]
        return float(np.mean(values)) if values else math.nan

    def summary(self, snap: Snapshot, final: Final) -> dict[str, float]:
        """Return the run's summary KPIs over the window after the warm-up."""
        end = self.books(snap)
        start = self.window
        days = end.time - start.time
        desk = _minus(end.desk, start.desk)
        hours = {k: end.hours[k] - start.hours[k] for k in end.hours}
        arrivals = desk["value_arrivals"] + desk["failure_arrivals"]
        ops_time = hours["ops_busy"] + hours["ops_idle"] + hours["overrun"]
        out = {
            "ops_arrival_rate": arrivals / days,
            "ops_failure_share": _ratio(desk["failure_arrivals"], arrivals),
            "ops_wait_mean": _ratio(desk["wait_sum"], desk["started"]),
            "ops_time_in_system_mean": _ratio(desk["time_in_system_sum"], desk["completed"]),
            "ops_wip_mean": desk["area"] / days,
            "ops_queue_mean": (desk["area"] - desk["busy_time"]) / days,
            "ops_utilisation": _ratio(desk["busy_time"], ops_time),
            "ops_service_level": _ratio(desk["within_sla"], desk["completed"]),
            "ops_items_completed": float(desk["completed"]),
            "ops_throughput": desk["completed"] / days,
            "ops_backlog_final": final.backlog,
            "ops_abandoned": float(desk["abandoned"]),
            "ops_abandoned_share": _ratio(desk["abandoned"], arrivals),
            "hours_project_share": _ratio(hours["project_work"], sum(hours[a] for a in ACTIVITIES)),
            "hours_overrun_share": _ratio(hours["overrun"], sum(hours[a] for a in ACTIVITIES)),
        }
        out["ops_pressure_end"] = self.pressure_at_end(start.time, end.time)
        out.update(_project_summary(final, start.time, end.time, end.starts - start.starts))
        realised = (end.realised_days - start.realised_days) / DAYS_PER_YEAR
        out["benefits_realised"] = float(np.sum(realised))
        for k, kind in enumerate(KINDS):
            out[f"benefits_realised_{kind}"] = float(realised[k])
        out["revenue_index_final"] = final.revenue_index
        out.update(_people_summary(final, start, end, hours))
        return {k: float(v) for k, v in out.items()}


def _people_summary(final: Final, start: Books, end: Books, hours: dict[str, float]) -> dict:
    """The organisational KPIs: stress, people, capability, maturity, diversion."""
    days = end.time - start.time
    mean = {k: (end.gauges.get(k, 0.0) - start.gauges.get(k, 0.0)) / days for k in end.gauges}
    count = {k: end.counts[k] - start.counts[k] for k in end.counts}
    movable = hours["project_planned"] + hours["improvement_planned"] \
        + hours["sustainment_planned"]
    total = sum(hours[a] for a in ACTIVITIES)
    return {
        "stress_mean": mean.get("stress", 0.0),
        "stress_p90_mean": mean.get("stress_p90", 0.0),
        "stress_challenge_mean": mean.get("stress_challenge", 0.0),
        "stress_hindrance_mean": mean.get("stress_hindrance", 0.0),
        "misalignment_mean": mean.get("misalignment", 0.0),
        "attrition_count": count.get("leavers", 0.0),
        "removed_count": count.get("removed", 0.0),
        "hires_count": count.get("hires", 0.0),
        "vacancies_mean": mean.get("vacancies", 0.0),
        "hours_diverted_share": _ratio(hours["diverted"], movable),
        "hours_improvement_share": _ratio(hours["improvement"], total),
        "capability_final": final.capability,
        "maturity_final": final.maturity,
        "benefits_sustained_final": final.benefits_sustained,
        "projects_cancelled": count.get("cancelled", 0.0),
        "projects_rescued": count.get("rescues", 0.0),
    }


def _minus(now: dict[str, float], then: dict[str, float]) -> dict[str, float]:
    return {k: now[k] - then[k] for k in now}


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _desk_row(d: dict[str, float], days: float) -> dict[str, float]:
    arrivals = d["value_arrivals"] + d["failure_arrivals"]
    return {
        "value_arrivals": d["value_arrivals"], "failure_arrivals": d["failure_arrivals"],
        "arrivals_per_day": arrivals / days, "completed": d["completed"],
        "throughput_per_day": d["completed"] / days,
        "wait_mean": _ratio(d["wait_sum"], d["started"]),
        "time_in_system_mean": _ratio(d["time_in_system_sum"], d["completed"]),
        "service_level": _ratio(d["within_sla"], d["completed"]),
        "abandoned": d["abandoned"], "abandoned_share": _ratio(d["abandoned"], arrivals),
        "wip_mean": d["area"] / days,
        "busy_servers_mean": d["busy_time"] / days,
    }


def _project_summary(final: Final, since: float, end: float, started: int) -> dict[str, float]:
    """Project KPIs over the window ``(since, end]``, without survivor bias.

    The main figures are taken over the projects *due* in the window: those whose
    on-time deadline (planned finish plus the tolerance) falls inside it, so that
    each of them is either delivered by its deadline or late, whatever happened
    to it. A due project not delivered by the end (still running, or cancelled)
    counts as late, and its slip, duration and effort are restricted at the end
    of the run: what they had reached by then, a lower bound. The older
    figures over the projects *completed* in the window are kept under names
    ending in ``_finished``; they leave out exactly the projects that did worst.
    """
    tolerance = final.on_time_tolerance
    done = [p for p in final.projects
            if p.status == "completed" and p.finished > since]
    due = [p for p in final.projects if since < deadline(p, tolerance) <= end]
    worked = [p for p in final.projects if _worked_in(p, since, end)]
    slips = np.array([(p.finished - p.started) / p.planned_duration - 1.0 for p in done])
    restricted = np.array([(_delivered_or(p, end) - p.started) / p.planned_duration - 1.0
                           for p in due])
    on_time = np.array([_delivered_or(p, math.inf) <= deadline(p, tolerance) for p in due])
    delivered = np.array([p.status == "completed" and p.finished <= end for p in due])
    return {
        "projects_started": float(started),
        "projects_completed": float(len(done)),
        "projects_active_final": float(final.active),
        "projects_due": float(len(due)),
        "projects_on_time_rate": _mean(on_time),
        "projects_finished_share": _mean(delivered),
        "project_slip_mean": _mean(restricted),
        "project_duration_mean": _mean([_delivered_or(p, end) - p.started for p in due]),
        "project_effort_total": float(sum(p.effort for p in due)),
        "project_effort_mean": _mean([p.effort for p in due]),
        "project_rework_share": _rework_share(worked),
        "projects_on_time_rate_finished": _mean(slips <= tolerance),
        "project_slip_mean_finished": _mean(slips),
        "project_duration_mean_finished": _mean([p.finished - p.started for p in done]),
        "project_effort_total_finished": float(sum(p.effort for p in done)),
        "project_effort_mean_finished": _mean([p.effort for p in done]),
        "project_rework_share_finished": _rework_share(done),
        "benefits_handed_over": float(sum(len(p.benefits) for p in done)),
    }


def deadline(project, tolerance: float) -> float:
    """The last day on which a project still counts as on time (NaN if never started)."""
    return project.started + project.planned_duration * (1.0 + tolerance)


def _delivered_or(project, otherwise: float) -> float:
    """The day a project was delivered, or ``otherwise`` if it was not (yet)."""
    return project.finished if project.status == "completed" else otherwise


def _worked_in(project, since: float, end: float) -> bool:
    """Whether a project was in progress at some time in ``(since, end]``."""
    if not project.started < end:
        return False
    stopped = project.finished if project.status == "completed" else project.cancelled
    return not stopped <= since


def _rework_share(projects) -> float:
    """Rework over all work done so far: Σ(work + to do − size) / Σ work.

    For a project still running, work + to do − size is the work redone so far
    (what has been done, correctly or not, is size − to do).
    """
    return _ratio(sum(p.work + p.to_do - p.size for p in projects),
                  sum(p.work for p in projects))


def _mean(values) -> float:
    """Mean of ``values``; NaN when there are none."""
    values = np.asarray(values, dtype=float)
    return float(np.mean(values)) if len(values) else math.nan
