"""The fit report's figures: one diagnostic per direct fit, the posterior, the hold-out bands.

Each function takes what a fit returned and gives a matplotlib
:class:`~matplotlib.figure.Figure` (no pyplot state); nothing here fits, runs or
writes. Times are in working days, as in the scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.calibration.fits import Fit
from sim.calibration.holdout import band
from sim.calibration.series import LABELS, SERIES


def plain_ticks(ax) -> None:
    """Plain numbers on the y axis: no e-notation, no offset."""
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)


def outside_legend(ax) -> None:
    """A legend to the right of the panel, where it hides no data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _figure(panels: int, title: str, width: float = 5.2) -> tuple[Figure, list]:
    figure = Figure(figsize=(width * panels, 3.8), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False)[0].tolist()
    figure.suptitle(title)
    return figure, axes


def demand_figure(fit: Fit) -> Figure:
    """Daily value tickets with the mean and the trend; counts by weekday."""
    f = fit.figure
    figure, (days, weekdays) = _figure(2, "Demand: value tickets per working day")
    counts = f["counts"]
    days.plot(np.arange(len(counts)), counts, lw=0.6, color="0.5", label="data")
    days.axhline(f["mean"], color="C0", label="mean")
    days.plot(np.arange(len(counts)), f["trend"], color="C3", ls="--", label="trend fit")
    days.set_xlabel("working day")
    days.set_ylabel("tickets")
    outside_legend(days)
    names = list(dict.fromkeys(f["weekday"]))
    groups = [counts[np.asarray(f["weekday"]) == n] for n in names]
    weekdays.boxplot(groups, tick_labels=names)
    weekdays.set_ylabel("tickets")
    plain_ticks(days)
    return figure


def service_figure(fit: Fit) -> Figure:
    """QQ plots of handling times against the fitted exponential and lognormal."""
    f = fit.figure
    figure, axes = _figure(2, f"Handling time: QQ plots (chosen: {f['chosen']})")
    for ax, family in zip(axes, ("exponential", "lognormal"), strict=True):
        theory, observed = f[family], f["observed"]
        ax.scatter(theory, observed, s=6, color="C0")
        top = float(max(np.max(theory), np.max(observed)))
        ax.plot([0, top], [0, top], color="0.3", lw=0.8)
        ax.set_xlabel(f"{family} quantile (working days)")
        ax.set_ylabel("observed quantile (working days)")
        ax.set_title(family)
    return figure


def patience_figure(fit: Fit) -> Figure:
    """Kaplan-Meier survival of patience beside the exponential fit and the naive mean."""
    from sim.calibration.patience import kaplan_meier

    f = fit.figure
    figure, (ax,) = _figure(1, "Patience: share of customers still willing to wait", 7.0)
    wait, event = f["wait"], f["event"]
    upto = float(np.quantile(wait, 0.999)) if len(wait) else 1.0
    upto = max(upto, 1e-6)
    grid, survival, low, high = kaplan_meier(wait, event, upto)
    ax.step(grid, survival, where="post", label="Kaplan-Meier (censored waits)")
    ax.fill_between(grid, low, high, step="post", alpha=0.25, linewidth=0)
    if "mean" in f:
        ax.plot(grid, np.exp(-grid / f["mean"]), color="C3", ls="--",
                label=f"exponential, mean {f['mean']:.3g} days")
        ax.plot(grid, np.exp(-grid / f["naive"]), color="0.5", ls=":",
                label=f"naive: mean wait of the abandoned, {f['naive']:.3g} days")
    ax.set_xlabel("wait (working days)")
    ax.set_ylabel("survival of patience")
    ax.set_ylim(max(0.0, float(np.min(low)) - 0.02) if len(low) else 0.0, 1.005)
    outside_legend(ax)
    return figure


def defects_figure(fit: Fit) -> Figure:
    """Delays before a defect comes back, against the fitted exponential."""
    f = fit.figure
    figure, (ax,) = _figure(1, "Failure demand: delay before a reopened ticket arrives", 7.0)
    delays = f["delays"]
    ax.hist(delays, bins=40, density=True, color="0.7", label="data (came back so far)")
    grid = np.linspace(0, float(np.max(delays)), 200)
    ax.plot(grid, stats.expon.pdf(grid, scale=f["delta"]), color="C3",
            label=f"exponential, mean {f['delta']:.3g} days (censoring allowed for)")
    ax.set_xlabel("delay (working days)")
    ax.set_ylabel("density")
    outside_legend(ax)
    return figure


