"""The exports on the model's clock, and how they looked at an earlier moment.

:class:`Data` holds the three exports as tables in working days from the first
working day of the tickets (any of the three may be absent). :meth:`Data.as_of`
gives the exports as they would have been written at an earlier moment: whatever
happened later is unknown then, so a ticket closed later is still open, a person
who left later is still employed, a project finished later is still running.
The hold-out check fits on the exports as of the start of the hold-out window,
so the censoring rules of every fit apply to the cut as they apply to the end of
the export.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.calibration.calendar import WorkingCalendar
from sim.calibration.exports import (
    Reading,
    latest_moment,
    people_in_days,
    projects_in_days,
    read_export,
    tickets_in_days,
)
from sim.errors import UserError
from sim.model.records import Records


@dataclass(frozen=True)
class Data:
    """The exports in working days.

    Attributes
    ----------
    tickets
        ``created``, ``started``, ``closed``, ``outcome``, ``parent`` (see
        :func:`~sim.calibration.exports.tickets_in_days`); None without a ticket file.
    people
        ``start``, ``leave``, ``team`` (None without a people file).
    projects
        ``start``, ``planned_end``, ``actual_end``, ``planned_effort``,
        ``actual_effort``, ``cancelled`` (None without a project file).
    end
        When the exports were written: the end of the working day of the latest
        time in the ticket file.
    calendar
        The working calendar, anchored at the first working day of the tickets.
    reading
        What reading the files kept and dropped.
    resolution
        The smallest time step of the exports (one second), in working days.
    reopens_recorded
        Whether the ticket file says which ticket a ticket reopens.
    """

    tickets: pd.DataFrame | None
    people: pd.DataFrame | None
    projects: pd.DataFrame | None
    end: float
    calendar: WorkingCalendar
    reading: Reading
    resolution: float
    reopens_recorded: bool = True

    def as_of(self, cut: float) -> Data:
        """The exports as they would have been written at working time ``cut``."""
        if cut >= self.end:
            return self
        return replace(self, tickets=None if self.tickets is None
                       else _tickets_as_of(self.tickets, cut),
                       people=None if self.people is None else _people_as_of(self.people, cut),
                       projects=None if self.projects is None
                       else _projects_as_of(self.projects, cut), end=cut)


def read_data(tickets: str | None, people: str | None, projects: str | None,
              calendar: WorkingCalendar, mapping: dict[str, str] | None = None) -> Data:
    """Read the exports given (at least one) and put them on the model's clock.

    The calendar is anchored at the working day of the earliest ``created`` (see
    :class:`Data` without tickets); the exports end at the end of the working day
    of the latest time in the ticket file (without one, in any file).
    """
    if tickets is None and people is None and projects is None:
        raise UserError("give at least one export: --tickets, --people or --projects")
    reading = Reading()
    raws = {kind: read_export(path, kind, mapping) for kind, path in
            (("tickets", tickets), ("people", people), ("projects", projects))
            if path is not None}
    reading.files.update({kind: raw.path for kind, raw in raws.items()})
    calendar = calendar.anchored(_first_moment(raws))
    ticket_table = None
    if "tickets" in raws:
        ticket_table = tickets_in_days(raws["tickets"], calendar, reading)
        if ticket_table.empty:
            raise UserError(f"{tickets}: no ticket is left to fit after the rows dropped")
    latest = max(latest_moment(raw) for kind, raw in raws.items()
                 if kind == "tickets" or "tickets" not in raws)
    end = math.ceil(float(calendar.to_days(np.array([latest]))[0]) + 1e-9)
    return Data(tickets=ticket_table,
                people=None if "people" not in raws else people_in_days(raws["people"],
                                                                        calendar, reading),
                projects=None if "projects" not in raws else projects_in_days(
                    raws["projects"], calendar, reading),
                end=float(end), calendar=calendar, reading=reading,
                resolution=1.0 / (calendar.hours * 3600.0),
                reopens_recorded="tickets" in raws and
                "reopened_from" in raws["tickets"].columns)


def _first_moment(raws: dict) -> np.datetime64:
    """Working time 0: the first ticket, else the first project start, else the first leaver."""
    if "tickets" in raws:
        return raws["tickets"].columns["created"].min()
    if "projects" in raws:
        return raws["projects"].columns["start"].min()
    c = raws["people"].columns
    leaves = c["leave_date"][~np.isnat(c["leave_date"])]
    return leaves.min() if len(leaves) else c["start_date"].min()


def data_from_records(records: Records, calendar: WorkingCalendar) -> Data:
    """A run's records as :class:`Data`, without going through files (exact times)."""
    t = records.tickets
    ids = pd.Index(t["id"])
    reopened = t["reopened_from"]
    position = ids.get_indexer(reopened.fillna(-1))
    parent = np.where(reopened.isna(), -1, np.where(position < 0, -2, position))
    tickets = pd.DataFrame({"created": t["created"], "started": t["started"],
                            "closed": t["closed"], "outcome": t["outcome"], "parent": parent})
    p = records.people
    people = pd.DataFrame({"start": p["start_date"], "leave": p["leave_date"],
                           "team": p["team"]})
    r = records.projects
    projects = pd.DataFrame({"start": r["start"], "planned_end": r["planned_end"],
                             "actual_end": r["actual_end"], "planned_effort": r["planned_effort"],
                             "actual_effort": r["actual_effort"],
                             "cancelled": r["status"] == "cancelled"})
    reading = Reading(rows={"tickets": len(tickets), "people": len(people),
                            "projects": len(projects)})
    return Data(tickets, people, projects.reset_index(drop=True), float(records.end), calendar,
                reading, resolution=0.0)


def _tickets_as_of(tickets: pd.DataFrame, cut: float) -> pd.DataFrame:
    kept = tickets["created"].to_numpy() < cut
    t = tickets[kept].copy()
    later = t["started"] >= cut
    t.loc[later, "started"] = np.nan
    open_then = t["closed"] >= cut
    t.loc[open_then, "closed"] = np.nan
    t.loc[open_then, "outcome"] = ""
    # parents are row positions: renumber them for the rows kept
    new = np.cumsum(kept) - 1
    parent = t["parent"].to_numpy()
    t["parent"] = np.where(parent >= 0, new[np.maximum(parent, 0)], parent)
    return t.reset_index(drop=True)


def _people_as_of(people: pd.DataFrame, cut: float) -> pd.DataFrame:
    p = people[people["start"] < cut].copy()
    p.loc[p["leave"] >= cut, "leave"] = np.nan
    return p.reset_index(drop=True)


def _projects_as_of(projects: pd.DataFrame, cut: float) -> pd.DataFrame:
    r = projects[projects["start"] < cut].copy()
    later = r["actual_end"] >= cut
    # the effort spent by the cut is not in the export: take the share of the duration
    share = (cut - r["start"]) / (r["actual_end"] - r["start"])
    r.loc[later, "actual_effort"] = r.loc[later, "actual_effort"] * share[later]
    r.loc[later, "actual_end"] = np.nan
    r.loc[later, "cancelled"] = False
    return r.reset_index(drop=True)
