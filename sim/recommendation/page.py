"""The recommendation on one printed page, in the decision brief's style.

The page opens with sentences computed from the outcome: the levers to set,
the gain in the objective against the base with its 95% interval, how sure the
choice is (the probability of being best and how the finalists were told
apart), the constraints, what the change costs, where the recommendation fails
in the stress test, and the runner-up. Tables follow: the levers, the KPIs
against the base, the finalists; then how the answer was reached. Labels and
units come from :mod:`sim.kpis`; every value is written by the brief's
:mod:`sim.reports.plain`
(never in e-notation). The HTML has no external asset.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from sim.kpis import describe
from sim.recommendation.engine import Finalist, Outcome, StressResult
from sim.recommendation.search import Candidate
from sim.reports.brief import PAGE_STYLE, page_html
from sim.reports.plain import first_decimals, fixed, scale
from sim.units import format_days, plain_number

COST_KPIS = ("cost_change", "cost_total")
"""What the recommendation costs, against the base."""


def page(outcome: Outcome) -> str:
    """The one-page HTML answer of ``outcome``."""
    problem = outcome.problem
    confirmation = outcome.confirmation
    parts = [_headlines(outcome)]
    chosen = confirmation.chosen or confirmation.closest
    parts.append(_levers_table(outcome, chosen, confirmation.runner_up))
    parts.append(_kpi_table(outcome))
    parts.append(_finalists_table(outcome))
    parts.append(_method(outcome))
    title = f"Recommendation: {problem.name}"
    return page_html(title, title, parts, style=_STYLE)


# -- headline sentences ------------------------------------------------------------------

def headline_sentences(outcome: Outcome) -> list[str]:
    """What the page says first, in plain sentences."""
    problem = outcome.problem
    spec = problem.spec
    c = outcome.confirmation
    base = problem.base_scenario()
    horizon = format_days(base.horizon - base.warmup)
    if c.chosen is None:
        closest = c.closest
        misses = "; ".join(_check_text(k, check, base) for k, check in
                           zip(spec.constraints, closest.checks, strict=True) if not check.met)
        return [f"No candidate met the constraints: none of the {len(c.finalists)} finalists "
                f"showed every constraint at {spec.confidence:.0%} confidence.",
                f"The closest is {closest.candidate.label}: {_levers_text(outcome, closest)}. "
                f"It misses {misses}.",
                "Relax a constraint, widen the levers' ranges or raise the budget, and run "
                "the recommendation again (the runs done so far are reused)."]
    chosen = c.chosen
    sentences = [f"Set {_levers_text(outcome, chosen)}."]
    sentences.append(_gain_sentence(outcome, horizon))
    sentences.append(_confidence_sentence(outcome))
    if spec.constraints:
        met = "; ".join(_check_text(k, check, base) for k, check in
                        zip(spec.constraints, chosen.checks, strict=True))
        sentences.append(f"It meets every constraint at {spec.confidence:.0%} confidence: "
                         f"{met}.")
    costs = [_change_clause(outcome.comparison, k, base) for k in COST_KPIS
             if k != spec.objective.kpi]
    costs = [x for x in costs if x]
    if costs:
        sentences.append("What it costs: " + "; ".join(costs) + ".")
    sentences.append(_stress_sentence(outcome))
    if c.runner_up is not None:
        sentences.append(_runner_up_sentence(outcome))
    return [s for s in sentences if s]


def _gain_sentence(outcome: Outcome, horizon: str) -> str:
    problem = outcome.problem
    kpi = problem.spec.objective.kpi
    row = outcome.comparison.set_index("kpi").loc[kpi]
    base = problem.base_scenario()
    label = _name(kpi)
    d, low, high = row["difference"], row["ci_low"], row["ci_high"]
    better = problem.spec.objective.sign * d > 0
    interval = (f"95% CI {_diff(kpi, low, row, base)} to {_diff(kpi, high, row, base)}; "
                if math.isfinite(low) else "")
    clear = math.isfinite(low) and not (low <= 0.0 <= high)
    verdict = ("better" if better else "worse") if clear else "no clear difference"
    return (f"Over {horizon}, the {label} goes from {_value(kpi, row['base'], row, base)} "
            f"(base) to {_value(kpi, row['chosen'], row, base)}: "
            f"{_diff(kpi, d, row, base)} ({interval}{verdict}; {row['method']} on "
            f"{int(row['n'])} paired replications).")


def _confidence_sentence(outcome: Outcome) -> str:
    c = outcome.confirmation
    spec = outcome.problem.spec
    allowed = [f for f in c.finalists if f.allowed]
    zone = _value(spec.objective.kpi, c.delta, None, outcome.problem.base_scenario(),
                  difference=True)
    how = {"eliminated": f"Kim and Nelson's procedure eliminated the others after "
                         f"{c.chosen.replications} replications (had the best been at "
                         f"least {zone} better than the others, it would have picked it "
                         f"with probability {spec.confidence:.0%} or more)",
           "budget": f"the budget ended Kim and Nelson's procedure after "
                     f"{c.chosen.replications} replications with "
                     f"{sum(f.eliminated_at is None for f in allowed)} finalists still in "
                     "contention, so it is the one with the best mean and its "
                     f"{spec.confidence:.0%} guarantee does not apply",
           "single": "it was the only finalist shown to meet every constraint"}[c.ended]
    return (f"Among the {len(allowed)} finalist{'s' if len(allowed) != 1 else ''} that met "
            f"every constraint it is best with probability {c.chosen.p_best:.2f} (paired "
            f"bootstrap over their {c.shared} shared replications); {how}.")


def _stress_sentence(outcome: Outcome) -> str:
    s = outcome.stress
    spec = outcome.problem.spec
    if not spec.conditions:
        return "No conditions were given, so the recommendation was not stress-tested."
    if s is None:
        return ""
    ranges = ", ".join(f"{k} {plain_number(v.min)} to {plain_number(v.max)}"
                       for k, v in spec.conditions.items())
    parts = [f"Across {s.samples} sampled conditions ({ranges})"]
    if spec.constraints:
        parts.append(f"its constraints hold in {s.holds} ({_share(s, s.holds)})")
    if len(s.stressed) > 1:
        parts.append(f"it is within the indifference zone of the best of {len(s.stressed)} "
                     f"finalists in {s.within} ({_share(s, s.within)})")
    text = ", ".join(parts[:1]) + (": " + "; ".join(parts[1:]) if parts[1:] else "") + "."
    return text + " " + _finding_text(s)


def _finding_text(s: StressResult) -> str:
    f = s.finding
    if f is None:
        return ""
    if f.found:
        return (f"Where it fails: mostly when {f.condition} ({round(f.purity * f.samples)} "
                f"of the {f.samples} conditions there fail, {f.coverage:.0%} of all "
                f"failures; permutation p = {f.p_value:.3f}).")
    if math.isnan(f.p_value):
        return f"Where it fails: {f.sentence.replace('organisations', 'conditions')}."
    return (f"Where it fails: no simple condition explains the failures (the purest split, "
            f"{f.condition}, stands out no more than splits of shuffled outcomes; "
            f"permutation p = {f.p_value:.2f}).")


def _runner_up_sentence(outcome: Outcome) -> str:
    c = outcome.confirmation
    kpi = outcome.problem.spec.objective.kpi
    base = outcome.problem.base_scenario()
    shared = c.indices(c.shared)
    runner, chosen = c.runner_up, c.chosen
    gap = runner.candidate.mean(kpi, shared) - chosen.candidate.mean(kpi, shared)
    close = (" (within the indifference zone: a difference too small to matter)"
             if abs(gap) < c.delta else "")
    return (f"Runner-up: {runner.candidate.label}, {_levers_text(outcome, runner)}; "
            f"{_name(kpi)} {_value(kpi, gap, None, base, True, True)} "
            f"against the recommendation{close}; probability of being best "
            f"{runner.p_best:.2f}.")


# -- tables ------------------------------------------------------------------------------

def _levers_table(outcome: Outcome, chosen: Finalist, runner: Finalist | None) -> str:
    problem = outcome.problem
    base = problem.base_levers()
    head = "recommended" if outcome.feasible else "closest"
    cells = ["<th>lever</th><th>base</th>", f"<th>{head}</th>"]
    if runner is not None:
        cells.append("<th>runner-up</th>")
    rows = []
    for key in problem.lever_keys:
        values = [base.get(key), chosen.candidate.assignment[key]]
        if runner is not None:
            values.append(runner.candidate.assignment[key])
        changed = values[1] != values[0]
        rows.append(f"<tr><td><code>{_e(key)}</code></td>"
                    + "".join(f"<td{' class=changed' if i == 1 and changed else ''}>"
                              f"{_e(_lever(v))}</td>" for i, v in enumerate(values)) + "</tr>")
    return ("<h2>Levers</h2><table class='levers'><tr>" + "".join(cells) + "</tr>"
            + "".join(rows) + "</table>")


def _kpi_table(outcome: Outcome) -> str:
    base = outcome.problem.base_scenario()
    head = "recommended" if outcome.feasible else "closest"
    rows, methods, pairs, undefined = [], set(), set(), []
    for r in outcome.comparison.to_dict("records"):
        if all(x == 0.0 for x in (r["base"], r["chosen"], r["ci_low"], r["ci_high"])) or \
                not (math.isfinite(r["base"]) or math.isfinite(r["chosen"])):
            continue
        ci = (f" <span class='ci'>({_diff(r['kpi'], r['ci_low'], r, base)} to "
              f"{_diff(r['kpi'], r['ci_high'], r, base)})</span>"
              if math.isfinite(r["ci_low"]) else "")
        methods.add(r["method"])
        pairs.add(int(r["n"]))
        if r["undefined"]:
            undefined.append(f"{describe(r['kpi']).label}: {r['undefined']}")
        rows.append(f"<tr><td>{_e(describe(r['kpi']).label)}</td>"
                    f"<td>{_value(r['kpi'], r['base'], r, base)}</td>"
                    f"<td>{_value(r['kpi'], r['chosen'], r, base)}</td>"
                    f"<td>{_diff(r['kpi'], r['difference'], r, base)}{ci}</td></tr>")
    n = " or ".join(str(x) for x in sorted(pairs))
    caption = (f"Paired differences over {n} replications with common random numbers "
               f"({' and '.join(sorted(methods))}; 95% intervals)"
               + (f"; pairs left out because a KPI was undefined: {'; '.join(undefined)}"
                  if undefined else "") + ".")
    return (f"<h2>Against the base</h2><table><tr><th>KPI</th><th>base</th><th>{head}</th>"
            "<th>change (95% CI)</th></tr>" + "".join(rows) + "</table>"
            f"<p class='caption'>{_e(caption)}</p>")


def _finalists_table(outcome: Outcome) -> str:
    problem = outcome.problem
    spec = problem.spec
    c = outcome.confirmation
    base = problem.base_scenario()
    kpi = spec.objective.kpi
    first = c.indices(c.first)
    head = ["#", *(k.removeprefix("levers.") for k in problem.lever_keys),
            f"{_name(kpi)} ({c.first} repl.)",
            *(_limit_text(k, base) for k in spec.constraints), "repl.", "P(best)", "outcome"]
    rows = []
    for f in c.finalists:
        mean = f.candidate.mean(kpi, first)
        checks = [f"{_value(k.kpi, ch.mean, None, base)} "
                  f"({'met' if ch.met else 'not shown'})"
                  for k, ch in zip(spec.constraints, f.checks, strict=True)]
        cells = [f.candidate.label, *(_lever(f.candidate.assignment[k])
                                      for k in problem.lever_keys),
                 _value(kpi, mean, None, base), *checks, str(f.replications),
                 "" if math.isnan(f.p_best) else f"{f.p_best:.2f}", _fate(outcome, f)]
        rows.append("<tr>" + "".join(f"<td>{_e(x)}</td>" for x in cells) + "</tr>")
    return ("<h2>Finalists</h2><table class='finalists'><tr>"
            + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>" + "".join(rows)
            + "</table>")


def _fate(outcome: Outcome, f: Finalist) -> str:
    c = outcome.confirmation
    if f is c.chosen:
        return "recommended"
    if f is c.closest:
        return "closest"
    if f.undefined:
        return f"objective undefined in {f.undefined}"
    if not f.allowed:
        return "limit not shown"
    if f.eliminated_at is not None:
        return f"out at {f.eliminated_at}"
    return "runner-up" if f is c.runner_up else "in contention"


def _method(outcome: Outcome) -> str:
    problem = outcome.problem
    spec = problem.spec
    c = outcome.confirmation
    s = outcome.search
    base = problem.base_scenario()
    zone = _value(spec.objective.kpi, c.delta, None, base, difference=True)
    items = [
        f"Base: {_e(problem.base_path.name)} ({_e(problem.base.get('name', ''))}), horizon "
        f"{_e(format_days(base.horizon))}, warm-up {_e(format_days(base.warmup))}; root "
        f"seed {problem.seed}; replication <i>k</i> of every candidate used the same random "
        "numbers.",
        f"{outcome.runs} runs of a budget of {problem.allocation.budget}: search "
        f"{s.runs} ({len(s.candidates)} candidates x {spec.search.replications} "
        f"replications; Optuna's TPE sampler; {_e(s.stopped)}), confirmation {c.runs}"
        + (f", stress test {outcome.stress.runs}" if outcome.stress else "") + ".",
        f"Confirmation: the {len(c.finalists)} best candidates of the search and the base "
        f"ran {c.first} fresh replications (not those of the search); a constraint is met "
        f"when the one-sided {_split_level(outcome)} confidence bound of its mean "
        f"(Student t; Wilson for 0/1 KPIs) is on the allowed side. Kim and Nelson's (2001) "
        f"procedure KN, with indifference zone {zone} ({_e(c.delta_source)}), took one more "
        "replication of every survivor at a time. "
        "P(best): share of 10,000 paired bootstrap resamples of the shared replications "
        "in which a finalist has the best mean.",
        "Against the base: paired differences over the recommendation's replications; "
        "sign test when either arm mixes tipped and untipped replications, paired "
        "permutation test otherwise; intervals at 95%.",
    ]
    if outcome.stress is not None:
        items.append(
            f"Stress test: {outcome.stress.samples} conditions from a Latin hypercube, "
            f"{spec.stress.replications} replication(s) of each of "
            f"{len(outcome.stress.stressed)} finalists per condition; regret against the "
            "best of them there; a condition fails when a constraint does not hold or the "
            "regret exceeds the indifference zone; shares with 95% Wilson intervals; where "
            "it fails: a depth-2 classification tree, reported only if it beats a "
            "permutation null at 5%.")
    return ("<section class='method'><h2>How this was found</h2><ul>"
            + "".join(f"<li>{i}</li>" for i in items) + "</ul></section>")


# -- words and numbers -------------------------------------------------------------------

def _levers_text(outcome: Outcome, f: Finalist) -> str:
    base = outcome.problem.base_levers()
    parts = []
    for key, value in f.candidate.assignment.items():
        was = base.get(key)
        note = f" (base {_lever(was)})" if was != value else " (as the base)"
        parts.append(f"{key.removeprefix('levers.')} to {_lever(value)}{note}")
    return ", ".join(parts)


def _levers_short(outcome: Outcome, candidate: Candidate) -> str:
    return ", ".join(f"{k.removeprefix('levers.')}={_lever(v)}"
                     for k, v in candidate.assignment.items())


def _lever(value: Any) -> str:
    if isinstance(value, float):
        return plain_number(value)
    return "n/a" if value is None else str(value)


def _limit_text(constraint, base) -> str:
    sign = "≥" if constraint.side == "at_least" else "≤"
    return f"{_name(constraint.kpi)} {sign} " \
           f"{_value(constraint.kpi, constraint.bound, None, base)}"


def _check_text(constraint, check, base) -> str:
    side = "lower" if constraint.side == "at_least" else "upper"
    undefined = f", undefined in {check.undefined} replications" if check.undefined else ""
    return (f"{_name(constraint.kpi)} "
            f"{'≥' if constraint.side == 'at_least' else '≤'} "
            f"{_value(constraint.kpi, constraint.bound, None, base)}: mean "
            f"{_value(constraint.kpi, check.mean, None, base)}, {side} bound "
            f"{_value(constraint.kpi, check.bound, None, base)}{undefined}")


def _change_clause(comparison: pd.DataFrame, kpi: str, base) -> str:
    rows = comparison.set_index("kpi")
    if kpi not in rows.index:
        return ""
    r = rows.loc[kpi]
    if all(x == 0.0 for x in (r["difference"], r["ci_low"], r["ci_high"])):
        return ""
    ci = (f" (95% CI {_diff(kpi, r['ci_low'], r, base)} to {_diff(kpi, r['ci_high'], r, base)})"
          if math.isfinite(r["ci_low"]) else "")
    return f"{_name(kpi)} {_diff(kpi, r['difference'], r, base)}{ci}"


def _name(kpi: str) -> str:
    """A KPI's label inside a sentence: its first letter in lower case, unless an acronym."""
    label = describe(kpi).label.split(":")[0]
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _magnitude(row) -> float:
    if row is None:
        return 0.0
    values = [abs(v) for v in (row["base"], row["chosen"]) if math.isfinite(v)]
    return max(values, default=0.0)


