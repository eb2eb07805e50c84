"""Evaluate claims: run each claim's experiment, judge it, and say what it rests on.

A claim (see :mod:`sim.schema.claims`) is run as a set of arms sharing one root
seed (common random numbers), and judged by :mod:`sim.studies.verdicts`. The
replications are sequential: the first look runs ``replications`` per arm; while
a deciding check is inconclusive the replications are doubled, up to
``max_replications``. With L planned looks each look tests at level 0.05 / L
(Bonferroni), so that looking more than once does not raise the chance of a
false verdict above 5%; the report says whether the claim stopped because every
deciding check was decided or because the cap was reached.

Beside the arms, every claim runs its robustness samples
(:mod:`sim.studies.robustness`) and its knock-outs (:mod:`sim.studies.knockouts`).
All runs of all claims go into one pool, the longest first, in rounds (one per
look); a run of a robustness sample or a knock-out is reduced to its measures in
the worker, so only a few numbers per run come back.

Every claim is checked before anything runs (:func:`check_claim`): its arms,
knock-outs and robustness ranges give valid scenarios, its KPIs and weekly
series exist, its windows hold weekly rows and its projects exist; ids are unique.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.errors import ScenarioError, excerpt
from sim.kpis import KPIS
from sim.run import RunResult, run, weekly_columns
from sim.schema import limits
from sim.schema.claims import Check, Claim
from sim.schema.loading import (
    describe_error,
    display_path,
    load_scenario,
    read_document,
    read_yaml,
    scenario_with,
)
from sim.schema.messages import keys_of
from sim.schema.scenario import Scenario
from sim.studies import knockouts, robustness
from sim.studies.executors import Execution
from sim.studies.mechanisms import Mechanism
from sim.studies.replications import Replications, run_tasks, stack
from sim.studies.sweeps.outcomes import kpi_kind
from sim.studies.sweeps.thresholds import BIC_MARGIN
from sim.studies.uncertainty import BY_KEY
from sim.studies.verdicts import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    RunMeasures,
    arm_table,
    good_direction,
    judge,
    measure_run,
    sample_outcome,
    tipping_differences,
    tipping_table,
)
from sim.units import DAYS_PER_WEEK

__all__ = ["INCONCLUSIVE", "NOT_SUPPORTED", "SUPPORTED", "ClaimResult", "arm_scenarios",
           "check_claim", "evaluate_claim", "evaluate_claims", "find_claims", "load_claim"]

LEVEL = 0.95
"""Overall confidence of a claim's verdict, spread over its looks."""


def load_claim(path: str | Path) -> Claim:
    """Read and validate a claim file, with errors naming the file and key path."""
    path = Path(path)
    data = read_yaml(path, "claim file", keys=keys_of(Claim))
    try:
        return Claim.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([describe_error(e, Claim) for e in exc.errors()],
                            display_path(path)) from None


