"""Analyse a finished sweep: point means, sensitivity indices, readings and figures.

The input is the design (:func:`sim.studies.sweeps.design.build_design`) and the runs
table: one row per finished run with ``point``, ``replication``, ``seed``,
``run_key``, one column per parameter key path and one column per summary KPI.
Replications are first averaged per point (:func:`point_means`, Student's t
intervals). The output of design row *i* is then the mean of its point, and the
sensitivity method follows the design:

- **sobol**: Sobol indices from SALib (first-order ``S1``: the share of the
  variance a parameter explains on its own; total ``ST``: including every
  interaction it takes part in), with bootstrap confidence half-widths.
- **morris**: elementary effects from SALib. SALib sees every parameter on the
  unit interval, so ``mu_star`` is the mean absolute change of the KPI for
  moving a parameter across its whole range (extrapolated linearly from the
  Morris step), in the KPI's unit; ``sigma`` is the spread of those changes.
- **lhs**: first-order indices ``S1`` by RBD-FAST (SALib).
- **grid**: main effects: for each parameter, the mean of the point means at
  each of its levels; ``effect`` is the largest minus the smallest level mean.
- **list**: no indices; the per-point means are the result.

A KPI is left out of the indices, with the reason in ``skipped``, when a design
row has no value (a point that failed or has not run, which also warns, or a
KPI undefined there) or when it does not vary across the sweep. Warnings flag
results that are too rough to read with confidence, one warning per kind of
problem naming every KPI it concerns:

- sobol: fewer than 128 base samples (design rows / (parameters + 2)), or a
  confidence half-width of ``S1`` or ``ST`` above 0.1;
- morris: fewer than 10 trajectories, or a ``mu_star`` confidence half-width
  above half of ``mu_star`` for a parameter in the top half by ``mu_star``;
- lhs: fewer than 100 design rows;
- every design with indices: replication noise (the mean over points of the
  replication variance divided by the replications) above 20% of the variance
  of the outputs across design rows.

Nothing here runs the model or writes files: the readings are in
:mod:`sim.studies.sweeps.reading`, the figures in :mod:`sim.studies.sweeps.figures`, and
:func:`sim.studies.sweeps.analysis_folder.write_analysis` writes an analysis folder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import rbd_fast as rbd_fast_analyze
from SALib.analyze import sobol as sobol_analyze

from sim.kpis import describe
from sim.studies.sweeps.design import Design
from sim.studies.sweeps.outcomes import summarise

SOBOL_MIN_SAMPLES = 128
"""Sobol designs with fewer base samples than this get a small-sample warning."""

SOBOL_MAX_CONF = 0.1
"""Largest confidence half-width of ``S1`` or ``ST`` read without a warning."""

MORRIS_MIN_TRAJECTORIES = 10
"""Morris designs with fewer trajectories than this get a small-sample warning."""

MORRIS_MAX_CONF_SHARE = 0.5
"""Largest ``mu_star_conf / mu_star`` of an influential parameter read without a warning."""

LHS_MIN_POINTS = 100
"""Latin hypercubes with fewer design rows than this get a small-sample warning."""

NOISE_MAX_SHARE = 0.2
"""Largest ratio of replication noise to the spread of the outputs read without a warning
(Sobol designs: :data:`NEGLIGIBLE`, because the noise adds about its share to every ``ST``)."""

RBD_MAX_CONF = 0.1
"""Largest confidence half-width of an RBD-FAST ``S1`` read without a warning."""

NEGLIGIBLE = 0.05
"""Sobol ``ST`` or RBD-FAST ``S1`` below this: the parameter matters little; for Morris
``mu_star`` and grid main effects, below this share of the largest one."""

INTERACTIONS = 0.8
"""First-order indices adding up to less than this point to interactions."""

SIGMA_LARGE = 0.5
"""Morris ``sigma`` above this share of ``mu_star`` counts as large (non-linear or interacting)."""

SIGMA_SMALL = 0.1
"""Morris ``sigma`` below this share of ``mu_star``: the effect is close to linear."""

# The thresholds above are rules of thumb chosen for this project, not published cut-offs.

METHODS = {"sobol": "sobol", "morris": "morris", "lhs": "rbd-fast", "grid": "main effects",
           "list": "none"}
"""The sensitivity method of each design kind."""

INDEX_COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
    "rbd-fast": ("S1", "S1_conf"),
    "main effects": ("effect", "levels"),
    "none": (),
}
"""The index columns of each method (after ``kpi`` and ``parameter``)."""

RANKED_BY = {"sobol": "ST", "morris": "mu_star", "rbd-fast": "S1", "main effects": "effect"}
"""The column that orders parameters by importance, per method."""

STAT_COLUMNS = ("n", "mean", "ci_low", "ci_high", "std", "runs", "undefined", "collapsed")
"""The statistics of one KPI in one group (see :func:`sim.studies.sweeps.outcomes.summarise`)."""

MEAN_COLUMNS = ("kpi", *STAT_COLUMNS)
"""The statistics columns of :func:`point_means`, after ``point`` and the parameters."""

LEVEL_COLUMNS = ("kpi", "parameter", "level", "mean", "points", "value")
"""The columns of the main-effect level means of grid designs (``value``: the level itself)."""


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Sensitivity indices of a sweep's KPIs.

    Attributes
    ----------
    kind
        The design kind (``grid``, ``list``, ``lhs``, ``sobol`` or ``morris``).
    method
        ``sobol``, ``morris``, ``rbd-fast``, ``main effects`` or ``none``.
    parameters
        The varied key paths, in design order.
    kpis
        The KPIs analysed, in the order asked for.
    indices
        Tidy: ``kpi``, ``parameter`` and the method's columns (see
        :data:`INDEX_COLUMNS`); Morris ``mu``, ``mu_star`` and ``sigma`` are in
        the KPI's unit, per move across a parameter's whole range.
    levels
        Grid designs: tidy level means (``kpi, parameter, level, mean, points``);
        empty otherwise.
    means
        The per-point means (:func:`point_means`).
    warnings
        Plain-language warnings, each naming the KPI it concerns (if any).
    skipped
        KPIs left out of the indices, with the reason.
    rows
        Design rows.
    points
        Distinct points.
    samples
        Sobol base samples, Morris trajectories or LHS rows; None for grids and lists.
    level
        Confidence level of every interval.
    categorical
        Parameters whose values are choices rather than numbers (their order is
        arbitrary, so an effect has a size but no direction).
    discrete
        Parameters with whole-number or choice values: Morris treats their steps
        as continuous, so their ``mu_star`` is a rank rather than a size.
    """

    kind: str
    method: str
    parameters: tuple[str, ...]
    kpis: tuple[str, ...]
    indices: pd.DataFrame
    levels: pd.DataFrame
    means: pd.DataFrame
    warnings: tuple[str, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)
    rows: int = 0
    points: int = 0
    samples: int | None = None
    level: float = 0.95
    categorical: tuple[str, ...] = ()
    discrete: tuple[str, ...] = ()

    def for_kpi(self, kpi: str) -> pd.DataFrame:
        """Return the indices of ``kpi``, most important parameter first.

        Parameters
        ----------
        kpi
            A KPI name.

        Returns
        -------
        pandas.DataFrame
            The rows of :attr:`indices` for ``kpi`` (empty when it has none).
        """
        rows = self.indices[self.indices["kpi"] == kpi]
        key = RANKED_BY.get(self.method)
        if key is None or rows.empty:
            return rows
        return rows.sort_values(key, ascending=False, kind="stable")


