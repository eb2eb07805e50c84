"""The claims report: one section per claim, in Markdown and in HTML.

Each section states the claim in plain words and its source, the experiment
(arms and what differs), the verdict with numbers for every check, a plot of
the arms, how robust the verdict is over sampled organisations and where it
fails, and the caveats. The HTML version carries the plots inline, so it can be
mailed as one file.
"""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import markdown
import pandas as pd

from sim.kpis import format_number as num
from sim.reports.folder import RunRecord
from sim.studies.claims import ClaimResult, check_claim, evaluate_claims, find_claims
from sim.studies.executors import Execution
from sim.studies.folders import new_folder, write_atomically, write_png


def claim_plot(result: ClaimResult, folder: Path) -> str:
    """Draw the measures one claim is judged on; return the file's relative path.

    Each KPI a check names gets a panel with every arm's mean and 95% interval;
    the weekly series the checks name, and those behind the KPIs, follow.
    """
    from sim.reports.figures import claim_figure
    from sim.studies.statistics import mean_ci

    weekly = pd.concat([t.weekly for t in result.tables.values()], ignore_index=True)
    kpis = {}
    for kpi in dict.fromkeys(c.kpi for c in result.claim.checks if c.kpi):
        rows = []
        for arm, tables in result.tables.items():
            mean, low, high, _, _ = mean_ci(tables.summary[kpi])
            rows.append({"arm": arm, "mean": mean, "ci_low": low, "ci_high": high})
        kpis[kpi] = pd.DataFrame(rows)
    series = list(dict.fromkeys(c.series for c in result.claim.checks if c.series))
    figure = claim_figure(weekly, kpis, series, f"{result.claim.id}: {result.claim.title}")
    name = f"plots/{result.claim.id}.png"
    (folder / "plots").mkdir(exist_ok=True)
    write_png(folder / name, figure, dpi=90)
    return name


def section(result: ClaimResult, plot: str | None) -> str:
    """One claim's section of the report, in Markdown."""
    c = result.claim
    arms = list(result.tables)
    first = result.tables[arms[0]].summary
    horizon = _horizon(result)
    lines = [f"## {c.id}: {c.title}", "", f"> {' '.join(c.claim.split())}", ""]
    if c.source:
        lines += [f"Source: {c.source}", ""]
    base = _shown(result.path.parent / c.scenario)
    arms_text = f"{len(arms)} arm{'s' if len(arms) != 1 else ''}"
    lines += [f"**Verdict: {result.verdict}**", "",
              f"Experiment: `{base}` run as {arms_text} with {len(first)} paired "
              f"replications of {horizon:g} working days each (the same seeds in every arm).",
              ""]
    if result.collapsed_runs:
        lines += [f"{result.collapsed_runs} of {len(first) * len(arms)} runs collapsed: their "
                  "backlog passed `operations.backlog_limit` days of value demand, so they "
                  "stopped early and their KPIs cover the days until then.", ""]
    base_doc = None
    for name, arm in c.arms.items():
        changes = ", ".join(f"`{k}` = {v!r}" for k, v in arm.set.items()) or "as the base"
        lines.append(f"- **{name}**{': ' + arm.label if arm.label else ''} ({changes})")
        base_doc = base_doc or name
    lines += ["", "| check | " + " | ".join(["A", "B", "A mean", "B mean (or target)",
                                              "B − A (95% CI)", "verdict"]) + " |",
              "|---|---|---|---:|---:|---|---|"]
    for _, row in result.checks.iterrows():
        ci = "" if math.isnan(row["ci_low"]) else f" [{num(row['ci_low'])}, {num(row['ci_high'])}]"
        diff = f"{row['difference']:.0%} of runs pass" if not row["b"] else \
            f"{num(row['difference'])}{ci}"
        label = " ".join(str(row["check"]).split()).replace("|", "/")
        lines.append(f"| {label} | {row['a']} | {row['b'] or '—'} | "
                     f"{num(row['a_mean'])} | {num(row['b_mean'])} | {diff} | "
                     f"{row['verdict']} |")
    lines.append("")
    if plot:
        lines += [f"![{c.id}: each arm's mean and 95% interval of the KPIs checked, and the "
                  f"weekly series behind the checks (mean and 5-95% band)]({plot})", ""]
    robust = result.robustness
    if len(robust):
        held = int(robust["holds"].sum())
        ranges = ", ".join(f"`{k}` in [{lo:g}, {hi:g}]" for k, (lo, hi)
                           in c.robustness.vary.items())
        lines += [f"Robustness: the first check's direction holds in {held} of {len(robust)} "
                  f"organisations sampled by Latin hypercube over {ranges} "
                  f"({result.holds_share:.0%}); {result.failure_condition}.", ""]
    else:
        lines += ["Robustness: not sampled.", ""]
    if c.caveats:
        lines += [f"Caveats: {' '.join(c.caveats.split())}", ""]
    return "\n".join(lines)


