"""Evaluate claims: run each claim's experiment, judge it, and test its robustness.

A claim (see :mod:`sim.schema.claims`) is run as a set of arms sharing one
root seed (common random numbers). Each check gives a verdict: ``supported``
when the paired 95% interval excludes zero in the expected direction, ``not
supported`` when it excludes zero the other way, ``inconclusive`` otherwise
(value checks: all replications pass, more than half fail, or in between). The
claim is supported when every check is, not supported when any check is not.

Robustness re-runs the claim's first check in organisations sampled by Latin
hypercube over the claim's ranges; the share where its direction holds is
reported, with the one-parameter threshold that best separates the samples
where it holds from those where it fails.

Every claim is checked before anything runs (:func:`check_claim`): its arms
and robustness ranges give valid scenarios, its KPIs and weekly series exist,
its windows hold weekly rows and its projects exist; ids are unique.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy.stats import qmc

from sim.errors import ScenarioError, excerpt
from sim.kpis import KPIS
from sim.run import RunResult, weekly_columns
from sim.schema import limits
from sim.schema.claims import Check, Claim
from sim.schema.loading import (
    describe_error,
    display_path,
    get_key_path,
    load_scenario,
    read_yaml,
)
from sim.schema.scenario import Scenario
from sim.studies.executors import Execution
from sim.studies.replications import Replications, run_tasks, stack
from sim.studies.statistics import paired_difference
from sim.units import DAYS_PER_WEEK

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"


def load_claim(path: str | Path) -> Claim:
    """Read and validate a claim file, with errors naming the file and key path."""
    path = Path(path)
    data = read_yaml(path, "claim file")
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
    return sorted(found, key=lambda pc: _natural(pc[1].id))


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
    for key, (low, high) in claim.robustness.vary.items():
        for value in (low, high):
            _checked(lambda k=key, v=value: arm_scenarios(claim, path, extra={k: v}),
                     f"robustness.vary.{key} = {value:g}", source)


def _check_problem(check: Check, columns: set[str],
                   scenarios: dict[str, Scenario]) -> str | None:
    """What is wrong with one check of a claim whose arms are ``scenarios``, if anything."""
    if check.kpi is not None and check.kpi not in KPIS:
        return f"kpi = {excerpt(check.kpi)}: unknown KPI{_nearest(check.kpi, KPIS)}"
    if check.series is not None and check.series not in columns:
        return (f"series = {excerpt(check.series)}: unknown weekly column"
                f"{_nearest(check.series, columns)}")
    arms = [scenarios[a] for a in (check.compare or (check.arm,))]
    if check.window is not None:
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


@dataclass
class ClaimResult:
    """Everything one claim's evaluation produced."""

    claim: Claim
    path: Path
    verdict: str
    checks: pd.DataFrame
    tables: dict[str, Replications]
    robustness: pd.DataFrame
    holds_share: float
    failure_condition: str

    @property
    def collapsed_runs(self) -> int:
        """Runs of the arms that collapsed (see :func:`collapsed_in`)."""
        return collapsed_in(self.tables)


def collapsed_in(tables: dict[str, Replications]) -> int:
    """Runs whose backlog passed ``operations.backlog_limit``, so that they stopped early."""
    return sum(int((t.summary["collapsed"] == 1.0).sum()) for t in tables.values())


def evaluate_claim(claim: Claim, path: Path, *, replications: int | None = None,
                   samples: int | None = None, workers: int = 1,
                   execution: Execution | None = None) -> ClaimResult:
    """Run a claim's arms and its robustness samples, and judge it."""
    return evaluate_claims([(path, claim)], replications=replications, samples=samples,
                           workers=workers, execution=execution)[0]


def evaluate_claims(claims: list[tuple[Path, Claim]], *, replications: int | None = None,
                    samples: int | None = None, workers: int = 1,
                    execution: Execution | None = None,
                    progress: Callable[[ClaimResult], None] | None = None) -> list[ClaimResult]:
    """Run the arms and robustness samples of several claims in one pool, and judge each.

    Every run of every claim goes into one list of tasks, the longest runs first
    (so that the workers finish together), and a claim is judged, and reported to
    ``progress``, as soon as its last run is back. The verdicts do not depend on
    the order or the number of workers, nor on where they run (``execution``;
    default ``workers`` local processes): each run is a pure function of its task.
    """
    plans = [_ClaimPlan(claim, path, replications, samples) for path, claim in claims]
    tasks = [(k, j, task) for k, plan in enumerate(plans) for j, task in enumerate(plan.tasks)]
    tasks.sort(key=lambda t: -_cost(t[2][0]))
    results: list[list[RunResult | None]] = [[None] * len(plan.tasks) for plan in plans]
    left = [len(plan.tasks) for plan in plans]
    done: list[ClaimResult | None] = [None] * len(plans)

    def back(k: int, j: int, result: RunResult) -> None:
        results[k][j] = result
        left[k] -= 1
        if not left[k]:
            done[k] = plans[k].judge(results[k])
            if progress is not None:
                progress(done[k])

    run_tasks([task for _, _, task in tasks], workers=workers, execution=execution,
              on_index=lambda i, result: back(tasks[i][0], tasks[i][1], result))
    for k, plan in enumerate(plans):  # claims without runs
        if done[k] is None:
            done[k] = plan.judge(results[k])
    return done