def find_claims(folder: str | Path, ids: list[str] | None = None) -> list[tuple[Path, Claim]]:
    """The claim files in ``folder`` (optionally only those with the given ids), by id.

    Raises
    ------
    ScenarioError
        If the folder does not exist or holds no claim file, if a file is not
        a valid claim, if two files share an id, or if an id asked for is unknown.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise ScenarioError(f"--dir {display_path(folder)}: {what} of claim files")
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise ScenarioError(f"--dir {display_path(folder)}: no claim files (*.yaml) there")
    found = [(p, load_claim(p)) for p in paths]
    by_id: dict[str, Path] = {}
    for path, claim in found:
        first = by_id.setdefault(claim.id.upper(), path)
        if first != path:
            raise ScenarioError(f"id {claim.id!r} is used by two claim files: "
                                f"{display_path(first)} and {display_path(path)}; give each "
                                "claim its own id")
    if ids:
        wanted = {i.upper() for i in ids}
        unknown = wanted - {c.id.upper() for _, c in found}
        if unknown:
            raise ScenarioError(f"no claim with id {', '.join(sorted(unknown))} in {folder}; "
                                f"known: {', '.join(c.id for _, c in found)}")
        found = [(p, c) for p, c in found if c.id.upper() in wanted]
    return sorted(found, key=lambda pc: natural_order(pc[1].id))


def check_claim(claim: Claim, path: Path, *, replications: int | None = None,
                samples: int | None = None) -> None:
    """Check everything about a claim that can fail, before any of its runs starts.

    Raises
    ------
    ScenarioError
        Naming the claim file, the key and the value: an arm or a robustness
        range that gives an invalid scenario, an unknown KPI or weekly series, a
        window without weekly rows, a project that no arm has.
    """
    source = display_path(path)
    limits.check_count("--replications", replications, limits.MAX_REPLICATIONS, low=1)
    limits.check_count("--robustness", samples, limits.MAX_ROBUSTNESS_SAMPLES)
    scenarios = _checked(lambda: arm_scenarios(claim, path, replications=replications),
                         "arms", source)
    columns = weekly_columns(next(iter(scenarios.values())))
    for i, check in enumerate(claim.checks):
        problem = _check_problem(check, columns, scenarios)
        if problem:
            raise ScenarioError(f"checks[{i}].{problem}", source)
        problem = _threshold_power(claim, check, replications, samples)
        if problem:
            raise ScenarioError(f"checks[{i}]: {problem}", source)
    if claim.tipping.series not in columns:
        raise ScenarioError(f"tipping.series = {excerpt(claim.tipping.series)}: unknown weekly "
                            f"column{_nearest(claim.tipping.series, columns)}", source)
    document, base = _base(claim, path)
    for key in claim.robustness.fix:
        if key not in BY_KEY:
            raise ScenarioError(f"robustness.fix.{key}: not a parameter the robustness "
                                "samples vary; they are listed in docs/claims.md", source)
    plan = _checked(lambda: robustness.design(claim, document, base, 0), "robustness", source)
    for end, values in zip(("low", "high"), robustness.ends(plan), strict=True):
        _checked(lambda v=values, e=end: robustness.sample_arms(claim, document, base.seed, v,
                                                                e, source),
                 f"robustness: every sampled key at the {end} end of its range", source)
    for mechanism in knockouts.applicable(claim, scenarios)[0]:
        _checked(lambda m=mechanism: knockouts.knocked_out_arms(
            claim, document, base.seed, m, "check", source, claim.replications),
            f"knock-out of {mechanism.name}", source)


def fewest_runs_for_a_binary_threshold() -> int:
    """The fewest runs along arms in which a threshold in a 0/1 measure can be stated.

    With ``n`` runs the logistic curve's BIC can be at most ``2 n ln 2 - ln n`` below
    the constant share's (half the runs on each side, perfectly separated), and a
    threshold needs :data:`~sim.studies.sweeps.thresholds.BIC_MARGIN`: nine runs.
    """
    n = 2
    while 2 * n * np.log(2.0) - np.log(n) < BIC_MARGIN:
        n += 1
    return n


def _threshold_power(claim: Claim, check: Check, replications: int | None,
                     samples: int | None) -> str | None:
    """Why a threshold check in a 0/1 measure could never be decided, if it could not."""
    if check.along is None or check.kpi is None or kpi_kind(check.kpi) != "binary":
        return None
    fewest = fewest_runs_for_a_binary_threshold()
    arms = len(check.along)
    sampled = claim.robustness.samples if samples is None else samples
    for key, reps in (("replications", replications or claim.replications),
                      ("robustness.replications",
                       claim.robustness.replications if sampled else None)):
        if reps is not None and arms * reps < fewest:
            return (f"a threshold in the 0/1 measure {check.kpi} needs at least {fewest} runs "
                    f"along its arms to clear the BIC margin of {BIC_MARGIN:g}, and {key} = "
                    f"{reps} gives {arms * reps} ({arms} arms x {reps}); allowed: {key} of at "
                    f"least {-(-fewest // arms)}")
    return None


def _check_problem(check: Check, columns: set[str],
                   scenarios: dict[str, Scenario]) -> str | None:
    """What is wrong with one check of a claim whose arms are ``scenarios``, if anything."""
    if check.kpi is not None and check.kpi not in KPIS:
        return f"kpi = {excerpt(check.kpi)}: unknown KPI{_nearest(check.kpi, KPIS)}"
    if check.series is not None and check.series not in columns:
        return (f"series = {excerpt(check.series)}: unknown weekly column"
                f"{_nearest(check.series, columns)}")
    for kind in ("trend", "spread"):
        column = getattr(check, kind)
        if column is not None and column not in PROJECT_MEASURES:
            return (f"{kind} = {excerpt(column)}: not a numeric project column; one of "
                    f"{', '.join(PROJECT_MEASURES)}{_nearest(column, PROJECT_MEASURES)}")
    if check.expect == "not_worse" and not good_direction(check):
        return (f"good: {check.measure} has no good direction of its own; say which way is "
                "better (good: higher or good: lower)")
    arms = [scenarios[a] for a in (check.compare or check.along or (check.arm,))]
    if check.window is not None and check.kind == "series":
        start, end = check.window
        for arm in arms:
            days = [*np.arange(DAYS_PER_WEEK, arm.horizon + 1, DAYS_PER_WEEK), arm.horizon]
            if not any(start <= d < end for d in days):
                return (f"window = [{start:g}, {end:g}]: holds no weekly row (rows are every "
                        f"{DAYS_PER_WEEK:g} days up to the horizon of {arm.horizon:g} days)")
    if check.after_handover is not None:
        names = [p.name for p in arms[0].projects.portfolio]
        made = [t.name for t in arms[0].projects.templates]
        wanted = check.after_handover
        if wanted not in names and not any(re.fullmatch(rf"{re.escape(t)}-\d+", wanted)
                                           for t in made):
            known = ", ".join(names) or "none"
            return (f"after_handover = {excerpt(wanted)}: arm {check.arm!r} has no such "
                    f"project (its portfolio: {known})")
    return None


PROJECT_MEASURES = ("slip_at_end", "slip", "duration", "effort", "work", "rework", "size",
                    "estimate", "planned_duration", "cost", "benefit_value", "slip_cost")
"""Project columns a trend or spread may be taken of (numeric; docs/results.md)."""


def _nearest(name: str, known) -> str:
    near = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f". Did you mean {near[0]!r}?" if near else ""


def _checked(build, where: str, source: str):
    """Call ``build``; restate its scenario errors as problems of the claim at ``where``."""
    try:
        return build()
    except ScenarioError as exc:
        on = f" (on {exc.source})" if exc.source else ""
        raise ScenarioError([f"{where}{on}: {p}" for p in exc.problems], source) from None


def arm_scenarios(claim: Claim, path: Path, *, replications: int | None = None,
                  extra: dict[str, Any] | None = None) -> dict[str, Scenario]:
    """Build every arm's scenario: base + claim changes + arm changes, one shared seed."""
    base = path.parent / claim.scenario
    out: dict[str, Scenario] = {}
    seed = None
    for name, arm in claim.arms.items():
        overrides = {**claim.set, **arm.set, **(extra or {})}
        scenario = load_scenario(base, overrides)
        seed = scenario.seed if seed is None else seed
        out[name] = scenario.model_copy(update={
            "name": name, "seed": seed,
            "replications": replications or claim.replications})
    return out


