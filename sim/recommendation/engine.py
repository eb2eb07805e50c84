"""Search, confirm, stress-test: the three stages of a recommendation, without any I/O.

:func:`solve` takes a :class:`~sim.recommendation.problem.Problem` and a function
that runs ``(scenario, replication)`` pairs, and returns a :class:`Outcome`:

1. **Search** (:mod:`sim.recommendation.search`): Optuna's TPE sampler over the
   levers, every candidate run with the same few replications.
2. **Confirm**: the best candidates of the search (the *finalists*) and the base
   get a first stage of fresh replications (not those that chose them), the same
   for all (common random numbers). A finalist is *allowed* when the one-sided confidence bound of
   every constrained KPI's mean is on the right side of its limit
   (:func:`~sim.recommendation.selection.constraint_check`). Among the allowed
   finalists, Kim and Nelson's procedure KN takes one more replication of every
   survivor (and of the base, for the comparison) at a time and eliminates
   those clearly worse, until one is left or the budget ends. Each allowed
   finalist's probability of being best is estimated by a paired bootstrap over
   the replications they share.
3. **Stress test**: the best allowed finalists run in conditions sampled by a
   Latin hypercube; in each, the regret of each finalist (how much worse its
   objective is than the best finalist's there) and whether the constraints
   hold; :func:`sim.studies.discovery.discover` looks for a simple condition
   under which the recommendation fails, reported only if it beats a
   permutation null.

The same problem and seed give the same outcome, whatever the number of workers
and whether the runs came from the simulator or from a store of earlier runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.kpis import describe
from sim.recommendation.problem import Problem
from sim.recommendation.search import (
    Candidate,
    Evaluate,
    SearchResult,
    rank,
    run_candidates,
    search,
)
from sim.recommendation.selection import (
    ConstraintCheck,
    KimNelson,
    constraint_check,
    probability_best,
    shortfall,
)
from sim.studies.discovery import Finding, discover
from sim.studies.statistics import paired_test, wilson_interval

COMPARED_KPIS = ("npv_change", "value_benefits", "cost_change", "cost_total",
                 "ops_service_level", "ops_time_in_system_mean", "projects_completed",
                 "stress_mean", "tipped")
"""KPIs the answer compares with the base, beside the objective and the constraints."""

STRESS_REPLICATIONS = 100_000
"""First replication index of the stress test: condition ``i`` runs replications
``STRESS_REPLICATIONS + i * r .. + r - 1``, apart from the search's and confirmation's."""

Progress = Callable[[str], None]


@dataclass
class Finalist:
    """One finalist of the confirmation.

    Attributes
    ----------
    candidate
        The candidate.
    checks
        One :class:`~sim.recommendation.selection.ConstraintCheck` per constraint,
        on the first stage.
    allowed
        Whether every check is met.
    shortfalls
        Per constraint, how far its mean misses the limit, as a share of the limit.
    undefined
        Replications in which its objective was undefined (it cannot then be ranked,
        so it is not allowed).
    replications
        Replications it had in the confirmation.
    eliminated_at
        Observations at which KN eliminated it (None if it survived or was not
        in the selection).
    p_best
        Its probability of being best among the allowed finalists (NaN if not
        allowed).
    """

    candidate: Candidate
    checks: list[ConstraintCheck]
    allowed: bool
    shortfalls: list[float] = field(default_factory=list)
    undefined: int = 0
    replications: int = 0
    eliminated_at: int | None = None
    p_best: float = math.nan

    @property
    def worst_shortfall(self) -> float:
        """The largest shortfall of a constraint's mean, as a share of its limit."""
        return max(self.shortfalls, default=0.0)


