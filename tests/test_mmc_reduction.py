"""The exact M/M/c reduction of the operations desk (MODEL.md §3.2).

With no projects, no defects, a fixed headcount c and exponential arrivals
(rate λ) and effort (mean 1/μ), the desk is an M/M/c queue: the mean wait, time
in system and utilisation must match Erlang C, and Little's law must hold on
its time averages.

Tolerances come from the replications: |mean − theory| ≤ t_{0.999, n−1} × SE.
Two small biases exist and are kept far below that half-width by design:

* the desk starts empty. The warm-up is ten relaxation times, using the M/M/1
  relaxation time 1/(μ(1 − √ρ)²) (Morse 1955) written for c servers as
  1/(μ(√c − √a)²), a = λ/μ, so the remaining transient is ~e^-10;
* items still in the system at the end are not in the means (they are waiting
  or in service). This shortens the estimates by O(W/T), under 0.1% here.
"""

from __future__ import annotations

import math

import pytest
from conftest import MMC, assert_mean_matches, load, run_many

from sim.theory.queueing import mmc_metrics

REPLICATIONS = 20


def relaxation_time(lam: float, mu: float, c: int) -> float:
    """Time scale on which an M/M/c queue forgets its initial state."""
    return 1.0 / (mu * (math.sqrt(c) - math.sqrt(lam / mu)) ** 2)


def mmc_scenario(lam: float, service_mean: float, c: int, window: int):
    """mmc.yaml for (λ, 1/μ, c), warmed up for ten relaxation times."""
    warm = relaxation_time(lam, 1.0 / service_mean, c) * 10.0
    warmup = 5 * math.ceil(warm / 5)  # whole weeks, so the window starts on a weekly row
    return load(MMC, {"operations.demand": lam, "operations.service_mean": service_mean,
                      "workforce.operations.headcount": c,
                      "warmup": warmup, "horizon": warmup + window})


# (λ per day, mean effort in days, c, window in days, largest relative half-width
# accepted for the mean wait). Windows are chosen so that the time in system is
# known to 1-3%, utilisation to under 1% and the wait to 3-9%; at c = 100 waits
# are short and rare (P(wait) = 0.22), so its wait is the noisiest estimate (~27%)
# and the time in system (<1%) carries the check. The accepted half-widths leave
# ~1.5x room over those values.
CASES = [
    pytest.param(8.0, 1.0, 10, 7700, 0.15, id="lam8-s1.0-c10-rho0.8"),
    pytest.param(90.0, 0.1, 10, 1300, 0.15, id="lam90-s0.1-c10-rho0.9"),
    pytest.param(300.0, 0.3, 100, 200, 0.40, id="lam300-s0.3-c100-rho0.9"),
    pytest.param(20.0, 0.025, 1, 1500, 0.10, id="lam20-s0.025-c1-rho0.5"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("lam", "service_mean", "c", "window", "wait_hw"), CASES)
def test_desk_matches_erlang_c(lam, service_mean, c, window, wait_hw):
    theory = mmc_metrics(lam, 1.0 / service_mean, c)
    runs = run_many(mmc_scenario(lam, service_mean, c, window), REPLICATIONS)
    assert_mean_matches(runs["ops_wait_mean"], theory.wait_mean, "mean wait Wq", wait_hw)
    assert_mean_matches(runs["ops_time_in_system_mean"], theory.time_in_system_mean,
                        "mean time in system W", 0.05)
    assert_mean_matches(runs["ops_utilisation"], theory.utilisation, "utilisation", 0.02)
    assert_mean_matches(runs["ops_arrival_rate"], lam, "arrival rate", 0.01)


@pytest.mark.parametrize(("lam", "service_mean", "c", "window", "wait_hw"), CASES)
def test_littles_law_holds_on_time_averages(lam, service_mean, c, window, wait_hw):
    """L = λW per replication, up to end effects.

    Over a finite window, ∫N dt and λ̂·Ŵ differ only through the items present
    at the window's two ends: the part of their stay outside the window, and
    arrivals minus departures. Each end holds ~L items with stays of order W,
    so the relative gap is of order 2W/T; we allow 10·W/T for the randomness in
    how many items are present and how long they have been there.
    """
    theory = mmc_metrics(lam, 1.0 / service_mean, c)
    runs = run_many(mmc_scenario(lam, service_mean, c, window), 5)
    tolerance = 10.0 * theory.time_in_system_mean / window
    little = runs["ops_arrival_rate"] * runs["ops_time_in_system_mean"]
    gap = (runs["ops_wip_mean"] / little - 1.0).abs()
    assert (gap <= tolerance).all(), (
        f"|L/(λW) − 1| per replication {gap.round(5).tolist()} exceeds {tolerance:.4f}")
    # The queue alone obeys the same law: Lq = λ Wq (only waiting items).
    queue = runs["ops_arrival_rate"] * runs["ops_wait_mean"]
    queue_gap = (runs["ops_queue_mean"] - queue).abs() / runs["ops_wip_mean"]
    assert (queue_gap <= tolerance).all(), (
        f"|Lq − λWq|/L per replication {queue_gap.round(5).tolist()} exceeds {tolerance:.4f}")
