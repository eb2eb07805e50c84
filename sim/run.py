"""Run one replication of a scenario: the pure core of the simulator.

:func:`run` takes a validated :class:`~sim.schema.scenario.Scenario` and a
replication index and returns a :class:`RunResult`. It reads no file, writes
nothing and draws randomness only from the replication's own seed sequence, so
the same inputs give the same result in any process or on any machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pandas as pd

from sim.model.organisation import Organisation
from sim.model.projects import project_record
from sim.model.records import Records, people_table, project_table, ticket_table
from sim.model.rng import replication_seed
from sim.schema.scenario import Scenario


@dataclass(frozen=True)
class RunResult:
    """Everything one replication produced, as plain values and tidy tables.

    Attributes
    ----------
    scenario
        Name of the scenario that was run.
    replication
        Replication index.
    seed
        The scenario's root seed; with ``replication`` it identifies every draw.
    summary
        Summary KPIs (see ``docs/results.md`` for each column and its unit).
    weekly
        One row per week (five working days) of the time series.
    projects
        One row per project proposed during the run.
    events
        One row per timeline change or PMO change, in the order they happened.
    wall_seconds
        Wall-clock time the replication took.
    records
        The run's tickets, people and projects as an organisation's exports would
        show them (see :mod:`sim.model.records`); None unless asked for.
    """

    scenario: str
    replication: int
    seed: int
    summary: dict[str, float]
    weekly: pd.DataFrame = field(repr=False)
    projects: pd.DataFrame = field(repr=False)
    events: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    wall_seconds: float = 0.0
    records: Records | None = field(repr=False, default=None)


def run(scenario: Scenario, replication: int = 0, records: bool = False) -> RunResult:
    """Simulate one replication of ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`sim.load_scenario`).
    replication
        Replication index; replication ``r`` draws from the child ``r`` of the
        scenario's root seed, so replications are independent and any one of them
        can be rerun alone.
    records
        Also keep every ticket, person and project (:attr:`RunResult.records`).
        Records change no figure of the run and draw no random number.

    Returns
    -------
    RunResult
        Summary KPIs, weekly series and project records.
    """
    started = time.perf_counter()
    org = Organisation(scenario, replication_seed(scenario.seed, replication), records)
    org.run()
    tolerance = scenario.projects.on_time_tolerance
    end = org.env.now
    projects = pd.DataFrame([{**project_record(p, tolerance, end), **org.project_money(p)}
                             for p in org.projects()], columns=PROJECT_COLUMNS)
    return RunResult(
        scenario=scenario.name, replication=replication, seed=scenario.seed,
        summary=summary(org),
        weekly=pd.DataFrame(org.weekly_rows()),
        projects=projects,
        events=pd.DataFrame(org.events, columns=EVENT_COLUMNS),
        wall_seconds=time.perf_counter() - started,
        records=run_records(org, projects) if records else None)


def run_records(org: Organisation, projects: pd.DataFrame) -> Records:
    """The tickets, people and projects of a run that kept its desk's item records."""
    end = float(org.env.now)
    return Records(tickets=ticket_table(org.item_records(), end),
                   people=people_table(*org.people_records()),
                   projects=project_table(projects), end=end)


def summary(org: Organisation) -> dict[str, float]:
    """The run's summary KPIs, with ``tipped``, ``collapsed`` and ``collapsed_day`` last.

    A run *tipped* when it ends firefighting: ops pressure above 1 (the service
    level's limit) on average over the last three months (``ops_pressure_end``),
    or it collapsed. A run that collapsed during the warm-up has no window to
    summarise: its other KPIs are NaN.
    """
    from sim.kpis import KPIS

    if not org.has_window():
        kpis = dict.fromkeys((k for k in KPIS if k not in COLLAPSE_KPIS), math.nan)
    else:
        kpis = org.summary()
    collapsed = org.collapsed_day is not None
    tipped = collapsed or kpis["ops_pressure_end"] > 1.0
    return {**kpis, "tipped": float(tipped), "collapsed": float(collapsed),
            "collapsed_day": org.collapsed_day if collapsed else math.nan}


COLLAPSE_KPIS = ("tipped", "collapsed", "collapsed_day")
"""Summary columns that say whether the run ended firefighting, and whether, and on which
day, it stopped on its backlog limit."""

def weekly_columns(scenario: Scenario) -> set[str]:
    """The columns of the weekly series, from a one-week run of ``scenario`` (pure, fast)."""
    probe = scenario.model_copy(update={"horizon": 5.0, "warmup": 0.0, "timeline": ()})
    return set(run(probe, 0).weekly.columns)


EVENT_COLUMNS = ["day", "event", "label", "change"]
"""Columns of the event log: the day, the timeline event's index (-1: PMO), its label."""

PROJECT_COLUMNS = ["project", "template", "status", "arrived", "started", "team", "allocation",
                   "size", "estimate", "planned_duration", "planned_finish", "finished",
                   "duration", "slip", "on_time", "cancelled", "joined_late", "effort", "work",
                   "rework", "benefits", "cost", "benefit_value", "cost_of_delay_per_week",
                   "slip_cost", "deadline", "due", "late", "slip_at_end"]
