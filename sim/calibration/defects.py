"""Failure demand: the share of finished tickets that come back, and how long after.

A ticket whose ``reopened_from`` names another is failure demand: the other
ticket's work was defective. In the model every finished item is defective with
probability p and then returns after an exponential delay with mean δ. A defect
of a ticket finished shortly before the export may not have come back yet, so the
plain share of reopened tickets is too low; the fit is the maximum likelihood of
p and δ together, with each finished ticket's time left until the export:

    defective (came back after delay d):   log p − log δ − d / δ
    not come back (t until the export):    log(1 − p (1 − exp(−t / δ)))

Intervals are likelihood-ratio (profile) intervals. ``operations.p_defect`` is p
times the base scenario's starting capability (the model divides the defect
probability by capability), and ``operations.defect_delay`` is δ.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from sim.calibration.fits import Estimate, Fit, binomial_interval, profile_interval, skipped

TITLE = "Failure demand (reopened tickets)"


def _negative(p: float, delta: float, delays: np.ndarray, left: np.ndarray) -> float:
    if not (0.0 < p < 1.0 and delta > 0.0):
        return math.inf
    ll = len(delays) * (math.log(p) - math.log(delta)) - delays.sum() / delta
    ll += float(np.sum(np.log1p(-p * -np.expm1(-left / delta))))
    return -ll


def fit_defects(closed: np.ndarray, delays: np.ndarray, left: np.ndarray,
                capability: float = 1.0) -> Fit:
    """Fit the defect probability and delay.

    Parameters
    ----------
    closed
        How many tickets were resolved (each one could come back).
    delays
        For each resolved ticket that came back: working days from its closing to
        the creation of the ticket that reopens it.
    left
        For each resolved ticket that has not come back: working days from its
        closing to the end of the export.
    capability
        The base scenario's starting capability.
    """
    n = int(closed)
    delays, left = np.asarray(delays, float), np.asarray(left, float)
    if n < 20:
        return skipped("defects", TITLE, f"only {n} resolved tickets")
    k = len(delays)
    share = k / n
    if k == 0:
        _, high = binomial_interval(0, n)
        return Fit("defects", TITLE, [Estimate(
            "defect probability", 0.0, 0.0, high, n, "probability", "operations.p_defect",
            "no reopened ticket", "resolved tickets")],
            [f"None of {n:,} resolved tickets came back (95% upper bound {high:.2%}): the "
             "scenario has no failure demand."], {}, {"operations.p_defect": 0.0})

    def negative(params):
        return _negative(1 / (1 + math.exp(-params[0])), math.exp(params[1]), delays, left)

    start = np.array([math.log(share / (1 - share)) if share < 1 else 5.0,
                      math.log(max(delays.mean(), 1e-6))])
    best = optimize.minimize(negative, start, method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
    p, delta = 1 / (1 + math.exp(-best.x[0])), math.exp(best.x[1])

    def profile_p(value: float) -> float:
        inner = optimize.minimize_scalar(
            lambda log_d: _negative(value, math.exp(log_d), delays, left),
            bounds=(math.log(delta) - 5, math.log(delta) + 5), method="bounded")
        return -float(inner.fun)

    def profile_delta(value: float) -> float:
        inner = optimize.minimize_scalar(
            lambda logit: _negative(1 / (1 + math.exp(-logit)), value, delays, left),
            bounds=(best.x[0] - 5, best.x[0] + 5), method="bounded")
        return -float(inner.fun)

    p_low, p_high = profile_interval(profile_p, p, p / 4, min(1 - 1e-9, p * 4))
    d_low, d_high = profile_interval(profile_delta, delta, delta / 10, delta * 10)
    estimates = [
        Estimate("defect probability", p, p_low, p_high, n, "probability", None,
                 "maximum likelihood with the time left to come back", "resolved tickets"),
        Estimate("defect probability at the base's capability", p * capability,
                 p_low * capability, p_high * capability, n, "probability",
                 "operations.p_defect", f"defect probability × {capability:g}",
                 "resolved tickets"),
        Estimate("mean delay before a defect comes back", delta, d_low, d_high, k,
                 "working days", "operations.defect_delay", "the same fit", "reopened tickets"),
    ]
    findings = [f"{k:,} of {n:,} resolved tickets came back ({share:.2%} so far); allowing "
                f"for defects not yet back when the export was written: p = {p:.2%} (95% CI "
                f"{p_low:.2%} to {p_high:.2%}), mean delay {delta:.3g} working days "
                f"(95% CI {d_low:.3g} to {d_high:.3g})."]
    figure = {"delays": delays, "delta": delta}
    return Fit("defects", TITLE, estimates, findings, figure,
               {"operations.p_defect": p * capability, "operations.defect_delay": delta})