def point_means(design: Design, runs: pd.DataFrame, kpis: Sequence[str],
                level: float = 0.95) -> pd.DataFrame:
    """Average each KPI over the replications of each point.

    Parameters
    ----------
    design
        The sweep's design.
    runs
        One row per finished run: ``point``, the parameter columns, one column
        per KPI (NaN where the KPI is undefined) and ``collapsed``.
    kpis
        The KPI columns to average; a KPI missing from ``runs`` has no values.
    level
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per distinct point and KPI, points in design order of first
        appearance and KPIs in the order given: ``point``, the parameter
        columns (the point's values, from the design), ``kpi``, ``n`` (finite
        values), ``mean``, ``ci_low``, ``ci_high`` (an interval within the KPI's
        range, see :mod:`sim.studies.sweeps.outcomes`), ``std``, ``runs``,
        ``undefined`` (runs without a value) and ``collapsed`` (runs that
        collapsed). Points without runs have n = 0 and NaN statistics; the
        interval is NaN when n < 2 (n < 1 for 0/1 outcomes).
    """
    kpis = tuple(kpis)
    parameters = list(design.parameters)
    first = design.table.drop_duplicates("point")[["point", *parameters]]
    grid = first.loc[first.index.repeat(len(kpis))].reset_index(drop=True)
    grid["kpi"] = list(kpis) * len(first)
    if "point" in runs.columns and len(runs):
        columns = ["point", *(k for k in kpis if k in runs.columns),
                   *(["collapsed"] if "collapsed" in runs.columns else [])]
        table = summarise(runs[list(dict.fromkeys(columns))].astype({"point": str}),
                          ["point"], kpis, level)
    else:
        table = pd.DataFrame(columns=["point", "kpi", *STAT_COLUMNS])
    grid["point"] = grid["point"].astype(str)
    out = grid.merge(table, on=["point", "kpi"], how="left")
    for column in ("n", "runs", "undefined", "collapsed"):
        out[column] = out[column].fillna(0).astype(int)
    return out[["point", *parameters, *MEAN_COLUMNS]]


