"""Figures of a sweep analysis: indices, point means along each factor, two-factor maps.

Functions return :class:`~matplotlib.figure.Figure` objects and never save or
show them, and nothing touches pyplot's global state. Factors are named by
their plain labels (:mod:`sim.schema.labels`) and KPIs by their label and unit
(:mod:`sim.kpis`); titles are never cut short (long ones wrap), and every number
on an axis or in a cell is written without e-notation.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.kpis import describe
from sim.schema.labels import factor_label
from sim.studies.sweeps.design import is_missing
from sim.studies.sweeps.outcomes import kpi_bounds, kpi_kind
from sim.studies.sweeps.reading import in_unit, kpi_title
from sim.studies.sweeps.sensitivity import Sensitivity, cell_text, is_number, number_text
from sim.studies.sweeps.thresholds import Threshold, predict

WRAP = 48
"""Characters per line of a wrapped axis label or tick label."""

MAX_SERIES = 8
"""A panel draws one series per slice of the other factors up to this many slices."""

COLLAPSE_COLOUR = "#c00000"

MAX_WRITTEN = 150
"""A map writes each cell's mean and count of collapsed runs in it when it has at most this
many cells in all; else the colour bar reads the means, the hatching marks the cells where
runs collapsed, the map of ``collapsed`` colours their share, and ``cells.csv`` has them."""

PLAIN = FuncFormatter(lambda value, _position: number_text(value, 4))
"""Tick labels in plain numbers (never e-notation, no offset)."""


def wrap(text: str, width: int = WRAP) -> str:
    """Wrap ``text`` on spaces into lines of about ``width`` characters (words stay whole)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def suptitle(fig: Figure, title: str) -> float:
    """Put ``title`` at the top of ``fig``; return the height it takes, in inches."""
    height = fig.get_size_inches()[1]
    fig.suptitle(title, y=1 - 0.12 / height, va="top")
    return 0.12 + 0.25 * (title.count("\n") + 1)


def margins(fig: Figure, *, left: float, bottom: float, top: float, right: float = 0.3,
            wspace: float = 0.3, hspace: float = 0.5) -> None:
    """Place the panels with fixed margins in inches (cheaper than a layout engine).

    Parameters
    ----------
    fig
        The figure.
    left, bottom, top, right
        Margins in inches, room for labels, wrapped titles and colour bars.
    wspace, hspace
        Space between panels, as a share of a panel's width and height.
    """
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=min(left / width, 0.45), right=1 - min(right / width, 0.3),
                        bottom=min(bottom / height, 0.4), top=1 - min(top / height, 0.4),
                        wspace=wspace, hspace=hspace)


