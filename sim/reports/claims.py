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
from typing import NamedTuple

import markdown
import pandas as pd

from sim.reports.folder import RunRecord
from sim.studies.claims import (
    ClaimResult,
    check_claim,
    evaluate_claims,
    find_claims,
    natural_order,
)
from sim.studies.executors import Execution
from sim.studies.folders import new_folder, write_atomically, write_png
from sim.studies.sweeps.sensitivity import number_text as num
from sim.studies.verdicts import SUMMARY_WINDOW, THRESHOLD_TEST


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
    lines = [f"## {c.id}: {c.title}", "", f"> {' '.join(c.claim.split())}", ""]
    if c.source:
        lines += [f"Source: {' '.join(c.source.split())}", ""]
    construction = f" Largely by construction: {' '.join(c.construction.split())}" \
        if c.construction else ""
    lines += [f"**Verdict: {result.verdict}.**{construction} {_looks_sentence(result)}", ""]
    lines += _experiment(result)
    lines += _checks(result)
    lines += _regimes(result)
    if plot:
        lines += [f"![{c.id}: each arm's mean and 95% interval of the KPIs checked, and the "
                  f"weekly series behind the checks (mean and 5-95% band)]({plot})", ""]
    lines += _rests_on(result)
    lines += _robustness(result)
    if c.caveats:
        lines += [f"Caveats: {' '.join(c.caveats.split())}", ""]
    return "\n".join(lines)


def _looks_sentence(result: ClaimResult) -> str:
    looks = result.looks
    if not looks:
        return ""
    counts = " then ".join(str(look.replications) for look in looks)
    level = looks[-1].level
    planned = _planned_looks(result)
    return (f"Judged on {counts} paired replications per arm ({len(looks)} of {planned} "
            f"planned look{'s' if planned != 1 else ''}, each at the {level:.2%} level so "
            f"that the verdict is at the 95% level overall); stopped because "
            f"{result.stopped}.")


def _planned_looks(result: ClaimResult) -> int:
    level = result.looks[-1].level
    return max(1, round(0.05 / (1.0 - level)))


def _experiment(result: ClaimResult) -> list[str]:
    c = result.claim
    base = _shown(result.path.parent / c.scenario)
    arms = list(result.tables)
    lines = [f"Experiment: `{base}` run as {len(arms)} arm{'s' if len(arms) != 1 else ''} "
             f"of {_horizon(result):g} working days, with the same seeds in every arm "
             "(replication k of each arm sees the same arrivals and proposals).", ""]
    for name, arm in c.arms.items():
        changes = ", ".join(f"`{k}` = {v!r}" for k, v in arm.set.items()) or "as the base"
        lines.append(f"- **{name}**{': ' + arm.label if arm.label else ''} ({changes})")
    lines.append("")
    if result.collapsed_runs:
        total = sum(len(t.summary) for t in result.tables.values())
        lines += [f"{result.collapsed_runs} of {total} runs collapsed: their backlog passed "
                  "`operations.backlog_limit` days of value demand, so they stopped early; "
                  "they count as tipped, and their KPIs cover the days until then.", ""]
    return lines


def _checks(result: ClaimResult) -> list[str]:
    lines = []
    checks = result.checks
    for decides, title in ((True, "Deciding checks"),
                           (False, "Checks that describe the experiment (they do not decide "
                                   "the verdict)")):
        rows = checks[checks["decides"] == decides]
        if rows.empty:
            continue
        level = 100.0 * float(rows["level"].iloc[0])
        lines += [f"{title}:", "", f"| check | measure | A → B | effect ({level:.4g}% interval) | "
                  "test | n | verdict |", "|---|---|---|---|---|---:|---|"]
        notes = []
        for row in rows.itertuples():
            lines.append(_check_row(row))
            if row.undefined:
                notes.append(f"{_clean(row.check)}: {row.undefined} of "
                             f"{row.n + row.undefined} pairs could not be compared "
                             f"({row.undefined_because}).")
        lines.append("")
        if notes:
            lines += [" ".join(notes), ""]
    return lines


