"""Write a sweep analysis into a folder: tables, figures and a Markdown report.

:func:`write_analysis` is the only function of the analysis that writes files;
every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.kpis import format_number
from sim.studies.folders import write_atomically, write_png, write_text
from sim.studies.sweeps.design import Design, is_missing
from sim.studies.sweeps.figures import indices_figure, scatter_figure
from sim.studies.sweeps.reading import kpi_title, reading, without_rounding_noise
from sim.studies.sweeps.sensitivity import INDEX_COLUMNS, Sensitivity, cell_text, sensitivity


@dataclass(frozen=True, eq=False)
class Analysis:
    """What :func:`write_analysis` wrote.

    Attributes
    ----------
    folder
        The folder written into.
    means
        The per-point means (``points.csv``).
    sensitivity
        The sensitivity indices (``sensitivity.csv``).
    reading
        One plain-language paragraph per KPI.
    warnings
        The warnings of the analysis.
    files
        The files written, relative to ``folder``, in the order written.
    """

    folder: Path
    means: pd.DataFrame
    sensitivity: Sensitivity
    reading: tuple[str, ...]
    warnings: tuple[str, ...]
    files: tuple[str, ...]


def write_analysis(folder: Path, design: Design, runs: pd.DataFrame, kpis: Sequence[str], *,
                   level: float = 0.95, seed: int = 0,
                   title: str = "Sweep analysis") -> Analysis:
    """Analyse a sweep and write the tables, figures and report into ``folder``.

    Parameters
    ----------
    folder
        An existing, empty folder.
    design
        The sweep's design.
    runs
        One row per finished run (see :func:`point_means`).
    kpis
        The KPIs to analyse.
    level
        Confidence level of every interval.
    seed
        Seed of the bootstrap resampling.
    title
        Title of the report.

    Returns
    -------
    Analysis
        The tables, the reading, the warnings and the files written:
        ``points.csv``, ``sensitivity.csv`` (when there are indices),
        ``plots/indices-<kpi>.png`` (for each KPI with indices),
        ``plots/scatter-<kpi>.png`` (for each KPI) and ``report.md``, each
        written atomically.

    Raises
    ------
    FileNotFoundError
        When ``folder`` is not an existing folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder to write the analysis into")
    kpis = tuple(kpis)
    sens = sensitivity(design, runs, kpis, level=level, seed=seed)
    means = sens.means
    lines = reading(sens)
    files = ["points.csv"]
    write_atomically(folder / "points.csv", lambda p: means.to_csv(p, index=False))
    if not sens.indices.empty:
        write_atomically(folder / "sensitivity.csv",
                         lambda p: sens.indices.to_csv(p, index=False))
        files.append("sensitivity.csv")
    (folder / "plots").mkdir(exist_ok=True)
    plots: dict[str, list[str]] = {}
    for kpi in kpis:
        figures = []
        if not sens.for_kpi(kpi).empty:
            figures.append((f"plots/indices-{kpi}.png", indices_figure(sens, kpi)))
        figures.append((f"plots/scatter-{kpi}.png",
                        scatter_figure(means, design.parameters, kpi)))
        for name, figure in figures:
            write_png(folder / name, figure)
            files.append(name)
        plots[kpi] = [name for name, _ in figures]
    write_text(folder / "report.md", report_markdown(title, design, runs, sens, lines, plots))
    files.append("report.md")
    return Analysis(folder=folder, means=means, sensitivity=sens, reading=tuple(lines),
                    warnings=sens.warnings, files=tuple(files))


ABOUT = {
    "sobol": "Sobol indices (SALib): S1 is the share of the variance across the sweep a "
             "parameter explains on its own, ST the share including its interactions; ± is "
             "the bootstrap half-width",
    "morris": "Morris elementary effects (SALib): mu* is the mean absolute change of the KPI "
              "when a parameter moves across its whole range, in the KPI's unit; mu its "
              "signed mean; sigma their spread (large: interactions or non-linearity)",
    "rbd-fast": "RBD-FAST first-order indices (SALib): S1 is the share of the variance across "
                "the sweep a parameter explains on its own; ± is the bootstrap half-width",
    "main effects": "main effects: for each parameter, the mean of the point means at each "
                    "of its levels; the effect is the largest minus the smallest",
    "none": "no sensitivity indices (a list design): compare the point means",
}
"""What each method reports, for the report."""


