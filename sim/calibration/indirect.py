"""The indirect fits: parameters no export records, fitted to the monthly series they shape.

How strongly people divert time to the day job or build up stress, how much
project work is right first time, how long hidden rework takes to surface and how
fast operations capability erodes are recorded nowhere. They shape what the
exports do record, though: the backlog, the service level, abandonment, headcount
and the projects finished and their slip, month by month
(:mod:`sim.calibration.series`). They are fitted to those series by approximate
Bayesian computation with sequential Monte Carlo (ABC-SMC, pyABC):

- **priors**: uniform over the ranges the claims vary them in for their
  robustness checks (:data:`PRIORS`, docs/claims.md);
- **candidates** are the calibrated scenario of the direct fits with the
  candidate's values, simulated over the fitting window with **common random
  numbers** (the same seed and replication for every candidate), so that two
  candidates differ by their values and not by their luck;
- **distance**: the Euclidean distance between the data's and the candidate's
  statistics (each month of backlog, service level, abandonment and headcount;
  the projects finished and their mean slip over the window), each scaled by its
  median absolute deviation over the population, adapted every generation
  (pyABC's adaptive p-norm distance);
- a fixed **budget** of simulations and generations; every random number pyABC
  draws comes from seeds derived from the scenario's seed, in a fixed order, so
  the same inputs give the same posterior whatever the number of workers.

The posterior median of each parameter goes into the calibrated scenario; its
90% credible interval is reported beside the prior's, and a parameter whose
posterior interval is more than half as wide as the prior's is one the data cannot
pin down.
"""

from __future__ import annotations

import functools
import logging
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import MappingSampler

from sim.calibration.calendar import WorkingCalendar
from sim.calibration.priors import PRIORS, STATISTICS, Budget, Posterior, posterior_table
from sim.calibration.series import monthly_series
from sim.errors import UserError


def statistics(series: pd.DataFrame, months: int) -> dict[str, np.ndarray]:
    """The summary statistics of a monthly-series table over its first ``months``."""
    head = series.iloc[:months]
    out = {name: np.nan_to_num(head[name].to_numpy(float)) for name in STATISTICS}
    finished = head["projects_finished"].to_numpy(float)
    slips = head["slip"].to_numpy(float) * finished
    total = float(np.nansum(finished))
    out["projects_finished"] = np.array([total])
    out["slip"] = np.array([float(np.nansum(slips)) / total if total > 0 else 0.0])
    return out


class Simulator:
    """One candidate's statistics: the direct calibration with its values, seeded alike.

    Parameters
    ----------
    document
        The resolved scenario of the direct fits (plain data).
    horizon
        The fitting window in working days.
    months
        Its whole months.
    calendar
        The working calendar (for the records' ticket tables).
    used
        The statistics the data have (the others are left out of the distance).
    """

    def __init__(self, document: dict, horizon: float, months: int,
                 calendar: WorkingCalendar, used: tuple[str, ...]):
        self.document = document
        self.horizon = horizon
        self.months = months
        self.calendar = calendar
        self.used = used

    def __call__(self, parameters: dict[str, float]) -> dict[str, np.ndarray]:
        """Simulate replication 0 of the candidate over the window; return its statistics."""
        from sim.calibration.data import data_from_records
        from sim.run import run
        from sim.schema.loading import scenario_with

        overrides = {key: float(parameters[name]) for key, name in zip(
            PRIORS, _names(), strict=True)}
        overrides.update({"horizon": self.horizon, "warmup": 0.0})
        scenario = scenario_with(self.document, overrides)
        result = run(scenario, 0, records=True)
        data = data_from_records(result.records, self.calendar)
        series = monthly_series(data.tickets, data.people, data.projects, data.end,
                                scenario.operations.sla, self.months)
        found = statistics(series, self.months)
        return {name: found[name] for name in self.used}


def _names() -> list[str]:
    """The names pyABC gives the keys of :data:`PRIORS` (no dots), in order."""
    return [key.replace(".", "__") for key in PRIORS]


def _sample_one(sampler, simulate_one: bytes, cap: float, entropy: int):
    """One of a generation's tasks: sample until one candidate is accepted, seeded.

    pyABC draws its candidates from NumPy's and Python's global generators; each
    task seeds them from its place in the generation, so the draws do not depend on
    which worker runs it or when. It gives up after ``cap`` candidates.
    """
    np.random.seed(entropy)  # noqa: NPY002
    random.seed(entropy)
    return sampler.run_task(simulate_one, cap)