def _check_row(row) -> str:
    unit = f" ({row.unit})" if row.unit else ""
    measure = f"`{row.measure}`{unit}, {row.window}"
    if row.method == THRESHOLD_TEST:
        means = f"along {row.a} … {row.b}"
        interval = "" if math.isnan(row.ci_low) else \
            f" [{num(row.ci_low)}, {num(row.ci_high)}]"
        effect = f"{row.estimate_of} at {num(row.estimate)}{interval}" \
            if not math.isnan(row.estimate) else row.estimate_of
        test = f"{row.method}; {row.expect}"
    elif not row.b:  # a value check
        means = f"{row.a}: {num(row.a_mean)} (target {num(row.b_mean)})"
        effect = (f"{row.estimate:.0%} of runs reach it [{_pct(row.ci_low)}, "
                  f"{_pct(row.ci_high)}]") if row.n else "n/a"
        test = f"{row.method}, {_p(row.p_value)}"
    else:
        means = f"{row.a} {num(row.a_mean)} → {row.b} {num(row.b_mean)}"
        interval = "" if math.isnan(row.ci_low) else \
            f" [{num(row.ci_low)}, {num(row.ci_high)}]"
        effect = f"{row.estimate_of} {num(row.estimate)}{interval}"
        test = (f"{row.method}, {_p(row.p_value)}; B higher in {row.b_higher_pairs}, "
                f"lower in {row.b_lower_pairs} pairs, {row.ties} ties")
        if str(row.expect).startswith("not worse"):
            test += f"; claimed: B {row.expect}"
    n = f"{row.n}" + (f" (+{row.undefined} undefined)" if row.undefined else "")
    return (f"| {_clean(row.check)} | {measure} | {means} | {effect} | {test} | {n} | "
            f"{row.verdict} |")


def _regimes(result: ClaimResult) -> list[str]:
    rule = result.claim.tipping
    tips = result.tipping
    lines = [f"Regimes: a run counts as *tipped* when `{rule.series}` averages above "
             f"{rule.above:g} over its last {rule.last:g} working days (firefighting at the "
             "end), or when it collapsed.", "",
             "| arm | runs | tipped | share tipped (95% Wilson interval) | collapsed |",
             "|---|---:|---:|---|---:|"]
    for row in tips.itertuples():
        lines.append(f"| {row.arm} | {row.n} | {row.tipped} | {_pct(row.share)} "
                     f"[{_pct(row.ci_low)}, {_pct(row.ci_high)}] | {row.collapsed} |")
    lines.append("")
    sentences = []
    for row in result.tipping_pairs.itertuples():
        if row.only_first + row.only_second == 0:
            sentences.append(f"{row.b} vs {row.a}: every pair tipped in both arms or in "
                             "neither.")
            continue
        sentences.append(f"{row.b} vs {row.a}: {row.only_first} pairs tipped only under "
                         f"{row.a}, {row.only_second} only under {row.b} (difference in share "
                         f"{row.difference:+.0%}; exact McNemar test {_p(row.p_value)}).")
    if sentences:
        lines += [" ".join(sentences), ""]
    if any(0 < r.tipped < r.n for r in tips.itertuples()):
        lines += ["Because some arm mixes tipped and untipped runs, the outcomes have two "
                  "regimes: comparisons use the sign test, which reads only the direction of "
                  "each pair.", ""]
    return lines


def _rests_on(result: ClaimResult) -> list[str]:
    lines = ["What the verdict rests on: each mechanism switched off in turn (its neutral "
             "setting, docs/model.md), the arms run again with the same seeds and "
             "replications, and judged at the same level.", ""]
    ko = result.knockouts
    if len(ko):
        lines += ["| mechanism switched off | setting | verdict without it | change |",
                  "|---|---|---|---|"]
        for row in ko.itertuples():
            lines.append(f"| {row.mechanism} | `{row.settings}` | {row.verdict} | "
                         f"{row.change} |")
        lines.append("")
        moved = ko[ko["change"].isin(["flips", "erases"])]
        if len(moved):
            lines += [f"The verdict rests on: {', '.join(moved['mechanism'])} (without "
                      f"{'it' if len(moved) == 1 else 'each'}, the verdict "
                      f"{' / '.join(sorted(set(moved['change'])))}).", ""]
        else:
            lines += ["No single knock-out flips or erases the verdict.", ""]
    if result.not_knocked_out:
        lines += ["Not switched off: " + "; ".join(f"{name} ({why})" for name, why
                                                  in result.not_knocked_out.items()) + ".",
                  ""]
    return lines


