"""Patience: how long customers wait before giving up, from censored waits.

Every value-demand ticket is at risk of abandoning while it waits. A ticket that
abandoned gives its patience (its wait until it left); a ticket that started
service, or was still waiting when the export was written, only says that its
patience was longer than its wait: it is right-censored. Dropping the censored
tickets, or averaging the waits of those that abandoned, gives a patience far too
short when most tickets are served (the abandoned are the unlucky ones with short
patience); the fit uses them all.

- **Exponential maximum likelihood** (the model's patience is exponential): the
  abandonment hazard is abandonments ÷ total time at risk of all tickets, with an
  exact Poisson interval; the mean patience is its inverse.
- **Kaplan-Meier** curve of patience (lifelines), drawn beside the exponential's.
- **Constant hazard?** A Weibull fitted with the same censoring nests the
  exponential (shape 1); a likelihood-ratio test with p < 0.05 flags a hazard that
  rises (shape > 1) or falls (shape < 1) with the wait.

Without any abandonment the data give only a lower bound on the mean patience
(the total time at risk ÷ 3, the one-sided 95% "rule of three"), and the
calibrated scenario keeps the base's patience.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.calibration.fits import Estimate, Fit, poisson_rate_interval, skipped

TITLE = "Patience (abandonment)"
CURVE_POINTS = 200


def waits(created: np.ndarray, started: np.ndarray, closed: np.ndarray, abandoned: np.ndarray,
          end: float) -> np.ndarray:
    """Time each value ticket was at risk of abandoning: until served, left, or ``end``."""
    stop = np.where(~np.isnan(started), started, np.where(abandoned, closed, end))
    return np.maximum(stop - created, 0.0)


def weibull_test(wait: np.ndarray, event: np.ndarray,
                 entry: np.ndarray | None = None) -> tuple[float, float, float]:
    """Weibull shape, and the p value of the exponential against it (likelihood ratio).

    Both are fitted by lifelines with the same censoring (and left truncation at
    ``entry``, if given). Censored times of length 0 add nothing to either
    likelihood and are left out. Returns the shape, the p value and the statistic.
    """
    from lifelines import ExponentialFitter, WeibullFitter

    keep = wait > 0
    t, d = wait[keep], np.asarray(event, dtype=bool)[keep]
    e = None if entry is None else np.asarray(entry)[keep]
    weibull = WeibullFitter().fit(t, d, entry=e)
    exponential = ExponentialFitter().fit(t, d, entry=e)
    statistic = max(2.0 * (weibull.log_likelihood_ - exponential.log_likelihood_), 0.0)
    return float(weibull.rho_), float(stats.chi2.sf(statistic, 1)), statistic


def fit_patience(created: np.ndarray, started: np.ndarray, closed: np.ndarray,
                 abandoned: np.ndarray, end: float) -> Fit:
    """Fit patience to the value tickets (times in working days; ``end``: the export)."""
    abandoned = np.asarray(abandoned, dtype=bool)
    if len(created) == 0:
        return skipped("patience", TITLE, "no value tickets")
    wait = waits(created, started, closed, abandoned, end)
    events, exposure, n = int(abandoned.sum()), float(wait.sum()), len(wait)
    share = events / n
    if events == 0:
        bound = exposure / 3.0
        return Fit("patience", TITLE, [Estimate(
            "mean patience (lower bound)", math.nan, bound, math.inf, n, "working days", None,
            "rule of three on the total time at risk", "value tickets")],
            [f"No ticket abandoned among {n:,} value tickets: the mean patience is at least "
             f"{bound:.3g} working days (one-sided 95%); the calibrated scenario keeps the "
             "base's patience."], {"wait": wait, "event": abandoned})
    rate = events / exposure
    r_low, r_high = poisson_rate_interval(events, exposure)
    mean, low, high = 1.0 / rate, 1.0 / r_high, 1.0 / r_low
    naive = float(np.mean(wait[abandoned]))
    shape, p, _ = weibull_test(wait, abandoned) if events >= 5 else (math.nan, math.nan, 0.0)
    estimates = [
        Estimate("mean patience", mean, low, high, n, "working days", "operations.patience",
                 "exponential maximum likelihood: abandonments ÷ time at risk", "value tickets"),
        Estimate("share of value tickets abandoned", share, math.nan, math.nan, n, "share",
                 None, "count", "value tickets"),
        Estimate("Weibull shape (1 = constant hazard)", shape, math.nan, math.nan, n, "ratio",
                 None, "maximum likelihood with censoring", "value tickets"),
    ]
    findings = [f"{events:,} of {n:,} value tickets abandoned ({share:.2%}) over "
                f"{exposure:,.1f} working days at risk: mean patience {mean:.3g} working days "
                f"(95% CI {low:.3g} to {high:.3g}).",
                f"The mean wait of the tickets that abandoned is {naive:.3g} days: it is not "
                "the patience (the served tickets, whose patience was longer than their wait, "
                "are left out of it)."]
    if not math.isnan(p):
        if p < 0.05:
            trend = "rises" if shape > 1 else "falls"
            findings.append(f"The hazard of abandoning is not constant: it {trend} with the "
                            f"wait (Weibull shape {shape:.2f}, likelihood-ratio p = {p:.3g}). "
                            "The model's patience is exponential; its mean matches the data's "
                            "total abandonment, not the shape of the curve.")
        else:
            findings.append(f"A constant hazard fits (Weibull shape {shape:.2f}, "
                            f"likelihood-ratio p = {p:.3g}).")
    figure = {"wait": wait, "event": abandoned, "mean": mean, "naive": naive}
    return Fit("patience", TITLE, estimates, findings, figure, {"operations.patience": mean})


def kaplan_meier(wait: np.ndarray, event: np.ndarray, upto: float) -> tuple[np.ndarray,
                                                                             np.ndarray,
                                                                             np.ndarray,
                                                                             np.ndarray]:
    """Kaplan-Meier survival of patience (lifelines) on a grid up to ``upto``, with 95% band."""
    from lifelines import KaplanMeierFitter

    grid = np.linspace(0.0, upto, CURVE_POINTS)
    fitter = KaplanMeierFitter().fit(wait, event_observed=event)
    survival = fitter.survival_function_at_times(grid).to_numpy()
    band = fitter.confidence_interval_survival_function_
    low = np.interp(grid, band.index.to_numpy(), band.iloc[:, 0].to_numpy())
    high = np.interp(grid, band.index.to_numpy(), band.iloc[:, 1].to_numpy())
    return grid, survival, low, high
