"""A run's records as an organisation's own exports would show them: tickets, people, projects.

A service desk's ticket export, an HR list of staff and leavers and a PMO's project
register are the three files ``pmosim calibrate`` reads. This module turns one run
into the same three tables, on the model's clock (working days from the start of
the run), so that a known scenario can be simulated, exported and calibrated back.
:mod:`sim.calibration.calendar` turns working days into dates and back.

The tables only read what the components already hold (the desk's item records,
which it keeps only when asked; the people who left and those in a seat; the
project table of the run); building them draws nothing and changes nothing.
Missing values (a ticket never started, a person still employed, a project still
running) are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.desk_kernel import ARRIVED, FINISHED_AT, GIVES_UP, PARENT, STARTED
from sim.model.workforce import GROUPS

TICKET_COLUMNS = ["id", "created", "started", "closed", "outcome", "reopened_from"]
PEOPLE_COLUMNS = ["id", "start_date", "leave_date", "team"]
PROJECT_COLUMNS = ["name", "start", "planned_end", "actual_end", "planned_effort",
                   "actual_effort", "status"]
OUTCOMES = ("resolved", "abandoned")
"""Outcomes of a closed ticket; an open ticket (waiting or in service) has none."""


@dataclass(frozen=True)
class Records:
    """Tickets, people and projects of one organisation, times in working days.

    Attributes
    ----------
    tickets
        ``id`` (int), ``created``, ``started``, ``closed`` (times), ``outcome``
        (``resolved``, ``abandoned`` or empty while open), ``reopened_from`` (the id
        of the ticket a defect returns for, or missing for value demand).
    people
        ``id``, ``start_date``, ``leave_date`` (NaN while employed), ``team``.
    projects
        ``name``, ``start``, ``planned_end``, ``actual_end`` (NaN while running; the
        day it was stopped for a cancelled project), ``planned_effort``,
        ``actual_effort`` (person-days; so far, while running), ``status``
        (``finished``, ``running`` or ``cancelled``).
    end
        The time the records run to (the end of the run): anything open was still
        open then.
    """

    tickets: pd.DataFrame
    people: pd.DataFrame
    projects: pd.DataFrame
    end: float


def ticket_table(items: np.ndarray, end: float) -> pd.DataFrame:
    """The desk's item records (see ``ServiceDesk.item_records``) as a ticket table.

    An item that never started service and whose patience ran out by ``end``
    abandoned when it ran out; one that finished is resolved; the others were
    still waiting or in service at ``end``. Failure items that return for no
    item (incidents) look like value demand, as in a real export.
    """
    started, finished = items[:, STARTED], items[:, FINISHED_AT]
    gives_up, parent = items[:, GIVES_UP], items[:, PARENT]
    abandoned = np.isnan(started) & (gives_up <= end)
    resolved = ~np.isnan(finished)
    outcome = np.where(resolved, "resolved", np.where(abandoned, "abandoned", ""))
    closed = np.where(resolved, finished, np.where(abandoned, gives_up, np.nan))
    reopened = pd.array(np.where(parent >= 0, parent + 1, 0).astype(np.int64), dtype="Int64")
    reopened[parent < 0] = pd.NA
    return pd.DataFrame({"id": np.arange(1, len(items) + 1), "created": items[:, ARRIVED],
                         "started": started, "closed": closed, "outcome": outcome,
                         "reopened_from": reopened}, columns=TICKET_COLUMNS)


def people_table(departures: list[tuple[int, float, float]], hired_at: np.ndarray,
                 active: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """Everyone who held a seat: who left (``departures``) and who is in a seat now.

    ``departures`` holds (seat, hired, left); ``hired_at``, ``active`` and ``group``
    are per seat. People there from the start (hired at minus infinity) start at
    0, the first day of the records. Ids number people by start, then seat.
    """
    rows = [(float(hired), float(left), int(seat)) for seat, hired, left in departures]
    rows += [(float(hired_at[s]), np.nan, int(s)) for s in np.flatnonzero(active)]
    frame = pd.DataFrame(rows, columns=["start_date", "leave_date", "seat"])
    frame["start_date"] = frame["start_date"].clip(lower=0.0)
    frame = frame.sort_values(["start_date", "seat"], kind="stable", ignore_index=True)
    frame["team"] = [GROUPS[int(group[s])] for s in frame["seat"]]
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame[PEOPLE_COLUMNS]


def project_table(projects: pd.DataFrame) -> pd.DataFrame:
    """The run's project table as a register: every project that started.

    Planned effort is the estimate the plan was made from, actual effort the
    person-days spent (so far, for a project still running or cancelled). A
    cancelled project ends on the day it was cancelled.
    """
    started = projects[projects["status"] != "proposed"]
    status = started["status"].map({"completed": "finished", "active": "running",
                                    "cancelled": "cancelled"})
    return pd.DataFrame({"name": started["project"], "start": started["started"],
                         "planned_end": started["planned_finish"],
                         "actual_end": started["finished"].fillna(started["cancelled"]),
                         "planned_effort": started["estimate"],
                         "actual_effort": started["effort"], "status": status},
                        columns=PROJECT_COLUMNS).reset_index(drop=True)
