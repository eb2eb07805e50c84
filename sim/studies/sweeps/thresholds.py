"""Thresholds: where a KPI changes regime along one factor, and how sure that is.

For each numeric factor with enough distinct values, and each KPI, the runs are
fitted along the factor (within each combination of the other factors' values
on a grid; over the whole design for sampled designs, where the other factors
act as noise). Several models compete, each by least squares (a Gaussian
likelihood) on the runs themselves, not on point means, so the replication
noise is in the likelihood:

- ``constant`` and ``line``: no change of regime (the null);
- ``curve``: a quadratic, a gradual bend without a threshold;
- ``hinge``: a continuous broken line, ``a + b x + c (x - t)+``, changing slope
  at ``t`` (a hockey stick; a segmented regression with one break);
- ``step``: a smooth step ``a + h / (1 + exp(-(x - t) / s))``, a jump between two
  levels around ``t``.

A 0/1 outcome (``collapsed``) is fitted instead by a constant share against a
logistic curve ``P(collapse) = 1 / (1 + exp(-b (x - t)))``, whose ``t`` is the
value where half of the runs collapse.

**The criterion.** The model with the lowest BIC (Schwarz 1978: the number of
parameters times ln n, minus twice the maximised log-likelihood) is chosen. A
threshold is stated only when the chosen model is ``hinge``, ``step`` or
``logistic`` *and* its BIC is at least :data:`BIC_MARGIN` below the best of the
null models (``constant`` and ``line``; the constant share for 0/1 outcomes): a
"very strong" difference on Kass and Raftery's (1995) scale. A quadratic that
fits as well as a break means the KPI bends without a threshold, and nothing is
stated. The break must lie between the second and the second-to-last distinct
value of the factor, so that each regime is seen at two values or more (for the
logistic, anywhere strictly inside the range), and not at either end of that
range, where the data do not locate it. For the logistic, the runs themselves
must cross half: fewer than half collapse on one side of ``t``, more than half
on the other.

**The interval** of ``t`` is a profile-likelihood interval: the values of ``t``
whose best fit is close enough to the best fit overall. For least squares that
is the F test of nested models with the variance estimated (Bates and Watts
1988, profile t): ``(RSS(t) - RSS(t_hat)) / (RSS(t_hat) / (n - p)) <= F(1, n - p)``
with p the model's parameters; for the logistic it is the likelihood-ratio test on
the binomial likelihood, ``2 (l_hat - l(t)) <= chi2(1)``. Where the
set reaches the end of the range the factor was varied over, the interval is
open on that side. On a coarse grid the interval cannot be narrower than the gap
between the values on each side of a jump: the data do not say where in the gap
the jump is.

The false-alarm rate of the rule (a threshold stated where the truth is a
straight line with Gaussian noise) and the coverage of the interval are measured
in ``tests/test_sweep_thresholds.py``; docs/sweeps.md quotes the figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.studies.sweeps.outcomes import kpi_kind

MIN_LEVELS = 5
"""Fewest distinct values of a factor (within a slice) to look for a threshold along it."""

BIC_MARGIN = 10.0
"""How much lower the BIC of a break must be than the null's for a threshold to be stated."""

GRID_POINTS = 121
"""Candidate break points evaluated between the ends of the allowed range."""

SCALES = 8
"""Candidate widths ``s`` of a step, from a tenth of the smallest gap between values (a jump
between two neighbouring values) to a quarter of the range (an S-shaped change over most of
it); the step rises from 12% to 88% of its height within two widths either side of ``t``."""

MAX_SLOPE_GAPS = 40.0
"""The logistic slope is capped at this many log-odds per smallest gap between values
(a step sharper than the grid can show; it keeps perfectly separated data finite)."""

MODELS = ("constant", "line", "curve", "hinge", "step")
"""The models fitted to a continuous KPI."""

NULLS = ("constant", "line")
"""The models without a change of regime."""

BREAKS = ("hinge", "step", "logistic")
"""The models whose ``t`` is a threshold."""

EDGE = "the best break lies at the end of the range it may take: not located within the sweep"
"""Why a break at the edge of its candidate range is not stated."""

COLUMNS = ("kpi", "factor", "slice", "runs", "levels", "model", "stated", "threshold",
           "ci_low", "ci_high", "open_low", "open_high", "delta_bic", "before", "after",
           "note")
"""The columns of :func:`threshold_table`."""