@dataclass
class Confirmation:
    """What the confirmation found.

    Attributes
    ----------
    finalists
        Every finalist, in the order of the search's ranking.
    base
        The base scenario as a candidate (its runs match the winner's).
    start
        The first replication index of the confirmation: the search's
        replications are not reused, since they chose the finalists (reusing them
        would carry the search's luck into the confirmation).
    first
        First-stage replications.
    delta
        The indifference zone used.
    delta_source
        Where it came from, in words.
    chosen
        The selected finalist (None if no finalist is allowed).
    runner_up
        The next best allowed finalist (None if there is none).
    closest
        With no allowed finalist: the one that misses the constraints least.
    ended
        ``eliminated`` (KN ended with one survivor), ``budget`` (truncated),
        ``single`` (one allowed finalist) or ``none`` (none allowed).
    shared
        Replications every allowed finalist has (P(best) uses these).
    runs
        Runs the confirmation asked for.
    """

    finalists: list[Finalist]
    base: Candidate
    start: int
    first: int
    delta: float
    delta_source: str
    chosen: Finalist | None
    runner_up: Finalist | None
    closest: Finalist | None
    ended: str
    shared: int
    runs: int

    def indices(self, count: int) -> range:
        """The replication indices of the confirmation's first ``count`` replications."""
        return range(self.start, self.start + count)


@dataclass
class StressResult:
    """What the stress test found for the stressed finalists.

    Attributes
    ----------
    table
        One row per condition and finalist: the condition's values, ``finalist``
        (its number), ``objective``, ``regret``, ``holds`` and one column per
        constrained KPI.
    conditions
        The sampled conditions, one row each.
    stressed
        The finalists run in every condition, the recommendation first.
    holds, within
        Conditions where the recommendation's constraints hold, and where its
        regret is within the indifference zone.
    samples
        Conditions sampled.
    finding
        Scenario discovery of where the recommendation fails (a constraint does
        not hold or its regret exceeds the indifference zone).
    runs
        Runs the stress test asked for.
    """

    table: pd.DataFrame
    conditions: pd.DataFrame
    stressed: list[Finalist]
    holds: int
    within: int
    samples: int
    finding: Finding | None
    runs: int

    def share(self, count: int) -> tuple[float, float, float]:
        """A count of conditions as a share with its 95% Wilson interval."""
        low, high = wilson_interval(count, self.samples)
        return (count / self.samples, low, high)


@dataclass
class Outcome:
    """The answer to a recommendation problem, with everything it rests on."""

    problem: Problem
    search: SearchResult
    confirmation: Confirmation
    stress: StressResult | None
    comparison: pd.DataFrame
    runs: int

    @property
    def feasible(self) -> bool:
        """Whether a finalist met every constraint."""
        return self.confirmation.chosen is not None


def solve(problem: Problem, evaluate: Evaluate, progress: Progress | None = None) -> Outcome:
    """Run the three stages of ``problem`` with ``evaluate`` and return the answer."""
    say = progress or (lambda stage: None)
    budget = problem.allocation
    say("search")
    found = search(problem, evaluate, budget.search)
    say("confirm")
    confirmation = confirm(problem, evaluate, found,
                           budget.budget - found.runs - budget.stress)
    stressed = None
    if problem.spec.conditions and confirmation.chosen is not None:
        say("stress")
        stressed = stress_test(problem, evaluate, confirmation)
    chosen = confirmation.chosen or confirmation.closest
    comparison = compare_with_base(problem, confirmation.base, chosen.candidate,
                                   list(confirmation.indices(chosen.replications)))
    runs = found.runs + confirmation.runs + (stressed.runs if stressed else 0)
    return Outcome(problem=problem, search=found, confirmation=confirmation, stress=stressed,
                   comparison=comparison, runs=runs)


# -- confirmation -----------------------------------------------------------------------

