"""Sweeps: many points of a scenario, many replications, resumable and in parallel.

:func:`sweep` runs a sweep file (or a sweep given as data) into its folder,
skipping runs already there, and returns a :class:`SweepResults` handle;
:func:`open_sweep` opens a folder without running anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.schema.sweep import Sweep
from sim.studies.sweeps.engine import SweepReport, run_sweep
from sim.studies.sweeps.files import SweepSpec, load_sweep, sweep_spec
from sim.studies.sweeps.progress import ProgressBar
from sim.studies.sweeps.results import SweepResults

DEFAULT_OUT = Path("results") / "sweeps"


def sweep(source: str | Path | Mapping[str, Any] | Sweep, *,
          out: str | Path = DEFAULT_OUT, workers: int | None = None,
          executor: str = "local", scheduler: str | None = None,
          replications: int | None = None, seed: int | None = None,
          progress: bool = False) -> SweepResults:
    """Run a sweep (resuming its folder) and return a handle over its results.

    Parameters
    ----------
    source
        A sweep file, or a sweep as a mapping (its ``scenario`` is then relative
        to the working directory).
    out
        Parent of the sweep's folder, which is ``out/<sweep name>``.
    workers
        Worker processes (default: one per core).
    executor
        ``local`` or ``dask``.
    scheduler
        With ``dask``: the address of an existing scheduler.
    replications, seed
        Override the sweep's replications per point and root seed.
    progress
        Show a progress bar.

    Returns
    -------
    SweepResults
        A lazy handle: ``.runs()`` is a DataFrame of one row per run.
    """
    spec = _spec(source, replications=replications, seed=seed)
    folder = Path(out) / spec.name
    bar = ProgressBar(spec.name, notebook=True) if progress else None
    try:
        run_sweep(spec, folder, workers=workers, executor=executor, scheduler=scheduler,
                  progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return SweepResults(folder)


def open_sweep(folder: str | Path) -> SweepResults:
    """Open a sweep folder without running anything."""
    return SweepResults(folder)


def _spec(source, **overrides) -> SweepSpec:
    if isinstance(source, (str, Path)):
        return load_sweep(source, **overrides)
    return sweep_spec(source, **overrides)


__all__ = ["Sweep", "SweepReport", "SweepResults", "SweepSpec", "load_sweep", "open_sweep",
           "run_sweep", "sweep"]