@dataclass(frozen=True)
class Threshold:
    """The fit of one KPI along one factor within one slice of the other factors.

    Attributes
    ----------
    kpi, factor
        The KPI and the factor it is fitted along.
    slice
        The other factors' values in this slice (empty for sampled designs).
    runs
        Runs with a value of the KPI in the slice.
    levels
        Distinct values of the factor in the slice.
    model
        The model chosen by BIC (``constant``, ``line``, ``curve``, ``hinge``,
        ``step`` or ``logistic``), or empty when nothing was fitted.
    stated
        Whether a threshold is stated (see the module documentation).
    at, low, high
        The threshold and its profile-likelihood interval (NaN when not stated).
    open_low, open_high
        Whether the interval reaches the end of the range on that side.
    delta_bic
        BIC of the best null model minus BIC of the chosen model.
    bic
        The BIC of each model fitted.
    before, after
        Hinge: the slopes below and above ``t`` (KPI units per factor unit); step:
        the levels below and above; logistic: the collapse shares at the ends of
        the range.
    fit
        The chosen model's parameters, to draw it (:func:`predict`).
    note
        Why no threshold is stated, in words (empty when one is).
    """

    kpi: str
    factor: str
    slice: Mapping[str, Any]
    runs: int
    levels: int
    model: str = ""
    stated: bool = False
    at: float = math.nan
    low: float = math.nan
    high: float = math.nan
    open_low: bool = False
    open_high: bool = False
    delta_bic: float = math.nan
    bic: Mapping[str, float] = field(default_factory=dict)
    before: float = math.nan
    after: float = math.nan
    fit: Mapping[str, float] = field(default_factory=dict)
    note: str = ""


