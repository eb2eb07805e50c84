"""Handling time: how long a ticket is in service, in working time, and its distribution.

A resolved ticket's handling time is ``closed − started`` in working days; a
ticket still in service when the export was written is right-censored at its
time in service so far; a handling time shorter than the export's resolution (one
second) is interval-censored between 0 and that resolution. Two families are
fitted by maximum likelihood with the censoring (scipy.stats): the exponential
(one parameter) and the lognormal (two).

**Criterion.** The family with the lower AIC (2 × parameters − 2 × log-likelihood)
is chosen; the exponential, the model's default and the one that makes its M/M/c
reduction exact, is kept unless the lognormal's AIC is lower by more than 2. A QQ
plot of each family shows where it departs from the data.

The model's service time is effort divided by the server's speed (skill ×
capability × stress and onboarding factors), so ``operations.service_mean`` is the
mean handling time times the base scenario's operations skill and starting
capability: a scenario that keeps those reproduces the observed times.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from sim.calibration.fits import Estimate, Fit, skipped, z_value

TITLE = "Handling time"
MIN_TICKETS = 20
QQ_POINTS = 400


def exponential_fit(x: np.ndarray, right: np.ndarray, short: int,
                    resolution: float) -> tuple[float, float]:
    """Maximum likelihood mean of an exponential, and the log-likelihood there."""

    def negative(log_mean: float) -> float:
        theta = math.exp(log_mean)
        ll = -len(x) * log_mean - (x.sum() + right.sum()) / theta
        if short:
            ll += short * math.log(-math.expm1(-resolution / theta))
        return -ll

    guess = math.log((x.sum() + right.sum() + short * resolution / 2) / (len(x) + short))
    best = optimize.minimize_scalar(negative, bracket=(guess - 0.1, guess + 0.1))
    return math.exp(best.x), -float(best.fun)


def lognormal_fit(x: np.ndarray, right: np.ndarray, short: int,
                  resolution: float) -> tuple[float, float, float]:
    """Maximum likelihood mu and sigma (of the log) of a lognormal, and the log-likelihood."""
    logs = np.log(x)
    data = stats.CensoredData(uncensored=logs, right=np.log(right) if len(right) else None,
                              left=np.full(short, math.log(resolution)) if short else None)
    mu, sigma = stats.norm.fit(data)
    ll = float(np.sum(stats.norm.logpdf(logs, mu, sigma)) - logs.sum())
    if len(right):
        ll += float(np.sum(stats.norm.logsf(np.log(right), mu, sigma)))
    if short:
        ll += short * float(stats.norm.logcdf(math.log(resolution), mu, sigma))
    return float(mu), float(sigma), ll


def fit_service(handling: np.ndarray, in_service: np.ndarray, resolution: float,
                speed: float = 1.0) -> Fit:
    """Fit handling times.

    Parameters
    ----------
    handling
        Handling times of resolved tickets (working days).
    in_service
        Time in service so far of the tickets still in service (right-censored).
    resolution
        The export's time resolution in working days: shorter handling times are
        taken as somewhere between 0 and it (0 when the times are exact).
    speed
        The base scenario's operations skill times its starting capability: the
        effort per item is the handling time times this.
    """
    handling = np.asarray(handling, dtype=float)
    if len(handling) < MIN_TICKETS:
        return skipped("service", TITLE, f"only {len(handling)} resolved tickets with a start "
                                         f"time (at least {MIN_TICKETS} are needed)")
    short_mask = handling <= resolution
    x, short = handling[~short_mask], int(short_mask.sum())
    right = np.asarray(in_service, dtype=float)
    right = right[right > resolution]
    n = len(x) + short
    theta, ll_exp = exponential_fit(x, right, short, resolution)
    mu, sigma, ll_ln = lognormal_fit(x, right, short, resolution)
    aic_exp, aic_ln = 2 - 2 * ll_exp, 4 - 2 * ll_ln
    lognormal = aic_ln < aic_exp - 2.0
    z = z_value()
    df = max(n - 1, 1)
    if lognormal:
        mean = math.exp(mu + sigma**2 / 2)
        se = math.sqrt(sigma**2 / n + sigma**4 / (2 * df))  # Cox's method, on the log scale
        low, high = mean * math.exp(-z * se), mean * math.exp(z * se)
        s_low = sigma * math.sqrt(df / stats.chi2.ppf(0.975, df))
        s_high = sigma * math.sqrt(df / stats.chi2.ppf(0.025, df))
        cv = math.sqrt(math.expm1(sigma**2))
        cv_ci = (math.sqrt(math.expm1(s_low**2)), math.sqrt(math.expm1(s_high**2)))
    else:
        mean = theta
        events = n
        total = 2 * theta * events
        low, high = total / stats.chi2.ppf(0.975, 2 * events), total / stats.chi2.ppf(
            0.025, 2 * events)
        cv, cv_ci = 1.0, (math.nan, math.nan)
    family = "lognormal" if lognormal else "exponential"
    estimates = [
        Estimate("mean handling time", mean, low, high, n, "working days", None,
                 f"{family} maximum likelihood with censoring", "resolved tickets"),
        Estimate("effort per item at the base's speed", mean * speed, low * speed,
                 high * speed, n, "person-days", "operations.service_mean",
                 f"mean handling time × {speed:g} (skill × starting capability)",
                 "resolved tickets"),
    ]
    if lognormal:
        estimates.append(Estimate("coefficient of variation", cv, *cv_ci, n, "ratio",
                                  "operations.service_cv", "lognormal sigma, chi-square interval",
                                  "resolved tickets"))
    findings = [f"{n:,} resolved tickets ({short:,} handled within the export's one-second "
                f"resolution, {len(right):,} still in service, censored). AIC: exponential "
                f"{aic_exp:,.1f}, lognormal {aic_ln:,.1f} (lognormal mean "
                f"{math.exp(mu + sigma**2 / 2):.3g} days, cv "
                f"{math.sqrt(math.expm1(sigma**2)):.2f}).",
                f"Chosen: {family} (criterion: the lognormal only if its AIC is lower by more "
                "than 2)."]
    if speed != 1.0:
        findings.append(f"The scenario's effort per item is the handling time times {speed:g}, "
                        "the base scenario's operations skill times its starting capability.")
    sets = {"operations.service": family, "operations.service_mean": mean * speed}
    if lognormal:
        sets["operations.service_cv"] = cv
    probabilities = (np.arange(QQ_POINTS) + 0.5) / QQ_POINTS
    observed = np.quantile(handling, probabilities)
    figure = {"probabilities": probabilities, "observed": observed,
              "exponential": stats.expon.ppf(probabilities, scale=theta),
              "lognormal": stats.lognorm.ppf(probabilities, sigma, scale=math.exp(mu)),
              "chosen": family}
    return Fit("service", TITLE, estimates, findings, figure, sets)