def _plain_axes(ax, x: bool = True, y: bool = True) -> None:
    if x:
        ax.xaxis.set_major_formatter(PLAIN)
    if y:
        ax.yaxis.set_major_formatter(PLAIN)


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
        half-width; grid: the main effect. Factors are named by their labels. A
        KPI without indices gets a figure that says why.
    """
    rows = sens.for_kpi(kpi).iloc[::-1]
    fig = Figure(figsize=(8, 1.8 + 0.55 * max(len(rows), 1)))
    ax = fig.subplots()
    title = wrap(f"{kpi_title(kpi)}: {METHOD_NAMES[sens.method]}", 70)
    if rows.empty:
        why = sens.skipped.get(kpi, f"the {sens.kind} design gives no sensitivity indices")
        ax.text(0.5, 0.5, wrap(f"no indices: {why}", 60), ha="center", va="center")
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
        ax.set_xlabel(f"change of the KPI across a factor's range{in_unit(unit)}")
    elif sens.method == "rbd-fast":
        bar(0.0, "S1", "S1 (RBD-FAST): on its own", "S1_conf", h=0.6)
        ax.set_xlabel("share of the variance across the sweep")
    else:
        bar(0.0, "effect", "main effect: largest - smallest level mean", h=0.6)
        ax.set_xlabel(f"main effect{in_unit(unit)}")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, [wrap(factor_label(p).name, 40) for p in rows["parameter"]],
                  fontsize="small")
    _plain_axes(ax, y=False)
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title, fontsize="medium")
    margins(fig, left=3.0, bottom=0.75, top=0.3 + 0.25 * title.count("\n"))
    return fig


METHOD_NAMES = {"sobol": "Sobol indices", "morris": "Morris elementary effects",
                "rbd-fast": "RBD-FAST first-order indices", "main effects": "main effects",
                "none": "no indices"}


def factor_figure(means: pd.DataFrame, parameters: Sequence[str], kpi: str,
                  found: Sequence[Threshold] = (), *, slices: bool = True) -> Figure:
    """Draw the point means of one KPI along each factor, with the fits chosen by BIC.

    Parameters
    ----------
    means
        The per-point means (:func:`~sim.studies.sweeps.sensitivity.point_means`).
    parameters
        The factors, one panel each.
    kpi
        The KPI to draw.
    found
        The threshold fits of this KPI (:func:`~sim.studies.sweeps.thresholds.thresholds`).
    slices
        Whether the fits are per combination of the other factors (a grid).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per factor: each point's mean with its interval (within the
        KPI's range), one colour per combination of the other factors on a grid
        (up to :data:`MAX_SERIES`); points where runs collapsed are ringed in
        red. Where a threshold is stated, the chosen model's curve is dashed, its
        threshold is a vertical line and its interval a shaded band; in a
        sampled design the model chosen by BIC is drawn whatever it is. No
        least-squares line is drawn over a curve it does not fit.
    """
    data = means[(means["kpi"] == kpi) & means["mean"].notna()]
    parameters = list(parameters)
    columns = min(2, max(len(parameters), 1))
    rows = max(math.ceil(len(parameters) / columns), 1)
    fig = Figure(figsize=(6.2 * columns, 4.4 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, parameter in zip(axes, parameters, strict=False):
        others = [p for p in parameters if p != parameter] if slices else []
        _factor_panel(ax, data, parameter, others, kpi,
                      [t for t in found if t.factor == parameter], slices)
    for ax in axes[len(parameters):]:
        ax.set_visible(False)
    title = wrap(f"{kpi_title(kpi)}: point means along each factor", 90)
    top = suptitle(fig, title)
    entries = _shared_legend(fig, axes[:len(parameters)])
    margins(fig, left=1.0, bottom=0.95 + 0.2 * math.ceil(entries / 2), top=top + 0.35,
            wspace=0.32, hspace=0.62)
    return fig


def _shared_legend(fig: Figure, axes) -> int:
    """One legend below the panels when they have many entries; the number of its rows x 2."""
    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    # A panel's own entries (a fit chosen for it) stay with it; series shared by the
    # panels (one per value of the other factors) go below them when there are many.
    per_panel = max((len(ax.get_legend_handles_labels()[1]) for ax in axes), default=0)
    if len(seen) <= 4 or per_panel <= 3:
        for ax in axes:
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="best", fontsize="x-small")
        return 0
    for ax in axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.legend(list(seen.values()), [wrap(label, 60) for label in seen], loc="lower center",
               ncol=2, fontsize="x-small", frameon=False)
    return len(seen) + sum(label.count("\n") for label in seen)


def _factor_panel(ax, data: pd.DataFrame, parameter: str, others: list[str], kpi: str,
                  found: list[Threshold], slices: bool) -> None:
    label = factor_label(parameter)
    ax.set_xlabel(wrap(label.axis))
    ax.set_ylabel(wrap(_kpi_axis(kpi), 40))
    shown = data[~data[parameter].map(is_missing)]
    if shown.empty:
        ax.text(0.5, 0.5, "no results", ha="center", va="center", transform=ax.transAxes)
        return
    values = list(shown[parameter])
    numeric = all(is_number(v) for v in values)
    if numeric:
        x = shown[parameter].to_numpy(float)
        _plain_axes(ax)
        if all(isinstance(v, int | np.integer) for v in values):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        distinct = np.unique(x)
        if len(distinct) <= 12:
            ax.set_xticks(distinct, [number_text(v, 4) for v in distinct],
                          rotation=45 if len(distinct) > 8 else 0)
    else:
        order = list(dict.fromkeys(cell_text(v) for v in values))
        x = np.array([order.index(cell_text(v)) for v in values], dtype=float)
        ax.set_xticks(range(len(order)), [wrap(o, 16) for o in order], rotation=20,
                      ha="right")
        ax.set_xlim(-0.5, len(order) - 0.5)
        _plain_axes(ax, x=False)
    shown = shown.assign(_x=x)
    keys = (shown.groupby(others, sort=False, dropna=False).ngroup() if others
            else pd.Series(0, index=shown.index))
    groups = list(shown.groupby(keys, sort=False))
    many = len(groups) > MAX_SERIES or len(shown) > 200
    colours = [f"C{i % 10}" for i in range(len(groups))]
    span = float(np.ptp(x)) or 1.0
    for i, (colour, (_key, group)) in enumerate(zip(colours, groups, strict=True)):
        group = group.sort_values("_x")
        if not many and len(groups) > 1:  # side by side, so that intervals do not overlap
            group = group.assign(_x=group["_x"] + (i - (len(groups) - 1) / 2) * 0.008 * span)
        mean = group["mean"].to_numpy(float)
        yerr = np.nan_to_num(np.vstack([mean - group["ci_low"].to_numpy(float),
                                        group["ci_high"].to_numpy(float) - mean]), nan=0.0)
        name = _slice_name(group.iloc[0], others)
        if many and len(group) > 1 and len(shown) <= 200:  # a fan of thin lines
            ax.plot(group["_x"], mean, "o-", color="C0", markersize=2.5, linewidth=0.6,
                    alpha=0.45)
        elif many:
            ax.plot(group["_x"], mean, "o", color="C0", markersize=2.5, alpha=0.35)
        else:
            # Intervals of a 0/1 outcome from a few runs span most of the axis: with
            # several series they would hide the curves (they are in points.csv).
            bars = not (kpi_kind(kpi) == "binary" and len(groups) > 2)
            ax.errorbar(group["_x"], mean, yerr=np.maximum(yerr, 0.0) if bars else None,
                        fmt="o-", color=colour, markersize=3.5, linewidth=0.8,
                        elinewidth=0.8, capsize=2, alpha=0.9 if len(groups) > 3 else 1.0,
                        label=name or ("point mean and interval" if bars else "point mean"))
        _mark_collapsed(ax, group)
        if numeric:
            where = {p: group.iloc[0][p] for p in others}
            for t in found:
                if dict(t.slice) == where or (not slices and not t.slice):
                    _draw_fit(ax, t, group["_x"].to_numpy(float), "black" if many else colour,
                              always=not slices, where=name if many else "",
                              series=len(groups))
    if many and slices and len(groups) > MAX_SERIES:
        ax.set_title(f"one line per combination of the other factors ({len(groups)})",
                     fontsize="small")



def _slice_name(row: pd.Series, others: list[str]) -> str:
    from sim.schema.labels import format_value

    return ", ".join(f"{factor_label(p).name}: {format_value(factor_label(p), row[p])}"
                     for p in others)


def _mark_collapsed(ax, group: pd.DataFrame) -> None:
    """Ring in red the points where runs collapsed (bigger when more of them did)."""
    hit = group[group["collapsed"] > 0]
    if hit.empty:
        return
    share = hit["collapsed"].to_numpy(float) / np.maximum(hit["runs"].to_numpy(float), 1)
    labelled = "runs collapsed here" in ax.get_legend_handles_labels()[1]
    ax.scatter(hit["_x"], hit["mean"], s=30 + 120 * share, facecolors="none",
               edgecolors=COLLAPSE_COLOUR, linewidths=1.2, zorder=4,
               label=None if labelled else "runs collapsed here")


def _draw_fit(ax, t: Threshold, x: np.ndarray, colour: str, always: bool,
              where: str = "", series: int = 1) -> None:
    """The chosen model's curve; for a stated threshold, its line and interval band."""
    if not t.fit or (not t.stated and not always):
        return
    xs = np.linspace(float(np.min(x)), float(np.max(x)), 200)
    name = t.model if t.model != "curve" else "quadratic"
    label = (f"{name} fit (chosen by BIC)" if always
             else f"{name} fit and threshold, {where}" if where else None)
    ax.plot(xs, predict(t.fit, xs), "--", color=colour, linewidth=1.4, zorder=3,
            label=wrap(label, 40) if label else None)
    if t.stated:
        ax.axvline(t.at, color=colour, linewidth=1.0, linestyle=":")
        ax.axvspan(t.low, t.high, color=colour, alpha=0.12 if series <= 3 else 0.06,
                   linewidth=0)


