"""The search: Optuna's TPE sampler proposes lever settings, the simulator scores them.

Optuna (Akiba et al. 2019) is asked for a batch of candidates at a time, through
its ask-and-tell interface, so that a batch runs in parallel; its tree-structured
Parzen estimator (TPE; Bergstra et al. 2011) handles ranges, whole numbers and
choices together (``multivariate``, modelling the levers jointly), spreads a
batch out by treating the candidates still running as poor ones (the
"constant liar"), and prefers candidates that meet the constraints when told
their violations (``Trial.set_constraint``). Every candidate runs the same few
replications (common random numbers), so the candidates are compared on the same
luck; the means are still noisy, which is why the best of them are confirmed
afterwards rather than believed.

A candidate proposed twice is not run again: the sampler is told the result it
already has. When a whole batch holds nothing new (the sampler has settled, or
every combination of a finite space is done), the search ends early and leaves
its unused runs to the confirmation. The batch size does not depend on the
number of workers, so the same seed proposes the same candidates on any machine.
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.recommendation.problem import Problem
from sim.recommendation.selection import shortfall
from sim.schema.scenario import Scenario

STALE_BATCHES = 3
"""Batches in a row with no new candidate after which the search ends."""


@dataclass(eq=False)
class Candidate:
    """One lever setting and the runs it has had.

    Attributes
    ----------
    number
        Its place in the order the search first proposed it (0, 1, ...).
    assignment
        Lever key path to value.
    scenario
        The base with the assignment applied.
    runs
        Replication to run summary.
    """

    number: int
    assignment: dict[str, Any]
    scenario: Scenario = field(repr=False)
    runs: dict[int, dict[str, float]] = field(default_factory=dict, repr=False)

    def values(self, kpi: str, replications: range | list[int]) -> np.ndarray:
        """The KPI in each of ``replications`` (which must have run)."""
        return np.array([self.runs[r].get(kpi, math.nan) for r in replications], float)

    def mean(self, kpi: str, replications: range | list[int]) -> float:
        """The KPI's mean over ``replications`` (NaN if undefined in any)."""
        x = self.values(kpi, replications)
        return float(np.mean(x)) if len(x) and np.all(np.isfinite(x)) else math.nan

    @property
    def label(self) -> str:
        """``#12``: the candidate's number, for tables."""
        return f"#{self.number}"


Evaluate = Callable[[list[tuple[Scenario, int]]], list[dict[str, float]]]
"""Runs ``(scenario, replication)`` pairs and returns their summaries, in order."""


def run_candidates(evaluate: Evaluate, candidates: list[Candidate],
                   replications: range | list[int]) -> int:
    """Run every replication of ``candidates`` they do not have yet; return the runs asked."""
    requests, owners = [], []
    for candidate in candidates:
        for r in replications:
            if r not in candidate.runs:
                requests.append((candidate.scenario, r))
                owners.append((candidate, r))
    if requests:
        for (candidate, r), summary in zip(owners, evaluate(requests), strict=True):
            candidate.runs[r] = summary
    return len(requests)


@dataclass
class SearchResult:
    """What the search found.

    Attributes
    ----------
    candidates
        Every distinct candidate, in the order first proposed.
    trials
        Proposals made (a candidate proposed again counts again).
    runs
        Runs the search asked for.
    stopped
        Why the search ended, in words.
    """

    candidates: list[Candidate]
    trials: int
    runs: int
    stopped: str


