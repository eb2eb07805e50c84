"""The monthly series the exports imply, computed the same way for data and for simulations.

A month is 21 working days from the first working day of the tickets (the
model's month). For each whole month:

=====================  ====================================================================
``backlog``            tickets in the system (waiting or in service), averaged over the month
``service_level``      share of the tickets resolved in the month that were resolved within
                       the SLA of their creation
``abandonment``        tickets that abandoned in the month ÷ value tickets created in it
``headcount``          people employed at the month's end (the model's staff groups only,
                       when the file names teams)
``projects_finished``  projects that finished in the month
``slip``               mean slip (actual ÷ planned duration − 1) of those projects
=====================  ====================================================================

A simulated run is turned into the same tables by :func:`sim.calibration.data.data_from_records`
and goes through the same function, so data and model are measured alike.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.units import DAYS_PER_MONTH

SERIES = ("backlog", "service_level", "abandonment", "headcount", "projects_finished", "slip")
LABELS = {"backlog": "tickets in the system (monthly mean)",
          "service_level": "share resolved within the SLA",
          "abandonment": "share of value tickets abandoned",
          "headcount": "people employed at the month's end",
          "projects_finished": "projects finished in the month",
          "slip": "mean slip of the projects finished"}
TEAMS = ("operations", "projects", "opex", "pmo")


def whole_months(end: float) -> int:
    """How many whole months fit before ``end``."""
    return math.floor(end / DAYS_PER_MONTH + 1e-9)


def monthly_series(tickets: pd.DataFrame | None, people: pd.DataFrame | None,
                   projects: pd.DataFrame | None, end: float, sla: float,
                   months: int | None = None) -> pd.DataFrame:
    """One row per whole month: the series above (NaN where the data say nothing).

    Parameters
    ----------
    tickets, people, projects
        The exports on the model's clock (see :class:`sim.calibration.data.Data`).
    end
        When the exports end: whatever is open is open until then.
    sla
        The service-level target in working days.
    months
        How many months (default: every whole month before ``end``).
    """
    months = whole_months(end) if months is None else months
    edges = np.arange(months + 1) * DAYS_PER_MONTH
    out = pd.DataFrame({"month": np.arange(months)})
    if tickets is None:
        out["backlog"] = out["service_level"] = out["abandonment"] = np.nan
    else:
        _ticket_series(out, tickets, end, sla, edges)
    out["headcount"] = np.nan if people is None else _headcount(people, edges[1:])
    if projects is None:
        out["projects_finished"] = np.nan
        out["slip"] = np.nan
    else:
        finish = projects["actual_end"].to_numpy(float)
        finish = np.where(projects["cancelled"].to_numpy(bool), np.nan, finish)
        start = projects["start"].to_numpy(float)
        slip = (finish - start) / (projects["planned_end"].to_numpy(float) - start) - 1.0
        month_finished = _month(finish, edges)
        ok = month_finished >= 0
        count = np.bincount(month_finished[ok], minlength=months)
        total = np.bincount(month_finished[ok], weights=slip[ok], minlength=months)
        out["projects_finished"] = count.astype(float)
        out["slip"] = _share(total, count)
    return out


def _ticket_series(out: pd.DataFrame, tickets: pd.DataFrame, end: float, sla: float,
                   edges: np.ndarray) -> None:
    """Add the backlog, service level and abandonment of each month to ``out``."""
    months = len(edges) - 1
    created = tickets["created"].to_numpy(float)
    closed = tickets["closed"].to_numpy(float)
    outcome = tickets["outcome"].to_numpy(object)
    value = tickets["parent"].to_numpy() == -1
    leaves = np.where(np.isnan(closed), end, closed)
    out["backlog"] = _time_in(created, leaves, edges) / DAYS_PER_MONTH
    resolved = outcome == "resolved"
    month_closed = _month(closed, edges)
    done = np.bincount(month_closed[resolved & (month_closed >= 0)], minlength=months)
    within = resolved & (closed - created <= sla) & (month_closed >= 0)
    out["service_level"] = _share(np.bincount(month_closed[within], minlength=months), done)
    gone = (outcome == "abandoned") & (month_closed >= 0)
    arrived_month = _month(created, edges)
    arrived = np.bincount(arrived_month[value & (arrived_month >= 0)], minlength=months)
    out["abandonment"] = _share(np.bincount(month_closed[gone], minlength=months), arrived)


def _month(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The month each time falls in, or -1 (outside the months, or NaN)."""
    index = np.searchsorted(edges, times, side="right") - 1
    return np.where(np.isnan(times) | (index >= len(edges) - 1), -1, index)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, part / np.maximum(whole, 1), np.nan)


def _time_in(start: np.ndarray, stop: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total time the intervals [start, stop) spend in each month."""
    out = np.empty(len(edges) - 1)
    for m in range(len(edges) - 1):
        low, high = edges[m], edges[m + 1]
        out[m] = np.sum(np.clip(np.minimum(stop, high) - np.maximum(start, low), 0.0, None))
    return out


def _headcount(people: pd.DataFrame, moments: np.ndarray) -> np.ndarray:
    teams = people["team"].astype(str)
    counted = teams.isin(TEAMS).to_numpy() if teams.isin(TEAMS).any() else np.ones(len(people),
                                                                                    bool)
    start = people["start"].to_numpy(float)[counted]
    leave = people["leave"].to_numpy(float)[counted]
    leave = np.where(np.isnan(leave), np.inf, leave)
    return np.array([np.count_nonzero((start <= t) & (leave > t)) for t in moments], float)