def sensitivity(design: Design, runs: pd.DataFrame, kpis: Sequence[str], *,
                level: float = 0.95, seed: int = 0, num_resamples: int = 200) -> Sensitivity:
    """Compute the sensitivity of each KPI to the sweep's parameters.

    The output of design row *i* is the mean over replications of the KPI at
    that row's point; the method follows the design kind (see the module
    documentation). Morris ``mu_star`` is the KPI change for moving a parameter
    across its whole range, because SALib sees every parameter on [0, 1].

    Parameters
    ----------
    design
        The sweep's design.
    runs
        One row per finished run (see :func:`point_means`).
    kpis
        The KPIs to analyse.
    level
        Confidence level of the point intervals and of the bootstrap intervals.
    seed
        Seed of the bootstrap resampling (the same seed gives the same intervals).
    num_resamples
        Bootstrap resamples of the confidence intervals.

    Returns
    -------
    Sensitivity
        The indices, the per-point means and the warnings.
    """
    kpis = tuple(kpis)
    ran = set(runs["point"].astype(str)) if "point" in runs.columns else set()
    sens = _sensitivity(design, point_means(design, runs, kpis, level), kpis, level=level,
                        seed=seed, num_resamples=num_resamples, ran=ran)
    collapsed = int((runs["collapsed"] == 1.0).sum()) if "collapsed" in runs.columns else 0
    if collapsed:
        points = runs.loc[runs["collapsed"] == 1.0, "point"].nunique()
        note = (f"{collapsed} of {len(runs)} runs collapsed (at {points} point"
                f"{'s' if points != 1 else ''}): their backlog passed "
                "operations.backlog_limit, so they stopped early and their KPIs cover the "
                "days until then. The figures ring and hatch them, the maps give the share of "
                "runs that collapsed in each cell, and collapsed is analysed like a KPI: the "
                "share of runs that collapse")
        sens = replace(sens, warnings=(note, *sens.warnings))
    return sens