def _robustness(result: ClaimResult) -> list[str]:
    r = result.robust
    if not r.samples:
        return ["Robustness: not sampled.", ""]
    design = result.design
    sourced = sum(1 for v in design.varied if v.source)
    lines = [f"Robustness: {r.samples} organisations sampled by Latin hypercube over "
             f"{len(design.varied)} parameters ({sourced} with a published figure, the rest "
             f"without; listed below), {result.claim.robustness.replications} paired "
             "replications per arm each. The claim's deciding checks "
             f"hold in {r.holds} and fail in {r.fails}: it holds in {_pct(r.share)} "
             f"(95% Wilson interval {_pct(r.ci_low)} to {_pct(r.ci_high)}) of the "
             f"{r.decided} organisations where it is decided; {r.ties} "
             f"tie{'s' if r.ties != 1 else ''} (no difference at all on a deciding check) and "
             f"{r.undefined} undefined (a deciding check could not be measured) are counted "
             f"apart. Where it fails: {r.finding.sentence}.", ""]
    varied = "; ".join(f"`{v.key}` {v.low:.4g} to {v.high:.4g}" for v in design.varied)
    lines += [f"Varied: {varied}.", ""]
    if design.fixed:
        held: dict[str, list[str]] = {}
        for key, why in design.fixed.items():
            held.setdefault(why, []).append(f"`{key}`")
        lines += ["Held: " + "; ".join(f"{', '.join(keys)} ({why})"
                                       for why, keys in held.items()) + ".", ""]
    return lines


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.0%}"


def _p(p: float) -> str:
    """``p = 0.012``, ``p < 0.001`` or ``p n/a``."""
    if p is None or math.isnan(p):
        return "p n/a"
    return f"p = {p:.2g}" if p >= 0.001 else "p < 0.001"


def _clean(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "/")


def report(results: list[ClaimResult], plots: dict[str, str | None], settings: str) -> str:
    """The whole report in Markdown."""
    lines = ["# Testing the claims about PMOs and operational excellence", "",
             "A model cannot prove a claim about real organisations. What it can show is "
             "whether the claim holds *in this model*, how large the effect is, how sure we "
             "are (paired tests over replications with common random numbers, chosen to fit "
             "the outcome's shape), what the verdict rests on (mechanisms switched off in "
             "turn), and in how many sampled organisations it holds.", "",
             settings, "", verdict_table(results), "",
             "Verdicts: *supported* when every deciding check is significant in the claimed "
             "direction; *not supported* when any is significant the other way; "
             "*inconclusive* otherwise. How each claim is tested: docs/claims.md.", ""]
    for r in results:
        lines += [section(r, plots.get(r.claim.id)), ""]
    return "\n".join(lines)


def verdict_table(results: list[ClaimResult], links: bool = True) -> str:
    """The summary table: one row per claim (also written into docs/claims.md)."""
    lines = ["| claim | verdict | replications per arm | holds in (sampled organisations) | "
             "rests on |", "|---|---|---:|---|---|"]
    for r in results:
        title = f"{r.claim.id}: {r.claim.title}"
        name = f"[{title}](#{_anchor(r)})" if links else title
        verdict = f"{r.verdict} (largely by construction)" if r.claim.construction \
            else r.verdict
        n = r.looks[-1].replications if r.looks else 0
        robust = r.robust
        share = (f"{_pct(robust.share)} of {robust.decided} [{_pct(robust.ci_low)}, "
                 f"{_pct(robust.ci_high)}]") if robust.decided else "not sampled"
        moved = r.knockouts[r.knockouts["change"].isin(["flips", "erases"])] \
            if len(r.knockouts) else r.knockouts
        rests = ", ".join(moved["mechanism"]) if len(moved) else "no single mechanism"
        lines.append(f"| {name} | {verdict} | {n} | {share} | {rests} |")
    return "\n".join(lines)


def to_html(text: str, folder: Path, title: str = "Claims report") -> str:
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
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}"
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
                     max_replications: int | None = None, samples: int | None = None,
                     knock_outs: bool = True, workers: int = 1,
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
        results = evaluate_claims(claims, replications=replications,
                                  max_replications=max_replications, samples=samples,
                                  knock_outs=knock_outs, execution=where, progress=judged)
        verdicts = pd.DataFrame([verdict_row(r) for r in results])
        checks = _stacked(results, lambda r: r.checks)
        tipping = _stacked(results, lambda r: r.tipping)
        knocked = _stacked(results, lambda r: r.knockouts)
        samples_table = _stacked(results, lambda r: r.samples)
        as_filed = "as in each claim file"
        settings = (f"Settings: replications at the first look {replications or as_filed}, "
                    f"at most {max_replications or 'four times that'}; robustness samples "
                    f"{samples if samples is not None else as_filed}; knock-outs "
                    f"{'on' if knock_outs else 'off'}; {where.describe()} (the results do not "
                    "depend on it).")
        text = report(results, plots, settings)
        outputs = {"verdicts.csv": lambda p: verdicts.to_csv(p, index=False),
                   "checks.csv": lambda p: checks.to_csv(p, index=False),
                   "tipping.csv": lambda p: tipping.to_csv(p, index=False),
                   "knockouts.csv": lambda p: knocked.to_csv(p, index=False),
                   "robustness.csv": lambda p: samples_table.to_csv(p, index=False),
                   "settings.txt": lambda p: p.write_text(settings + "\n", encoding="utf-8"),
                   "verdicts.md": lambda p: p.write_text(
                       docs_block(verdicts, checks, settings), encoding="utf-8"),
                   "report.md": lambda p: p.write_text(text, encoding="utf-8"),
                   "report.html": lambda p: p.write_text(to_html(text, folder),
                                                         encoding="utf-8")}
        for name, writer in outputs.items():
            write_atomically(folder / name, writer)
    record.finish([*outputs, *plots.values()])
    return folder, results


