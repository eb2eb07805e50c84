"""pmosim: what happens when the same people run the day job and deliver change.

The public API is small: :func:`load_scenario` reads and validates a scenario
file, :func:`run` simulates one replication and returns a :class:`RunResult`,
:func:`sweep` runs a sweep file and :func:`open_sweep` opens its results;
:func:`recommend` searches the levers of a recommendation file for the best
choice under constraints and writes a one-page answer.
:mod:`sim.teaching.whatif` moves levers on a base scenario and compares AS-IS with TO-BE
in plain words (the layer of ``pmosim studio`` and of teaching notebooks).
"""

from importlib.metadata import PackageNotFoundError, version

from sim.run import RunResult, run
from sim.schema import Scenario, load_scenario

try:
    __version__ = version("pmosim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["RunResult", "Scenario", "__version__", "load_scenario", "open_sweep", "recommend",
           "run", "sweep"]


def __getattr__(name: str):
    # Sweeps pull in SALib and pandas' Parquet support: import them only when used.
    if name in ("sweep", "open_sweep"):
        import sim.studies.sweeps

        return getattr(sim.studies.sweeps, name)
    if name == "recommend":  # Optuna and the search: only when asked for
        from sim.recommendation import recommend

        return recommend
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