def _base(claim: Claim, path: Path) -> tuple[dict[str, Any], Scenario]:
    """The base scenario's document and the base with the claim's ``set`` applied."""
    file = path.parent / claim.scenario
    document = read_document(file)
    return document, scenario_with(document, claim.set, source=display_path(file))


@dataclass
class Look:
    """One look at a claim's arms: how many replications, at what level, what it said."""

    replications: int
    level: float
    verdict: str


@dataclass
class ClaimResult:
    """Everything one claim's evaluation produced.

    Attributes
    ----------
    verdict
        From the deciding checks at the last look.
    checks
        One row per check at the last look (see :func:`sim.studies.verdicts.judge_check`).
    tables
        The arms' stacked run tables (summary, weekly, projects, events).
    measures
        Per arm, each replication's check measures and whether it tipped.
    looks
        Every look, in order; ``stopped`` says why there was no further one.
    tipping, tipping_pairs
        Tipped and collapsed runs per arm (Wilson intervals), and the McNemar test
        of the difference for each pair of arms a check compares.
    design, samples, robust
        What the robustness samples varied and held, one row per sampled
        organisation (its values, outcome and collapsed runs), and the summary.
    knockouts, not_knocked_out
        One row per mechanism switched off, and why the others were not.
    """

    claim: Claim
    path: Path
    verdict: str
    checks: pd.DataFrame
    tables: dict[str, Replications]
    measures: dict[str, pd.DataFrame]
    looks: list[Look]
    stopped: str
    tipping: pd.DataFrame
    tipping_pairs: pd.DataFrame
    design: robustness.Design
    samples: pd.DataFrame
    robust: robustness.Summary
    knockouts: pd.DataFrame
    not_knocked_out: dict[str, str]

    @property
    def holds_share(self) -> float:
        """Share of decided robustness samples where the claim holds."""
        return self.robust.share

    @property
    def failure_condition(self) -> str:
        """What scenario discovery says about where the claim fails."""
        return self.robust.finding.sentence

    @property
    def collapsed_runs(self) -> int:
        """Runs of the arms that collapsed (see :func:`collapsed_in`)."""
        return collapsed_in(self.tables)


