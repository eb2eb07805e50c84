"""What a worker process does: ignore Ctrl-C, and run one ``(scenario, replication)`` task.

Pools of worker processes (:mod:`sim.sweeps.executors`, :class:`sim.whatif.Runner`)
start their workers with :func:`start`. This module is kept apart from them
and imports only the model, so that a new worker is ready in a fraction of a
second instead of first importing the code that drives it.
"""

from __future__ import annotations

import signal

from sim.run import RunResult, run
from sim.schema.scenario import Scenario


def start() -> None:
    """Make this worker ignore Ctrl-C: the parent decides what stops and ends the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_task(task: tuple[Scenario, int]) -> RunResult:
    """Run replication ``task[1]`` of scenario ``task[0]`` (see :func:`sim.run`)."""
    scenario, replication = task
    return run(scenario, replication)
