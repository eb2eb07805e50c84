"""Finished runs of a recommendation, kept on disk so that a stopped one resumes.

Each run is keyed as a sweep's is (:func:`sim.studies.sweeps.files.run_key`): a
hash of what its scenario simulates and its replication. Rows are buffered
briefly and written as new Parquet part files under ``runs/`` (each complete or
absent, never rewritten), so that running the same recommendation again finds
every run it already did and asks the simulator only for the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.run import run
from sim.schema.scenario import Scenario
from sim.studies.executors import Execution
from sim.studies.folders import write_atomically
from sim.studies.sweeps.files import content_digest, run_key
from sim.studies.sweeps.store import read_parts


class RunStore:
    """The finished runs of one folder (or of memory only, without a folder).

    Parameters
    ----------
    folder
        Where part files live (``<folder>/runs``); None keeps runs in memory.
    session
        A label for this session's part files.
    flush_rows, flush_seconds
        Write a part once this many rows wait or this long has passed.
    """

    def __init__(self, folder: Path | None, session: str = "session", *,
                 flush_rows: int = 20, flush_seconds: float = 5.0):
        self.folder = None if folder is None else Path(folder) / "runs"
        self.session = session
        self.flush_rows, self.flush_seconds = flush_rows, flush_seconds
        self._rows: list[dict[str, Any]] = []
        self._parts = 0
        self._last = time.monotonic()
        self.known: dict[str, dict[str, float]] = {}
        if self.folder is not None and self.folder.is_dir():
            table = read_parts(self.folder)
            for row in table.to_dict("records"):
                key = row.pop("run_key")
                self.known[key] = row

    def add(self, key: str, summary: dict[str, float]) -> None:
        """Keep a finished run; write a part file when due."""
        self.known[key] = summary
        if self.folder is None:
            return
        self._rows.append({"run_key": key, **summary})
        if len(self._rows) >= self.flush_rows or \
                time.monotonic() - self._last >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the waiting rows as a new part file (if any)."""
        if not self._rows or self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self._parts += 1
        table = pa.Table.from_pylist(self._rows)
        path = self.folder / f"part-{self.session}-{self._parts:05d}.parquet"
        write_atomically(path, lambda p: pq.write_table(table, p))
        self._rows = []
        self._last = time.monotonic()


def summary_of(result) -> dict[str, float]:
    """What a run keeps: its summary KPIs (taken in the worker that ran it)."""
    return {k: float(v) for k, v in result.summary.items()}


def run_indexed(task: tuple[int, tuple[Scenario, int]]) -> tuple[int, dict[str, float]]:
    """Run one ``(index, (scenario, replication))`` in a worker; keep its index."""
    index, (scenario, replication) = task
    return index, summary_of(run(scenario, replication))


class Evaluator:
    """Runs ``(scenario, replication)`` pairs, from the store when they are there.

    One pool of warm worker processes serves every batch of the recommendation
    (starting workers for each small batch would cost more than the runs);
    :meth:`close` ends it.

    Parameters
    ----------
    store
        Where finished runs are kept.
    workers
        Worker processes (1: run in this process), without ``execution``.
    execution
        Where the runs execute (see :class:`~sim.studies.executors.Execution`);
        None: ``workers`` local processes.
    progress
        Called with the number of runs each batch adds (done or found).

    Attributes
    ----------
    requested, ran
        Runs asked for (the budget counts these), and runs actually simulated.
    """

    def __init__(self, store: RunStore, workers: int = 1,
                 progress: Callable[[int], None] | None = None,
                 execution: Execution | None = None):
        self.store = store
        self.execution = execution or Execution(workers=workers)
        self.progress = progress
        self.requested = 0
        self.ran = 0
        self._pool = None

    def __call__(self, requests: Sequence[tuple[Scenario, int]]) -> list[dict[str, float]]:
        """The summary of each requested run, in order."""
        keys = [run_key(content_digest(s), r) for s, r in requests]
        todo: dict[str, tuple[Scenario, int]] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in self.store.known and key not in todo:
                todo[key] = request
        self.requested += len(requests)
        if self.progress is not None:
            self.progress(len(requests) - len(todo))
        pending = list(todo)
        try:
            for index, summary in self._run(list(todo.values())):
                self.store.add(pending[index], summary)
                self.ran += 1
                if self.progress is not None:
                    self.progress(1)
        except BaseException:
            self.close(cancel=True)
            raise
        finally:
            self.store.flush()
        return [self.store.known[key] for key in keys]

    def _run(self, tasks: list[tuple[Scenario, int]]) -> Iterator[tuple[int, dict[str, float]]]:
        """Yield ``(index, summary)`` as the runs of ``tasks`` finish."""
        where = self.execution
        if len(tasks) <= 1 or (where.executor == "local" and where.workers == 1):
            yield from map(run_indexed, enumerate(tasks))
            return
        if self._pool is None:
            self._pool = where.start(warm=True)
        yield from self._pool.imap(run_indexed, enumerate(tasks))

    def close(self, cancel: bool = False) -> None:
        """End the worker processes (at once, with ``cancel``)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close(cancel=cancel)
