"""Run a sweep: plan, skip what is done, execute the rest, stream rows to disk.

The parent process plans the runs, hands tasks to an executor a few at a time
and writes each finished run's row as it arrives; it never holds more than a
small buffer of results. A run that raises is recorded with its error and the
sweep goes on. Ctrl-C (``KeyboardInterrupt``) writes what has finished, marks
the session interrupted and ends the workers; running the sweep again picks up
where it stopped.
"""

from __future__ import annotations

import logging
import math
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ScenarioError, UserError
from sim.run import run, weekly_columns
from sim.schema.scenario import Scenario
from sim.studies.executors import EXECUTORS, Serial, make_executor
from sim.studies.sweeps.files import Plan, PlannedRun, SweepSpec, plan
from sim.studies.sweeps.store import SweepStore

log = logging.getLogger(__name__)

RUN_IDENTITY = ("run_key", "point", "replication", "seed")
"""The identity of a run in every sweep table."""


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run (picklable)."""

    scenario: Scenario
    replication: int
    key: str
    point: str
    values: dict[str, Any]
    weekly: bool | tuple[str, ...] = False


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the run's row, its weekly rows, or its error."""

    row: dict[str, Any]
    weekly: pd.DataFrame | None = field(default=None, repr=False)
    error: str | None = None


@dataclass(frozen=True)
class SweepReport:
    """What one call of :func:`run_sweep` did."""

    folder: Path
    planned: int
    skipped: int
    ran: int
    failed: int
    wall_seconds: float
    executor: str
    workers: int
    failures: tuple[dict[str, Any], ...] = ()
    collapsed: int = 0

    @property
    def complete(self) -> bool:
        """Whether every planned run now has a result."""
        return self.skipped + self.ran == self.planned

    @property
    def runs_per_second(self) -> float:
        """Runs finished per second of wall time in this call."""
        return self.ran / self.wall_seconds if self.wall_seconds > 0 else math.nan


def execute(task: Task) -> Outcome:
    """Simulate one run and reduce it to its row (runs in a worker process)."""
    identity = {"run_key": task.key, "point": task.point, "replication": task.replication,
                "seed": task.scenario.seed, **task.values}
    try:
        result = run(task.scenario, task.replication)
    except Exception as exc:  # recorded, and the sweep goes on
        return Outcome(row=identity, error=_describe(exc))
    row = {**identity, **result.summary, "wall_seconds": round(result.wall_seconds, 6)}
    weekly = None
    if task.weekly:
        weekly = result.weekly if task.weekly is True else result.weekly[
            ["week", "day", *[c for c in task.weekly if c not in ("week", "day")]]]
        weekly = weekly.copy()
        for i, column in enumerate(("run_key", "point", "replication")):
            weekly.insert(i, column, identity[column])
    return Outcome(row=row, weekly=weekly)


def prepare(spec: SweepSpec) -> Plan:
    """Plan a sweep and check its outputs: everything that can fail before a run starts."""
    the_plan = plan(spec)
    check_outputs(spec, the_plan)
    return the_plan


