"""Judging a claim: what each run measures, and the verdict of each check.

Each run of a claim's arms is reduced to its *measures*: one value per check
(the KPI, the weekly series averaged over the check's window, or the series
read a fixed time after a project's handover), and whether the run *tipped*
(the claim's tipping rule: by default, ops pressure still above 1 on average
over the last three months of the run, i.e. the desk is firefighting at the
end) or collapsed. Reducing a run where it ran keeps robustness samples and
knock-outs light: only a few numbers per run travel back.

A comparison check tests the paired differences B − A by the rule of
:func:`sim.studies.statistics.paired_test` (the exact sign test when either
arm mixes tipped and untipped replications, the paired permutation test of the
mean otherwise); a value check tests the share of replications that reach the
value with an exact binomial test against one half. A check is decided when its
p-value is at most the look's alpha; the direction of the effect then makes it
*supported* or *not supported*; otherwise it is *inconclusive*. A claim is
supported when every deciding check is, not supported when any is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.kpis import describe, undefined_because
from sim.run import RunResult
from sim.schema.claims import Check, Claim, Tipping
from sim.studies.replications import Replications
from sim.studies.statistics import (
    SIGN_TEST,
    mcnemar_exact,
    paired_test,
    wilson_interval,
)
from sim.studies.sweeps.thresholds import NULLS, Threshold, find_threshold
from sim.units import DAYS_PER_YEAR

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
BINOMIAL_TEST = "binomial test"



@dataclass(frozen=True)
class RunMeasures:
    """What one run contributes to its claim's verdict."""

    arm: str
    replication: int
    values: tuple[float, ...]
    tipped: bool
    collapsed: bool


def measure_run(claim: Claim, arm: str, result: RunResult) -> RunMeasures:
    """Reduce one run of ``arm`` to its measures (picklable; runs in a worker)."""
    values = tuple(float(_measure(check, result)) for check in claim.checks)
    collapsed = bool(result.summary.get("collapsed", 0.0) == 1.0)
    return RunMeasures(arm, result.replication, values, collapsed or tipped(claim, result),
                       collapsed)


def _measure(check: Check, result: RunResult) -> float:
    """One check's measure in one run."""
    kind = check.kind
    if kind == "handover":
        return value_after_handover(check, result)
    if kind == "kpi":
        return result.summary.get(check.kpi, math.nan)
    if kind == "series":
        weekly = result.weekly
        start, end = check.window
        inside = weekly[(weekly["day"] >= start) & (weekly["day"] < end)]
        # A run that collapsed before the window has no rows in it: its measure is undefined.
        return float(inside[check.series].mean()) if len(inside) else math.nan
    projects = due_projects(check, result)
    values = projects[check.measure].to_numpy(float)
    if kind == "spread":
        return float(np.std(values, ddof=1)) if len(values) >= 2 else math.nan
    return slope_per_year(projects["started"].to_numpy(float), values)


def due_projects(check: Check, result: RunResult) -> pd.DataFrame:
    """The run's due projects (deadline passed by the end), within the check's window."""
    projects = result.projects
    due = projects[projects["due"].astype(bool)]
    if check.window is not None:
        start, end = check.window
        due = due[(due["deadline"] >= start) & (due["deadline"] < end)]
    return due[np.isfinite(due[check.measure].to_numpy(float))]


