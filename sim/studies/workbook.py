"""Excel workbooks of result tables, with each column's unit in its header.

``pmosim run --xlsx``, ``pmosim compare --xlsx`` and ``pmosim analyze --xlsx``
write the tables of their folder into one ``.xlsx`` file (openpyxl), one sheet
per table, for colleagues who open Excel rather than CSV or Parquet. A header
reads ``column (unit)``: the units of summary KPIs come from :mod:`sim.kpis`,
those of factors (scenario key paths) from :mod:`sim.schema.labels`, and those
of the weekly, project and event columns from the tables below, which are the
units ``docs/results.md`` gives (a test keeps them equal). A tidy table with one
row per KPI gets a ``unit`` column next to ``kpi`` instead, since its numbers
change unit from row to row. Empty (NaN) values are empty cells. A table longer
than a sheet allows continues on further sheets (``weekly (2)``...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.kpis import KPIS, describe
from sim.studies.folders import write_atomically

MAX_ROWS = 1_048_575
"""Data rows per sheet (Excel's limit of 1,048,576 rows, less the header)."""

NO_UNIT = ("", "text", "index", "boolean", "count")
"""Units not shown in a header."""

WEEKLY_UNITS = {
    "week": "index", "day": "working days", "value_arrivals": "items",
    "failure_arrivals": "items", "arrivals_per_day": "items/day", "completed": "items",
    "throughput_per_day": "items/day", "wait_mean": "working days",
    "time_in_system_mean": "working days", "service_level": "share", "wip_mean": "items",
    "abandoned": "items", "abandoned_share": "share", "busy_servers_mean": "people",
    "backlog": "items", "queue": "items", "pressure": "ratio", "demand_rate": "items/day",
    "p_defect": "probability", "effort_multiplier": "ratio", "capability": "ratio",
    "headcount_operations": "people", "headcount_projects": "people",
    "headcount_opex": "people", "headcount_pmo": "people", "vacancies": "seats",
    "leavers": "people", "removed": "people", "hires": "people", "stress_mean": "stress",
    "stress_challenge_mean": "stress", "stress_hindrance_mean": "stress",
    "stress_p90": "stress", "misalignment_mean": "share", "stress_week_mean": "stress",
    "stress_p90_week_mean": "stress", "stress_challenge_week_mean": "stress",
    "stress_hindrance_week_mean": "stress", "misalignment_week_mean": "share",
    "vacancies_week_mean": "seats", "maturity": "level 1–5", "pmo_active": "0 or 1",
    "sustainment_coverage": "share", "benefits_sustained": "share", "cancelled": "projects",
    "rescues": "rescues", "projects_funnel": "projects", "projects_active": "projects",
    "projects_started": "projects", "projects_completed": "projects",
    "revenue_index": "index", "benefit_demand_reduction": "share",
    "benefit_failure_reduction": "share", "benefit_productivity": "share",
    "benefit_revenue": "share", "benefit_capability": "ratio", "ai_solutions": "solutions",
    "ai_quality": "quality 0–1", "ai_benefit": "share", "ai_monitoring_coverage": "share",
    "ai_degraded": "solutions", "ai_retraining": "solutions", "ai_incidents": "incidents",
    "ai_detections": "detections", "hours_available": "hours", "hours_ops_busy": "hours",
    "hours_ops_idle": "hours", "hours_overrun": "hours", "hours_project_work": "hours",
    "hours_project_idle": "hours", "hours_improvement": "hours",
    "hours_sustainment": "hours", "hours_overhead": "hours", "hours_unassigned": "hours",
    "hours_ops_planned": "hours", "hours_project_planned": "hours",
    "hours_improvement_planned": "hours", "hours_sustainment_planned": "hours",
    "hours_diverted": "hours", "cost_day_job": "money", "cost_projects": "money",
    "cost_opex": "money", "cost_sustainment": "money", "cost_pmo": "money",
    "cost_onboarding": "money", "cost_staff": "money", "cost_hiring": "money",
    "cost_total": "money", "cost_change": "money", "value_demand_reduction": "money",
    "value_failure_reduction": "money", "value_productivity": "money",
    "value_revenue": "money", "value_ai": "money", "value_benefits": "money",
    "net_change": "money",
}
"""The unit of each weekly column (``weekly.parquet``)."""

PROJECT_UNITS = {
    "project": "text", "template": "text", "status": "text", "arrived": "day",
    "started": "day", "team": "people", "allocation": "share of a day",
    "size": "person-days", "estimate": "person-days", "planned_duration": "working days",
    "planned_finish": "day", "finished": "day", "duration": "working days",
    "slip": "share of plan", "on_time": "boolean", "cancelled": "day",
    "joined_late": "people", "effort": "person-days", "work": "person-days",
    "rework": "person-days", "benefits": "count", "cost": "money", "benefit_value": "money",
    "cost_of_delay_per_week": "money/week", "slip_cost": "money", "deadline": "day",
    "due": "boolean", "late": "boolean", "slip_at_end": "share of plan",
}
"""The unit of each column of ``projects.csv``."""

EVENT_UNITS = {"day": "day", "event": "index", "label": "text", "change": "text"}
"""The unit of each column of ``events.csv``."""


def kpi_units(columns) -> dict[str, str]:
    """The units of the columns that are summary KPIs."""
    return {c: describe(c).unit for c in columns if c in KPIS}


def header(column: str, unit: str | None) -> str:
    """``column (unit)``, or the column alone when it has no unit worth showing."""
    return f"{column} ({unit})" if unit and unit not in NO_UNIT else column


def with_unit_column(table: pd.DataFrame, kpi_column: str = "kpi",
                     name: str = "unit") -> pd.DataFrame:
    """A tidy table with a ``unit`` column next to its ``kpi`` column (if it has none)."""
    if kpi_column not in table.columns or name in table.columns:
        return table
    out = table.copy()
    out.insert(out.columns.get_loc(kpi_column) + 1, name,
               [describe(k).unit for k in out[kpi_column]])
    return out


def write_workbook(path: Path, sheets: Mapping[str, tuple[pd.DataFrame, Mapping[str, str]]]
                   ) -> None:
    """Write tables as the sheets of a new Excel workbook at ``path``, atomically.

    Parameters
    ----------
    path
        The ``.xlsx`` file to create (never replaces an existing file).
    sheets
        Sheet name -> (table, units of its columns). A column's header is
        ``column (unit)`` when the mapping gives it a unit (:func:`header`).

    Raises
    ------
    OutputError
        If ``path`` exists already.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, (table, units) in sheets.items():
        chunks = range(0, max(len(table), 1), MAX_ROWS)
        for part, start in enumerate(chunks, 1):
            sheet = book.create_sheet(_sheet_name(name, part))
            titles = [header(str(c), units.get(str(c))) for c in table.columns]
            for i, title in enumerate(titles, 1):
                sheet.column_dimensions[get_column_letter(i)].width = min(
                    max(10, len(title) + 2), 60)
            sheet.freeze_panes = "A2"
            cells = []
            for title in titles:
                cell = WriteOnlyCell(sheet, value=title)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
            for row in table.iloc[start:start + MAX_ROWS].itertuples(index=False):
                sheet.append([_cell(v) for v in row])
    write_atomically(Path(path), lambda p: book.save(p))


def _sheet_name(name: str, part: int) -> str:
    """A valid sheet name: at most 31 characters, and none of the 7 Excel refuses."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)
    suffix = f" ({part})" if part > 1 else ""
    return clean[:31 - len(suffix)] + suffix


def _cell(value: Any) -> Any:
    """A table value as an Excel cell value: NaN and None empty, NumPy scalars plain."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def result_sheets(*, summary: pd.DataFrame, kpis: pd.DataFrame, weekly: pd.DataFrame,
                  projects: pd.DataFrame, events: pd.DataFrame,
                  comparison: pd.DataFrame | None = None
                  ) -> dict[str, tuple[pd.DataFrame, Mapping[str, str]]]:
    """The sheets of a run's or a comparison's workbook, with the units of their columns.

    Parameters
    ----------
    summary, kpis, weekly, projects, events
        The tables of the result folder (``summary.csv``, ``kpis.csv``,
        ``weekly.parquet``, ``projects.csv``, ``events.csv``).
    comparison
        ``comparison.csv`` of a comparison (first sheet), if any.

    Returns
    -------
    dict
        Sheet name -> (table, units of its columns).
    """
    sheets: dict[str, tuple[pd.DataFrame, Mapping[str, str]]] = {}
    if comparison is not None:
        sheets["comparison"] = (comparison, {})
    sheets["kpis"] = (with_unit_column(kpis), {})
    sheets["summary"] = (summary, kpi_units(summary.columns))
    sheets["weekly"] = (weekly, WEEKLY_UNITS)
    sheets["projects"] = (projects, PROJECT_UNITS)
    sheets["events"] = (events, EVENT_UNITS)
    return sheets