def _sensitivity(design: Design, means: pd.DataFrame, kpis: tuple[str, ...], *, level: float,
                 seed: int, num_resamples: int, ran: set[str]) -> Sensitivity:
    """Compute the indices from the per-point means (see :func:`sensitivity`)."""
    method = METHODS[design.kind]
    parameters = tuple(design.parameters)
    rows = len(design.table)
    points = int(design.table["point"].nunique())
    samples = _samples(design)
    warnings = _design_warnings(design.kind, samples)
    issues: list[tuple[str, str, Any]] = []
    noise_limit = NEGLIGIBLE if method == "sobol" else NOISE_MAX_SHARE
    frames: list[pd.DataFrame] = []
    level_frames: list[pd.DataFrame] = []
    skipped: dict[str, str] = {}
    for kpi in kpis:
        of_kpi = means[means["kpi"] == kpi]
        y = row_outputs(design, means, kpi)
        empty = of_kpi[of_kpi["mean"].isna()]
        not_run = int((~empty["point"].astype(str).isin(ran)).sum())
        if not_run:
            reason = (f"{not_run} of {points} points {'has' if not_run == 1 else 'have'} no "
                      "finished run; rerun the sweep to fill them")
        elif len(empty):
            reason = (f"undefined at {len(empty)} of {points} points (no replication gives a "
                      "value there); indices need a value at every point")
        elif method != "none" and np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
            reason = ("does not vary across the sweep (every point gives "
                      f"{number_text(float(y[0]))})")
        else:
            reason = None
        if reason is not None:
            skipped[kpi] = reason
            if not_run:  # undefined and constant KPIs are reported by the analysis
                warnings.append(f"{kpi}: {reason}")
            continue
        if method == "none":
            continue
        issues += _noise_issues(kpi, of_kpi, y, noise_limit)
        rng = np.random.default_rng(seed)
        if method == "sobol":
            table, extra = _sobol(design, kpi, y, level, num_resamples, rng)
        elif method == "morris":
            table, extra = _morris(design, kpi, y, level, num_resamples, rng)
        elif method == "rbd-fast":
            table, extra = _rbd_fast(design, kpi, y, level, num_resamples, rng)
        else:
            table, levels = _main_effects(parameters, kpi, of_kpi)
            level_frames.append(levels)
            extra = []
        if table is None:
            skipped[kpi] = extra[0][2]
            warnings.append(f"{kpi}: {extra[0][2]}")
            continue
        frames.append(table)
        issues += extra
    warnings += _merged(issues, noise_limit)
    columns = ["kpi", "parameter", *INDEX_COLUMNS[method]]
    indices = (pd.concat(frames, ignore_index=True) if frames
               else pd.DataFrame(columns=columns))
    levels = (pd.concat(level_frames, ignore_index=True) if level_frames
              else pd.DataFrame(columns=list(LEVEL_COLUMNS)))
    return Sensitivity(kind=design.kind, method=method, parameters=parameters, kpis=kpis,
                       indices=indices[columns], levels=levels, means=means,
                       warnings=tuple(warnings), skipped=skipped, rows=rows, points=points,
                       samples=samples, level=level,
                       categorical=tuple(p for p in parameters
                                         if not all(is_number(v) for v in design.table[p])),
                       discrete=tuple(p for p in parameters if not all(
                           is_number(v) and not isinstance(v, int | np.integer)
                           for v in design.table[p])))


def row_outputs(design: Design, means: pd.DataFrame, kpi: str) -> np.ndarray:
    """Return the output of each design row: the mean of ``kpi`` at the row's point.

    Parameters
    ----------
    design
        The sweep's design.
    means
        The per-point means (:func:`point_means`).
    kpi
        A KPI name.

    Returns
    -------
    numpy.ndarray
        One value per design row, in design order; NaN where the point has no value.
    """
    of_kpi = means[means["kpi"] == kpi].drop_duplicates("point").set_index("point")["mean"]
    return design.table["point"].map(of_kpi).to_numpy(dtype=float)


def _samples(design: Design) -> int | None:
    """Sobol base samples, Morris trajectories or LHS rows of ``design``."""
    rows, d = len(design.table), len(design.parameters)
    return {"sobol": rows // (d + 2), "morris": rows // (d + 1),
            "lhs": rows}.get(design.kind)


def _design_warnings(kind: str, samples: int | None) -> list[str]:
    """Warnings about the size of a sampled design."""
    if kind == "sobol" and samples < SOBOL_MIN_SAMPLES:
        return [f"the sobol design has {samples} base samples (below {SOBOL_MIN_SAMPLES}): "
                f"Sobol indices are rough; use samples: {SOBOL_MIN_SAMPLES} or more"]
    if kind == "morris" and samples < MORRIS_MIN_TRAJECTORIES:
        return [f"the morris design has {samples} trajectories (below "
                f"{MORRIS_MIN_TRAJECTORIES}): the ranking is rough; use samples: "
                f"{MORRIS_MIN_TRAJECTORIES} or more"]
    if kind == "lhs" and samples < LHS_MIN_POINTS:
        return [f"the lhs design has {samples} points (below {LHS_MIN_POINTS}): RBD-FAST "
                f"indices are rough; use samples: {LHS_MIN_POINTS} or more"]
    return []


