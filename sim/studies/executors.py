"""Where runs execute: in this process, in a local process pool, or on Dask.

Every executor offers the same two things: ``imap(fn, tasks)``, which yields
results as runs finish while keeping only a small window of runs submitted
(so a sweep of any size holds a bounded number of tasks in memory), and
``close(cancel)``. Results do not depend on the executor: each run is a pure
function of its task.

Every command that runs many replications says where they run with the same
three options, ``--workers``, ``--executor`` and ``--scheduler``:
:func:`add_options` adds them to a command's parser and :func:`execution` reads
them into an :class:`Execution`, whose :meth:`Execution.start` makes the
executor. Sweeps hand it tasks themselves; runs, comparisons and claims go
through :func:`sim.studies.replications.run_tasks`.

Local workers never outlive the process that started them: on Linux the
kernel sends them SIGKILL when their parent dies (``prctl(PR_SET_PDEATHSIG)``),
and everywhere a watchdog thread ends a worker whose parent has gone (checked
every second), so killing only the parent, as an out-of-memory killer does,
leaves no orphan computing.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sim.errors import UserError
from sim.schema import limits

EXECUTORS = ("local", "dask")


class Serial:
    """Run every task in this process, one after the other."""

    name = "serial"
    workers = 1

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in order."""
        for task in tasks:
            yield fn(task)

    def close(self, cancel: bool = False) -> None:
        """Nothing to release."""


class LocalPool:
    """A pool of worker processes on this machine (started with ``spawn``).

    Workers ignore Ctrl-C: the parent decides what stops, keeps what finished
    and ends the workers. They also end when the parent dies (see the module).
    """

    name = "local"

    def __init__(self, workers: int, warm: bool = False):
        from sim.studies.workers import start as start_worker  # what each worker runs first

        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers,
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=start_worker,
                                         initargs=(os.getpid(), warm))

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield results as they finish, with at most two tasks per worker submitted."""
        tasks = iter(tasks)
        pending: set = set()
        while True:
            while len(pending) < 2 * self.workers:
                task = next(tasks, None)
                if task is None:
                    break
                with _signals_held():  # submit may start a worker
                    pending.add(self._pool.submit(fn, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def start_all(self) -> None:
        """Start every worker now rather than with the first tasks.

        The pool starts a worker for each task submitted while none is idle, so
        one trivial task per worker starts them all.
        """
        for _ in range(self.workers):
            self._pool.submit(os.getpid)

    def pids(self) -> list[int]:
        """Process ids of the workers started so far."""
        return [p.pid for p in self._processes()]

    def _processes(self) -> list:
        # The executor keeps its worker processes in a private mapping; it has no
        # public way to end them at once.
        return list((getattr(self._pool, "_processes", None) or {}).values())

    def close(self, cancel: bool = False) -> None:
        """Shut the pool down; with ``cancel``, end running tasks at once."""
        if cancel:
            # Ending a worker breaks the pool: the executor then fails what is pending,
            # ends the other workers and reaps them all, and shutdown waits for that.
            # Joining the workers here as well would race with it for their exit status.
            for process in self._processes():
                with suppress(Exception):
                    process.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
        else:
            self._pool.shutdown(wait=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the duration of the block, then act on them.

    Submitting a task may start a worker process, and a new worker reads its
    start-up data from a pipe the parent writes: a signal handler that raised
    half-way through that write would leave the worker reading a truncated pipe
    and printing a traceback. Signals that arrive meanwhile are handled as soon
    as the block ends, by the handlers that were in force.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(caught):
            handler = previous[s]
            if callable(handler):
                handler(s, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), s)


class DaskPool:
    """Run tasks on a Dask cluster: a new local one, or an existing scheduler.

    Parameters
    ----------
    workers
        Worker processes of a new local cluster (ignored with ``scheduler``).
    scheduler
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    """

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - a dependency of the package
            raise UserError("--executor dask needs the 'distributed' package") from None
        self._cluster = None
        if scheduler:
            _check_address(scheduler)
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="20s", set_as_default=False)
            else:
                # The workers' statistical profiler samples deep SimPy stacks every 10 ms
                # and costs about a tenth of the throughput; nobody reads it here.
                with dask.config.set({"distributed.worker.profile.enabled": False}):
                    self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                                 processes=True, host="127.0.0.1",
                                                 dashboard_address=None,
                                                 silence_logs=logging.ERROR)
                self._client = Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
            raise UserError(f"cannot reach {where}: {exc}") from None
        self.address = self._client.scheduler.address
        self.workers = max(1, sum(self._client.nthreads().values()))

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield results as they finish, keeping two tasks per worker thread submitted."""
        from distributed import as_completed

        tasks = iter(tasks)
        window = 2 * max(1, sum(self._client.nthreads().values()))
        futures = as_completed(loop=self._client.loop)
        in_flight = 0
        self._futures = futures
        while True:
            while in_flight < window:
                task = next(tasks, None)
                if task is None:
                    break
                futures.add(self._client.submit(fn, task, pure=False))
                in_flight += 1
            if in_flight == 0:
                return
            future = next(futures)
            in_flight -= 1
            result = future.result()
            future.release()
            yield result

    def close(self, cancel: bool = False) -> None:
        """Cancel what is pending (with ``cancel``) and disconnect; end a local cluster."""
        futures = getattr(self, "_futures", None)
        if cancel and futures is not None:
            with suppress(Exception):
                self._client.cancel(list(futures.futures))
        with suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with suppress(Exception):
                self._cluster.close()