def collapsed_in(tables: dict[str, Replications]) -> int:
    """Runs whose backlog passed ``operations.backlog_limit``, so that they stopped early."""
    return sum(int((t.summary["collapsed"] == 1.0).sum()) for t in tables.values())


def evaluate_claim(claim: Claim, path: Path, **options: Any) -> ClaimResult:
    """Run one claim's arms, robustness samples and knock-outs, and judge it."""
    return evaluate_claims([(path, claim)], **options)[0]


def evaluate_claims(claims: list[tuple[Path, Claim]], *, replications: int | None = None,
                    max_replications: int | None = None, samples: int | None = None,
                    knock_outs: bool = True, workers: int = 1,
                    execution: Execution | None = None,
                    progress: Callable[[ClaimResult], None] | None = None) -> list[ClaimResult]:
    """Run several claims' experiments in one pool, look by look, and judge each.

    Every run is a pure function of its task, so the verdicts do not depend on
    the order or the number of workers, nor on where they run (``execution``;
    default ``workers`` local processes). A claim is judged, and reported to
    ``progress``, when its last look is done.

    Parameters
    ----------
    replications, max_replications
        Replications per arm at the first look, and the most; default each
        claim's own (``max_replications`` defaults to 4 x ``replications``).
    samples
        Robustness samples per claim (default each claim's own, 200 unless it says).
    knock_outs
        Whether to run the knock-outs.
    workers, execution
        Where the runs execute (see :func:`~sim.studies.replications.run_tasks`).
    """
    plans = [_ClaimPlan(claim, path, replications, max_replications, samples, knock_outs)
             for path, claim in claims]
    pending = [(k, task) for k, plan in enumerate(plans) for task in plan.first_tasks()]
    done: list[ClaimResult | None] = [None] * len(plans)
    while pending:
        pending.sort(key=lambda kt: -kt[1].cost)
        run_tasks([t.task for _, t in pending], workers=workers, execution=execution,
                  on_index=_deliver(plans, pending))
        following = []
        for k, plan in enumerate(plans):
            if done[k] is not None:
                continue
            more = plan.next_tasks()
            if more:
                following += [(k, t) for t in more]
            else:
                done[k] = plan.result()
                if progress is not None:
                    progress(done[k])
        pending = following
    for k, plan in enumerate(plans):  # claims without runs
        if done[k] is None:
            done[k] = plan.result()
    return done


def _deliver(plans: list[_ClaimPlan],
             pending: list[tuple[int, _Task]]) -> Callable[[int, Any], None]:
    """Hand the result of ``pending[i]`` to the plan it belongs to."""
    def deliver(i: int, out: Any) -> None:
        k, task = pending[i]
        plans[k].receive(task, out)
    return deliver


def _cost(scenario: Scenario) -> float:
    """A rough cost of one run, to start the longest first: items it will serve."""
    return scenario.horizon * max(scenario.operations.demand, 1.0)