def confirm(problem: Problem, evaluate: Evaluate, found: SearchResult, runs: int
            ) -> Confirmation:
    """Confirm the best candidates of the search with at most ``runs`` runs."""
    spec = problem.spec
    start = spec.search.replications  # fresh replications: none chose the finalists
    first = range(start, start + spec.confirm.replications)
    ranked = rank(found.candidates, problem, range(spec.search.replications))
    chosen = ranked[:spec.confirm.finalists]
    base = Candidate(-1, problem.base_levers(), problem.base_scenario())
    used = run_candidates(evaluate, [*chosen, base], first)
    finalists = [_judged(c, problem, first) for c in chosen]
    delta, source = _indifference(problem, base, first)
    allowed = [f for f in finalists if f.allowed]
    for f in finalists:
        f.replications = spec.confirm.replications
    if not allowed:
        closest = min(finalists, key=lambda f: (f.worst_shortfall, f.candidate.number))
        return Confirmation(finalists, base, start, len(first), delta, source, None, None,
                            closest, "none", 0, used)
    sign = spec.objective.sign
    kpi = spec.objective.kpi
    ended = "single"
    if len(allowed) > 1:
        data = np.array([sign * f.candidate.values(kpi, first) for f in allowed])
        kn = KimNelson(data, delta=delta, alpha=1.0 - spec.confidence)
        while not kn.done:
            alive = [allowed[i] for i in kn.survivors]
            if runs - used < len(alive) + 1:
                break
            r = start + kn.observations
            used += run_candidates(evaluate, [f.candidate for f in alive] + [base], [r])
            stage = {i: sign * allowed[i].candidate.values(kpi, [r])[0]
                     for i in kn.survivors}
            for i, x in stage.items():
                if not math.isfinite(x):  # it cannot be ranked from here on
                    allowed[i].undefined += 1
                    kn.drop(i)
            kn.add([stage[i] for i in kn.survivors])
        for i, at in kn.eliminated.items():
            allowed[i].eliminated_at = allowed[i].replications = at
        for i in kn.survivors:
            allowed[i].replications = kn.observations
        winner = allowed[kn.best()]
        ended = "eliminated" if kn.done else "budget"
    else:
        winner = allowed[0]
    shared = min(f.replications for f in allowed)
    common = range(start, start + shared)
    values = np.array([sign * f.candidate.values(kpi, common) for f in allowed])
    for f, p in zip(allowed, probability_best(values, seed=problem.seed % 2**32), strict=True):
        f.p_best = float(p)
    means = {id(f): sign * f.candidate.mean(kpi, common) for f in allowed}
    others = sorted((f for f in allowed if f is not winner), key=lambda f: -means[id(f)])
    return Confirmation(finalists, base, start, len(first), delta, source, winner,
                        others[0] if others else None, None, ended, shared, used)


def _judged(candidate: Candidate, problem: Problem, replications: range) -> Finalist:
    """A finalist with each constraint checked on ``replications`` (Bonferroni-split level)."""
    spec = problem.spec
    count = max(1, len(spec.constraints))
    level = 1.0 - (1.0 - spec.confidence) / count
    checks, shortfalls = [], []
    for c in spec.constraints:
        check = constraint_check(candidate.values(c.kpi, replications), c.bound, c.side, level,
                                 binary=describe(c.kpi).unit == "0/1")
        checks.append(check)
        shortfalls.append(shortfall(check.mean, c.bound, c.side))
    objective = candidate.values(spec.objective.kpi, replications)
    undefined = int(np.sum(~np.isfinite(objective)))
    return Finalist(candidate, checks, all(c.met for c in checks) and not undefined,
                    shortfalls, undefined)


def _indifference(problem: Problem, base: Candidate, first: range) -> tuple[float, str]:
    """The indifference zone: the file's, else 1% of the base's mean objective."""
    given = problem.spec.confirm.indifference
    if given is not None:
        return float(given), "set in the file"
    values = base.values(problem.spec.objective.kpi, first)
    values = values[np.isfinite(values)]
    scale = abs(float(np.mean(values))) if len(values) else 0.0
    if scale > 0.0:
        return 0.01 * scale, "1% of the base's mean"
    spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    if spread > 0.0:
        return 0.1 * spread, "a tenth of the base's standard deviation (its mean is 0)"
    return 1.0, "one unit of the objective (the base's mean and spread are 0)"


# -- comparison with the base ----------------------------------------------------------