def _cost(scenario: Scenario) -> float:
    """A rough cost of one run, to start the longest first: items it will serve."""
    return scenario.horizon * max(scenario.operations.demand, 1.0)


class _ClaimPlan:
    """The runs one claim needs (its arms, then its robustness samples) and how to judge it."""

    def __init__(self, claim: Claim, path: Path, replications: int | None,
                 samples: int | None):
        self.claim, self.path = claim, path
        self.arms = arm_scenarios(claim, path, replications=replications)
        self.tasks = [(s, r) for s in self.arms.values() for r in range(s.replications)]
        self.main = len(self.tasks)
        self.rows, robust_tasks = _robustness_plan(claim, path, samples)
        self.tasks += robust_tasks

    def judge(self, results: list[RunResult]) -> ClaimResult:
        claim = self.claim
        main = results[:self.main]
        tables = {name: stack([r for r in main if r.scenario == name]) for name in self.arms}
        checks = pd.DataFrame([judge(check, tables) for check in claim.checks])
        verdict = combine(checks["verdict"].tolist())
        robust = _robustness_judge(claim, self.rows, results[self.main:])
        share = float(robust["holds"].mean()) if len(robust) else math.nan
        return ClaimResult(claim, self.path, verdict, checks, tables, robust, share,
                           failure_condition(robust, list(claim.robustness.vary)))


def combine(verdicts: list[str]) -> str:
    """A claim's verdict from its checks' verdicts."""
    if any(v == NOT_SUPPORTED for v in verdicts):
        return NOT_SUPPORTED
    return SUPPORTED if all(v == SUPPORTED for v in verdicts) else INCONCLUSIVE


def judge(check: Check, tables: dict[str, Replications]) -> dict[str, Any]:
    """Evaluate one check on the arms' tables."""
    if check.compare is None:
        return _judge_value(check, tables[check.arm])
    first, second = (per_replication(check, tables[arm]) for arm in check.compare)
    result = paired_difference(first.to_numpy(), second.reindex(first.index).to_numpy())
    low, high = result["ci_low"], result["ci_high"]
    sign = 1.0 if check.expect == "higher" else -1.0
    if math.isnan(low) or low <= 0.0 <= high:
        verdict = INCONCLUSIVE
    else:
        verdict = SUPPORTED if sign * low > 0 else NOT_SUPPORTED
    what = check.kpi or f"{check.series} over days {check.window[0]:g}-{check.window[1]:g}"
    return {"check": check.label or f"{what}: {check.compare[1]} {check.expect} than "
                                    f"{check.compare[0]}",
            "measure": what, "a": check.compare[0], "b": check.compare[1],
            "a_mean": result["baseline_mean"], "b_mean": result["scenario_mean"],
            "difference": result["difference"], "ci_low": low, "ci_high": high,
            "n": result["n"], "expect": check.expect, "verdict": verdict}


def per_replication(check: Check, tables: Replications) -> pd.Series:
    """The check's measure for each replication of one arm, indexed by replication."""
    if check.kpi is not None:
        return tables.summary.set_index("replication")[check.kpi]
    weekly = tables.weekly
    start, end = check.window
    inside = weekly[(weekly["day"] >= start) & (weekly["day"] < end)]
    if inside.empty:
        raise ScenarioError(f"window [{start:g}, {end:g}) holds no weekly row (horizon "
                            f"{weekly['day'].max():g} days)")
    # A run that collapsed before the window has no rows in it: its measure is NaN.
    return inside.groupby("replication")[check.series].mean().reindex(
        tables.summary["replication"])


def _judge_value(check: Check, tables: Replications) -> dict[str, Any]:
    values = value_after_handover(check, tables)
    passed = values >= check.value if check.expect == "at_least" else values <= check.value
    passed = passed & values.notna()
    share = float(passed.mean()) if len(passed) else 0.0
    verdict = SUPPORTED if share == 1.0 else NOT_SUPPORTED if share < 0.5 else INCONCLUSIVE
    return {"check": check.label or f"{check.series} {check.expect} {check.value:g} within "
                                    f"{check.within:g} days of {check.after_handover}",
            "measure": check.series, "a": check.arm, "b": "", "a_mean": float(values.mean()),
            "b_mean": check.value, "difference": share, "ci_low": math.nan,
            "ci_high": math.nan, "n": len(values), "expect": check.expect, "verdict": verdict}