def search(problem: Problem, evaluate: Evaluate, runs: int) -> SearchResult:
    """Search the lever space with at most ``runs`` runs (see the module's notes)."""
    import optuna

    spec = problem.spec
    replications = range(spec.search.replications)
    distributions = _distributions(problem)
    by_text: dict[str, Candidate] = {}
    candidates: list[Candidate] = []
    space = _space_size(problem)
    with _quiet_optuna():
        sampler = optuna.samplers.TPESampler(
            seed=problem.seed % 2**32, n_startup_trials=spec.search.startup, multivariate=True,
            constant_liar=True)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        used = trials = stale = 0
        stopped = f"the search used its {runs} runs"
        while True:
            room = (runs - used) // len(replications)
            if room < 1:
                break
            batch = [study.ask(distributions) for _ in range(min(spec.search.batch, room))]
            trials += len(batch)
            fresh = []
            for trial in batch:
                assignment = _assignment(problem, trial.params)
                text = json.dumps(assignment, sort_keys=True, default=str)
                if text not in by_text:
                    candidate = Candidate(len(candidates), assignment,
                                          problem.scenario(assignment))
                    by_text[text] = candidate
                    candidates.append(candidate)
                    fresh.append(candidate)
                trial.set_user_attr("candidate", by_text[text].number)
            used += run_candidates(evaluate, fresh, replications)
            for trial in batch:
                _tell(study, trial, candidates[trial.user_attrs["candidate"]], problem,
                      replications)
            stale = 0 if fresh else stale + 1
            if space is not None and len(candidates) >= space:
                stopped = f"every one of the {space} combinations was run"
                break
            if stale >= STALE_BATCHES:
                stopped = (f"the sampler proposed nothing new in {STALE_BATCHES} batches in "
                           "a row")
                break
    return SearchResult(candidates=candidates, trials=trials, runs=used, stopped=stopped)


def _tell(study, trial, candidate: Candidate, problem: Problem, replications) -> None:
    """Tell the sampler a candidate's signed mean objective and constraint violations."""
    from optuna.trial import TrialState

    spec = problem.spec
    value = candidate.mean(spec.objective.kpi, replications)
    violations = [_violation(candidate.mean(c.kpi, replications), c.bound, c.side)
                  for c in spec.constraints]
    for i, (c, violation) in enumerate(zip(spec.constraints, violations, strict=True)):
        trial.set_constraint(f"{i}: {c.text()}", violation)
    if math.isfinite(value):
        study.tell(trial, spec.objective.sign * value)
    else:
        study.tell(trial, state=TrialState.FAIL)


def _violation(mean: float, limit: float, side: str) -> float:
    """Optuna's convention: positive when violated, at most zero when met."""
    if not math.isfinite(mean):
        return 1.0
    return (limit - mean) if side == "at_least" else (mean - limit)


def _distributions(problem: Problem) -> dict[str, Any]:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out = {}
    for key, lever in problem.spec.levers.items():
        if lever.choices is not None:
            out[key] = CategoricalDistribution([_hashable(v) for v in lever.choices])
        elif lever.integer:
            out[key] = IntDistribution(int(lever.min), int(lever.max))
        else:
            out[key] = FloatDistribution(float(lever.min), float(lever.max))
    return out


def _hashable(value: Any) -> Any:
    """Optuna's choices are plain values; anything else travels as JSON text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value)


def _assignment(problem: Problem, params: dict[str, Any]) -> dict[str, Any]:
    """The lever values of a trial, as the scenario takes them."""
    out = {}
    for key, lever in problem.spec.levers.items():
        value = params[key]
        if lever.choices is not None:
            value = next(v for v in lever.choices if _hashable(v) == value)
        elif lever.integer:
            value = int(value)
        else:
            value = float(value)
        out[key] = value
    return out


def _space_size(problem: Problem) -> int | None:
    """How many candidates a space of whole numbers and choices has (None if continuous)."""
    size = 1
    for lever in problem.spec.levers.values():
        if lever.choices is not None:
            size *= len(lever.choices)
        elif lever.integer:
            size *= int(lever.max) - int(lever.min) + 1
        else:
            return None
    return size


def rank(candidates: list[Candidate], problem: Problem,
         replications: range | list[int]) -> list[Candidate]:
    """Candidates best first, by their means over ``replications``.

    Those whose means meet every constraint come first, by objective; then the
    others, by how far they miss (the sum of their shortfalls, as shares of the limits).
    """
    spec = problem.spec

    def key(candidate: Candidate) -> tuple:
        value = candidate.mean(spec.objective.kpi, replications)
        miss = sum(shortfall(candidate.mean(c.kpi, replications), c.bound, c.side)
                   for c in spec.constraints)
        signed = spec.objective.sign * value if math.isfinite(value) else -math.inf
        return (miss > 0, miss, -signed, candidate.number)

    return sorted(candidates, key=key)


@contextlib.contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Keep Optuna's per-trial log lines and experimental warnings out of the output."""
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(before)
