"""Projects: the spread of estimate errors, the slip distribution and a check of its tail.

**Estimate error.** The model estimates a project's size with a lognormal error
of spread σ (``projects.estimate_error``) and plans from the estimate; the rest of
what a project needs (rework, multitasking, stress) scales its effort by factors
that vary much less from project to project. So the log of actual over planned
effort is, up to a common shift, the estimate error: its standard deviation
estimates σ (as an upper bound: whatever else varies adds to it). When the
register has planned and actual effort for its finished projects, effort is used;
otherwise duration. A project still running (or cancelled) has only a lower bound
of its ratio (what it has taken so far): it is right-censored, not dropped. The
normal on the log ratio is fitted by maximum likelihood with that censoring
(scipy.stats), with a likelihood-ratio interval for σ. The base scenario's PMO
and starting maturity shrink the estimate error it applies (docs/model.md), so the
calibrated σ is the fitted one divided by that keep factor.

**Slip.** Slip is actual over planned duration, minus 1. Its distribution is a
Kaplan-Meier curve of the duration ratio (running projects censored) beside a
censored lognormal fit. **Tail check**: overrun data are often fat-tailed; a
Student-t on the log ratio (fitted with the same censoring) nests the normal, and
when its AIC is lower by more than 2 the report says that the lognormal does not
fit the tail. With a few dozen projects the check has little power: a pass is
weak evidence.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.calibration.fits import Estimate, Fit, profile_interval, skipped

TITLE = "Projects: estimate error and slip"
MIN_FINISHED = 5


def censored_normal(values: np.ndarray, censored: np.ndarray) -> tuple[float, float]:
    """Maximum likelihood mean and sd of a normal with right-censored values."""
    data = stats.CensoredData(uncensored=values[~censored],
                              right=values[censored] if censored.any() else None)
    mu, sigma = stats.norm.fit(data)
    return float(mu), float(sigma)


def normal_loglik(values: np.ndarray, censored: np.ndarray, mu: float, sigma: float) -> float:
    """Log-likelihood of a normal with right censoring."""
    return float(np.sum(stats.norm.logpdf(values[~censored], mu, sigma))
                 + np.sum(stats.norm.logsf(values[censored], mu, sigma)))


def sigma_interval(values: np.ndarray, censored: np.ndarray,
                   sigma: float) -> tuple[float, float]:
    """Likelihood-ratio interval of the sd, the mean profiled out."""

    def profile(s: float) -> float:
        inner = optimize.minimize_scalar(lambda m: -normal_loglik(values, censored, m, s),
                                         bounds=(values.min() - 5 * s, values.max() + 5 * s),
                                         method="bounded")
        return -float(inner.fun)

    return profile_interval(profile, sigma, sigma / 5, sigma * 5)


def tail_check(values: np.ndarray, censored: np.ndarray) -> tuple[float, float, float]:
    """AIC of the normal and of a Student-t on the log ratios, and the t's degrees of freedom."""
    mu, sigma = censored_normal(values, censored)
    aic_normal = 4 - 2 * normal_loglik(values, censored, mu, sigma)
    data = stats.CensoredData(uncensored=values[~censored],
                              right=values[censored] if censored.any() else None)
    df, loc, scale = stats.t.fit(data)
    ll_t = float(np.sum(stats.t.logpdf(values[~censored], df, loc, scale))
                 + np.sum(stats.t.logsf(values[censored], df, loc, scale)))
    return aic_normal, 6 - 2 * ll_t, float(df)