class SeededSampler(MappingSampler):
    """A pyABC mapping sampler whose tasks draw from seeds fixed by their position.

    Each generation's ``n`` tasks (each samples until one candidate is accepted)
    get seeds from ``SeedSequence([seed, 1, generation + 1])``, and their results are
    gathered in task order, so the population does not depend on the workers. The
    sampler also keeps the budget: a generation's tasks may together run no more
    candidates than are left, each at most its share; a generation that does not
    complete within that is given up (pyABC then keeps the generation before).
    """

    def __init__(self, map_, seed: int, budget: int):
        super().__init__(map_=map_)
        self.seed = seed
        self.left = budget

    def run_task(self, simulate_one: bytes, cap: float):
        """Sample candidates until one is accepted or ``cap`` were run.

        Returns the sample, how many candidates were run, and whether one was accepted.
        """
        simulate = self.unpickle(simulate_one)
        count, sample = 0, self._create_empty_sample()
        while count < cap:
            particle = simulate()
            count += 1
            sample.append(particle)
            if particle.accepted:
                return sample, count, True
        return sample, count, False

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Run ``n`` seeded tasks through the map and pool their samples, in order."""
        pickled = self.pickle(simulate_one)
        seeds = np.random.SeedSequence([self.seed, 1, t + 1]).generate_state(n)
        cap = max(1, self.left // n)
        task = functools.partial(_sample_one, self, pickled, cap)
        results = self.map_(task, [int(s) for s in seeds])
        sample, self.nr_evaluations_ = self._create_empty_sample(), 0
        complete = True
        for part, count, accepted in results:
            sample += part
            self.nr_evaluations_ += count
            complete = complete and accepted
        self.left -= self.nr_evaluations_
        if not complete:
            sample.ok = False
        return sample


def fit_indirect(document: dict, observed: pd.DataFrame, horizon: float, months: int,
                 calendar: WorkingCalendar, seed: int, map_: Any = map,
                 budget: Budget | None = None) -> Posterior:
    """Fit :data:`PRIORS` to the data's monthly series by ABC-SMC.

    Parameters
    ----------
    document
        The resolved scenario of the direct fits (plain data).
    observed
        The data's monthly series (see :func:`sim.calibration.series.monthly_series`).
    horizon, months
        The fitting window: working days and whole months.
    calendar
        The working calendar.
    seed
        Root of every seed pyABC uses.
    map_
        An ordered ``map(fn, items)``, e.g. over a process pool.
    budget
        Population size, most generations and most simulations.
    """
    budget = budget or Budget()
    present = [name for name in STATISTICS if not observed[name].isna().all()]
    if not observed["projects_finished"].isna().all():
        present += ["projects_finished", "slip"]
    used = tuple(present)
    target = {k: v for k, v in statistics(observed, months).items() if k in used}
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low)
                                  for name, (low, high, _) in zip(_names(), PRIORS.values(),
                                                                  strict=True)})
    simulator = Simulator(document, horizon, months, calendar, used)
    sampler = SeededSampler(map_, seed, budget.simulations)
    distance = pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.mad)
    logging.getLogger("ABC").setLevel(logging.WARNING)
    # pyABC's own draws in this process (its first population's proposals come from the
    # workers' seeded tasks) use NumPy's global generator: seed it, and put it back after.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(np.random.SeedSequence([seed, 0]).generate_state(1)[0])  # noqa: NPY002
    try:
        with tempfile.TemporaryDirectory() as folder:
            abc = pyabc.ABCSMC(simulator, prior, distance, population_size=budget.population,
                               sampler=sampler)
            abc.new("sqlite:///" + str(Path(folder) / "abc.db"), target)
            history = abc.run(max_nr_populations=budget.generations,
                              max_total_nr_simulations=budget.simulations)
            if history.max_t < 0:
                raise UserError(f"--simulations {budget.simulations}: the indirect fits' budget "
                                "ran out before their first generation of "
                                f"{budget.population} candidates was complete; give more "
                                "simulations (or use --direct)")
            frame, weights = history.get_distribution(m=0, t=history.max_t)
            populations = history.get_all_populations()
            epsilons = [float(e) for e in populations.loc[populations["t"] >= 0, "epsilon"]]
            simulations = budget.simulations - sampler.left
            generations = int(history.max_t) + 1
    finally:
        np.random.set_state(state)  # noqa: NPY002
    particles = pd.DataFrame({key: frame[name].to_numpy(float)
                              for key, name in zip(PRIORS, _names(), strict=True)})
    particles["weight"] = np.asarray(weights, float) / np.sum(weights)
    return Posterior(particles, posterior_table(particles), generations, simulations,
                     epsilons, months)