def verdict_row(r: ClaimResult) -> dict:
    """One claim's row of ``verdicts.csv``."""
    robust = r.robust
    ko = r.knockouts
    return {"claim": r.claim.id, "title": r.claim.title, "verdict": r.verdict,
            "by_construction": bool(r.claim.construction),
            "replications": r.looks[-1].replications if r.looks else 0,
            "looks": len(r.looks), "stopped": r.stopped, "samples": robust.samples,
            "holds": robust.holds, "fails": robust.fails, "ties": robust.ties,
            "undefined": robust.undefined, "holds_share": robust.share,
            "holds_ci_low": robust.ci_low, "holds_ci_high": robust.ci_high,
            "condition_found": robust.finding.found, "failure_condition": r.failure_condition,
            "rests_on": "; ".join(ko.loc[ko["change"].isin(["flips", "erases"]), "mechanism"])
            if len(ko) else "", "collapsed_runs": r.collapsed_runs}


def _stacked(results: list[ClaimResult], table) -> pd.DataFrame:
    frames = [table(r).assign(claim=r.claim.id) for r in results if len(table(r))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


DOCS_BEGIN = "<!-- verdicts: begin (written by pmosim claims --docs; do not edit by hand) -->"
DOCS_END = "<!-- verdicts: end -->"


def docs_block(verdicts: pd.DataFrame, checks: pd.DataFrame, settings: str) -> str:
    """The verdicts as docs/claims.md carries them, between its markers.

    Built from a claims folder's ``verdicts.csv`` and ``checks.csv`` alone, so that
    the docs can be rewritten from any earlier run (``pmosim claims --docs FILE
    --from FOLDER``) and a test can tie them to a run's output.
    """
    lines = [DOCS_BEGIN, "", settings, "",
             "| claim | verdict | replications per arm | holds in (sampled organisations) | "
             "rests on |", "|---|---|---:|---|---|"]
    for v in verdicts.itertuples():
        share = (f"{_pct(v.holds_share)} of {v.holds + v.fails} [{_pct(v.holds_ci_low)}, "
                 f"{_pct(v.holds_ci_high)}]") if v.holds + v.fails else "not sampled"
        rests = v.rests_on if isinstance(v.rests_on, str) and v.rests_on else \
            "no single mechanism"
        lines.append(f"| {v.claim}: {v.title} | {_verdict_words(v)} | {v.replications} | "
                     f"{share} | {rests} |")
    lines.append("")
    for v in verdicts.itertuples():
        rows = checks[(checks["claim"] == v.claim) & checks["decides"].astype(bool)]
        effects = "; ".join(_docs_effect(r) for r in rows.itertuples())
        condition = v.failure_condition if isinstance(v.failure_condition, str) else ""
        lines += [f"- **{v.claim}** ({_verdict_words(v)}, {v.replications} replications per arm; "
                  f"{v.stopped}): {effects}. Robustness: {v.holds} hold, {v.fails} fail, "
                  f"{v.ties} ties, {v.undefined} undefined; {condition}."]
    lines += ["", DOCS_END, ""]
    return "\n".join(lines)


def _verdict_words(row) -> str:
    """The verdict, with "largely by construction" where the claim says so."""
    return f"{row.verdict} (largely by construction)" if row.by_construction else row.verdict


def _docs_effect(row) -> str:
    measure = _docs_measure(row)
    if row.method == THRESHOLD_TEST:
        where = "" if pd.isna(row.estimate) else f" at {num(row.estimate)}"
        interval = "" if pd.isna(row.ci_low) else f" [{num(row.ci_low)}, {num(row.ci_high)}]"
        return f"{measure} {row.estimate_of}{where}{interval} ({row.verdict})"
    if row.method == "binomial test":
        return (f"{measure} reached in {row.estimate:.0%} of runs ({row.method}, "
                f"{_p(row.p_value)}, {row.verdict})")
    interval = "" if pd.isna(row.ci_low) else f" [{num(row.ci_low)}, {num(row.ci_high)}]"
    return (f"{measure} {row.b} − {row.a}: {row.estimate_of} {num(row.estimate)}"
            f"{interval} ({row.method}, {_p(row.p_value)}, {row.verdict})")


def _docs_measure(row) -> str:
    """The check's measure, with its window when it is not the summary window.

    Two checks of one measure over two windows (before and after) then read apart.
    """
    if row.window == SUMMARY_WINDOW:
        return f"`{row.measure}`"
    return f"`{row.measure}` ({row.window})"


class DocsVerdict(NamedTuple):
    """One claim's verdict as a docs page's verdicts block gives it (see :func:`docs_block`).

    Attributes
    ----------
    verdict
        The verdict cell of the claim's table row, exactly as written, e.g.
        ``supported`` or ``supported (largely by construction)``.
    bullet
        The claim's line below the table without its leading ``- ``: the verdict,
        the replications, the deciding checks' effects and the robustness counts.
    settings
        The line of settings that heads the block (the run it came from).
    """

    verdict: str
    bullet: str
    settings: str


def docs_verdicts(text: str) -> dict[str, DocsVerdict]:
    """Each claim's verdict from the verdicts block of a docs page, by claim id.

    The reader of :func:`docs_block`: ``text`` is the page (docs/claims.md). A page
    without the markers, or with nothing between them, gives an empty mapping; a
    claim with a table row but no line below it gets an empty ``bullet``.
    """
    if text.count(DOCS_BEGIN) != 1 or text.count(DOCS_END) != 1:
        return {}
    block = text.split(DOCS_BEGIN, 1)[1].split(DOCS_END, 1)[0]
    lines = [line.strip() for line in block.splitlines()]
    settings = next((line for line in lines if line and not line.startswith(("|", "- "))), "")
    bullets = {}
    for line in lines:
        found = re.match(r"- \*\*([^*]+)\*\* \(", line)
        if found:
            bullets[found.group(1)] = line[2:]
    verdicts = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if not line.startswith("| ") or ": " not in cells[0] or len(cells) < 5:
            continue
        claim = cells[0].split(": ", 1)[0]
        verdicts[claim] = DocsVerdict(cells[1], bullets.get(claim, ""), settings)
    return verdicts


def docs_block_from_folder(folder: Path) -> str:
    """:func:`docs_block` from a claims folder's tables and settings."""
    return docs_block_from_folders([folder])


def docs_block_from_folders(folders: list[Path]) -> str:
    """:func:`docs_block` from several claims folders run with the same settings.

    A claim's rows come from the last folder that has it, so that a claim re-run
    alone (after its file changed) replaces its lines and the others stay: each
    claim's runs depend only on its own file and seeds, so the block is the one a
    run of every claim together would give.

    Raises
    ------
    ValueError
        If the folders were run with different settings.
    """
    verdicts, checks, settings = {}, {}, []
    for folder in folders:
        table = pd.read_csv(folder / "verdicts.csv")
        rows = pd.read_csv(folder / "checks.csv")
        settings.append((folder / "settings.txt").read_text(encoding="utf-8").strip())
        for claim in table["claim"]:
            verdicts[claim] = table[table["claim"] == claim]
            checks[claim] = rows[rows["claim"] == claim]
    if len(set(settings)) > 1:
        raise ValueError("the folders were run with different settings: "
                         + " / ".join(dict.fromkeys(settings)))
    order = sorted(verdicts, key=natural_order)
    return docs_block(pd.concat([verdicts[c] for c in order], ignore_index=True),
                      pd.concat([checks[c] for c in order], ignore_index=True), settings[0])



def write_docs(path: Path, block: str) -> None:
    """Replace the block between the markers of ``path`` with ``block`` (atomically).

    Raises
    ------
    OutputError
        If the file does not have exactly one pair of markers.
    """
    from sim.errors import OutputError

    text = path.read_text(encoding="utf-8")
    if text.count(DOCS_BEGIN) != 1 or text.count(DOCS_END) != 1:
        raise OutputError(f"{path}: needs exactly one pair of markers {DOCS_BEGIN!r} ... "
                          f"{DOCS_END!r} where the verdict table goes")
    before, rest = text.split(DOCS_BEGIN)
    after = rest.split(DOCS_END, 1)[1]
    write_atomically(path, lambda p: p.write_text(before + block.rstrip("\n") + after,
                                                  encoding="utf-8"), replace=True)