def run_sweep(spec: SweepSpec, folder: str | Path, *, workers: int | None = None,
              executor: str = "local", scheduler: str | None = None,
              progress: Callable[[int, int, int], None] | None = None,
              flush_rows: int = 20, flush_seconds: float = 5.0,
              command: list[str] | None = None, prepared: Plan | None = None) -> SweepReport:
    """Run every run of ``spec`` that ``folder`` does not hold yet.

    Parameters
    ----------
    spec
        The sweep (see :func:`sim.studies.sweeps.files.load_sweep`).
    folder
        The sweep's folder; runs already in it are skipped.
    workers
        Worker processes (default: one per core); 1 runs in this process.
    executor
        ``local`` (a process pool) or ``dask``.
    scheduler
        With ``dask``: the address of an existing scheduler instead of a new
        local cluster.
    progress
        Called as ``progress(finished, total, failed)`` after every run,
        ``finished`` counting runs done before this call too.
    flush_rows, flush_seconds
        How often rows are written to disk (a crash loses at most the unwritten ones).
    command
        The command line, for the manifest.
    prepared
        The sweep's plan from :func:`prepare`, if the caller has it already.

    Returns
    -------
    SweepReport
        Counts and timings of this call.
    """
    if executor not in EXECUTORS:
        raise UserError(f"executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    the_plan = prepared or prepare(spec)
    store = SweepStore(Path(folder), flush_rows=flush_rows, flush_seconds=flush_seconds)
    store.check()
    left = the_plan.count - the_plan.count_done(store.done_keys())
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    # The executor comes first: a bad executor or an unreachable cluster leaves no folder.
    # With nothing left to run, no pool or cluster is started.
    pool = make_executor(executor, min(workers, left), scheduler) if left else Serial()
    status, error = "interrupted", None
    try:
        store.open(spec, the_plan, command=command or [])
    except BaseException:
        pool.close(cancel=True)
        raise
    done = store.done_keys()  # again: the folder is ours only now
    planned = store.session["planned"]
    skipped = the_plan.count_done(done)
    try:
        store.describe_session(executor=pool.name, workers=pool.workers, skipped=skipped,
                               scheduler=getattr(pool, "address", None))
        if progress is not None:
            progress(skipped, planned, 0)
        for outcome in pool.imap(execute, _tasks(the_plan, the_plan.pending(done))):
            if outcome.error is None:
                store.add(outcome.row, outcome.weekly)
                store.session["collapsed"] += int(outcome.row.get("collapsed") == 1.0)
            else:
                log.warning("run %s (point %s, replication %s) failed: %s",
                            outcome.row["run_key"], outcome.row["point"],
                            outcome.row["replication"], outcome.error.splitlines()[-1])
                store.fail({k: outcome.row[k] for k in RUN_IDENTITY} | {"error": outcome.error})
            if progress is not None:
                progress(skipped + store.session["ran"], planned, store.session["failed"])
        status = "completed"
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt):
            status = "failed"
        if type(exc) is not KeyboardInterrupt:  # Ctrl-C needs no message; SIGTERM does
            error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        pool.close(cancel=status != "completed")
        ran = store.session["ran"]
        store.close(status, complete=skipped + ran == planned, error=error)
    return SweepReport(folder=Path(folder), planned=planned, skipped=skipped, ran=ran,
                       failed=store.session["failed"],
                       wall_seconds=time.perf_counter() - started, executor=pool.name,
                       workers=pool.workers, failures=tuple(store.session["failures"]),
                       collapsed=store.session["collapsed"])


def _tasks(the_plan: Plan, todo: Iterable[PlannedRun]) -> Iterator[Task]:
    """Build each task when the executor asks for it (one point's scenario at a time)."""
    spec = the_plan.spec
    weekly = spec.sweep.outputs.weekly
    current: tuple[str, Scenario, dict[str, Any]] | None = None
    for planned in todo:
        if current is None or current[0] != planned.point:
            values = the_plan.assignment(planned.point)
            current = (planned.point, spec.scenario(values), _cells(values))
        yield Task(current[1], planned.replication, planned.key, planned.point, current[2],
                   weekly)


def _cells(values: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as table cells: numbers and text as they are, anything else as text."""
    return {k: v if isinstance(v, (bool, int, float, str)) else repr(v)
            for k, v in values.items()}


def check_outputs(spec: SweepSpec, the_plan: Plan) -> None:
    """Check the weekly columns a sweep asks for against a one-week run of its base."""
    wanted = spec.sweep.outputs.weekly
    if not isinstance(wanted, tuple):
        return
    columns = weekly_columns(spec.scenario(the_plan.points[0][1]))
    unknown = [c for c in wanted if c not in columns]
    if unknown:
        raise ScenarioError(f"outputs.weekly: unknown column {', '.join(map(repr, unknown))}; "
                            f"weekly columns are {', '.join(sorted(columns))}", spec.source)


def _describe(exc: BaseException) -> str:
    """An error as its last traceback lines (enough to find it, short enough to store)."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(lines[-6:]).strip()
