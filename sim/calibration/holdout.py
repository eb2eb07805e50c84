"""The hold-out check: the calibrated model against months it was not fitted to.

The last months of the exports (``--holdout``) are kept out of every fit. The
calibrated scenario, and the base scenario for comparison, are then simulated
over the whole period of the exports, several replications each, and every
monthly series of the data (:mod:`sim.calibration.series`) is set against the
simulations:

- the **90% predictive band** of each month (5th to 95th percentile over
  replications) and the share of hold-out months whose data fall inside it;
- the **RMSE** of the data against the simulations' mean, over the hold-out
  months and over all months;
- **Theil's inequality statistics** over all months (Sterman 1984): the mean
  square error split into bias U_M = (mean_s − mean_a)² / MSE, unequal variation
  U_S = (s_s − s_a)² / MSE and unequal covariation U_C = 2 (1 − r) s_s s_a / MSE,
  which add up to 1. Error mostly in U_C is unsystematic (the model follows the
  data's level and swing, not its noise); large U_M or U_S is a systematic error.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.calendar import WorkingCalendar
from sim.calibration.data import data_from_records
from sim.calibration.series import SERIES, monthly_series
from sim.schema.scenario import Scenario

BAND = (0.05, 0.95)


@dataclass(frozen=True)
class Check:
    """The hold-out check of one or more scenarios.

    Attributes
    ----------
    data
        The data's monthly series.
    simulated
        ``{scenario label: {series: array (replications, months)}}``.
    scores
        One row per scenario label and series: ``inside``, ``months`` (hold-out
        months with data), ``rmse_holdout``, ``rmse_all``, ``u_m``, ``u_s``, ``u_c``.
    first_holdout
        The first hold-out month.
    replications
        Replications per scenario.
    """

    data: pd.DataFrame
    simulated: dict[str, dict[str, np.ndarray]]
    scores: pd.DataFrame
    first_holdout: int
    replications: int


def run_series(task: tuple[Scenario, int, WorkingCalendar, int]) -> tuple[int, pd.DataFrame]:
    """Simulate one replication with records and return its monthly series (a worker's task)."""
    from sim.run import run

    scenario, replication, calendar, months = task
    result = run(scenario, replication, records=True)
    data = data_from_records(result.records, calendar)
    return replication, monthly_series(data.tickets, data.people, data.projects, data.end,
                                       scenario.operations.sla, months)


def simulate(scenario: Scenario, horizon: float, replications: int, months: int,
             calendar: WorkingCalendar, pool=None) -> dict[str, np.ndarray]:
    """Monthly series of ``replications`` runs of ``scenario`` over ``horizon`` days.

    Replications 1 to ``replications``: the indirect fits simulate replication 0, so
    the check draws random numbers they did not see.
    """
    scenario = scenario.model_copy(update={"horizon": float(horizon), "warmup": 0.0})
    tasks = [(scenario, r, calendar, months) for r in range(1, replications + 1)]
    results = dict(map_tasks(run_series, tasks, pool))
    frames = [results[r] for r in range(1, replications + 1)]
    return {name: np.vstack([f[name].to_numpy(float) for f in frames]) for name in SERIES}


def map_tasks(fn, tasks: list, pool=None) -> list:
    """``fn`` over ``tasks``, in the order of the tasks.

    They run in ``pool`` (an executor of :mod:`sim.studies.executors`: a local pool
    or a Dask cluster), or in this process when it is None.
    """
    if pool is None or len(tasks) <= 1:
        return [fn(t) for t in tasks]
    out = list(pool.imap(_indexed, [(i, fn, t) for i, t in enumerate(tasks)]))
    return [result for _, result in sorted(out, key=lambda pair: pair[0])]


def _indexed(task):
    index, fn, argument = task
    return index, fn(argument)


def band(runs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 90% predictive band of each month over replications (NaN where none has one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a month no run has a value for
        mean = np.nanmean(runs, axis=0)
        low, high = np.nanquantile(runs, BAND, axis=0)
    return mean, low, high


def theil(simulated: np.ndarray, actual: np.ndarray) -> tuple[float, float, float, float]:
    """Mean square error and its Theil split (U_M, U_S, U_C) over months where both exist."""
    ok = ~np.isnan(simulated) & ~np.isnan(actual)
    s, a = simulated[ok], actual[ok]
    if len(s) < 2:
        return math.nan, math.nan, math.nan, math.nan
    mse = float(np.mean((s - a) ** 2))
    if mse == 0:
        return 0.0, math.nan, math.nan, math.nan
    sd_s, sd_a = float(s.std()), float(a.std())
    r = float(np.corrcoef(s, a)[0, 1]) if sd_s > 0 and sd_a > 0 else 0.0
    u_m = (s.mean() - a.mean()) ** 2 / mse
    u_s = (sd_s - sd_a) ** 2 / mse
    u_c = 2 * (1 - r) * sd_s * sd_a / mse
    return mse, float(u_m), float(u_s), float(u_c)


def score(data: pd.DataFrame, simulated: dict[str, np.ndarray], first_holdout: int,
          label: str) -> list[dict]:
    """The rows of :attr:`Check.scores` for one simulated scenario."""
    rows = []
    for name in SERIES:
        actual = data[name].to_numpy(float)
        runs = simulated[name]
        if np.isnan(actual).all() or np.isnan(runs).all():
            continue
        mean, low, high = band(runs)
        held = np.arange(len(actual)) >= first_holdout
        known = held & ~np.isnan(actual) & ~np.isnan(mean)
        inside = int(np.sum((actual >= low) & (actual <= high) & known))
        errors = (mean - actual)[known]
        mse, u_m, u_s, u_c = theil(mean, actual)
        rows.append({"scenario": label, "series": name, "inside": inside,
                     "months": int(known.sum()),
                     "rmse_holdout": float(np.sqrt(np.mean(errors**2))) if len(errors)
                     else math.nan,
                     "rmse_all": math.sqrt(mse) if not math.isnan(mse) else math.nan,
                     "u_m": u_m, "u_s": u_s, "u_c": u_c})
    return rows


def check(data: pd.DataFrame, scenarios: dict[str, Scenario], horizon: float,
          first_holdout: int, replications: int, calendar: WorkingCalendar,
          pool=None) -> Check:
    """Simulate each scenario over the exports' period and score it on the data's series.

    ``pool`` is an executor of :mod:`sim.studies.executors` to run in, or None.
    """
    months = len(data)
    simulated = {label: simulate(s, horizon, replications, months, calendar, pool)
                 for label, s in scenarios.items()}
    rows = [row for label, sims in simulated.items()
            for row in score(data, sims, first_holdout, label)]
    return Check(data, simulated, pd.DataFrame(rows), first_holdout, replications)