def slope_per_year(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``y`` against ``x`` (in days), per year.

    NaN with fewer than three points or no spread in ``x``: no trend can be told.
    """
    if len(x) < 3 or float(np.ptp(x)) == 0.0:
        return math.nan
    return float(stats.linregress(x, y).slope) * DAYS_PER_YEAR


def value_after_handover(check: Check, result: RunResult) -> float:
    """The series at the first week ending ``within`` after the project's handover.

    NaN when the project was never handed over, or the run ended before.
    """
    projects = result.projects
    row = projects[projects["project"] == check.after_handover]
    finished = float(row["finished"].iloc[0]) if len(row) else math.nan
    weekly = result.weekly
    rows = weekly[weekly["day"] >= finished + check.within]
    return float(rows[check.series].iloc[0]) if len(rows) else math.nan


def tipped(claim: Claim, result: RunResult) -> bool:
    """Whether the run ends tipped by the claim's rule (see :class:`~sim.schema.claims.Tipping`).

    The default rule is the run's own ``tipped`` KPI (docs/results.md).
    """
    rule = claim.tipping
    if rule == Tipping():
        return bool(result.summary.get("tipped", 0.0) == 1.0)
    weekly = result.weekly
    if weekly.empty or rule.series not in weekly:
        return False
    end = float(weekly["day"].max())
    last = weekly[weekly["day"] > end - rule.last]
    return bool(last[rule.series].mean() > rule.above)


def measures_of(claim: Claim, arm: str, tables: Replications) -> list[RunMeasures]:
    """Each replication's measures, from the stacked tables of several runs of one arm."""
    out = []
    summary = tables.summary.set_index("replication")
    for replication, row in summary.iterrows():
        def rows(table: pd.DataFrame, r=replication) -> pd.DataFrame:
            return table[table["replication"] == r].drop(columns=["scenario", "replication"])
        result = RunResult(str(row["scenario"]), int(replication), int(row["seed"]),
                           row.drop(["scenario", "seed"]).to_dict(), rows(tables.weekly),
                           rows(tables.projects))
        out.append(measure_run(claim, arm, result))
    return out


def arm_table(measures: list[RunMeasures], claim: Claim) -> pd.DataFrame:
    """One row per replication of one arm: each check's measure, ``tipped``, ``collapsed``."""
    columns = [f"check_{i}" for i in range(len(claim.checks))]
    rows = [{"replication": m.replication, **dict(zip(columns, m.values, strict=True)),
             "tipped": m.tipped, "collapsed": m.collapsed} for m in measures]
    frame = pd.DataFrame(rows, columns=["replication", *columns, "tipped", "collapsed"])
    return frame.sort_values("replication").set_index("replication")


def two_regimes(*tables: pd.DataFrame) -> bool:
    """Whether any of the arms mixes tipped and untipped replications."""
    return any(0 < t["tipped"].sum() < len(t) for t in tables)


def judge_check(i: int, check: Check, tables: dict[str, pd.DataFrame],
                level: float) -> dict[str, Any]:
    """Evaluate check ``i`` on the arms' tables at confidence ``level``."""
    if check.along is not None:
        return _judge_threshold(i, check, tables, level)
    if check.compare is None:
        return _judge_value(i, check, tables[check.arm], level)
    first, second = (tables[arm] for arm in check.compare)
    common = first.index.intersection(second.index)
    a, b = first.loc[common], second.loc[common]
    result = paired_test(a[f"check_{i}"].to_numpy(), b[f"check_{i}"].to_numpy(),
                         two_regimes=two_regimes(a, b), level=level)
    verdict = _comparison_verdict(check, result, level)
    what = check.measure
    return {**_identity(i, check), "measure": what, "unit": measure_unit(check),
            "window": _window(check), "a": check.compare[0], "b": check.compare[1],
            "a_mean": result["first_mean"], "b_mean": result["second_mean"],
            "difference": result["difference"], "estimate": result["estimate"],
            "estimate_of": "median difference" if result["method"] == SIGN_TEST
            else "mean difference", "ci_low": result["ci_low"], "ci_high": result["ci_high"],
            "level": level, "method": result["method"], "p_value": result["p_value"],
            "n": result["n"], "undefined": result["undefined"],
            "undefined_because": _undefined_because(check) if result["undefined"] else "",
            "b_higher_pairs": result["better_pairs"], "b_lower_pairs": result["worse_pairs"],
            "ties": result["ties"], "expect": _expectation(check), "verdict": verdict}


def _comparison_verdict(check: Check, result: dict[str, Any], level: float) -> str:
    """Supported, not supported or inconclusive, for a comparison's test ``result``.

    ``higher`` / ``lower``: decided when the p-value is at most 1 - ``level``, in
    the direction of the effect. ``not_worse`` (non-inferiority within ``margin``):
    supported when the interval lies entirely on the good side of -margin (B is
    at most ``margin`` worse), not supported when it lies entirely beyond it.
    """
    if check.expect != "not_worse":
        decided = not math.isnan(result["p_value"]) and result["p_value"] <= 1.0 - level
        direction = _direction(result)
        if not (decided and direction):
            return INCONCLUSIVE
        return SUPPORTED if direction == check.expect else NOT_SUPPORTED
    low, high = result["ci_low"], result["ci_high"]
    if math.isnan(low) or math.isnan(high):
        return INCONCLUSIVE
    sign = 1.0 if good_direction(check) == "higher" else -1.0
    worst, best = sorted((sign * low, sign * high))
    if worst > -check.margin:
        return SUPPORTED
    return NOT_SUPPORTED if best < -check.margin else INCONCLUSIVE


def good_direction(check: Check) -> str:
    """Which way the measure is better: the check's ``good``, else the KPI's direction."""
    better = check.good or describe(check.measure).better
    return better if better in ("higher", "lower") else ""


def _expectation(check: Check) -> str:
    if check.expect == "not_worse":
        return f"not worse by more than {check.margin:g} ({good_direction(check)} is better)"
    return check.expect


PROJECT_UNITS = {"slip_at_end": "share of plan", "slip": "share of plan", "duration": "days",
                 "effort": "person-days", "rework": "person-days", "cost": "money"}
"""Units of the project columns a trend or spread is taken of (docs/results.md)."""


def measure_unit(check: Check) -> str:
    """The unit of a check's measure."""
    if check.kind == "trend":
        return f"{PROJECT_UNITS.get(check.trend, check.trend)} per year"
    if check.kind == "spread":
        return PROJECT_UNITS.get(check.spread, "")
    return describe(check.measure).unit


def _undefined_because(check: Check) -> str:
    if check.kind == "handover":
        return f"{check.after_handover} was not handed over in time"
    if check.kind in ("trend", "spread"):
        return "too few due projects in the window"
    return undefined_because(check.measure)


def _direction(result: dict[str, Any]) -> str:
    """``higher`` or ``lower``: the way the effect goes (empty when it does not)."""
    if result["method"] == SIGN_TEST:
        up, down = result["better_pairs"], result["worse_pairs"]
    else:
        up, down = result["estimate"] > 0, result["estimate"] < 0
    return "higher" if up > down else "lower" if down > up else ""


def _judge_value(i: int, check: Check, table: pd.DataFrame, level: float) -> dict[str, Any]:
    values = table[f"check_{i}"]
    defined = values.dropna()
    passed = defined >= check.value if check.expect == "at_least" else defined <= check.value
    k, n = int(passed.sum()), len(defined)
    p = float(stats.binomtest(k, n).pvalue) if n else math.nan
    low, high = wilson_interval(k, n, level)
    verdict = INCONCLUSIVE
    if n and p <= 1.0 - level and k * 2 != n:
        verdict = SUPPORTED if k * 2 > n else NOT_SUPPORTED
    undefined = len(values) - n
    return {**_identity(i, check), "measure": check.measure, "unit": measure_unit(check),
            "window": _window(check), "a": check.arm, "b": "",
            "a_mean": float(defined.mean()) if n else math.nan, "b_mean": check.value,
            "difference": k / n if n else math.nan, "estimate": k / n if n else math.nan,
            "estimate_of": "share of runs that reach it", "ci_low": low, "ci_high": high,
            "level": level, "method": BINOMIAL_TEST, "p_value": p, "n": n,
            "undefined": undefined,
            "undefined_because": _undefined_because(check) if undefined else "",
            "b_higher_pairs": k, "b_lower_pairs": n - k, "ties": 0,
            "expect": check.expect, "verdict": verdict}


THRESHOLD_TEST = "threshold by BIC, profile-likelihood interval"


def threshold_fit(i: int, check: Check, tables: dict[str, pd.DataFrame],
                  level: float) -> Threshold:
    """Fit the check's measure along the swept values of its arms (every run a point)."""
    x, y = [], []
    for arm, value in check.along.items():
        values = tables[arm][f"check_{i}"].to_numpy(float)
        x += [value] * len(values)
        y += list(values)
    return find_threshold(np.array(x), np.array(y), kpi=check.measure, factor="along",
                          level=level)


def threshold_verdict(fit: Threshold) -> str:
    """The verdict of a threshold fit.

    Supported when a threshold is stated; not supported when a model without a
    change of regime fits best; inconclusive otherwise (a break or a bend fits
    best, but not clearly enough to state a threshold).
    """
    if fit.stated:
        return SUPPORTED
    return NOT_SUPPORTED if fit.model in NULLS or fit.model == "constant" else INCONCLUSIVE


def _judge_threshold(i: int, check: Check, tables: dict[str, pd.DataFrame],
                     level: float) -> dict[str, Any]:
    fit = threshold_fit(i, check, tables, level)
    values = np.concatenate([tables[a][f"check_{i}"].to_numpy(float) for a in check.along])
    undefined = int(np.sum(~np.isfinite(values)))
    arms = list(check.along)
    return {**_identity(i, check), "measure": check.measure, "unit": measure_unit(check),
            "window": _window(check), "a": arms[0], "b": arms[-1],
            "a_mean": fit.before, "b_mean": fit.after, "difference": math.nan,
            "estimate": fit.at, "estimate_of": f"threshold ({fit.model or 'no fit'})",
            "ci_low": fit.low, "ci_high": fit.high, "level": level, "method": THRESHOLD_TEST,
            "p_value": math.nan, "n": fit.runs, "undefined": undefined,
            "undefined_because": _undefined_because(check) if undefined else "",
            "b_higher_pairs": 0, "b_lower_pairs": 0, "ties": 0,
            "expect": f"threshold ({fit.note or f'BIC {fit.delta_bic:.1f} below no change'})",
            "verdict": threshold_verdict(fit)}


def _identity(i: int, check: Check) -> dict[str, Any]:
    label = check.label or _default_label(check)
    return {"index": i, "check": " ".join(label.split()), "decides": check.decides}


def _default_label(check: Check) -> str:
    what = f"{check.kind} of {check.measure}" if check.kind in ("trend", "spread") \
        else check.measure
    if check.along is not None:
        return f"{what} changes regime along {', '.join(check.along)}"
    if check.compare is None:
        return f"{what} in {check.arm} {check.expect.replace('_', ' ')} {check.value:g}"
    return f"{what}: {check.compare[1]} {_expectation(check)} than {check.compare[0]}"


SUMMARY_WINDOW = "the summary window"
"""How a check over the scenario's summary window names its window."""


def _window(check: Check) -> str:
    if check.kind == "handover":
        return f"{check.within:g} days after {check.after_handover} is handed over"
    if check.kind in ("trend", "spread"):
        where = "due projects" if check.window is None else \
            f"projects due in days {check.window[0]:g}-{check.window[1]:g}"
        return f"{check.kind} over the {where}"
    if check.window is None:
        return SUMMARY_WINDOW
    return f"days {check.window[0]:g}-{check.window[1]:g}"


def combine(verdicts: list[str]) -> str:
    """A claim's verdict from its deciding checks' verdicts."""
    if any(v == NOT_SUPPORTED for v in verdicts):
        return NOT_SUPPORTED
    return SUPPORTED if verdicts and all(v == SUPPORTED for v in verdicts) else INCONCLUSIVE


def judge(claim: Claim, tables: dict[str, pd.DataFrame], level: float) -> tuple[str,
                                                                              pd.DataFrame]:
    """Every check's row and the claim's verdict (from its deciding checks)."""
    rows = pd.DataFrame([judge_check(i, check, tables, level)
                         for i, check in enumerate(claim.checks)])
    deciding = rows[rows["decides"]]
    return combine(deciding["verdict"].tolist()), rows


def tipping_table(claim: Claim, tables: dict[str, pd.DataFrame],
                  level: float = 0.95) -> pd.DataFrame:
    """Per arm: replications, how many tipped or collapsed, the tipped share and its interval."""
    rows = []
    for arm, table in tables.items():
        n, k = len(table), int(table["tipped"].sum())
        low, high = wilson_interval(k, n, level)
        rows.append({"arm": arm, "n": n, "tipped": k, "collapsed": int(table["collapsed"].sum()),
                     "share": k / n if n else math.nan, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def tipping_differences(claim: Claim, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """For each pair of arms a check compares: the exact McNemar test of their tipped shares."""
    pairs = dict.fromkeys(tuple(c.compare) for c in claim.checks if c.compare is not None)
    rows = []
    for first, second in pairs:
        a, b = tables[first], tables[second]
        common = a.index.intersection(b.index)
        result = mcnemar_exact(a.loc[common, "tipped"].to_numpy(),
                               b.loc[common, "tipped"].to_numpy())
        rows.append({"a": first, "b": second, **result})
    return pd.DataFrame(rows, columns=["a", "b", "n", "only_first", "only_second",
                                       "difference", "p_value"])


def sample_outcome(claim: Claim, tables: dict[str, pd.DataFrame]) -> str:
    """Whether the claim's deciding checks hold in one sampled organisation.

    With the few replications of a sample no test is possible; each deciding
    check is read by its direction: a comparison by the sign of the mean paired
    difference, a value check by whether most runs reach the value. Returns
    ``holds`` (every deciding check goes the claimed way), ``fails`` (any goes
    the other way), ``tie`` (none fails, but some shows no difference at all) or
    ``undefined`` (none fails, but some could not be measured).
    """
    states = []
    for i, check in enumerate(claim.checks):
        if check.decides:
            states.append(_sample_state(i, check, tables))
    if "fails" in states:
        return "fails"
    for state in ("undefined", "tie"):
        if state in states:
            return state
    return "holds"


def _sample_state(i: int, check: Check, tables: dict[str, pd.DataFrame]) -> str:
    column = f"check_{i}"
    if check.along is not None:
        verdict = threshold_verdict(threshold_fit(i, check, tables, 0.95))
        return {SUPPORTED: "holds", NOT_SUPPORTED: "fails"}.get(verdict, "tie")
    if check.expect == "not_worse":
        a, b = (tables[arm][column] for arm in check.compare)
        diff = (b - a.reindex(b.index)).dropna()
        if diff.empty:
            return "undefined"
        sign = 1.0 if good_direction(check) == "higher" else -1.0
        return "holds" if sign * float(np.mean(diff)) > -check.margin else "fails"
    if check.compare is None:
        values = tables[check.arm][column].dropna()
        if values.empty:
            return "undefined"
        passed = values >= check.value if check.expect == "at_least" else values <= check.value
        share = float(passed.mean())
        return "holds" if share > 0.5 else "fails" if share < 0.5 else "tie"
    a, b = (tables[arm][column] for arm in check.compare)
    diff = (b - a.reindex(b.index)).dropna()
    if diff.empty:
        return "undefined"
    mean = float(np.mean(diff))
    if mean == 0.0:
        return "tie"
    return "holds" if (mean > 0) == (check.expect == "higher") else "fails"
