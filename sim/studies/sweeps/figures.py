"""Figures of a sweep analysis: indices as bars, point means against parameters.

Functions return :class:`~matplotlib.figure.Figure` objects and never save or
show them, and nothing touches pyplot's global state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.kpis import describe, format_number
from sim.studies.sweeps.design import is_missing
from sim.studies.sweeps.reading import in_unit, kpi_title
from sim.studies.sweeps.sensitivity import Sensitivity, cell_text, is_number


def indices_figure(sens: Sensitivity, kpi: str) -> Figure:
    """Draw the indices of one KPI as horizontal bars, most important at the top.

    Parameters
    ----------
    sens
        The sensitivity of a sweep.
    kpi
        The KPI to draw.

    Returns
    -------
    matplotlib.figure.Figure
        Sobol: ``S1`` and ``ST`` with their confidence half-widths; Morris:
        ``mu_star`` with its half-width, and ``sigma``; RBD-FAST: ``S1`` with its
        half-width; grid: the main effect. A KPI without indices gets a figure
        that says why.
    """
    rows = sens.for_kpi(kpi).iloc[::-1]
    fig = Figure(figsize=(7, 1.6 + 0.45 * max(len(rows), 1)))
    ax = fig.subplots()
    title = f"{kpi_title(kpi)}: {sens.method} indices"
    if rows.empty:
        why = sens.skipped.get(kpi, f"the {sens.kind} design gives no sensitivity indices")
        ax.text(0.5, 0.5, f"no indices: {why}", ha="center", va="center", wrap=True)
        ax.set_axis_off()
        ax.set_title(title, fontsize="medium")
        return fig
    y = np.arange(len(rows))
    unit = describe(kpi).unit
    height = 0.38

    def bar(offset: float, column: str, label: str, conf: str | None = None,
            h: float = height) -> None:
        xerr = rows[conf].fillna(0.0).to_numpy(float) if conf else None
        ax.barh(y + offset, rows[column].to_numpy(float), h, xerr=xerr, capsize=3, label=label)

    if sens.method == "sobol":
        bar(height / 2, "ST", "ST: total, with interactions", "ST_conf")
        bar(-height / 2, "S1", "S1: on its own", "S1_conf")
        ax.set_xlabel("share of the variance across the sweep")
    elif sens.method == "morris":
        bar(height / 2, "mu_star", "mu*: mean |change| across the range", "mu_star_conf")
        bar(-height / 2, "sigma", "sigma: spread of the changes")
        ax.set_xlabel(f"change of the KPI across a parameter's range{in_unit(unit)}")
    elif sens.method == "rbd-fast":
        bar(0.0, "S1", "S1 (RBD-FAST): on its own", "S1_conf", h=0.6)
        ax.set_xlabel("share of the variance across the sweep")
    else:
        bar(0.0, "effect", "main effect: largest - smallest level mean", h=0.6)
        ax.set_xlabel(f"main effect{in_unit(unit)}")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, list(rows["parameter"]))
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title, fontsize="medium")
    fig.tight_layout()
    return fig


def scatter_figure(means: pd.DataFrame, parameters: Sequence[str], kpi: str) -> Figure:
    """Draw the point means of one KPI against each parameter.

    Parameters
    ----------
    means
        The per-point means (:func:`point_means`).
    parameters
        The parameters to draw, one panel each.
    kpi
        The KPI to draw.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per parameter: each point's mean with its confidence interval,
        and a trend: a least-squares line for numeric parameters, the mean per
        value for categorical ones.
    """
    data = means[means["kpi"] == kpi]
    parameters = list(parameters)
    columns = min(3, max(len(parameters), 1))
    panels = max(math.ceil(len(parameters) / columns), 1)
    fig = Figure(figsize=(3.8 * columns, 3.2 * panels))
    axes = fig.subplots(panels, columns, squeeze=False).ravel()
    unit = describe(kpi).unit
    for ax, parameter in zip(axes, parameters, strict=False):
        shown = data[data["mean"].notna() & ~data[parameter].map(is_missing)]
        ax.set_xlabel(parameter)
        ax.set_ylabel(unit or kpi)
        if shown.empty:
            ax.text(0.5, 0.5, "no results", ha="center", va="center", transform=ax.transAxes)
            continue
        mean = shown["mean"].to_numpy(float)
        yerr = np.vstack([(mean - shown["ci_low"].to_numpy(float)),
                          (shown["ci_high"].to_numpy(float) - mean)])
        yerr = np.nan_to_num(yerr, nan=0.0)
        values = list(shown[parameter])
        crowded = len(values) > 200
        style = {"fmt": "o", "markersize": 2 if crowded else 3, "elinewidth": 0.8,
                 "alpha": 0.25 if crowded else 0.6, "label": "point mean and CI"}
        if all(is_number(v) for v in values):
            x = np.asarray(values, dtype=float)
            ax.errorbar(x, mean, yerr=yerr, **style)
            if len(np.unique(x)) >= 2:
                fit = stats.linregress(x, mean)
                xs = np.linspace(x.min(), x.max(), 50)
                ax.plot(xs, fit.intercept + fit.slope * xs, color="black", linewidth=1.5, zorder=3,
                        label=f"slope {format_number(float(fit.slope))}, "
                              f"r² {fit.rvalue ** 2:.2f}")
        else:
            labels = [cell_text(v) for v in values]
            order = list(dict.fromkeys(labels))
            x = np.array([order.index(label) for label in labels], dtype=float)
            ax.errorbar(x, mean, yerr=yerr, **style)
            per = pd.Series(mean).groupby(labels, sort=False).mean()
            ax.plot([order.index(label) for label in per.index], per.to_numpy(), "D-",
                    color="black", linewidth=1.5, zorder=3, label="mean per value")
            ax.set_xticks(range(len(order)), order, rotation=30, ha="right")
            ax.set_xlim(-0.5, len(order) - 0.5)
        ax.legend(loc="best", fontsize="x-small")
    for ax in axes[len(parameters):]:
        ax.set_visible(False)
    fig.suptitle(f"{kpi_title(kpi)}: point means")
    fig.tight_layout()
    return fig