@dataclass(frozen=True)
class Execution:
    """Where a command's runs execute: the ``--workers``, ``--executor`` and ``--scheduler``.

    Attributes
    ----------
    executor
        ``local`` (this process, or a pool of worker processes on this machine)
        or ``dask`` (a Dask cluster).
    workers
        Worker processes of a local pool or of a new local Dask cluster; None
        for one per core. With a ``scheduler`` its cluster's workers are used.
    scheduler
        Address of a running Dask scheduler (with ``dask``), e.g.
        ``tcp://10.0.0.5:8786``; None starts a local cluster.
    """

    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise UserError(f"executor {self.executor!r}: choose one of {', '.join(EXECUTORS)}")
        if self.scheduler and self.executor != "dask":
            raise UserError("--scheduler needs --executor dask")
        if self.workers is not None:
            limits.check_count("workers", self.workers, limits.MAX_WORKERS, low=1)

    def describe(self) -> str:
        """Where the runs execute, in words (for reports and manifests)."""
        workers = self.workers or os.cpu_count() or 1
        if self.executor == "dask":
            return f"the Dask scheduler at {self.scheduler}" if self.scheduler else \
                f"a local Dask cluster of {workers} worker{'s' if workers != 1 else ''}"
        return f"{workers} worker process{'es' if workers != 1 else ''}"

    def start(self, tasks: int | None = None, *, warm: bool = False):
        """Make the executor for up to ``tasks`` runs (no more workers than runs).

        A single local worker runs the tasks in this process. With ``warm``, local
        workers load the compiled model as they start rather than with their first
        task.
        """
        workers = self.workers or os.cpu_count() or 1
        if tasks is not None:
            workers = max(1, min(workers, tasks))
        if self.executor == "local" and workers > 1:
            return LocalPool(workers, warm=warm)
        return make_executor(self.executor, workers, self.scheduler)


def add_options(parser: argparse.ArgumentParser, *, workers: int | None = None) -> None:
    """Add ``--workers``, ``--executor`` and ``--scheduler`` to a command's parser.

    ``workers`` is the command's default number of worker processes (None: one
    per core). :func:`execution` reads the three back.
    """
    default = "one per core" if workers is None else str(workers)
    parser.add_argument("--workers", "-w", type=_worker_count, default=workers, metavar="N",
                        help=f"worker processes (default: {default}; with a Dask scheduler, "
                             "its workers are used)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where runs execute: local processes (default) or Dask "
                             "distributed")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                             "(with --executor dask; default: start a local cluster)")


def execution(args: argparse.Namespace) -> Execution:
    """The :class:`Execution` the options of :func:`add_options` ask for."""
    return Execution(args.executor, args.workers, args.scheduler)


def _worker_count(text: str) -> int:
    """An argparse type: a number of worker processes, from 1 to the limit."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= limits.MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 1 to "
                                         f"{limits.MAX_WORKERS:,}")
    return value


def make_executor(kind: str, workers: int, scheduler: str | None = None):
    """Return the executor for ``kind`` (``local`` or ``dask``) and ``workers``."""
    if kind not in EXECUTORS:
        raise UserError(f"executor {kind!r}: choose one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise UserError("--scheduler needs --executor dask")
    if kind == "dask":
        return DaskPool(workers, scheduler)
    return Serial() if workers <= 1 else LocalPool(workers)


def _check_address(address: str) -> None:
    """Refuse a scheduler address without a host and port before connecting to it."""
    from distributed.comm import parse_address, parse_host_port

    try:
        _, location = parse_address(address)
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise UserError(f"--scheduler {address!r}: not a scheduler address ({exc}); "
                        "expected e.g. tcp://10.0.0.5:8786") from None
    if not host or not port:
        raise UserError(f"--scheduler {address!r}: not a scheduler address; expected "
                        "e.g. tcp://10.0.0.5:8786")


