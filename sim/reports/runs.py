"""Run a scenario into a result folder: the I/O shell around the pure core.

:func:`run_to_folder` is what ``pmosim run`` does: create a new folder, record
the resolved scenario and a manifest, run the replications with a progress bar,
then write the tables and plots. If anything stops the run, the manifest says
so and no data file is left half-written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.reports.folder import RunRecord
from sim.schema.scenario import Scenario
from sim.studies.executors import Execution
from sim.studies.folders import new_folder, write_atomically, write_png, write_text
from sim.studies.replications import Replications, run_replications


def run_to_folder(scenario: Scenario, *, out: Path, source: str | None = None,
                  command: list[str] | None = None, plots: bool = True,
                  xlsx: bool = False, records: bool = False,
                  execution: Execution | None = None,
                  warnings: list[dict[str, str]] | None = None
                  ) -> tuple[Path, pd.DataFrame]:
    """Run every replication of ``scenario`` and write its result folder.

    Parameters
    ----------
    scenario
        The validated scenario.
    out
        Parent folder; the run gets a new sub-folder in it.
    source
        The scenario file, for the manifest.
    command
        The command line, for the manifest.
    plots
        Whether to draw the PNG figures.
    xlsx
        Also write the tables as an Excel workbook, ``results.xlsx``.
    records
        Also write each replication's tickets, people and projects in the formats
        ``pmosim calibrate`` reads (see :func:`write_records`).
    execution
        Where the replications run (default: one after the other in this process).
    warnings
        What loading the scenario file warned of, each as ``{"source", "warning"}``,
        for the manifest.

    Returns
    -------
    tuple
        The result folder and the KPI table (mean and CI per KPI).
    """
    folder = new_folder(out, scenario.name)
    record = RunRecord(folder, scenario, source=source, command=command or [],
                       replications=scenario.replications,
                       warnings=warnings)
    with record.failures():
        exported: list[str] = []

        def done(result) -> None:
            bar.update()
            if records:
                exported.extend(write_records(folder, result, scenario))

        with tqdm(total=scenario.replications, desc=scenario.name, unit="run",
                  disable=scenario.replications < 2 or None, leave=False) as bar:
            tables = run_replications(scenario, on_result=done, records=records,
                                      execution=execution)
        files = write_tables(folder, tables, xlsx=xlsx) + exported
        if plots:
            files += write_plots(folder, tables.weekly, scenario.name)
            files.append(write_brief(folder, scenario, source, tables))
    record.finish(files, collapsed_runs(tables.summary))
    return folder, tables.kpis()


def collapsed_runs(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """The runs of a summary table that collapsed: scenario, replication and day."""
    if "collapsed" not in summary or summary.empty:
        return []
    rows = summary[summary["collapsed"] == 1.0]
    return [{"scenario": str(r["scenario"]), "replication": int(r["replication"]),
             "day": float(r["collapsed_day"])} for _, r in rows.iterrows()]


def collapse_warning(collapsed: list[dict[str, Any]], replications: int) -> str | None:
    """One sentence on the runs that collapsed (from :func:`collapsed_runs`), or None.

    Parameters
    ----------
    collapsed
        The collapsed runs: ``scenario``, ``replication`` and ``day`` of each.
    replications
        Replications per scenario, to say how many of them collapsed.
    """
    if not collapsed:
        return None
    parts = []
    for name in dict.fromkeys(r["scenario"] for r in collapsed):
        days = [r["day"] for r in collapsed if r["scenario"] == name]
        shown = ", ".join(f"{d:g}" for d in days[:5]) + (", ..." if len(days) > 5 else "")
        parts.append(f"{name}: {len(days)} of {replications} replications, on "
                     f"day{'s' if len(days) > 1 else ''} {shown}")
    return ("the backlog passed operations.backlog_limit days of value demand, so these runs "
            "collapsed and stopped early (their KPIs cover the days until then): "
            + "; ".join(parts))


def write_tables(folder: Path, tables: Replications, *, xlsx: bool = False,
                 comparison: pd.DataFrame | None = None) -> list[str]:
    """Write the tidy tables of a run (and, with ``xlsx``, ``results.xlsx``); return their names."""
    outputs = {
        "summary.csv": lambda p: tables.summary.to_csv(p, index=False),
        "kpis.csv": lambda p: tables.kpis().to_csv(p, index=False),
        "weekly.parquet": lambda p: tables.weekly.to_parquet(p, index=False),
        "projects.csv": lambda p: tables.projects.to_csv(p, index=False),
        "events.csv": lambda p: tables.events.to_csv(p, index=False),
    }
    for name, writer in outputs.items():
        write_atomically(folder / name, writer)
    if not xlsx:
        return list(outputs)
    from sim.studies.workbook import result_sheets, write_workbook

    write_workbook(folder / "results.xlsx", result_sheets(
        summary=tables.summary, kpis=tables.kpis(), weekly=tables.weekly,
        projects=tables.projects, events=tables.events, comparison=comparison))
    return [*outputs, "results.xlsx"]


def write_records(folder: Path, result, scenario: Scenario) -> list[str]:
    """Write one replication's tickets, people and projects as an organisation's exports.

    They go to ``records/replication-<r>/`` as ``tickets.csv``, ``people.csv`` and
    ``projects.csv``, in the formats of ``docs/calibration.md``, dated by the
    default working calendar (Monday to Friday from 09:00 for the scenario's
    ``hours_per_day``) from the first Monday of the scenario's price base year.
    """
    from sim.calibration.calendar import parse_calendar

    calendar = parse_calendar(None, scenario.hours_per_day,
                              records_origin(scenario.finance.price_base_year))
    where = Path("records") / f"replication-{result.replication}"
    (folder / where).mkdir(parents=True)
    paths = write_exports(folder / where, result.records, calendar)
    return [(where / path.name).as_posix() for path in paths.values()]


def write_exports(folder: Path, records, calendar) -> dict[str, Path]:
    """Write a run's records into ``folder`` as the three exports, dated by ``calendar``.

    The files are ``tickets.csv``, ``people.csv`` and ``projects.csv``; returns the
    path of each by kind.
    """
    from sim.calibration.exports import records_to_frames

    paths = {}
    for kind, frame in records_to_frames(records, calendar).items():
        paths[kind] = folder / f"{kind}.csv"
        write_atomically(paths[kind], lambda p, f=frame: f.to_csv(p, index=False))
    return paths


def records_origin(year: int):
    """The first Monday of ``year``: the first working day of a run's records."""
    import numpy as np

    return np.busday_offset(np.datetime64(f"{year:04d}-01-01"), 0, roll="forward",
                            weekmask="Mon")


def write_brief(folder: Path, scenario: Scenario, source: str | None,
                tables: Replications) -> str:
    """Write the single-scenario decision brief ``brief.html``; return its name."""
    from sim.reports.brief import run_brief

    write_text(folder / "brief.html", run_brief(scenario, source, tables.kpis(), tables.weekly))
    return "brief.html"


def write_plots(folder: Path, weekly: pd.DataFrame, title: str) -> list[str]:
    """Draw the standard figures into ``folder/plots``; return their relative paths."""
    from sim.reports.figures import FIGURE_NEEDS, FIGURES

    (folder / "plots").mkdir(exist_ok=True)
    names = []
    for name, draw in FIGURES.items():
        needs = FIGURE_NEEDS.get(name)
        if needs is not None and needs not in weekly:
            continue  # e.g. no AI solution in the scenario
        figure = draw(weekly, title)
        write_png(folder / "plots" / f"{name}.png", figure)
        names.append(f"plots/{name}.png")
    return names