def find_threshold(x: np.ndarray, y: np.ndarray, *, kpi: str, factor: str,
                   slice_: Mapping[str, Any] | None = None,
                   level: float = 0.95) -> Threshold:
    """Fit the models along one factor and state a threshold if the criterion allows.

    Parameters
    ----------
    x, y
        The factor's value and the KPI of each run (NaN KPIs are left out).
    kpi, factor
        Names, for the result.
    slice_
        The other factors' values of these runs.
    level
        Confidence level of the interval.

    Returns
    -------
    Threshold
        The chosen model, and the threshold with its interval when stated.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    values = np.unique(x)
    base = {"kpi": kpi, "factor": factor, "slice": dict(slice_ or {}), "runs": len(x),
            "levels": len(values)}
    if len(values) < MIN_LEVELS:
        return Threshold(**base, note=f"only {len(values)} distinct values of the factor "
                                      f"(at least {MIN_LEVELS} are needed)")
    if kpi_kind(kpi) == "binary":
        return _binary(x, y, values, base, float(stats.chi2.ppf(level, 1)))
    if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        return Threshold(**base, model="constant", note="the KPI does not vary")
    return _continuous(x, y, values, base, level)


def _bic(rss: float | np.ndarray, n: int, parameters: int) -> float | np.ndarray:
    """BIC of a least-squares fit with a Gaussian likelihood (the variance counted)."""
    rss = np.maximum(rss, 1e-300)
    return (parameters + 1) * math.log(n) + n * (np.log(2 * math.pi * rss / n) + 1)


def _continuous(x: np.ndarray, y: np.ndarray, values: np.ndarray, base: dict,
                level: float) -> Threshold:
    n = len(x)
    centre, scale = float(x.mean()), float(np.ptp(x))
    u = (x - centre) / scale  # conditioning; thresholds are mapped back
    line = np.column_stack([np.ones(n), u])
    q_line, _ = np.linalg.qr(line)
    r_y = y - q_line @ (q_line.T @ y)
    rss = {"constant": float(((y - y.mean()) ** 2).sum()), "line": float(r_y @ r_y)}
    curve = np.column_stack([line, u ** 2])
    rss["curve"] = float(_rss(curve, y))
    grid = _break_grid(values)
    g = (grid - centre) / scale
    hinge = np.maximum(u[:, None] - g[None, :], 0.0)
    r_h = hinge - q_line @ (q_line.T @ hinge)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where((r_h ** 2).sum(0) > 1e-12, (r_y @ r_h) ** 2 / (r_h ** 2).sum(0), 0.0)
    hinge_rss = np.maximum(rss["line"] - gain, 0.0)
    step_rss, step_scale = _step_profile(u, y, g, _scales(values, centre, scale))
    profiles = {"hinge": hinge_rss, "step": step_rss}
    rss["hinge"], rss["step"] = float(hinge_rss.min()), float(step_rss.min())
    params = {"constant": 1, "line": 2, "curve": 3, "hinge": 4, "step": 4}
    bic = {m: float(_bic(rss[m], n, params[m])) for m in MODELS}
    chosen = min(MODELS, key=lambda m: (bic[m], MODELS.index(m)))
    null = min(bic[m] for m in NULLS)
    delta = null - bic[chosen]
    result = {**base, "model": chosen, "bic": bic, "delta_bic": delta}
    if chosen not in BREAKS:
        what = {"curve": "it bends gradually: a quadratic fits best",
                "line": "a straight line fits best",
                "constant": "no trend"}[chosen]
        return Threshold(**result, fit=_smooth_fit(chosen, u, y, centre, scale), note=what)
    profile = profiles[chosen]
    best = int(np.argmin(profile))
    at = float(grid[best])
    floor, dof = max(profile[best], 1e-300), n - params[chosen]
    inside = (profile - floor) / (floor / dof) <= _f_quantile(level, dof)
    low, high, open_low, open_high = _interval(grid, inside, best)
    fit = (_hinge_fit(u, y, g[best], centre, scale) if chosen == "hinge"
           else _step_fit(u, y, g[best], step_scale[best], centre, scale))
    if chosen == "hinge":
        before, after = fit["b"], fit["b"] + fit["c"]
    else:
        before, after = fit["a"], fit["a"] + fit["h"]
    edge = best in (0, len(grid) - 1)
    stated = delta >= BIC_MARGIN and not edge
    note = ("" if stated else EDGE if edge else
            f"a {chosen} fits best, but its BIC is only {delta:.1f} below that of a line, and "
            f"a threshold needs {BIC_MARGIN:g}")
    return Threshold(**result, stated=stated, at=at, low=low, high=high, open_low=open_low,
                     open_high=open_high, before=before, after=after, fit=fit, note=note)


def _f_quantile(level: float, dof: int) -> float:
    return float(stats.f.ppf(level, 1, max(dof, 1)))


def _rss(design: np.ndarray, y: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return float(residual @ residual)


def _break_grid(values: np.ndarray) -> np.ndarray:
    """Candidate breaks: from the second to the second-to-last distinct value.

    With many distinct values (a sampled design), from the 5th to the 95th
    percentile of the values instead, so that each regime holds runs.
    """
    low, high = values[1], values[-2]
    if len(values) > GRID_POINTS:
        low, high = np.quantile(values, [0.05, 0.95])
        return np.linspace(low, high, GRID_POINTS)
    inner = np.linspace(low, high, GRID_POINTS)
    return np.unique(np.concatenate([inner, values[1:-1]]))


def _scales(values: np.ndarray, centre: float, scale: float) -> np.ndarray:
    """Candidate step widths, on the scaled axis."""
    gap = float(np.diff(values).min()) / scale
    return np.geomspace(gap / 10.0, max(0.25, gap), SCALES)


def _step_profile(u: np.ndarray, y: np.ndarray, g: np.ndarray,
                  widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares RSS of the best step width at each candidate break."""
    yc = y - y.mean()
    syy = float(yc @ yc)
    best = np.full(len(g), np.inf)
    which = np.zeros(len(g))
    for width in widths:
        s = _sigmoid((u[:, None] - g[None, :]) / width)
        sc = s - s.mean(0)
        sgg = (sc ** 2).sum(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rss = np.where(sgg > 1e-12, syy - (yc @ sc) ** 2 / sgg, syy)
        better = rss < best
        best = np.where(better, rss, best)
        which = np.where(better, width, which)
    return np.maximum(best, 0.0), which


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _interval(grid: np.ndarray, inside: np.ndarray, best: int) -> tuple[float, float, bool,
                                                                         bool]:
    """The connected run of accepted grid values around the best one."""
    lo = best
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    hi = best
    while hi < len(grid) - 1 and inside[hi + 1]:
        hi += 1
    return float(grid[lo]), float(grid[hi]), lo == 0, hi == len(grid) - 1


def _smooth_fit(model: str, u: np.ndarray, y: np.ndarray, centre: float,
                scale: float) -> dict[str, float]:
    degree = {"constant": 0, "line": 1, "curve": 2}[model]
    coef = np.polynomial.polynomial.polyfit(u, y, degree)
    return {"model": model, "centre": centre, "scale": scale,
            **{f"p{i}": float(c) for i, c in enumerate(coef)}}


def _hinge_fit(u: np.ndarray, y: np.ndarray, g: float, centre: float,
               scale: float) -> dict[str, float]:
    design = np.column_stack([np.ones_like(u), u, np.maximum(u - g, 0.0)])
    a, b, c = np.linalg.lstsq(design, y, rcond=None)[0]
    # Slopes per unit of the factor, and the intercept at the factor's zero.
    return {"model": "hinge", "centre": centre, "scale": scale, "t": centre + g * scale,
            "a": float(a - b * centre / scale), "b": float(b / scale), "c": float(c / scale)}


def _step_fit(u: np.ndarray, y: np.ndarray, g: float, width: float, centre: float,
              scale: float) -> dict[str, float]:
    s = _sigmoid((u - g) / width)
    design = np.column_stack([np.ones_like(u), s])
    a, h = np.linalg.lstsq(design, y, rcond=None)[0]
    return {"model": "step", "centre": centre, "scale": scale, "t": centre + g * scale,
            "s": width * scale, "a": float(a), "h": float(h)}


def _binary(x: np.ndarray, y: np.ndarray, values: np.ndarray, base: dict,
            chi2: float) -> Threshold:
    n = len(x)
    y = (y >= 0.5).astype(float)
    share = float(y.mean())
    if share in (0.0, 1.0):
        what = "no run collapses" if share == 0.0 else "every run collapses"
        return Threshold(**base, model="constant", note=what)
    constant = float((y * math.log(share) + (1 - y) * math.log(1 - share)).sum())
    gap = float(np.diff(values).min())
    cap = MAX_SLOPE_GAPS / gap
    grid = np.linspace(values[0], values[-1], 2 * GRID_POINTS + 1)
    if len(values) <= GRID_POINTS:
        grid = np.unique(np.concatenate([grid, values]))
    grid = grid[(grid > values[0]) & (grid < values[-1])]
    loglik, slopes = _logistic_profile(x, y, grid, cap)
    best = int(np.argmax(loglik))
    bic = {"constant": float(-2 * constant + 1 * math.log(n)),
           "logistic": float(-2 * loglik[best] + 2 * math.log(n))}
    chosen = min(bic, key=bic.get)
    delta = bic["constant"] - bic["logistic"]
    result = {**base, "model": chosen, "bic": bic, "delta_bic": delta}
    at, slope = float(grid[best]), float(slopes[best])
    fit = {"model": "logistic", "t": at, "b": slope}
    before, after = _logistic(values[0], fit), _logistic(values[-1], fit)
    if chosen != "logistic":
        return Threshold(**result, fit={"model": "constant", "centre": 0.0, "scale": 1.0,
                                        "p0": share},
                         note="the share of collapsed runs changes no more than chance "
                              "would")
    inside = 2 * (loglik[best] - loglik) <= chi2
    low, high, open_low, open_high = _interval(grid, inside, best)
    edge = best in (0, len(grid) - 1)
    crossed = _crosses_half(x, y, at, slope)
    stated = delta >= BIC_MARGIN and not edge and crossed
    note = ("" if stated else EDGE if edge else
            "the share of collapsed runs changes, but not from below half to above it"
            if not crossed else
            f"a logistic curve fits best, but its BIC is only {delta:.1f} below that of a "
            f"constant share, and a threshold needs {BIC_MARGIN:g}")
    return Threshold(**result, stated=stated, at=at, low=low, high=high, open_low=open_low,
                     open_high=open_high, before=before, after=after, fit=fit, note=note)


def _crosses_half(x: np.ndarray, y: np.ndarray, at: float, slope: float) -> bool:
    """Whether the runs cross half: under half collapse on one side of ``at``, over on the other."""
    below, above = y[x < at], y[x > at]
    if slope < 0:
        below, above = above, below
    return bool(len(below) and len(above) and below.mean() < 0.5 < above.mean())


def _logistic_profile(x: np.ndarray, y: np.ndarray, grid: np.ndarray,
                      cap: float) -> tuple[np.ndarray, np.ndarray]:
    """Maximised binomial log-likelihood of ``logit p = b (x - t)`` at each ``t`` of ``grid``.

    For a given ``t`` the log-likelihood is concave in ``b``; Newton's method
    runs on every ``t`` at once, with ``b`` kept within ``[-cap, cap]``.
    """
    d = x[None, :] - grid[:, None]
    b = np.zeros(len(grid))
    for _ in range(60):
        p = _sigmoid(b[:, None] * d)
        score = ((y[None, :] - p) * d).sum(1)
        information = (p * (1 - p) * d ** 2).sum(1)
        step = np.where(information > 1e-12, score / np.maximum(information, 1e-12),
                        np.sign(score) * cap)
        new = np.clip(b + step, -cap, cap)
        if np.allclose(new, b, rtol=0, atol=1e-9 * cap):
            b = new
            break
        b = new
    z = b[:, None] * d
    # log p = -log(1 + exp(-z)), log (1 - p) = -log(1 + exp(z)), written stably
    loglik = -(y[None, :] * np.logaddexp(0.0, -z) + (1 - y[None, :]) * np.logaddexp(0.0, z))
    return loglik.sum(1), b


def _logistic(x: float | np.ndarray, fit: Mapping[str, float]) -> float | np.ndarray:
    return _sigmoid(fit["b"] * (np.asarray(x, dtype=float) - fit["t"]))


def predict(fit: Mapping[str, Any], x: np.ndarray) -> np.ndarray:
    """The fitted curve of a :class:`Threshold` at ``x`` (for figures).

    Parameters
    ----------
    fit
        :attr:`Threshold.fit`.
    x
        Values of the factor.

    Returns
    -------
    numpy.ndarray
        The model's mean of the KPI at ``x``.
    """
    x = np.asarray(x, dtype=float)
    model = fit.get("model")
    if model in ("constant", "line", "curve"):
        u = (x - fit["centre"]) / fit["scale"]
        coef = [fit[k] for k in sorted(k for k in fit if k.startswith("p"))]
        return np.polynomial.polynomial.polyval(u, coef)
    if model == "hinge":
        return fit["a"] + fit["b"] * x + fit["c"] * np.maximum(x - fit["t"], 0.0)
    if model == "step":
        return fit["a"] + fit["h"] * _sigmoid((x - fit["t"]) / fit["s"])
    if model == "logistic":
        return _logistic(x, fit)
    return np.full(x.shape, np.nan)


def thresholds(runs: pd.DataFrame, parameters: Sequence[str], kpis: Sequence[str], *,
               slices: bool, numeric: Sequence[str],
               level: float = 0.95) -> list[Threshold]:
    """Look for thresholds of every KPI along every numeric factor.

    Parameters
    ----------
    runs
        One row per run: the parameter columns and the KPI columns.
    parameters
        The varied parameters.
    kpis
        The KPIs to fit.
    slices
        Fit within each combination of the other parameters' values (a grid), or
        once over all runs (a sampled design).
    numeric
        The parameters with numeric values (the others are never fitted along).
    level
        Confidence level of the intervals.

    Returns
    -------
    list of Threshold
        One per KPI, numeric factor and slice, in that order; factors with fewer
        than :data:`MIN_LEVELS` distinct values are left out (see
        :func:`too_few_levels`).
    """
    out = []
    for kpi in kpis:
        if kpi not in runs.columns:
            continue
        for factor in numeric:
            if runs[factor].nunique() < MIN_LEVELS:
                continue  # too few values for any slice: see :func:`too_few_levels`
            others = [p for p in parameters if p != factor] if slices else []
            if others:
                groups = [g for _, g in runs.groupby(others, sort=False, dropna=False)]
            else:
                groups = [runs]
            for group in groups:
                where = {p: group[p].iloc[0] for p in others}
                out.append(find_threshold(group[factor].to_numpy(float),
                                          group[kpi].to_numpy(float), kpi=kpi,
                                          factor=factor, slice_=where, level=level))
    return out


def too_few_levels(runs: pd.DataFrame, numeric: Sequence[str]) -> dict[str, int]:
    """The numeric factors with too few distinct values to look for a threshold along."""
    counts = {f: int(runs[f].nunique()) for f in numeric if f in runs.columns}
    return {f: n for f, n in counts.items() if n < MIN_LEVELS}


def threshold_table(found: Sequence[Threshold]) -> pd.DataFrame:
    """The thresholds as a table (one row per KPI, factor and slice; see :data:`COLUMNS`)."""
    rows = [{"kpi": t.kpi, "factor": t.factor,
             "slice": "; ".join(f"{k} = {v}" for k, v in t.slice.items()), "runs": t.runs,
             "levels": t.levels, "model": t.model, "stated": t.stated, "threshold": t.at,
             "ci_low": t.low, "ci_high": t.high, "open_low": t.open_low,
             "open_high": t.open_high, "delta_bic": t.delta_bic, "before": t.before,
             "after": t.after, "note": t.note} for t in found]
    return pd.DataFrame(rows, columns=list(COLUMNS))
