"""Write a sweep analysis into a folder: tables, figures, a Markdown report, a workbook.

:func:`write_analysis` is the only function of the analysis that writes files;
every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.kpis import describe
from sim.schema.labels import factor_label, format_value
from sim.schema.sweep import SAMPLERS
from sim.studies.folders import write_atomically, write_png, write_text
from sim.studies.sweeps.design import Design, is_missing
from sim.studies.sweeps.figures import factor_figure, indices_figure, map_figure
from sim.studies.sweeps.maps import cell_table, factor_pairs
from sim.studies.sweeps.outcomes import INTERVAL_METHODS, kpi_kind
from sim.studies.sweeps.reading import (
    amount,
    caveats,
    choice_means,
    findings,
    kpi_title,
    without_rounding_noise,
)
from sim.studies.sweeps.sensitivity import (
    INDEX_COLUMNS,
    Sensitivity,
    cell_text,
    is_number,
    number_text,
    sensitivity,
)
from sim.studies.sweeps.thresholds import (
    BIC_MARGIN,
    MIN_LEVELS,
    Threshold,
    threshold_table,
    thresholds,
    too_few_levels,
)


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
        The findings: one plain-language paragraph per KPI.
    warnings
        The caveats of the analysis, each once.
    files
        The files written, relative to ``folder``, in the order written.
    thresholds
        The threshold fits (``thresholds.csv``).
    cells
        The two-factor map cells (``cells.csv``).
    """

    folder: Path
    means: pd.DataFrame
    sensitivity: Sensitivity
    reading: tuple[str, ...]
    warnings: tuple[str, ...]
    files: tuple[str, ...]
    thresholds: tuple[Threshold, ...] = ()
    cells: pd.DataFrame | None = None


def write_analysis(folder: Path, design: Design, runs: pd.DataFrame, kpis: Sequence[str], *,
                   level: float = 0.95, seed: int = 0, title: str = "Sweep analysis",
                   xlsx: bool = False) -> Analysis:
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
        The KPIs to analyse. When runs collapsed, ``collapsed`` (the share of
        runs that collapse) is analysed too.
    level
        Confidence level of every interval.
    seed
        Seed of the bootstrap resampling.
    title
        Title of the report.
    xlsx
        Also write the tables as an Excel workbook, ``analysis.xlsx``.

    Returns
    -------
    Analysis
        The tables, the findings, the caveats and the files written:
        ``points.csv``, ``sensitivity.csv`` (when there are indices),
        ``thresholds.csv`` (when a factor has enough values), ``cells.csv``
        (with two factors or more), per KPI that varies
        ``plots/indices-<kpi>.png`` (when it has indices),
        ``plots/scatter-<kpi>.png`` and ``plots/map-<kpi>.png`` (with two
        factors or more), then ``report.md`` and ``analysis.xlsx``, each
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
    if ("collapsed" in runs.columns and runs["collapsed"].eq(1.0).any()
            and "collapsed" not in kpis):
        kpis += ("collapsed",)
    sens = sensitivity(design, runs, kpis, level=level, seed=seed)
    means = sens.means
    constant, nowhere = _flat_kpis(runs, kpis)
    varied = [k for k in kpis if k not in constant and k not in nowhere]
    numeric = [p for p in design.parameters if _numeric(design.table[p])]
    sampled = design.kind in SAMPLERS
    found: list[Threshold] = []
    too_few: dict[str, int] = {}
    cells = pd.DataFrame()
    if design.kind != "list" and len(runs):
        found = thresholds(runs, design.parameters, varied, slices=not sampled,
                           numeric=numeric, level=level)
        too_few = too_few_levels(runs, numeric)
        pairs = factor_pairs(design.parameters)
        if pairs and varied:
            cells = pd.concat([cell_table(runs, x, y, varied, level) for x, y in pairs],
                              ignore_index=True)
    choices = choice_means(means, sens.categorical) if sampled and sens.categorical else None
    lines = findings(sens, found, constant, nowhere, choices)
    notes = caveats(sens, runs, kpis, constant, too_few, sampled)
    files = ["points.csv"]
    write_atomically(folder / "points.csv", lambda p: means.to_csv(p, index=False))
    table = threshold_table(found)
    for name, frame in (("sensitivity.csv", sens.indices), ("thresholds.csv", table),
                        ("cells.csv", cells)):
        if not frame.empty:
            write_atomically(folder / name, lambda p, f=frame: f.to_csv(p, index=False))
            files.append(name)
    (folder / "plots").mkdir(exist_ok=True)
    plots: dict[str, list[str]] = {}
    for kpi in varied:
        figures = []
        if not sens.for_kpi(kpi).empty:
            figures.append((f"plots/indices-{kpi}.png", lambda k=kpi: indices_figure(sens, k)))
        figures.append((f"plots/scatter-{kpi}.png", lambda k=kpi: factor_figure(
            means, design.parameters, k, [t for t in found if t.kpi == k],
            slices=not sampled)))
        if not cells.empty:
            tables = [g for _, g in cells.groupby(["x", "y"], sort=False)]
            figures.append((f"plots/map-{kpi}.png", lambda k=kpi, t=tables: map_figure(t, k)))
        for name, draw in figures:
            write_png(folder / name, draw())
            files.append(name)
        plots[kpi] = [name for name, _ in figures]
    report = report_markdown(title, design, runs, sens, lines, plots, notes=notes,
                             found=found)
    write_text(folder / "report.md", report)
    files.append("report.md")
    if xlsx:
        from sim.studies.workbook import write_workbook

        write_workbook(folder / "analysis.xlsx",
                       analysis_sheets(design, runs, sens, table, cells, kpis))
        files.append("analysis.xlsx")
    return Analysis(folder=folder, means=means, sensitivity=sens, reading=tuple(lines),
                    warnings=tuple(notes), files=tuple(files), thresholds=tuple(found),
                    cells=cells)