@dataclass(frozen=True)
class _Task:
    """One job a claim needs: what it is for, how costly it is, and the job itself.

    ``job`` is ``(scenario, replication)`` for a run of the arms (it comes back
    whole), ``(scenario, replication, reduce)`` for a knock-out run (it comes back
    as its measures), or a :class:`_SampleRuns` for a robustness sample's arm (its
    scenario is built in the worker, and its measures come back as a list).
    """

    kind: str  # "main", "sample" or "knockout"
    key: int  # the sample's or the knock-out's index (0 for main runs)
    arm: str
    cost: float
    job: Any

    @property
    def task(self) -> Any:
        """What :func:`~sim.studies.replications.run_tasks` runs."""
        return self.job


@dataclass(frozen=True)
class _Reducer:
    """Reduce a run to its measures where it ran (picklable)."""

    claim: Claim
    arm: str

    def __call__(self, result: RunResult) -> RunMeasures:
        return measure_run(self.claim, self.arm, result)


@dataclass(frozen=True)
class _SampleRuns:
    """Every replication of one arm in one sampled organisation, built and run in a worker.

    Building the scenario where it runs keeps the parent from validating thousands of
    scenarios before the first run starts.
    """

    claim: Claim
    base: str
    arm: str
    values: dict[str, Any]
    name: str
    seed: int

    def __call__(self) -> list[RunMeasures]:
        document = _document(self.base)
        scenario = robustness.arm_in_sample(self.claim, document, self.seed, self.values,
                                            self.arm, self.name, self.base)
        return [measure_run(self.claim, self.arm, run(scenario, r))
                for r in range(scenario.replications)]


@lru_cache(maxsize=16)
def _document(path: str) -> dict[str, Any]:
    """A base scenario file's document, read once per process (``scenario_with`` copies it)."""
    return read_document(path)