def value_after_handover(check: Check, tables: Replications) -> pd.Series:
    """Per replication, the series at the first week ending ``within`` after the handover."""
    out = {}
    for replication, weekly in tables.weekly.groupby("replication"):
        projects = tables.projects[(tables.projects["replication"] == replication)
                                   & (tables.projects["project"] == check.after_handover)]
        finished = projects["finished"].iloc[0] if len(projects) else math.nan
        rows = weekly[weekly["day"] >= finished + check.within]
        out[replication] = rows[check.series].iloc[0] if len(rows) else math.nan
    return pd.Series(out, dtype=float)


def robustness(claim: Claim, path: Path, *, samples: int | None = None,
               workers: int = 1, execution: Execution | None = None) -> pd.DataFrame:
    """The first check's direction in organisations sampled over the claim's ranges."""
    rows, tasks = _robustness_plan(claim, path, samples)
    return _robustness_judge(claim, rows, run_tasks(tasks, workers=workers,
                                                    execution=execution))


def _robustness_plan(claim: Claim, path: Path,
                     samples: int | None) -> tuple[list[dict], list[tuple[Scenario, int]]]:
    """The sampled organisations (by Latin hypercube) and the runs each needs."""
    spec = claim.robustness
    count = spec.samples if samples is None else samples
    keys = list(spec.vary)
    if not count or not keys:
        return [], []
    base = load_scenario(path.parent / claim.scenario, claim.set)
    document = base.model_dump(mode="json", by_alias=True)
    points = qmc.scale(qmc.LatinHypercube(d=len(keys), seed=base.seed).random(count),
                       [spec.vary[k][0] for k in keys], [spec.vary[k][1] for k in keys])
    rows, tasks = [], []
    for i, point in enumerate(points):
        values = {k: _typed(get_key_path(document, k), v) for k, v in zip(keys, point,
                                                                          strict=True)}
        arms = arm_scenarios(claim, path, replications=spec.replications, extra=values)
        rows.append(values)
        for arm, scenario in arms.items():
            named = scenario.model_copy(update={"name": f"{i}:{arm}"})
            tasks += [(named, r) for r in range(spec.replications)]
    return rows, tasks


def _robustness_judge(claim: Claim, rows: list[dict], results: list[RunResult]) -> pd.DataFrame:
    """Re-examine the claim's first check in each sampled organisation."""
    if not rows:
        return pd.DataFrame(columns=[*claim.robustness.vary, "difference", "holds",
                                     "collapsed_runs"])
    check = claim.checks[0]
    out = []
    for i, values in enumerate(rows):
        tables = {arm: stack([r for r in results if r.scenario == f"{i}:{arm}"])
                  for arm in claim.arms}
        outcome = judge(check, tables)
        if check.compare is None:
            holds = outcome["difference"] >= 0.5
        else:
            sign = 1.0 if check.expect == "higher" else -1.0
            holds = bool(sign * outcome["difference"] > 0)
        out.append({**values, "difference": outcome["difference"], "holds": holds,
                    "collapsed_runs": collapsed_in(tables)})
    return pd.DataFrame(out)


def failure_condition(samples: pd.DataFrame, keys: list[str]) -> str:
    """The one-parameter threshold that best separates samples that fail from those that hold."""
    if samples.empty:
        return "no robustness samples"
    fails = ~samples["holds"].astype(bool)
    if not fails.any():
        return "holds in every sampled organisation"
    if fails.all():
        return "fails in every sampled organisation"
    best = None
    for key in keys:
        x = samples[key].to_numpy(float)
        cuts = np.unique(x)
        for cut in (cuts[:-1] + cuts[1:]) / 2.0:
            for above in (True, False):
                predicted = x > cut if above else x < cut
                score = float(np.mean(predicted == fails.to_numpy()))
                if best is None or score > best[0]:
                    best = (score, key, cut, above, predicted)
    if best is None:
        return "no single parameter separates holds from fails"
    score, key, cut, above, predicted = best
    caught = int(np.sum(predicted & fails.to_numpy()))
    return (f"fails mostly when {key} {'>' if above else '<'} {cut:.3g} ({caught} of "
            f"{int(fails.sum())} failures on that side; the split classifies "
            f"{score:.0%} of samples)")


def _typed(current: Any, value: float) -> Any:
    """Keep integer keys integers when sampling them."""
    return int(np.rint(value)) if isinstance(current, int) and not isinstance(current, bool) \
        else float(value)


def _natural(text: str) -> tuple:
    digits = "".join(c for c in text if c in "0123456789")
    return (text.rstrip("0123456789"), int(digits) if digits else 0, text)
