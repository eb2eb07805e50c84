"""Demand: value-demand tickets per working day, their spread, weekday pattern and trend.

Value demand is every ticket that does not reopen another. The model's arrivals
are a Poisson process whose rate may grow at a compound rate per year, without a
weekday pattern (its clock has no weekdays). The fit counts the tickets created
on each working day and estimates

- the mean per working day, with a Student-t interval over days (robust to extra
  spread);
- the dispersion index (variance over mean, 1 for Poisson counts), with its
  chi-square interval;
- the mean by weekday, and a Kruskal-Wallis test of equal weekdays;
- the trend: a Poisson regression of the daily count on time, log rate = a + b t
  (t in years), fitted by maximum likelihood with standard errors scaled by the
  Pearson dispersion (quasi-Poisson), so that extra spread widens the interval.

**Criterion.** When the 95% interval of the yearly growth exp(b) − 1 excludes 0, the
calibrated scenario takes the trend: ``operations.demand`` = exp(a) (the rate at the
start) and ``operations.demand_growth`` = exp(b) − 1. Otherwise it takes the mean
per day and no growth.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from sim.calibration.calendar import WEEKDAYS, WorkingCalendar
from sim.calibration.fits import Estimate, Fit, mean_interval, skipped, z_value
from sim.units import DAYS_PER_YEAR

TITLE = "Demand per working day"
MIN_DAYS = 10


def daily_counts(created: np.ndarray, days: int) -> np.ndarray:
    """Value tickets created on each working day ``0 .. days - 1``."""
    index = np.floor(created[(created >= 0) & (created < days)]).astype(np.int64)
    return np.bincount(index, minlength=days)[:days]


def poisson_trend(counts: np.ndarray) -> tuple[float, float, float, float, float]:
    """Quasi-Poisson regression of daily counts on time: a, b, se(a), se(b), dispersion.

    log rate = a + b t, t the middle of each working day in years (the model's rate
    of day d is taken at d + 0.5).
    """
    t = (np.arange(len(counts)) + 0.5) / DAYS_PER_YEAR
    x = np.column_stack([np.ones_like(t), t])

    def negative(beta):
        eta = x @ beta
        mu = np.exp(eta)
        return float(np.sum(mu - counts * eta)), x.T @ (mu - counts)

    start = np.array([math.log(max(counts.mean(), 1e-9)), 0.0])
    beta = optimize.minimize(negative, start, jac=True, method="BFGS").x
    mu = np.exp(x @ beta)
    information = (x * mu[:, None]).T @ x
    dispersion = float(np.sum((counts - mu) ** 2 / mu) / max(len(counts) - 2, 1))
    covariance = np.linalg.inv(information) * max(dispersion, 1.0)
    return (float(beta[0]), float(beta[1]), float(math.sqrt(covariance[0, 0])),
            float(math.sqrt(covariance[1, 1])), dispersion)


def fit_demand(created: np.ndarray, days: int, calendar: WorkingCalendar) -> Fit:
    """Fit demand to the creation times of value tickets in working days ``[0, days)``.

    Parameters
    ----------
    created
        Creation times (working days) of the value-demand tickets.
    days
        Whole working days observed.
    calendar
        The working calendar, to name each day's weekday.
    """
    if days < MIN_DAYS:
        return skipped("demand", TITLE, f"only {days} working days of tickets (at least "
                                        f"{MIN_DAYS} are needed)")
    counts = daily_counts(created, days)
    n = len(counts)
    mean, low, high = mean_interval(counts)
    variance = float(counts.var(ddof=1))
    index = variance / mean if mean > 0 else math.nan
    df = n - 1
    d_low, d_high = df * index / stats.chi2.ppf(0.975, df), df * index / stats.chi2.ppf(0.025, df)
    weekdays = calendar.to_moments(np.arange(n, dtype=float)).astype("datetime64[D]")
    weekday = (weekdays.view("int64") + 3) % 7  # Monday 0: 1970-01-01 was a Thursday
    present = sorted(set(weekday.tolist()))
    by_day = {WEEKDAYS[w]: counts[weekday == w] for w in present}
    kw_p = (stats.kruskal(*by_day.values()).pvalue
            if len(by_day) > 1 and all(len(v) > 1 for v in by_day.values()) else math.nan)
    a, b, se_a, se_b, _ = poisson_trend(counts)
    z = z_value()
    growth = math.expm1(b)
    g_low, g_high = math.expm1(b - z * se_b), math.expm1(b + z * se_b)
    trend = not (g_low <= 0.0 <= g_high)
    estimates = [
        Estimate("value tickets per working day", mean, low, high, n, "items/day",
                 None if trend else "operations.demand", "mean over days, Student-t interval",
                 "working days"),
        Estimate("dispersion index (variance / mean)", index, d_low, d_high, n, "ratio", None,
                 "chi-square interval; 1 for Poisson arrivals", "working days"),
        Estimate("yearly growth of demand", growth, g_low, g_high, n, "per year",
                 "operations.demand_growth", "quasi-Poisson regression on time",
                 "working days"),
        Estimate("rate at the start (trend fit)", math.exp(a), math.exp(a - z * se_a),
                 math.exp(a + z * se_a), n, "items/day", "operations.demand" if trend else None,
                 "quasi-Poisson regression on time", "working days"),
    ]
    findings = [f"{int(counts.sum()):,} value tickets over {n} working days: {mean:.1f} a day "
                f"(95% CI {low:.1f} to {high:.1f})."]
    if d_low > 1.0:
        findings.append(f"Demand is overdispersed: daily counts vary {index:.2f} times as much "
                        "as Poisson counts would. The model's arrivals are Poisson, so it "
                        "shows calmer days than the data.")
    else:
        findings.append(f"The dispersion index {index:.2f} (95% CI {d_low:.2f} to {d_high:.2f}) "
                        "is consistent with Poisson arrivals.")
    if not math.isnan(kw_p):
        means = ", ".join(f"{d} {v.mean():.1f}" for d, v in by_day.items())
        verdict = ("differ" if kw_p < 0.05 else "do not differ detectably")
        findings.append(f"Weekday means ({means}) {verdict} (Kruskal-Wallis p = {kw_p:.3g}); "
                        "the model's clock has no weekdays, so it uses their average.")
    if trend:
        sets = {"operations.demand": math.exp(a), "operations.demand_growth": growth}
        findings.append(f"Demand has a trend of {growth:+.1%} a year (95% CI {g_low:+.1%} to "
                        f"{g_high:+.1%}): the scenario starts at {math.exp(a):.1f} a day and "
                        "grows at that rate (criterion: the growth's interval excludes 0).")
    else:
        sets = {"operations.demand": mean, "operations.demand_growth": 0.0}
        findings.append(f"No trend detected (growth {growth:+.1%} a year, 95% CI {g_low:+.1%} "
                        f"to {g_high:+.1%} covers 0): the scenario takes the mean and no "
                        "growth.")
    figure = {"counts": counts, "weekday": [WEEKDAYS[w] for w in weekday],
              "trend": np.exp(a + b * (np.arange(n) + 0.5) / DAYS_PER_YEAR), "mean": mean}
    return Fit("demand", TITLE, estimates, findings, figure, sets)