class _ClaimPlan:
    """The runs one claim needs, look by look, and how to judge it."""

    def __init__(self, claim: Claim, path: Path, replications: int | None,
                 max_replications: int | None, samples: int | None, knock_outs: bool):
        self.claim, self.path = claim, path
        self.first = replications or claim.replications
        self.cap = max(max_replications or (4 * replications if replications
                                             else claim.replication_cap), self.first)
        self.planned = _looks(self.first, self.cap)
        self.level = 1.0 - (1.0 - LEVEL) / len(self.planned)
        self.arms = arm_scenarios(claim, path, replications=self.first)
        document, base = _base(claim, path)
        source = display_path(path.parent / claim.scenario)
        count = claim.robustness.samples if samples is None else samples
        self.design = robustness.design(claim, document, base, count)
        self.base_file = str(path.parent / claim.scenario)
        self.base_seed = base.seed
        chosen, self.skipped = knockouts.applicable(claim, self.arms) if knock_outs \
            else ([], {})
        self.mechanisms: list[Mechanism] = chosen
        self.knocked = [knockouts.knocked_out_arms(claim, document, base.seed, m,
                                                   f"{claim.id}/without {m.name}", source,
                                                   self.first)
                        for m in chosen]
        self.main: dict[str, list[RunResult]] = {arm: [] for arm in self.arms}
        self.reduced: dict[tuple[str, int, str], list[RunMeasures]] = {}
        self.looks: list[Look] = []
        self.stopped = ""

    def first_tasks(self) -> list[_Task]:
        """The first look's runs, and every robustness sample's."""
        tasks = self._main_tasks(0, self.first)
        reps = self.claim.robustness.replications
        for i, values in enumerate(self.design.samples):
            for arm, scenario in self.arms.items():
                job = _SampleRuns(self.claim, self.base_file, arm, values,
                                  f"{self.claim.id}/sample {i}", self.base_seed)
                tasks.append(_Task("sample", i, arm, reps * _cost(scenario), job))
        return tasks

    def _main_tasks(self, start: int, stop: int) -> list[_Task]:
        """The arms' runs, and the knock-outs', for replications ``start`` to ``stop - 1``."""
        tasks = [_Task("main", 0, arm, _cost(scenario), (scenario, r))
                 for arm, scenario in self.arms.items() for r in range(start, stop)]
        for i, arms in enumerate(self.knocked):
            tasks += [_Task("knockout", i, arm, _cost(scenario),
                            (scenario, r, _Reducer(self.claim, arm)))
                      for arm, scenario in arms.items() for r in range(start, stop)]
        return tasks

    def receive(self, task: _Task, out) -> None:
        """Keep what a job gave: a whole run of an arm, or measures."""
        if task.kind == "main":
            self.main[task.arm].append(out)
        else:
            measures = out if isinstance(out, list) else [out]
            self.reduced.setdefault((task.kind, task.key, task.arm), []).extend(measures)

    def next_tasks(self) -> list[_Task]:
        """Judge the look that just ended; the next look's runs, if it needs one."""
        n = len(next(iter(self.main.values())))
        if not n or (self.looks and self.looks[-1].replications == n):
            return []
        verdict, checks = judge(self.claim, self._tables(), self.level)
        self.looks.append(Look(n, self.level, verdict))
        self._checks = checks
        undecided = (checks["decides"] & (checks["verdict"] == INCONCLUSIVE)).any()
        later = [m for m in self.planned if m > n]
        if not undecided:
            self.stopped = "every deciding check was decided"
        elif not later:
            self.stopped = f"the cap of {self.cap} replications per arm was reached"
        else:
            return self._main_tasks(n, later[0])
        return []

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {arm: arm_table([measure_run(self.claim, arm, r) for r in results], self.claim)
                for arm, results in self.main.items()}

    def _reduced_tables(self, kind: str, key: int) -> dict[str, pd.DataFrame]:
        return {arm: arm_table(self.reduced.get((kind, key, arm), []), self.claim)
                for arm in self.claim.arms}

    def result(self) -> ClaimResult:
        claim = self.claim
        tables = self._tables()
        if not self.looks:
            verdict, checks = judge(claim, tables, self.level)
        else:
            verdict, checks = self.looks[-1].verdict, self._checks
        stacked = {arm: stack(sorted(results, key=lambda r: r.replication))
                   for arm, results in self.main.items()}
        samples = self._samples()
        summary = robustness.summarise(samples, self.design.varied, seed=self.arms_seed)
        return ClaimResult(claim, self.path, verdict, checks, stacked, tables, self.looks,
                           self.stopped, tipping_table(claim, tables),
                           tipping_differences(claim, tables), self.design, samples, summary,
                           self._knockouts(), self.skipped)

    @property
    def arms_seed(self) -> int:
        return next(iter(self.arms.values())).seed

    def _samples(self) -> pd.DataFrame:
        rows = []
        for i, values in enumerate(self.design.samples):
            tables = self._reduced_tables("sample", i)
            rows.append({**values, "outcome": sample_outcome(self.claim, tables),
                         "collapsed_runs": int(sum(t["collapsed"].sum()
                                                   for t in tables.values()))})
        keys = [v.key for v in self.design.varied]
        return pd.DataFrame(rows, columns=[*keys, "outcome", "collapsed_runs"])

    def _knockouts(self) -> pd.DataFrame:
        first = self.looks[-1].verdict if self.looks else INCONCLUSIVE
        rows = []
        for i, mechanism in enumerate(self.mechanisms):
            verdict, checks = judge(self.claim, self._reduced_tables("knockout", i),
                                    self.level)
            deciding = checks[checks["decides"]]
            rows.append({"mechanism": mechanism.name, "what": mechanism.what,
                         "settings": ", ".join(f"{k} = {v!r}"
                                               for k, v in mechanism.neutral.items()),
                         "loops": " ".join(mechanism.loops), "verdict": verdict,
                         "claim_verdict": first,
                         "change": knockouts.change(first, verdict),
                         "checks": "; ".join(f"{r.verdict} ({r.estimate_of} "
                                             f"{r.estimate:.3g})"
                                             for r in deciding.itertuples())})
        return pd.DataFrame(rows, columns=["mechanism", "what", "settings", "loops", "verdict",
                                           "claim_verdict", "change", "checks"])


def _looks(first: int, cap: int) -> list[int]:
    """Replications per arm at each planned look: doubling from ``first`` up to ``cap``."""
    looks = [first]
    while looks[-1] < cap:
        looks.append(min(looks[-1] * 2, cap))
    return looks


def natural_order(text: str) -> tuple:
    """A sort key that puts ``C2`` before ``C10``."""
    digits = "".join(c for c in text if c in "0123456789")
    return (text.rstrip("0123456789"), int(digits) if digits else 0, text)