def report(results: list[ClaimResult], plots: dict[str, str | None], settings: str) -> str:
    """The whole report in Markdown."""
    lines = ["# Testing the claims about PMOs and operational excellence", "",
             "A model cannot prove a claim about real organisations. What it can show is "
             "whether the claim holds *in this model*, how large the effect is, how sure we "
             "are (paired 95% confidence intervals over replications with common random "
             "numbers), and under which sampled conditions it stops holding.", "",
             settings, "", "| claim | verdict | robustness |", "|---|---|---:|"]
    for r in results:
        share = "" if math.isnan(r.holds_share) else f"{r.holds_share:.0%}"
        lines.append(f"| [{r.claim.id}: {r.claim.title}](#{_anchor(r)}) | {r.verdict} | "
                     f"{share} |")
    lines += ["", "Verdicts: *supported* when every check's interval excludes zero in the "
              "claimed direction; *not supported* when any excludes zero the other way; "
              "*inconclusive* otherwise. How each claim is tested: docs/claims.md.", ""]
    for r in results:
        lines += [section(r, plots.get(r.claim.id)), ""]
    return "\n".join(lines)


def to_html(text: str, folder: Path) -> str:
    """Render the Markdown report as one HTML file with its plots inline."""
    body = markdown.markdown(text, extensions=["tables"])

    def inline(match: re.Match) -> str:
        data = base64.b64encode((folder / match.group(1)).read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="(plots/[^"]+\.png)"', inline, body)
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
             "img{max-width:100%}blockquote{color:#444;border-left:3px solid #ccc;"
             "margin-left:0;padding-left:1em}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Claims report"
            f"</title><style>{style}</style></head><body>\n{body}\n</body></html>\n")


def _shown(path: Path) -> str:
    """A path relative to the working directory (with ``..`` when it lies elsewhere)."""
    from sim.shipped import relative

    return relative(path)


def _anchor(result: ClaimResult) -> str:
    text = f"{result.claim.id}: {result.claim.title}".lower()
    return re.sub(r"[^a-z0-9 -]", "", text).replace(" ", "-")


def _horizon(result: ClaimResult) -> float:
    weekly = next(iter(result.tables.values())).weekly
    return float(weekly["day"].max()) if len(weekly) else math.nan



def claims_to_folder(folder_of_claims: Path, ids: list[str] | None, *, out: Path,
                     command: list[str], replications: int | None = None,
                     samples: int | None = None, workers: int = 1,
                     execution: Execution | None = None,
                     progress=None) -> tuple[Path, list[ClaimResult]]:
    """Evaluate claims and write ``report.md``, ``report.html``, tables and plots.

    The runs execute where ``execution`` says (default: ``workers`` local processes).

    Every claim is checked (:func:`sim.studies.claims.check_claim`) before anything runs
    and before the report's folder is made.
    """
    claims = find_claims(folder_of_claims, ids)
    for path, claim in claims:
        check_claim(claim, path, replications=replications, samples=samples)
    folder = new_folder(out, "claims")
    record = RunRecord(folder, [], source=[str(p) for p, _ in claims], command=command,
                       replications=replications or 0)
    with record.failures():
        plots = {}

        def judged(result: ClaimResult) -> None:
            plots[result.claim.id] = claim_plot(result, folder)
            if progress is not None:
                progress(result)

        where = execution or Execution(workers=workers)
        results = evaluate_claims(claims, replications=replications, samples=samples,
                                  execution=where, progress=judged)
        verdicts = pd.DataFrame([{"claim": r.claim.id, "title": r.claim.title,
                                  "verdict": r.verdict, "robustness_holds": r.holds_share,
                                  "failure_condition": r.failure_condition,
                                  "collapsed_runs": r.collapsed_runs} for r in results])
        checks = pd.concat([r.checks.assign(claim=r.claim.id) for r in results],
                           ignore_index=True)
        samples_table = pd.concat([r.robustness.assign(claim=r.claim.id) for r in results
                                   if len(r.robustness)], ignore_index=True) \
            if any(len(r.robustness) for r in results) else pd.DataFrame()
        as_filed = "as in each claim file"
        settings = (f"Settings: replications {replications or as_filed}, robustness samples "
                    f"{samples if samples is not None else as_filed}, runs on "
                    f"{where.describe()}.")
        text = report(results, plots, settings)
        outputs = {"verdicts.csv": lambda p: verdicts.to_csv(p, index=False),
                   "checks.csv": lambda p: checks.to_csv(p, index=False),
                   "robustness.csv": lambda p: samples_table.to_csv(p, index=False),
                   "report.md": lambda p: p.write_text(text, encoding="utf-8"),
                   "report.html": lambda p: p.write_text(to_html(text, folder),
                                                         encoding="utf-8")}
        for name, writer in outputs.items():
            write_atomically(folder / name, writer)
    record.finish([*outputs, *plots.values()])
    return folder, results
