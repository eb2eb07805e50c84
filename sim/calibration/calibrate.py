"""``pmosim calibrate``: from a base scenario and three exports to a calibrated scenario.

:func:`calibrate` reads the exports, keeps the last months out (the hold-out
window), makes the direct fits on the rest, corrects the hazard of leaving for the
stress the base scenario puts on it, makes the indirect fits (unless asked for the
direct ones only) and runs the hold-out check. It returns a :class:`Calibration`;
:mod:`sim.reports.calibration` writes it. It writes nothing itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.calendar import parse_calendar
from sim.calibration.data import Data, read_data
from sim.calibration.direct import direct_fits
from sim.calibration.fits import Fit
from sim.calibration.holdout import Check, check, map_tasks
from sim.calibration.priors import PRIORS, Budget, Posterior, posterior_sets
from sim.calibration.series import monthly_series, whole_months
from sim.errors import UserError
from sim.schema.scenario import Scenario
from sim.studies.executors import Execution
from sim.units import DAYS_PER_MONTH, DAYS_PER_WEEK

HOLDOUT_REPLICATIONS = 20
"""Replications of each scenario in the hold-out check."""
INTEGER_KEYS = ("workforce.operations.headcount", "workforce.projects.headcount",
                "workforce.opex.headcount")
LIMITS = {"operations.p_defect": (0.0, 0.99), "projects.estimate_error": (0.0, 5.0),
          "operations.service_cv": (1e-6, 100.0)}


@dataclass(frozen=True)
class Options:
    """What ``pmosim calibrate`` was asked for.

    Attributes
    ----------
    holdout
        Working days kept out of the fits at the end of the exports (0: none).
    direct
        Direct fits only (no indirect fits).
    people_since
        From when the people file lists leavers (a date), or None to infer it.
    calendar
        The ``--calendar`` text, or None for Monday to Friday from 09:00.
    mapping
        Column renames ``{name in the file: expected name}``.
    seed
        Seed of the simulations (None: the base scenario's).
    workers
        Processes for the simulations (without ``execution``).
    execution
        Where the simulations run (see :class:`~sim.studies.executors.Execution`);
        None: ``workers`` local processes.
    budget
        The indirect fit's budget.
    replications
        Replications of each scenario in the hold-out check.
    """

    holdout: float = 63.0
    direct: bool = False
    people_since: str | None = None
    calendar: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    workers: int = 1
    execution: Execution | None = None
    budget: Budget = field(default_factory=Budget)
    replications: int = HOLDOUT_REPLICATIONS


@dataclass(frozen=True)
class Calibration:
    """Everything a calibration found, for the report.

    Attributes
    ----------
    base, base_path
        The base scenario and its file.
    document
        The base scenario as plain data (its file, ``extends`` resolved).
    data
        The exports (whole period).
    cut
        Working time where the hold-out window starts (``data.end`` without one).
    fits
        The direct fits, on the exports as of ``cut``.
    posterior
        The indirect fit (None with ``--direct``).
    observed
        The data's monthly series over the whole period.
    check
        The hold-out check (None without a hold-out window).
    sets
        Every key the calibrated scenario sets, with its value.
    notes
        For each key set, the comment the calibrated file carries.
    calibrated
        The calibrated scenario.
    seconds
        Wall time of each stage.
    options
        The options it ran with.
    """

    base: Scenario
    base_path: Path
    document: dict
    data: Data
    cut: float
    fits: list[Fit]
    posterior: Posterior | None
    observed: pd.DataFrame
    check: Check | None
    sets: dict[str, Any]
    notes: dict[str, str]
    calibrated: Scenario
    seconds: dict[str, float]
    options: Options


def calibrate(base_path: str | Path, tickets: str | None, people: str | None,
              projects: str | None,
              options: Options | None = None) -> Calibration:
    """Calibrate the scenario at ``base_path`` to the exports.

    Raises
    ------
    UserError
        A bad file, option or window (before any fitting: nothing is half done).
    """
    from sim.schema.loading import read_document

    options = options or Options()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    base_path = Path(base_path)
    from sim.schema import load_scenario

    base = load_scenario(base_path)
    document = read_document(base_path)
    calendar = parse_calendar(options.calendar, base.hours_per_day)
    data = read_data(tickets, people, projects, calendar, options.mapping)
    cut = _cut(data, options.holdout)
    since = _since(options.people_since, data)
    seconds["read"] = time.perf_counter() - started
    fitted = data.as_of(cut)
    fits = direct_fits(fitted, base, since)
    sets = _merged(fits)
    multiplier = stress_on_leaving(_with(document, sets, base_path), cut, options.seed)
    if multiplier != 1.0 and "workforce.attrition.rate" in sets:
        fits = direct_fits(fitted, base, since, multiplier)
        sets = _merged(fits)
    notes = _direct_notes(fits, sets)
    direct = _with(document, sets, base_path)
    seconds["direct"] = time.perf_counter() - started - seconds["read"]
    observed = monthly_series(data.tickets, data.people, data.projects, data.end,
                              direct.operations.sla)
    first = math.ceil(cut / DAYS_PER_MONTH - 1e-9)
    holdout = cut < data.end and first < len(observed)
    posterior, result_check = None, None
    with _pool(options, holdout or not options.direct) as pool:
        if not options.direct:
            mark = time.perf_counter()
            posterior = _indirect(direct, observed, cut, data, options, pool)
            sets.update(posterior_sets(posterior.table))
            notes.update(_posterior_notes(posterior))
            seconds["indirect"] = time.perf_counter() - mark
        calibrated = _with(document, sets, base_path)
        if holdout:
            mark = time.perf_counter()
            compared = {"base": base, "calibrated": calibrated}
            if options.seed is not None:
                compared = {k: v.model_copy(update={"seed": options.seed})
                            for k, v in compared.items()}
            result_check = check(observed, compared, data.end, first, options.replications,
                                 data.calendar, pool)
            seconds["holdout"] = time.perf_counter() - mark
    return Calibration(base, base_path, document, data, cut, fits, posterior, observed,
                       result_check, sets, notes, calibrated, seconds, options)


def _cut(data: Data, holdout: float) -> float:
    """Where the hold-out window starts: a whole working day, leaving a month to fit."""
    if holdout < 0:
        raise UserError(f"--holdout: {holdout:g} days is negative")
    cut = math.floor(data.end - holdout + 1e-9)
    if holdout > 0 and cut < DAYS_PER_MONTH:
        raise UserError(f"--holdout {holdout:g} working days leaves {max(cut, 0):g} of the "
                        f"{data.end:g} working days of the exports to fit; at least a month "
                        f"({DAYS_PER_MONTH:g} days) is needed (shorten --holdout)")
    return float(min(cut, data.end)) if holdout > 0 else data.end


def _since(text: str | None, data: Data) -> float | None:
    if text is None:
        return None
    try:
        moment = np.datetime64(text, "s")
    except ValueError:
        raise UserError(f"--people-since {text!r}: not an ISO 8601 date (e.g. 2024-01-01)"
                        ) from None
    return float(data.calendar.to_days(np.array([moment]))[0])


def _merged(fits: list[Fit]) -> dict[str, Any]:
    sets: dict[str, Any] = {}
    for fit in fits:
        for key, value in fit.sets.items():
            if key in INTEGER_KEYS:
                value = int(value)
            elif isinstance(value, float):
                low, high = LIMITS.get(key, (-math.inf, math.inf))
                value = float(f"{min(max(value, low), high):.6g}")
            sets[key] = value
    return sets


def _with(document: dict, sets: dict[str, Any], base_path: Path) -> Scenario:
    """The base document with the values set; an impossible value is a clear error."""
    from sim.errors import ScenarioError
    from sim.schema.loading import scenario_with

    try:
        return scenario_with(document, sets, source=str(base_path))
    except ScenarioError as exc:
        raise UserError("the exports give values the scenario cannot take:\n  - "
                        + "\n  - ".join(exc.problems)) from None


def stress_on_leaving(scenario: Scenario, horizon: float, seed: int | None) -> float:
    """The mean factor ``1 + k_C C + k_H H`` on the hazard of leaving over one run.

    One replication of ``scenario`` over ``horizon`` days; the weekly means of
    challenge and hindrance stress over people in a seat, averaged over the weeks.
    1 when stress does not act on leaving.
    """
    from sim.run import run

    k_c, k_h = scenario.stress.challenge_attrition, scenario.stress.hindrance_attrition
    if k_c == 0 and k_h == 0:
        return 1.0
    days = max(DAYS_PER_WEEK, math.floor(horizon / DAYS_PER_WEEK) * DAYS_PER_WEEK)
    update = {"horizon": float(days), "warmup": 0.0}
    if seed is not None:
        update["seed"] = seed
    weekly = run(scenario.model_copy(update=update), 0).weekly
    factor = (1.0 + k_c * weekly["stress_challenge_mean"].mean()
              + k_h * weekly["stress_hindrance_mean"].mean())
    return float(f"{factor:.4g}")


@contextmanager
def _pool(options: Options, needed: bool) -> Iterator:
    """The executor the simulations run in, warm, closed after (None: this process).

    It is the one ``options.execution`` asks for (default ``options.workers`` local
    processes); None when nothing is simulated or one local process is asked for.
    """
    where = options.execution or Execution(workers=options.workers)
    if not needed or (where.executor == "local" and where.workers == 1):
        yield None
        return
    pool = where.start(warm=True)
    done = False
    try:
        yield pool
        done = True
    finally:
        pool.close(cancel=not done)


def _indirect(direct: Scenario, observed: pd.DataFrame, cut: float, data: Data,
              options: Options, pool) -> Posterior:
    seed = direct.seed if options.seed is None else options.seed
    document = direct.model_copy(update={"seed": seed}).model_dump(mode="json", by_alias=True)
    months = whole_months(cut)
    if months < 2:
        raise UserError(f"the fitting window has {months} whole month(s); the indirect fits "
                        "need at least 2 (export a longer period, shorten --holdout, or use "
                        "--direct)")

    from sim.calibration.indirect import fit_indirect

    def ordered_map(fn, items):
        return map_tasks(fn, list(items), pool)

    return fit_indirect(document, observed, cut, months, data.calendar, seed, ordered_map,
                        options.budget)


def _direct_notes(fits: list[Fit], sets: dict[str, Any]) -> dict[str, str]:
    """The comment of each key a direct fit set: its estimate, interval and data size."""
    notes: dict[str, str] = {}
    for fit in fits:
        for e in fit.estimates:
            if e.key in sets and e.key not in notes:
                interval = ("" if math.isnan(e.low) else
                            f" [{_g(e.low)}, {_g(e.high)}] ({e.level:.0%})")
                notes[e.key] = f"{fit.name}: {_g(e.value)}{interval}, n = {e.n:,} {e.n_label}"
    if "operations.service" in sets:
        notes["operations.service"] = "service: family with the lower AIC (see the fit report)"
    if sets.get("operations.demand_growth") == 0.0:
        demand = next(f for f in fits if f.name == "demand")
        e = demand.estimate("yearly growth of demand")
        notes["operations.demand_growth"] = (f"demand: no trend detected, growth {_g(e.value)} "
                                             f"[{_g(e.low)}, {_g(e.high)}] covers 0")
    return notes


def _posterior_notes(posterior: Posterior) -> dict[str, str]:
    notes = {}
    for row in posterior.table.itertuples():
        pinned = "" if row.pinned else "; not pinned down by the data"
        notes[row.key] = (f"indirect: posterior median {_g(row.median)} [{_g(row.low)}, "
                          f"{_g(row.high)}] (90%), prior uniform [{row.prior_low:g}, "
                          f"{row.prior_high:g}], ABC-SMC on {posterior.months} months{pinned}")
    return notes


def _g(value: float) -> str:
    return f"{value:.4g}"


__all__ = ["PRIORS", "Calibration", "Options", "calibrate"]