def _kpi_axis(kpi: str) -> str:
    meta = describe(kpi)
    return f"{meta.label} ({meta.unit})" if meta.unit else meta.label


def map_figure(tables: Sequence[pd.DataFrame], kpi: str) -> Figure:
    """Draw one KPI's mean per cell of every pair of factors, one panel per pair.

    Parameters
    ----------
    tables
        One cell table per pair (:func:`~sim.studies.sweeps.maps.cell_table`).
    kpi
        The KPI to draw.

    Returns
    -------
    matplotlib.figure.Figure
        A heat map per pair on one colour scale: each cell's colour is the mean
        (grey: no runs, or no run with a value); a cell where runs collapsed is
        hatched. When the map has at most :data:`MAX_WRITTEN` cells, each cell
        also says its mean and how many of its runs collapsed (``2/3 collapsed``).
    """
    tables = [t[t["kpi"] == kpi] for t in tables]
    columns = min(2, max(len(tables), 1))
    rows = max(math.ceil(len(tables) / columns), 1)
    widths = [max(t["x_order"].max() + 1, 1) if len(t) else 1 for t in tables]
    heights = [max(t["y_order"].max() + 1, 1) if len(t) else 1 for t in tables]
    panel_w = max(5.5, 0.75 * max(widths, default=1) + 2.5)
    panel_h = max(3.8, 0.7 * max(heights, default=1) + 2.2)
    fig = Figure(figsize=(panel_w * columns + 1.2, panel_h * rows + 0.6))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    finite = pd.concat(tables)["mean"].dropna() if tables else pd.Series(dtype=float)
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    lo_bound, hi_bound = kpi_bounds(kpi)
    if high <= low:
        low, high = low - 0.5, high + 0.5
    low, high = max(low, lo_bound), min(high, hi_bound)
    better = describe(kpi).better
    cmap = {"higher": "RdYlGn", "lower": "RdYlGn_r"}.get(better, "viridis")
    image = None
    values = sum(len(t) for t in tables) <= MAX_WRITTEN
    for ax, table in zip(axes, tables, strict=False):
        image = _map_panel(ax, table, cmap, low, high, values) or image
    for ax in axes[len(tables):]:
        ax.set_visible(False)
    title = wrap(f"{kpi_title(kpi)}: mean per cell (hatched: some runs collapsed)", 90)
    top = suptitle(fig, title)
    margins(fig, left=1.5, bottom=1.1, top=top + 0.2, right=1.6,
            wspace=0.45, hspace=0.5)
    if image is not None:
        bar = fig.colorbar(image, ax=list(axes[:len(tables)]), shrink=0.9, fraction=0.04,
                           pad=0.03)
        bar.set_label(wrap(_kpi_axis(kpi), 40))
        bar.ax.yaxis.set_major_formatter(PLAIN)
    return fig