def _value(kpi: str, x: float, row, base, difference: bool = False,
           signed: bool = False) -> str:
    """One value in the brief's plain units (:mod:`sim.reports.plain`), scaled by its row."""
    if x is None or not math.isfinite(x):
        return "n/a"
    magnitude = _magnitude(row) if row is not None else abs(x)
    unit = scale(kpi, magnitude, base.hours_per_day, base.finance.currency)
    scaled = x * unit.factor
    suffix = unit.difference if difference else unit.value
    return fixed(scaled, first_decimals(magnitude * unit.factor), signed) + suffix


def _diff(kpi: str, x: float, row, base) -> str:
    return _value(kpi, x, row, base, difference=True, signed=True)


def _share(s: StressResult, count: int) -> str:
    share, low, high = s.share(count)
    return f"{share:.0%}; 95% CI {low:.0%} to {high:.0%}"


def _split_level(outcome: Outcome) -> str:
    spec = outcome.problem.spec
    count = max(1, len(spec.constraints))
    level = 1.0 - (1.0 - spec.confidence) / count
    split = "" if count == 1 else f", the {spec.confidence:.0%} split between {count} " \
                                  "constraints"
    return f"{level:.1%}{split}"


def _headlines(outcome: Outcome) -> str:
    return "".join(f"<p class='headline'>{_e(s)}</p>" for s in headline_sentences(outcome))


def _e(text) -> str:
    return html.escape(str(text), quote=True)


_STYLE = PAGE_STYLE + """
th { white-space: normal; }
td.changed { font-weight: 600; }
.method ul { padding-left: 12pt; margin: 2pt 0; font-size: 7pt; }
.method li { margin: 0.3pt 0; } code { font-size: 7pt; }
@media print { body { max-width: none; } table, li { break-inside: avoid; } }
"""
