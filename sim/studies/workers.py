"""What a worker process does: set itself up, and run one ``(scenario, replication)`` task.

Pools of worker processes (:mod:`sim.studies.executors`, :class:`sim.teaching.whatif.Runner`)
start their workers with :func:`start`. This module is kept apart from them and
imports only the model, so that a new worker is ready in a fraction of a second
instead of first importing the code that drives it.

A worker ignores Ctrl-C (the parent decides what stops) and ends when its parent
does, also when the parent is killed outright (as the kernel's out-of-memory
killer does) and cannot shut its pool down: on Linux the kernel sends it
SIGKILL when the parent dies, and everywhere a watchdog thread checks the
parent's id every :data:`PARENT_CHECK_SECONDS`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

from sim.run import RunResult, run
from sim.schema.scenario import Scenario

PARENT_CHECK_SECONDS = 1.0
"""How often a worker's watchdog checks that its parent is alive."""

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def start(parent: int | None = None, warm: bool = False) -> None:
    """Set up a worker: ignore Ctrl-C and, given its ``parent``'s id, end when it ends.

    With ``warm``, also load the compiled service desk now, before any task
    (see :func:`sim.model.operations.warm_up`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)
        threading.Thread(target=_watch_parent, args=(parent,), name="parent-watchdog",
                         daemon=True).start()
    if warm:
        from sim.model.operations import warm_up

        warm_up()


def _watch_parent(parent: int) -> None:
    """End this worker as soon as it is no longer the child of ``parent``."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def run_task(task: tuple[Scenario, int]) -> RunResult:
    """Run replication ``task[1]`` of scenario ``task[0]`` (see :func:`sim.run`)."""
    scenario, replication = task
    return run(scenario, replication)