def ratios(projects: pd.DataFrame, end: float, basis: str) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """Log of actual over planned (effort or duration), whether censored, and which rows."""
    finished = ~np.isnan(projects["actual_end"].to_numpy()) & ~projects["cancelled"].to_numpy()
    if basis == "effort":
        planned = projects["planned_effort"].to_numpy(float)
        actual = projects["actual_effort"].to_numpy(float)
    else:
        start = projects["start"].to_numpy(float)
        planned = projects["planned_end"].to_numpy(float) - start
        stop = np.where(np.isnan(projects["actual_end"].to_numpy(float)), end,
                        projects["actual_end"].to_numpy(float))
        actual = stop - start
    usable = (planned > 0) & (actual > 0) & np.isfinite(planned) & np.isfinite(actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(actual / planned)
    return logs[usable], ~finished[usable], usable


def fit_projects(projects: pd.DataFrame, end: float, keep: float = 1.0) -> Fit:
    """Fit estimate error and slip to a project register in working days.

    Parameters
    ----------
    projects
        ``start``, ``planned_end``, ``actual_end``, ``planned_effort``,
        ``actual_effort``, ``cancelled``.
    end
        The end of the export (running projects are censored there).
    keep
        The keep factor of the base scenario's PMO and starting maturity on the
        estimate error.
    """
    finished = ~np.isnan(projects["actual_end"].to_numpy()) & ~projects["cancelled"].to_numpy()
    if finished.sum() < MIN_FINISHED:
        return skipped("projects", TITLE, f"only {int(finished.sum())} finished projects (at "
                                          f"least {MIN_FINISHED} are needed)")
    effort_known = projects[["planned_effort", "actual_effort"]].notna().all(axis=1).to_numpy()
    basis = "effort" if effort_known[finished].all() else "duration"
    logs, censored, usable = ratios(projects, end, basis)
    findings = []
    unused = int(len(projects) - usable.sum())
    if unused:
        findings.append(f"{unused} projects have no usable {basis} ratio (nothing planned or "
                        "spent yet, or not given) and are left out.")
    mu, sigma = censored_normal(logs, censored)
    s_low, s_high = sigma_interval(logs, censored, sigma)
    n = len(logs)
    estimates = [
        Estimate(f"spread of log actual / planned {basis}", sigma, s_low, s_high, n, "σ of log",
                 None, "censored normal maximum likelihood, likelihood-ratio interval",
                 "projects"),
        Estimate("estimate error at the base's PMO", sigma / keep, s_low / keep, s_high / keep,
                 n, "σ of log", "projects.estimate_error",
                 f"spread ÷ {keep:.3g} (the keep factor of the base's PMO and maturity)",
                 "projects"),
        Estimate(f"median actual / planned {basis}", math.exp(mu), math.nan, math.nan, n,
                 "ratio", None, "censored normal maximum likelihood", "projects"),
    ]
    findings.insert(0, f"{n} projects ({int((~censored).sum())} finished, "
                       f"{int(censored.sum())} still running or cancelled, censored): "
                       f"actual over planned {basis} has a median of {math.exp(mu):.2f} and a "
                       f"log spread σ = {sigma:.3f} (95% CI {s_low:.3f} to {s_high:.3f}).")
    slips, slip_censored, _ = ratios(projects, end, "duration")
    s_mu, s_sigma = censored_normal(slips, slip_censored)
    aic_normal, aic_t, df = tail_check(slips, slip_censored)
    finished_slip = np.exp(slips[~slip_censored]) - 1
    estimates.append(Estimate("median slip", math.exp(s_mu) - 1, math.nan, math.nan,
                              len(slips), "share of plan", None,
                              "censored lognormal of actual / planned duration", "projects"))
    findings.append(f"Slip of the finished projects: median {np.median(finished_slip):+.0%}, "
                    f"{np.mean(finished_slip > 0.10):.0%} more than 10% over plan; the "
                    f"censored lognormal's median slip is {math.exp(s_mu) - 1:+.0%}.")
    if aic_t < aic_normal - 2:
        findings.append(f"Tail check: the lognormal does not fit the tail of the slips; a "
                        f"Student-t on the log ratio with {df:.1f} degrees of freedom fits "
                        f"better (AIC {aic_t:.1f} against {aic_normal:.1f}). Large overruns are "
                        "more common than a lognormal says.")
    else:
        findings.append(f"Tail check: no sign of a fatter tail than the lognormal's (AIC: "
                        f"lognormal {aic_normal:.1f}, Student-t {aic_t:.1f}); with "
                        f"{len(slips)} projects the check has little power.")
    if keep != 1.0:
        findings.append(f"The base scenario's PMO and starting maturity keep {keep:.0%} of the "
                        "estimate error, so the calibrated σ is the fitted spread divided by "
                        "that.")
    figure = {"logs": logs, "censored": censored, "mu": mu, "sigma": sigma, "basis": basis,
              "slips": slips, "slip_censored": slip_censored, "slip_mu": s_mu,
              "slip_sigma": s_sigma}
    return Fit("projects", TITLE, estimates, findings, figure,
               {"projects.estimate_error": sigma / keep})
