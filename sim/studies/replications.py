"""Several replications of one scenario, gathered into tidy tables.

This layer is still pure: it calls :func:`sim.run` once per replication and
stacks the results. Each row carries its run identity as columns (scenario,
replication, seed), never as arithmetic on ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from sim.run import RunResult, run
from sim.schema.scenario import Scenario
from sim.studies.statistics import kpi_table


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


def run_tasks(tasks: list[Any], *, workers: int = 1,
              on_result: Callable[[Any], None] | None = None,
              on_index: Callable[[int, Any], None] | None = None,
              records: bool = False) -> list[Any]:
    """Run ``(scenario, replication)`` pairs, in worker processes if ``workers > 1``.

    A task may carry a third element, a picklable ``reduce`` applied to the
    :class:`~sim.run.RunResult` where the run ran; the reduced value comes back
    instead of the whole result (to keep what travels between processes small).
    A task may also be a picklable callable without arguments, which does its own
    runs (and builds its own scenarios) where it runs; what it returns comes back.
    Results come back in the order of ``tasks`` whatever the order they finish
    in, and are identical to a serial run: :func:`sim.run` is pure. As each run
    finishes, ``on_result(result)`` and ``on_index(position in tasks, result)``
    are called. Worker processes are those of
    :class:`sim.studies.executors.LocalPool`: a few tasks in flight at a time,
    ended at once when this call is interrupted, and never outliving this process.
    With ``records``, each result carries the run's tickets, people and projects
    (:attr:`sim.run.RunResult.records`).
    """
    if workers <= 1 or len(tasks) <= 1:
        results = []
        for index, task in enumerate(tasks):
            results.append(_run_task(task, records))
            if on_result is not None:
                on_result(results[-1])
            if on_index is not None:
                on_index(index, results[-1])
        return results
    from sim.studies.executors import LocalPool

    pool = LocalPool(min(workers, len(tasks)))
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
    """Run one ``(index, task)`` in a worker; keep its index."""
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
                           records=records))


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