def _numeric(values: pd.Series) -> bool:
    shown = [v for v in values if not is_missing(v)]
    return bool(shown) and all(is_number(v) for v in shown)


def _flat_kpis(runs: pd.DataFrame, kpis: Sequence[str]) -> tuple[dict[str, float], list[str]]:
    """KPIs with one value in every run (and that value), and KPIs with no value at all."""
    constant: dict[str, float] = {}
    nowhere: list[str] = []
    for kpi in kpis:
        if kpi not in runs.columns:
            continue
        values = runs[kpi].to_numpy(dtype=float)
        if len(values) and np.isnan(values).all():
            nowhere.append(kpi)
        elif len(values) and not np.isnan(values).any():
            if np.ptp(values) <= 1e-12 * max(1.0, float(np.abs(values).max())):
                constant[kpi] = float(values[0])
    return constant, nowhere


def analysis_sheets(design: Design, runs: pd.DataFrame, sens: Sensitivity,
                    found: pd.DataFrame, cells: pd.DataFrame, kpis: Sequence[str]):
    """The sheets of ``analysis.xlsx``: runs, point means, indices, thresholds and cells."""
    from sim.studies.workbook import kpi_units, with_unit_column

    factors = {p: factor_label(p).unit for p in design.parameters}
    sheets = {"points": (with_unit_column(sens.means), factors)}
    if not sens.indices.empty:
        sheets["sensitivity"] = (with_unit_column(sens.indices), {})
    if not found.empty:
        sheets["thresholds"] = (with_unit_column(found.assign(
            factor_unit=[factor_label(f).unit for f in found["factor"]]),
            name="kpi_unit"), {})
    if not cells.empty:
        sheets["cells"] = (with_unit_column(cells), {})
    identity = [c for c in ("run_key", "point", "replication", "seed") if c in runs.columns]
    columns = identity + [p for p in design.parameters if p in runs.columns] + [
        k for k in kpis if k in runs.columns] + (
        ["collapsed_day"] if "collapsed_day" in runs.columns else [])
    sheets["runs"] = (runs[list(dict.fromkeys(columns))], {**factors, **kpi_units(columns)})
    return sheets


ABOUT = {
    "sobol": "Sobol indices (SALib): S1 is the share of the variance across the sweep a "
             "factor explains on its own, ST the share including its interactions; ± is "
             "the bootstrap half-width",
    "morris": "Morris elementary effects (SALib): mu* is the mean absolute change of the KPI "
              "when a factor moves across its whole range, in the KPI's unit; mu its "
              "signed mean; sigma their spread, large relative to mu* when the factor's "
              "effect is non-linear or depends on other factors",
    "rbd-fast": "RBD-FAST first-order indices (SALib): S1 is the share of the variance across "
                "the sweep a factor explains on its own; ± is the bootstrap half-width",
    "main effects": "main effects: for each factor, the mean of the point means at each "
                    "of its levels; the effect is the largest minus the smallest. Main "
                    "effects average over the other factors and do not show interactions: "
                    "the maps do",
    "none": "no sensitivity indices (a list design): compare the point means",
}
"""What each method reports, for the report."""