def _noise_issues(kpi: str, of_kpi: pd.DataFrame, y: np.ndarray,
                  limit: float) -> list[tuple[str, str, Any]]:
    """Flag noise of the point means above ``limit`` of their spread, or no replications."""
    replicated = of_kpi[of_kpi["n"] >= 2]
    spread = float(np.var(y, ddof=1)) if len(y) > 1 else 0.0
    if spread <= 0:
        return []
    if replicated.empty:
        return [("one-replication", kpi, None)]
    noise = float(np.mean(replicated["std"].to_numpy(float) ** 2
                          / replicated["n"].to_numpy(float)))
    share = noise / spread
    return [("noise", kpi, share)] if share > limit else []


def _merged(issues: Sequence[tuple[str, str, Any]], noise_limit: float) -> list[str]:
    """One warning per kind of issue, naming every KPI it concerns (each said once)."""
    from sim.schema.labels import factor_label

    def named(kpi: str) -> str:
        label = describe(kpi).label
        return label if label[1:2].isupper() else label[:1].lower() + label[1:]

    by_kind: dict[str, list[tuple[str, Any]]] = {}
    for kind, kpi, payload in issues:
        by_kind.setdefault(kind, []).append((kpi, payload))
    out = []
    if "one-replication" in by_kind:
        out.append("one replication per point, so replication noise cannot be told apart "
                   "from the factors' effects: use replications: 2 or more")
    if "noise" in by_kind:
        listed = join_names([f"{named(k)} ({100 * share:.0f}%)"
                             for k, share in by_kind["noise"]])
        out.append(f"replication noise is more than {100 * noise_limit:.0f}% of the spread "
                   f"between points for {listed}; it is read as sensitivity (and as "
                   "interactions), so add replications")
    for kind, method, advice in (("sobol-wide", "Sobol", "add base samples or replications"),
                                 ("rbd-wide", "RBD-FAST", "add samples or replications")):
        if kind in by_kind:
            limit = SOBOL_MAX_CONF if kind == "sobol-wide" else RBD_MAX_CONF
            widest = max(w for _, w in by_kind[kind])
            note = ("" if kind == "sobol-wide" else
                    "; SALib resamples half the points, so they are conservative")
            out.append(f"{method} confidence intervals reach ±{widest:.2f} (above "
                       f"±{limit:g}{note}) for "
                       f"{join_names([named(k) for k, _ in by_kind[kind]])}: {advice}")
    if "morris-unsure" in by_kind:
        listed = "; ".join(
            f"{join_names([factor_label(p).lower for p in params])} on {named(k)}"
            for k, params in by_kind["morris-unsure"])
        out.append(f"mu* is uncertain (its confidence half-width is above "
                   f"{MORRIS_MAX_CONF_SHARE:.0%} of mu*) for {listed}: add trajectories or "
                   "replications")
    return out


def _frame(kpi: str, parameters: Sequence[str], result: Mapping[str, Any],
           columns: Sequence[str]) -> pd.DataFrame:
    """A tidy index table from a SALib result."""
    data = {"kpi": kpi, "parameter": list(parameters)}
    data.update({c: np.asarray(result[c], dtype=float) for c in columns})
    return pd.DataFrame(data)


def _sobol(design: Design, kpi: str, y: np.ndarray, level: float, num_resamples: int,
           rng: np.random.Generator) -> tuple[pd.DataFrame, list[tuple[str, str, Any]]]:
    """Sobol first-order and total indices, and a warning on wide intervals."""
    result = sobol_analyze.analyze(design.problem, y, calc_second_order=False,
                                   conf_level=level, num_resamples=num_resamples, seed=rng)
    table = _frame(kpi, design.parameters, result, INDEX_COLUMNS["sobol"])
    widest = float(np.nanmax(table[["S1_conf", "ST_conf"]].to_numpy()))
    return table, [("sobol-wide", kpi, widest)] if widest > SOBOL_MAX_CONF else []


