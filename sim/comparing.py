"""Compare scenarios (AS-IS against TO-BE) and write the comparison's folder.

Every scenario runs the same replications with the same root seed, so
replication *k* of each sees the same arrivals and proposals (common random
numbers). Each later scenario is compared with the first, KPI by KPI, with the
paired difference, its confidence interval, the relative change and a verdict
(:mod:`sim.results.compare`). The folder holds the table, the runs, an overlay
plot of the key series and a short Markdown report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.errors import ScenarioError
from sim.experiment import Replications, run_tasks, stack
from sim.reporting import collapsed_runs, discard_data, write_tables
from sim.results.compare import compare_summaries, headline_rows, scenario_differences
from sim.results.folder import (
    RunRecord,
    new_folder,
    scenario_document,
    write_atomically,
    write_png,
)
from sim.run import RunResult
from sim.schema import limits
from sim.schema.scenario import Scenario


def align(scenarios: list[Scenario], *, seed: int | None = None,
          replications: int | None = None) -> list[Scenario]:
    """Give every scenario the same seed and replications, and distinct names."""
    if len(scenarios) < 2:
        raise ScenarioError("compare needs at least two scenarios (AS-IS first)")
    limits.check_count("seed", seed, limits.MAX_SEED)
    limits.check_count("replications", replications, limits.MAX_REPLICATIONS, low=1)
    seed = scenarios[0].seed if seed is None else seed
    count = scenarios[0].replications if replications is None else replications
    names: list[str] = []
    out = []
    for scenario in scenarios:
        name = scenario.name
        while name in names:
            name = f"{name}-{len(names) + 1}"
        names.append(name)
        out.append(scenario.model_copy(update={"seed": seed, "replications": count,
                                               "name": name}))
    return out


def compare(scenarios: list[Scenario], *, workers: int = 1,
            progress: bool = False) -> tuple[list[Replications], pd.DataFrame]:
    """Run aligned scenarios and compare each later one with the first.

    Returns
    -------
    tuple
        The tables of each scenario and the comparison (one row per scenario and KPI).
    """
    tasks = comparison_tasks(scenarios)
    with tqdm(total=len(tasks), desc="compare", unit="run", leave=False,
              disable=not progress or None) as bar:
        results = run_tasks(tasks, workers=workers, on_result=lambda _r: bar.update())
    return compare_results(scenarios, results)


def comparison_tasks(scenarios: list[Scenario]) -> list[tuple[Scenario, int]]:
    """The ``(scenario, replication)`` runs a comparison of aligned scenarios needs."""
    return [(s, r) for s in scenarios for r in range(s.replications)]


def compare_results(scenarios: list[Scenario],
                    results: list[RunResult]) -> tuple[list[Replications], pd.DataFrame]:
    """Stack the runs of aligned scenarios and compare each later one with the first.

    Parameters
    ----------
    scenarios
        The aligned scenarios, AS-IS first.
    results
        The runs of :func:`comparison_tasks`, in any order (e.g. as worker
        processes finished them): they are put back in task order first, so the
        tables and statistics are exactly those of :func:`compare`.

    Returns
    -------
    tuple
        The tables of each scenario and the comparison (one row per scenario and KPI).
    """
    order = {s.name: i for i, s in enumerate(scenarios)}
    results = sorted(results, key=lambda r: (order[r.scenario], r.replication))
    tables = [stack([r for r in results if r.scenario == s.name]) for s in scenarios]
    rows = [compare_summaries(tables[0].summary, t.summary) for t in tables[1:]]
    return tables, pd.concat(rows, ignore_index=True)


def compare_to_folder(scenarios: list[Scenario], sources: list[str | None], *, out: Path,
                      command: list[str], workers: int = 1,
                      plots: bool = True) -> tuple[Path, pd.DataFrame]:
    """Compare aligned scenarios and write the comparison folder (see :func:`compare`)."""
    label = f"compare-{scenarios[0].name}-vs-{scenarios[1].name}"
    if len(scenarios) > 2:
        label += f"-and-{len(scenarios) - 2}-more"
    folder = new_folder(out, label)
    record = RunRecord(folder, scenarios, source=sources, command=command,
                       replications=scenarios[0].replications)
    try:
        tables, comparison = compare(scenarios, workers=workers, progress=True)
        merged = Replications(*(pd.concat([getattr(t, name) for t in tables],
                                          ignore_index=True)
                                for name in ("summary", "weekly", "projects", "events")))
        files = write_tables(folder, merged)
        write_atomically(folder / "comparison.csv",
                         lambda p: comparison.to_csv(p, index=False))
        files.append("comparison.csv")
        if plots:
            files += _overlay(folder, merged.weekly)
        report = report_markdown(scenarios, sources, comparison, with_plot=plots)
        write_atomically(folder / "report.md", lambda p: p.write_text(report, "utf-8"))
        files.append("report.md")
    except BaseException as exc:
        discard_data(folder)
        record.fail(exc)
        raise
    record.finish(files, collapsed_runs(merged.summary))
    return folder, comparison


def _overlay(folder: Path, weekly: pd.DataFrame) -> list[str]:
    from sim.plots import overlay_figure

    (folder / "plots").mkdir(exist_ok=True)
    figure = overlay_figure(weekly)
    write_png(folder / "plots" / "overlay.png", figure)
    return ["plots/overlay.png"]


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