THRESHOLDS = (f"Thresholds: along each numeric factor with at least {MIN_LEVELS} values, a "
              "constant, a straight line, a quadratic, a segmented line with one break "
              "(hinge) and an S-shaped step are fitted to the runs by least squares (a "
              "logistic curve against a constant share for 0/1 outcomes such as collapsed); "
              "the model with the lowest BIC is chosen, and a threshold is stated only when "
              f"it is a break whose BIC is at least {BIC_MARGIN:g} below the best model "
              "without one. Its 95% interval is a profile-likelihood interval")
"""How thresholds are found, for the report."""


def report_markdown(title: str, design: Design, runs: pd.DataFrame, sens: Sensitivity,
                    lines: Sequence[str], plots: Mapping[str, Sequence[str]], *,
                    notes: Sequence[str] | None = None,
                    found: Sequence[Threshold] = ()) -> str:
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
        The findings, one paragraph per KPI.
    plots
        Per KPI, the figures written (relative paths).
    notes
        The caveats (default: the sensitivity's warnings).
    found
        The threshold fits.

    Returns
    -------
    str
        The report: the design and the runs, the findings, the caveats, the
        factors, the thresholds stated, each KPI's indices and figures, and the
        point means.
    """
    notes = list(sens.warnings if notes is None else notes)
    factors = ", ".join(factor_label(p).name for p in design.parameters)
    out = [f"# {title}", "",
           f"Design: **{design.kind}**, {len(design.parameters)} factors ({factors}), "
           f"{sens.rows} design rows, {sens.points} distinct points"
           + (f", {sens.samples} {_SAMPLES[design.kind]}" if sens.samples is not None else "")
           + ".", "", _runs_line(runs, sens.points), "", "## Findings", ""]
    for line in lines:
        out += [line, ""]
    out += ["## Caveats", ""]
    out += [f"- {w[:1].upper()}{w[1:]}" + ("" if w.endswith(".") else ".")
            for w in notes] or ["None."]
    intervals = "; ".join(f"{v} for {k} KPIs" for k, v in INTERVAL_METHODS.items())
    out += ["", "## Method", "",
            f"Sensitivity: {ABOUT[sens.method]}. {THRESHOLDS}. Intervals of means stay "
            f"within each KPI's range: {intervals}. Confidence level {sens.level:.0%}.", "",
            "## Factors", "", "| factor | key path | unit | values |", "|---|---|---|---|"]
    for p in design.parameters:
        label = factor_label(p)
        out.append(f"| {label.name} | `{p}` | {label.unit} | {_values(design.table[p])} |")
    stated = [t for t in found if t.stated]
    out += ["", "## Thresholds", ""]
    if stated:
        out += ["| KPI | along | where | threshold | 95% CI | model | BIC below the null |",
                "|---|---|---|---:|---|---|---:|"]
        for t in stated:
            label = factor_label(t.factor)
            where = "; ".join(f"{factor_label(k).name} = "
                              f"{format_value(factor_label(k), v)}" for k, v in t.slice.items())
            ci = (f"{'≤ ' if t.open_low else ''}{format_value(label, t.low)} to "
                  f"{'≥ ' if t.open_high else ''}{format_value(label, t.high)}")
            out.append(f"| {kpi_title(t.kpi)} | {label.name} | {where or 'all runs'} | "
                       f"{format_value(label, t.at)} | {ci} | {t.model} | "
                       f"{number_text(t.delta_bic, 3)} |")
        out += ["", "Every fit, with the chosen model and why no threshold is stated where "
                    "none is, is in `thresholds.csv`."]
    else:
        out += ["None stated" + (" (every fit is in `thresholds.csv`)." if found else ".")]
    for kpi in sens.kpis:
        out += ["", f"## {kpi_title(kpi)} (`{kpi}`)", ""]
        rows = sens.for_kpi(kpi)
        if not rows.empty:
            out += [*_index_table(sens.method, rows), ""]
        elif kpi in sens.skipped:
            out += [f"No indices: {sens.skipped[kpi]}.", ""]
        for path in plots.get(kpi, ()):
            kind = next(v for k, v in _FIGURES.items() if f"/{k}-" in path)
            out += [f"![{kpi_title(kpi)}: {kind}]({path})", ""]
        if kpi not in plots:
            out += ["Not plotted (it does not vary, or has no value).", ""]
    out += ["## Point means", "",
            f"Every point's mean, {sens.level:.0%} interval, replications, undefined values "
            "and collapsed runs per KPI are in `points.csv`"
            + ("; the indices are in `sensitivity.csv`." if not sens.indices.empty else ".")]
    if 0 < sens.points <= POINTS_SHOWN:
        out += ["", *_means_table(sens.means, design.parameters, sens.kpis)]
    return "\n".join(out).rstrip() + "\n"


_FIGURES = {"indices": "indices", "scatter": "point means along each factor",
            "map": "mean per cell of each pair of factors"}

POINTS_SHOWN = 30
"""Reports list the point means when the sweep has at most this many points."""


def _values(column: pd.Series) -> str:
    values = [v for v in dict.fromkeys(column.map(lambda v: None if is_missing(v) else v))
              if v is not None]
    if values and all(is_number(v) for v in values):
        values = sorted(values)
        if len(values) > 8:
            return (f"{number_text(values[0])} to {number_text(values[-1])} "
                    f"({len(values)} values)")
    return ", ".join(cell_text(v) for v in values)


def _means_table(means: pd.DataFrame, parameters: Sequence[str],
                 kpis: Sequence[str]) -> list[str]:
    """The point means as a Markdown table: one row per point, one column per KPI."""
    header = [factor_label(p).axis for p in parameters] + [kpi_title(k) for k in kpis]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] * len(parameters) + ["---:"] * len(kpis)) + "|"]
    for _, group in means.groupby("point", sort=False):
        first = group.iloc[0]
        cells = ["" if is_missing(first[p]) else cell_text(first[p]) for p in parameters]
        by_kpi = group.set_index("kpi")
        for kpi in kpis:
            r = by_kpi.loc[kpi]
            interval = (f" [{number_text(r['ci_low'], 3)}, {number_text(r['ci_high'], 3)}]"
                        if np.isfinite(r["ci_low"]) else "")
            collapsed = (f" ({int(r['collapsed'])}/{int(r['runs'])} collapsed)"
                         if r["collapsed"] and kpi_kind(kpi) != "binary" else "")
            cells.append(f"{number_text(r['mean'], 4)}{interval}{collapsed}")
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
    collapsed = int(runs["collapsed"].eq(1.0).sum()) if "collapsed" in runs.columns else 0
    more = f"; {collapsed} collapsed" if collapsed else ""
    return (f"Runs: {len(runs)} finished{more}; {len(per_point)} of {points} points have "
            f"results, with {each} replications each.")


def _index_table(method: str, rows: pd.DataFrame) -> list[str]:
    """The indices of one KPI as a Markdown table."""
    kpi = rows["kpi"].iloc[0]
    names = [factor_label(p).name for p in rows["parameter"]]
    if method in ("sobol", "rbd-fast"):
        header = ["factor", "S1", "± S1"] + (["ST", "± ST"] if method == "sobol" else [])
        body = [[n, *(f"{r[c]:.3f}" for c in INDEX_COLUMNS[method])]
                for n, (_, r) in zip(names, rows.iterrows(), strict=True)]
    elif method == "morris":
        unit = describe(kpi).unit
        header = ["factor", f"mu* ({unit})" if unit else "mu*", "± mu*", "mu", "sigma"]
        rows = without_rounding_noise(rows, ("mu", "mu_star", "mu_star_conf", "sigma"))
        body = [[n, *(number_text(float(r[c]), 3)
                      for c in ("mu_star", "mu_star_conf", "mu", "sigma"))]
                for n, (_, r) in zip(names, rows.iterrows(), strict=True)]
    else:
        header = ["factor", "main effect", "level means"]
        body = [[n, amount(float(r["effect"]), kpi), r["levels"]]
                for n, (_, r) in zip(names, rows.iterrows(), strict=True)]
    align = ["---"] + ["---:"] * (len(header) - 1)
    if method == "main effects":
        align[-1] = "---"
    return ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|",
            *("| " + " | ".join(str(c) for c in line) + " |" for line in body)]
