"""What the indirect fits estimate: the parameters, their priors, and their posterior summary.

The priors are uniform over the ranges the shipped claims vary each parameter in
for their robustness checks (``scenarios/claims/``, docs/claims.md): the ranges the
project already calls plausible for an organisation it knows nothing about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PRIORS: dict[str, tuple[float, float, str]] = {
    "behaviour.divert_gain": (0.0, 2.0, "share of movable time diverted per unit of pressure"),
    "stress.overload_gain": (0.5, 2.0, "challenge stress per unit of overload"),
    "stress.misalignment_gain": (0.2, 1.0, "hindrance stress per unit of misalignment"),
    "projects.quality": (0.7, 0.95, "share of project work right first time"),
    "projects.discovery_delay": (5.0, 63.0, "working days for hidden rework to surface"),
    "opex.erosion": (126.0, 504.0, "working days: time constant of capability erosion"),
}
"""Indirectly fitted keys: uniform prior (low, high) and what the key means."""
PINNED = 0.5
"""A posterior 90% interval narrower than this share of the prior's: the data pin it down."""
STATISTICS = ("backlog", "service_level", "abandonment", "headcount")


@dataclass(frozen=True)
class Budget:
    """How much simulation the indirect fit may spend."""

    population: int = 60
    generations: int = 6
    simulations: int = 900


@dataclass(frozen=True)
class Posterior:
    """The result of the indirect fit.

    Attributes
    ----------
    particles
        The last generation: one column per parameter, and ``weight``.
    table
        One row per parameter: ``key``, ``median``, ``low``, ``high`` (90%
        credible interval), ``prior_low``, ``prior_high``, ``pinned``.
    generations, simulations
        The generations completed and the simulations run (those of a generation
        given up for the budget included).
    epsilons
        The acceptance threshold of each generation.
    months
        The months of the fitting window the statistics cover.
    """

    particles: pd.DataFrame
    table: pd.DataFrame
    generations: int
    simulations: int
    epsilons: list[float]
    months: int


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of weighted values (pyABC's weighted statistics)."""
    from pyabc.weighted_statistics import weighted_quantile as quantile

    return float(quantile(values, weights, alpha=q))


def posterior_table(particles: pd.DataFrame) -> pd.DataFrame:
    """Posterior median and 90% credible interval of each parameter, beside its prior."""
    weights = particles["weight"].to_numpy(float)
    rows = []
    for key, (low, high, meaning) in PRIORS.items():
        values = particles[key].to_numpy(float)
        median = weighted_quantile(values, weights, 0.5)
        lo, hi = weighted_quantile(values, weights, 0.05), weighted_quantile(values, weights,
                                                                               0.95)
        prior_width = 0.9 * (high - low)
        rows.append({"key": key, "meaning": meaning, "median": median, "low": lo, "high": hi,
                     "prior_low": low, "prior_high": high,
                     "pinned": bool((hi - lo) < PINNED * prior_width)})
    return pd.DataFrame(rows)


def posterior_sets(table: pd.DataFrame) -> dict[str, float]:
    """The posterior medians, as scenario values."""
    return {row.key: float(round(row.median, 6)) for row in table.itertuples()}
