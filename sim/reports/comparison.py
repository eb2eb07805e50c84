"""A comparison's folder: the table, the runs of every scenario, a figure and a report.

:func:`compare_to_folder` is what ``pmosim compare`` does: it runs the aligned
scenarios (:mod:`sim.studies.comparison`) and writes ``comparison.csv``, each
scenario's tables, an overlay plot of the key series, a short Markdown report
that lists what differs between the files and the decision brief
(:mod:`sim.reports.brief`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.reports.folder import RunRecord
from sim.reports.runs import collapsed_runs, write_tables
from sim.schema.scenario import Scenario
from sim.studies.comparison import compare
from sim.studies.executors import Execution
from sim.studies.folders import (
    new_folder,
    scenario_document,
    write_atomically,
    write_png,
    write_text,
)
from sim.studies.replications import Replications
from sim.studies.statistics import headline_rows, scenario_differences


def compare_to_folder(scenarios: list[Scenario], sources: list[str | None], *, out: Path,
                      command: list[str], workers: int = 1,
                      execution: Execution | None = None, plots: bool = True,
                      xlsx: bool = False,
                      warnings: list[dict[str, str]] | None = None
                      ) -> tuple[Path, pd.DataFrame]:
    """Compare aligned scenarios and write the comparison folder (see :func:`compare`).

    The runs execute where ``execution`` says (default: ``workers`` local processes).
    With ``xlsx``, the tables also go into an Excel workbook, ``results.xlsx``.
    ``warnings`` (what loading the files warned of, each ``{"source", "warning"}``)
    go into the manifest.
    """
    label = f"compare-{scenarios[0].name}-vs-{scenarios[1].name}"
    if len(scenarios) > 2:
        label += f"-and-{len(scenarios) - 2}-more"
    folder = new_folder(out, label)
    record = RunRecord(folder, scenarios, source=sources, command=command,
                       replications=scenarios[0].replications, warnings=warnings)
    with record.failures():
        tables, comparison = compare(scenarios, workers=workers, execution=execution,
                                     progress=True)
        merged = Replications(*(pd.concat([getattr(t, name) for t in tables],
                                          ignore_index=True)
                                for name in ("summary", "weekly", "projects", "events")))
        files = write_tables(folder, merged, xlsx=xlsx, comparison=comparison)
        write_atomically(folder / "comparison.csv",
                         lambda p: comparison.to_csv(p, index=False))
        files.append("comparison.csv")
        if plots:
            files += _overlay(folder, merged.weekly)
        report = report_markdown(scenarios, sources, comparison, with_plot=plots)
        write_atomically(folder / "report.md", lambda p: p.write_text(report, "utf-8"))
        files.append("report.md")
        if plots:
            files.append(_brief(folder, scenarios, sources, comparison, merged.weekly))
    record.finish(files, collapsed_runs(merged.summary))
    return folder, comparison


def _overlay(folder: Path, weekly: pd.DataFrame) -> list[str]:
    from sim.reports.figures import overlay_figure

    (folder / "plots").mkdir(exist_ok=True)
    figure = overlay_figure(weekly)
    write_png(folder / "plots" / "overlay.png", figure)
    return ["plots/overlay.png"]


def _brief(folder: Path, scenarios: list[Scenario], sources: list[str | None],
           comparison: pd.DataFrame, weekly: pd.DataFrame) -> str:
    from sim.reports.brief import comparison_brief

    page = comparison_brief(scenarios, sources, comparison, weekly)
    write_text(folder / "brief.html", page)
    return "brief.html"


def report_markdown(scenarios: list[Scenario], sources: list[str | None],
                    comparison: pd.DataFrame, with_plot: bool = True) -> str:
    """A short report a strategy team can paste into a deck."""
    base = scenarios[0]
    lines = [f"# {' vs '.join(s.name for s in scenarios)}", "",
             f"Each scenario ran {base.replications} replications of {base.horizon:g} "
             f"working days with root seed {base.seed}; replication *k* of every scenario "
             "used the same random numbers, so differences come from the scenarios, not "
             "from luck.", ""]
    for scenario, source in zip(scenarios, sources, strict=True):
        about = f" ({source})" if source else ""
        lines.append(f"- **{scenario.name}**{about}: {scenario.description or 'no description'}")
    base_doc = scenario_document(base)
    for scenario in scenarios[1:]:
        lines += ["", f"## {scenario.name} compared with {base.name}", "", "What differs:", ""]
        changes = scenario_differences(base_doc, scenario_document(scenario))
        lines += [f"- `{k}`: {a!r} → {b!r}" for k, a, b in changes[:20]] or ["- nothing"]
        if len(changes) > 20:
            lines.append(f"- ... and {len(changes) - 20} more keys")
        lines += ["", "| KPI | " + base.name + " | " + scenario.name
                  + " | change (95% CI) | relative | verdict |", "|---|---:|---:|---|---:|---|"]
        for r in headline_rows(comparison, scenario.name):
            ci = f" {r['ci']}" if r["ci"] else ""
            lines.append(f"| {r['kpi']} ({r['unit']}) | {r['baseline']} | {r['scenario']} | "
                         f"{r['change']}{ci} | {r['relative']} | {r['verdict']} |")
    lines += ["", "*better* / *worse*: the 95% interval of the paired difference excludes "
              "zero, in the KPI's good direction (see docs/results.md); *higher* / *lower* "
              "for KPIs with no good direction; *no clear difference*: the interval "
              "contains zero. Every KPI is in `comparison.csv`."]
    if with_plot:
        lines += ["", "![Key series, mean and 5-95% band](plots/overlay.png)"]
    return "\n".join(lines) + "\n"
