"""Several replications of one scenario, gathered into tidy tables.

This layer is still pure: it calls :func:`sim.run` once per replication and
stacks the results. Each row carries its run identity as columns (scenario,
replication, seed), never as arithmetic on ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.run import RunResult, run
from sim.schema.scenario import Scenario
from sim.studies.statistics import kpi_table

if TYPE_CHECKING:
    from sim.studies.executors import Execution


@dataclass(frozen=True)
class Replications:
    """The tables of several replications of one scenario.

    Attributes
    ----------
    summary
        One row per replication: ``scenario, replication, seed`` then the KPIs.
    weekly
        All weekly rows, with ``scenario`` and ``replication`` first.
    projects
        All project rows, with ``scenario`` and ``replication`` first.
    events
        All event-log rows, with ``scenario`` and ``replication`` first.
    """

    summary: pd.DataFrame
    weekly: pd.DataFrame
    projects: pd.DataFrame
    events: pd.DataFrame

    def kpis(self, level: float = 0.95) -> pd.DataFrame:
        """Per KPI: mean and confidence interval across replications."""
        return kpi_table(self.summary, level)


def run_tasks(tasks: list[Any], *, workers: int = 1, execution: Execution | None = None,
              on_result: Callable[[Any], None] | None = None,
              on_index: Callable[[int, Any], None] | None = None,
              records: bool = False) -> list[Any]:
    """Run ``(scenario, replication)`` pairs where ``execution`` says (default: ``workers``).

    A task may carry a third element, a picklable ``reduce`` applied to the
    :class:`~sim.run.RunResult` where the run ran; the reduced value comes back
    instead of the whole result (to keep what travels between processes small).
    A task may also be a picklable callable without arguments, which does its own
    runs (and builds its own scenarios) where it runs; what it returns comes back.

    Without ``execution``, ``workers`` local processes run the tasks (one: this
    process). With it, the tasks go to the executor it starts (see
    :class:`sim.studies.executors.Execution`): a local pool or a Dask cluster.
    Results come back in the order of ``tasks`` whatever the order they finish
    in, and are identical to a serial run, whatever the executor: :func:`sim.run`
    is pure. As each run finishes, ``on_result(result)`` and
    ``on_index(position in tasks, result)`` are called. Worker processes keep a
    few tasks in flight at a time, are ended at once when this call is
    interrupted, and a local one never outlives this process. With ``records``,
    each result carries the run's tickets, people and projects
    (:attr:`sim.run.RunResult.records`).
    """
    from sim.studies.executors import Execution, Serial  # not loaded by a worker's tasks

    if execution is None:
        execution = Execution(workers=max(1, workers))
    pool = execution.start(len(tasks)) if tasks else Serial()
    out: list[Any] = [None] * len(tasks)
    finished = False
    try:
        for index, result in pool.imap(partial(_run_indexed, records=records),
                                       enumerate(tasks)):
            out[index] = result
            if on_result is not None:
                on_result(result)
            if on_index is not None:
                on_index(index, result)
        finished = True
    finally:
        pool.close(cancel=not finished)
    return out


def _run_indexed(task: tuple[int, Any], records: bool = False) -> tuple[int, Any]:
    """Run one ``(index, task)`` where the executor put it; keep its index."""
    index, task = task
    return index, _run_task(task, records)


def _run_task(task: Any, records: bool = False) -> Any:
    """Run ``(scenario, replication[, reduce])``: the result, reduced if asked.

    A task may also be a picklable callable that does its own runs; its value is returned.
    """
    if callable(task):
        return task()
    scenario, replication, *reduce = task
    result = run(scenario, replication, records=True) if records else run(scenario, replication)
    return reduce[0](result) if reduce else result


def run_replications(scenario: Scenario, replications: int | None = None, *,
                     on_result: Callable[[RunResult], None] | None = None,
                     execution: Execution | None = None,
                     records: bool = False) -> Replications:
    """Run replications ``0 .. n-1`` of ``scenario`` and stack their tables.

    Parameters
    ----------
    scenario
        The scenario.
    replications
        How many; defaults to ``scenario.replications``.
    on_result
        Called after each replication (e.g. to advance a progress bar).
    execution
        Where the replications run (default: one after the other in this process).
    records
        Keep each run's tickets, people and projects for ``on_result`` (the
        stacked tables do not carry them).

    Returns
    -------
    Replications
        The stacked tables.
    """
    count = scenario.replications if replications is None else replications
    return stack(run_tasks([(scenario, r) for r in range(count)], on_result=on_result,
                           execution=execution, records=records))


def stack(results: list[RunResult]) -> Replications:
    """Stack the tables of several run results, run identity first."""
    summary = pd.DataFrame([{"scenario": r.scenario, "replication": r.replication,
                             "seed": r.seed, **r.summary} for r in results])
    return Replications(summary=summary, weekly=_stacked(results, "weekly"),
                        projects=_stacked(results, "projects"),
                        events=_stacked(results, "events"))


def _stacked(results: list[RunResult], table: str) -> pd.DataFrame:
    frames = []
    for r in results:
        frame = getattr(r, table).copy()
        frame.insert(0, "replication", r.replication)
        frame.insert(0, "scenario", r.scenario)
        frames.append(frame)
    frames = [f for f in frames if len(f)]
    if not frames:
        columns = ["scenario", "replication", *getattr(results[0], table).columns] \
            if results else ["scenario", "replication"]
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)