def _map_panel(ax, table: pd.DataFrame, cmap: str, low: float, high: float,
               values: bool = True):
    if table.empty:
        ax.set_axis_off()
        return None
    x_name, y_name = table["x"].iloc[0], table["y"].iloc[0]
    nx, ny = int(table["x_order"].max()) + 1, int(table["y_order"].max()) + 1
    grid = np.full((ny, nx), np.nan)
    for r in table.itertuples():
        grid[int(r.y_order), int(r.x_order)] = r.mean
    shown = np.ma.masked_invalid(grid)
    image = ax.imshow(shown, origin="lower", cmap=cmap, vmin=low, vmax=high, aspect="auto")
    ax.set_facecolor("#d9d9d9")
    x_ticks = table.drop_duplicates("x_order").sort_values("x_order")
    y_ticks = table.drop_duplicates("y_order").sort_values("y_order")
    tilted = nx * max(len(str(c)) for c in x_ticks["x_cell"]) > 60
    ax.set_xticks(x_ticks["x_order"], [wrap(str(c), 16) for c in x_ticks["x_cell"]],
                  rotation=45 if tilted else 0, ha="right" if tilted else "center",
                  fontsize="small")
    ax.set_yticks(y_ticks["y_order"], [wrap(str(c), 16) for c in y_ticks["y_cell"]],
                  fontsize="small")
    ax.set_xlabel(wrap(factor_label(x_name).axis))
    ax.set_ylabel(wrap(factor_label(y_name).axis, 36))
    size = 8 if nx > 10 else 9
    for r in table.itertuples():
        cx, cy = int(r.x_order), int(r.y_order)
        text = number_text(r.mean, 3) if r.n else ("n/a" if r.runs else "no runs")
        if not values:
            text = "" if r.n or not r.runs else text
        if r.collapsed:
            ax.add_patch(Rectangle((cx - 0.5, cy - 0.5), 1, 1, fill=False, hatch="///",
                                   edgecolor="black", linewidth=0.0, alpha=0.35))
            text += f"\n{r.collapsed}/{r.runs}\ncollapsed" if values else ""
        if not text.strip():
            continue
        dark = r.n and _luminance(image.cmap(image.norm(r.mean))) < 0.45
        ax.text(cx, cy, text, ha="center", va="center", fontsize=size,
                color="white" if dark else "black", linespacing=0.95)
    return image


def _luminance(rgba) -> float:
    red, green, blue = rgba[:3]
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