def compare_with_base(problem: Problem, base: Candidate, chosen: Candidate,
                      replications: list[int]) -> pd.DataFrame:
    """Paired differences chosen − base on the replications both have (common random numbers).

    Each KPI's differences are tested by :func:`sim.studies.statistics.paired_test`: the
    sign test when either arm mixes tipped and untipped replications, the paired
    permutation test otherwise; undefined pairs are counted.
    """
    spec = problem.spec
    kpis = list(dict.fromkeys([spec.objective.kpi, *(c.kpi for c in spec.constraints),
                               *COMPARED_KPIS]))
    shared = [r for r in replications if r in base.runs]
    tipped = [base.values("tipped", shared), chosen.values("tipped", shared)]
    two_regimes = any(0.0 < float(np.nanmean(t)) < 1.0 for t in tipped if len(t))
    rows = []
    for kpi in kpis:
        result = paired_test(base.values(kpi, shared), chosen.values(kpi, shared),
                             two_regimes=two_regimes)
        rows.append({"kpi": kpi, "unit": describe(kpi).unit, "base": result["first_mean"],
                     "chosen": result["second_mean"], "difference": result["difference"],
                     "estimate": result["estimate"], "ci_low": result["ci_low"],
                     "ci_high": result["ci_high"], "p_value": result["p_value"],
                     "method": result["method"], "n": result["n"],
                     "undefined": result["undefined"]})
    return pd.DataFrame(rows)


# -- stress test ------------------------------------------------------------------------

def sample_conditions(problem: Problem) -> pd.DataFrame:
    """The stress test's conditions: a Latin hypercube over the conditions' ranges."""
    spec = problem.spec
    keys = list(spec.conditions)
    rng = np.random.default_rng([problem.seed, 1])
    unit = qmc.LatinHypercube(d=len(keys), rng=rng).random(spec.stress.samples)
    columns: dict[str, Any] = {}
    for j, key in enumerate(keys):
        c = spec.conditions[key]
        if c.integer:
            span = int(c.max) - int(c.min)
            columns[key] = [int(c.min) + min(int(u * (span + 1)), span) for u in unit[:, j]]
        else:
            columns[key] = [float(c.min + u * (c.max - c.min)) for u in unit[:, j]]
    return pd.DataFrame(columns)


def stress_test(problem: Problem, evaluate: Evaluate, confirmation: Confirmation
                ) -> StressResult:
    """Run the best allowed finalists in sampled conditions; regret, holds, where it fails."""
    spec = problem.spec
    allowed = [f for f in confirmation.finalists if f.allowed]
    order = [confirmation.chosen] + [f for f in allowed if f is not confirmation.chosen]
    if confirmation.runner_up is not None:
        order.remove(confirmation.runner_up)
        order.insert(1, confirmation.runner_up)
    stressed = order[:spec.stress.finalists]
    conditions = sample_conditions(problem)
    reps = spec.stress.replications
    requests, where = [], []
    for i, row in enumerate(conditions.to_dict("records")):
        for f in stressed:
            scenario = problem.scenario({**f.candidate.assignment, **row})
            for j in range(reps):
                requests.append((scenario, STRESS_REPLICATIONS + i * reps + j))
                where.append((i, f.candidate.number))
    summaries = evaluate(requests)
    frame = pd.DataFrame([{"condition": i, "finalist": n, **s}
                          for (i, n), s in zip(where, summaries, strict=True)])
    kpis = list(dict.fromkeys([spec.objective.kpi, *(c.kpi for c in spec.constraints)]))
    table = frame.groupby(["condition", "finalist"], sort=False)[kpis].mean().reset_index()
    table["objective"] = table[spec.objective.kpi]
    signed = spec.objective.sign * table["objective"]
    best = signed.groupby(table["condition"]).transform("max")
    table["regret"] = best - signed
    holds = np.ones(len(table), bool)
    for c in spec.constraints:
        value = table[c.kpi].to_numpy(float)
        ok = value >= c.bound if c.side == "at_least" else value <= c.bound
        holds &= np.isfinite(value) & ok
    table["holds"] = holds
    table = conditions.reset_index(names="condition").merge(table, on="condition")
    mine = table[table["finalist"] == confirmation.chosen.candidate.number] \
        .sort_values("condition")
    within = mine["regret"].to_numpy() <= confirmation.delta
    fails = ~(mine["holds"].to_numpy(bool) & within)
    finding = discover(conditions, fails, seed=problem.seed % 2**32) if len(conditions) else None
    return StressResult(table=table, conditions=conditions, stressed=stressed,
                        holds=int(mine["holds"].sum()), within=int(within.sum()),
                        samples=len(conditions), finding=finding, runs=len(requests))