def report_markdown(title: str, design: Design, runs: pd.DataFrame, sens: Sensitivity,
                    lines: Sequence[str], plots: Mapping[str, Sequence[str]]) -> str:
    """Return the Markdown report of a sweep analysis.

    Parameters
    ----------
    title
        The report's title.
    design
        The sweep's design.
    runs
        One row per finished run.
    sens
        The sensitivity of the sweep.
    lines
        The reading, one paragraph per KPI.
    plots
        Per KPI, the figures written (relative paths).

    Returns
    -------
    str
        The report: design and run counts, warnings, the reading, the index
        tables and links to the figures.
    """
    parameters = ", ".join(f"`{p}`" for p in design.parameters)
    out = [f"# {title}", "",
           f"Design: **{design.kind}**, {len(design.parameters)} parameters ({parameters}), "
           f"{sens.rows} design rows, {sens.points} distinct points"
           + (f", {sens.samples} {_SAMPLES[design.kind]}" if sens.samples is not None else "")
           + ".", "", _runs_line(runs, sens.points), "",
           f"Method: {ABOUT[sens.method]}. Confidence level {sens.level:.0%}.", "",
           "## Warnings", ""]
    out += [f"- {w}" for w in sens.warnings] or ["None."]
    out += ["", "## Reading", ""]
    for line in lines:
        out += [line, ""]
    for kpi in sens.kpis:
        out += [f"## {kpi_title(kpi)}", ""]
        rows = sens.for_kpi(kpi)
        if not rows.empty:
            out += [*_index_table(sens.method, rows), ""]
        elif kpi in sens.skipped:
            out += [f"No indices: {sens.skipped[kpi]}.", ""]
        for path in plots.get(kpi, ()):
            kind = "indices" if "/indices-" in path else "point means"
            out += [f"![{kpi}: {kind}]({path})", ""]
    out += ["## Point means", "",
            f"Every point's mean, {sens.level:.0%} interval and replications per KPI are in "
            "`points.csv`" + ("; the indices are in `sensitivity.csv`." if not
                              sens.indices.empty else ".")]
    if 0 < sens.points <= POINTS_SHOWN:
        out += ["", *_means_table(sens.means, design.parameters, sens.kpis)]
    return "\n".join(out).rstrip() + "\n"


POINTS_SHOWN = 30
"""Reports list the point means when the sweep has at most this many points."""


def _means_table(means: pd.DataFrame, parameters: Sequence[str],
                 kpis: Sequence[str]) -> list[str]:
    """The point means as a Markdown table: one row per point, one column per KPI."""
    header = [*parameters, *kpis]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] * len(parameters) + ["---:"] * len(kpis)) + "|"]
    for _, group in means.groupby("point", sort=False):
        first = group.iloc[0]
        cells = ["" if is_missing(first[p]) else cell_text(first[p]) for p in parameters]
        by_kpi = group.set_index("kpi")
        for kpi in kpis:
            r = by_kpi.loc[kpi]
            interval = (f" [{format_number(r['ci_low'])}, {format_number(r['ci_high'])}]"
                        if r["n"] >= 2 else "")
            cells.append(f"{format_number(r['mean'])}{interval}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


_SAMPLES = {"sobol": "base samples", "morris": "trajectories", "lhs": "samples"}


def _runs_line(runs: pd.DataFrame, points: int) -> str:
    """A sentence with the number of runs and replications per point."""
    if "point" not in runs.columns or runs.empty:
        return f"Runs: none finished; 0 of {points} points have results."
    per_point = runs.groupby("point").size()
    low, high = int(per_point.min()), int(per_point.max())
    each = f"{low}" if low == high else f"{low} to {high}"
    return (f"Runs: {len(runs)} finished; {len(per_point)} of {points} points have results, "
            f"with {each} replications each.")


def _index_table(method: str, rows: pd.DataFrame) -> list[str]:
    """The indices of one KPI as a Markdown table."""
    if method in ("sobol", "rbd-fast"):
        header = ["parameter", "S1", "± S1"] + (["ST", "± ST"] if method == "sobol" else [])
        body = [[r["parameter"], *(f"{r[c]:.3f}" for c in INDEX_COLUMNS[method])]
                for _, r in rows.iterrows()]
    elif method == "morris":
        header = ["parameter", "mu*", "± mu*", "mu", "sigma"]
        rows = without_rounding_noise(rows, ("mu", "mu_star", "mu_star_conf", "sigma"))
        body = [[r["parameter"], *(format_number(float(r[c]))
                                   for c in ("mu_star", "mu_star_conf", "mu", "sigma"))]
                for _, r in rows.iterrows()]
    else:
        header = ["parameter", "main effect", "level means"]
        body = [[r["parameter"], format_number(float(r["effect"])), r["levels"]]
                for _, r in rows.iterrows()]
    align = ["---"] + ["---:"] * (len(header) - 1)
    if method == "main effects":
        align[-1] = "---"
    return ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|",
            *("| " + " | ".join(str(c) for c in line) + " |" for line in body)]