def attrition_figure(fit: Fit) -> Figure:
    """Kaplan-Meier of tenure (left-truncated) beside the constant hazard; vacancies."""
    from lifelines import KaplanMeierFitter

    f = fit.figure
    figure, (tenure, gaps) = _figure(2, "Attrition: tenure and vacancies")
    kmf = KaplanMeierFitter().fit(f["tenure_exit"], f["event"], entry=f["tenure_entry"])
    curve = kmf.survival_function_
    tenure.step(curve.index, curve.iloc[:, 0], where="post",
                label="Kaplan-Meier (left-truncated)")
    grid = np.linspace(0, float(curve.index.max()), 200)
    tenure.plot(grid, np.exp(-f["hazard"] * grid / 252.0), color="C3", ls="--",
                label=f"constant hazard {f['hazard']:.3f}/year")
    tenure.set_xlabel("tenure (working days)")
    tenure.set_ylabel("share still employed")
    outside_legend(tenure)
    if len(f["gaps"]) and f["filled"].any():
        fitted = KaplanMeierFitter().fit(f["gaps"], f["filled"]).survival_function_
        gaps.step(fitted.index, fitted.iloc[:, 0], where="post")
        gaps.set_xlabel("vacancy (working days)")
        gaps.set_ylabel("share of seats still empty")
    else:
        gaps.text(0.5, 0.5, "no vacancy filled", ha="center", transform=gaps.transAxes)
    return figure


def projects_figure(fit: Fit) -> Figure:
    """Log actual/planned against the censored normal; slip against the censored lognormal."""
    from lifelines import KaplanMeierFitter

    f = fit.figure
    figure, axes = _figure(2, "Projects: estimate error and slip")
    panels = ((f["logs"], f["censored"], f["mu"], f["sigma"],
               f"log actual / planned {f['basis']}"),
              (f["slips"], f["slip_censored"], f["slip_mu"], f["slip_sigma"],
               "log actual / planned duration (slip)"))
    for ax, (values, censored, mu, sigma, label) in zip(axes, panels, strict=True):
        shift = float(np.min(values)) - 1.0  # Kaplan-Meier wants positive times
        kmf = KaplanMeierFitter().fit(values - shift, ~censored)
        curve = kmf.survival_function_
        ax.step(curve.index + shift, curve.iloc[:, 0], where="post",
                label="Kaplan-Meier (running censored)")
        grid = np.linspace(float(np.min(values)) - 0.2, float(np.max(values)) + 0.5, 200)
        ax.plot(grid, stats.norm.sf(grid, mu, sigma), color="C3", ls="--",
                label=f"normal fit, σ = {sigma:.3f}")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_xlabel(label)
        ax.set_ylabel("share above")
        outside_legend(ax)
    return figure


def posterior_figure(particles: pd.DataFrame, table: pd.DataFrame) -> Figure:
    """Weighted posterior of each indirectly fitted parameter over its prior range."""
    keys = table["key"].tolist()
    figure = Figure(figsize=(12, 2.6 * ((len(keys) + 2) // 3)), layout="constrained")
    axes = figure.subplots((len(keys) + 2) // 3, 3, squeeze=False).ravel()
    figure.suptitle("Indirect fits: posterior (bars) over the prior's range (grey)")
    weights = particles["weight"].to_numpy(float)
    for ax, row in zip(axes, table.itertuples(), strict=False):
        ax.axvspan(row.prior_low, row.prior_high, color="0.92")
        ax.hist(particles[row.key], bins=15, range=(row.prior_low, row.prior_high),
                weights=weights, color="C0")
        ax.axvline(row.median, color="C3")
        ax.set_title(f"{row.key}" + ("" if row.pinned else " (not pinned down)"),
                     fontsize=9)
        ax.set_yticks([])
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    return figure


def holdout_figure(data: pd.DataFrame, simulated: dict[str, dict[str, np.ndarray]],
                   first_holdout: int) -> Figure:
    """Each monthly series: data, and each scenario's mean with its 90% predictive band."""
    names = [n for n in SERIES if not data[n].isna().all()]
    rows = (len(names) + 1) // 2
    figure = Figure(figsize=(12, 3.0 * rows), layout="constrained")
    axes = figure.subplots(rows, 2, squeeze=False).ravel()
    figure.suptitle("Monthly series: data against 90% predictive bands (hold-out shaded)")
    months = data["month"].to_numpy()
    for ax, name in zip(axes, names, strict=False):
        ax.axvspan(first_holdout - 0.5, months[-1] + 0.5, color="0.93")
        for i, (label, sims) in enumerate(simulated.items()):
            mean, low, high = band(sims[name])
            ax.fill_between(months, low, high, color=f"C{i}", alpha=0.2, linewidth=0)
            ax.plot(months, mean, color=f"C{i}", label=label)
        ax.plot(months, data[name], "ko-", ms=3, lw=1, label="data")
        ax.set_title(LABELS[name], fontsize=9)
        ax.set_xlabel("month")
        plain_ticks(ax)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if names:
        outside_legend(axes[min(1, len(names) - 1)])
    return figure


FIGURES = {"demand": demand_figure, "service": service_figure, "patience": patience_figure,
           "defects": defects_figure, "attrition": attrition_figure,
           "projects": projects_figure}
"""The diagnostic figure of each direct fit, by the fit's name."""