def _morris(design: Design, kpi: str, y: np.ndarray, level: float, num_resamples: int,
            rng: np.random.Generator) -> tuple[pd.DataFrame, list[tuple[str, str, Any]]]:
    """Morris elementary effects, and a warning on uncertain influential parameters."""
    result = morris_analyze.analyze(design.problem, design.unit, y,
                                    num_levels=design.levels, conf_level=level,
                                    num_resamples=num_resamples, seed=rng)
    table = _frame(kpi, design.parameters, result, INDEX_COLUMNS["morris"])
    ranked = table.sort_values("mu_star", ascending=False, kind="stable")
    top = ranked.head(math.ceil(len(ranked) / 2))
    unsure = top[top["mu_star_conf"] > MORRIS_MAX_CONF_SHARE * top["mu_star"]]
    return table, [("morris-unsure", kpi, list(unsure["parameter"]))] if len(unsure) else []


def _rbd_fast(design: Design, kpi: str, y: np.ndarray, level: float, num_resamples: int,
              rng: np.random.Generator) -> tuple[pd.DataFrame | None, list[tuple[str, str, Any]]]:
    """RBD-FAST first-order indices of a Latin hypercube."""
    rows = len(y)
    # The bootstrap uses half the rows, and the estimator needs 2 M harmonics below that.
    harmonics = min(10, (rows // 2 - 1) // 2)
    if harmonics < 1:
        return None, [("too-few", kpi, f"{rows} points are too few for RBD-FAST (at least "
                                       "6); use more samples")]
    result = rbd_fast_analyze.analyze(design.problem, design.unit, y, M=harmonics,
                                      conf_level=level, num_resamples=num_resamples, seed=rng)
    table = _frame(kpi, design.parameters, result, INDEX_COLUMNS["rbd-fast"])
    widest = float(np.nanmax(table["S1_conf"].to_numpy()))
    return table, [("rbd-wide", kpi, widest)] if widest > RBD_MAX_CONF else []


def _main_effects(parameters: Sequence[str], kpi: str,
                  of_kpi: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Main effects of a grid: level means and their range, per parameter."""
    rows, levels = [], []
    for parameter in parameters:
        # Group by the exact value (its repr), so that values that print alike stay apart.
        keys = of_kpi[parameter].map(repr)
        grouped = of_kpi.groupby(keys, sort=False)["mean"]
        means, sizes = grouped.mean(), grouped.size()
        values = dict(zip(keys, of_kpi[parameter], strict=True))
        labels = {key: cell_text(value) for key, value in values.items()}
        for key, mean in means.items():
            levels.append({"kpi": kpi, "parameter": parameter, "level": labels[key],
                           "mean": float(mean), "points": int(sizes[key]),
                           "value": values[key]})
        effect = float(means.max() - means.min())
        text = "; ".join(f"{labels[k]}: {number_text(float(m))}" for k, m in means.items())
        rows.append({"kpi": kpi, "parameter": parameter, "effect": effect, "levels": text})
    return (pd.DataFrame(rows, columns=["kpi", "parameter", *INDEX_COLUMNS["main effects"]]),
            pd.DataFrame(levels, columns=list(LEVEL_COLUMNS)))




def is_number(value: Any) -> bool:
    """Whether a value is a number (booleans are not)."""
    return (isinstance(value, int | float | np.integer | np.floating)
            and not isinstance(value, bool | np.bool_))


def join_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = [str(n) for n in names]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def number_text(x: float, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, never in e-notation; n/a for NaN.

    Numbers shown without decimals get thousands separators; trailing zeros after
    the decimal point are dropped (``0.6``, ``0.0006959``, ``1,235``, ``12,345``).
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    if decimals == 0:
        return f"{x:,.0f}"
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell_text(value: Any) -> str:
    """A parameter value as short text (numbers with up to four significant digits)."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return number_text(float(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    return str(value)
