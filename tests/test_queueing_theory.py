"""Tests for the exact M/M/c results in ``sim.theory.queueing``."""

import heapq
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.theory.queueing import (
    MMcMetrics,
    erlang_b,
    erlang_c,
    mmc_metrics,
    mmc_wait_variance,
)


def textbook_erlang_b(c, a):
    """Return Erlang B from the direct factorial formula."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def textbook_erlang_c(c, a):
    """Return Erlang C from the direct factorial formula."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


CASES = [(1, 0.5), (2, 1.0), (3, 2.5), (5, 4.0), (10, 8.0), (20, 15.5)]


@pytest.mark.parametrize(("c", "a"), CASES)
def test_erlang_b_matches_factorial_formula(c, a):
    """Erlang B recursion equals the direct factorial expression."""
    assert erlang_b(c, a) == pytest.approx(textbook_erlang_b(c, a), rel=1e-12)


@pytest.mark.parametrize(("c", "a"), CASES)
def test_erlang_c_matches_factorial_formula(c, a):
    """Erlang C equals the direct factorial expression."""
    assert erlang_c(c, a) == pytest.approx(textbook_erlang_c(c, a), rel=1e-12)


def test_erlang_b_zero_servers_blocks_everything():
    """With no servers every arrival is blocked."""
    assert erlang_b(0, 3.0) == 1.0


def test_erlang_b_large_system_is_finite():
    """The recursion stays finite where factorials would overflow."""
    value = erlang_b(2000, 1900.0)
    assert 0.0 < value < 1.0


@pytest.mark.parametrize(("lam", "mu"), [(0.5, 1.0), (3.0, 4.0), (9.9, 10.0)])
def test_mm1_reduces_to_textbook(lam, mu):
    """For c = 1 the probability of waiting is rho and W = 1/(mu - lambda)."""
    rho = lam / mu
    metrics = mmc_metrics(lam, mu, 1)
    assert metrics.prob_wait == pytest.approx(rho, rel=1e-12)
    assert metrics.time_in_system_mean == pytest.approx(1.0 / (mu - lam), rel=1e-12)
    assert metrics.wait_mean == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert metrics.in_system_mean == pytest.approx(rho / (1 - rho), rel=1e-12)


def test_published_two_server_example():
    """C = 1/3 and Wq = 1/3 for c = 2, lambda = 1, mu = 1."""
    metrics = mmc_metrics(1.0, 1.0, 2)
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-12)
    assert metrics.prob_wait == pytest.approx(1.0 / 3.0, rel=1e-12)
    assert metrics.wait_mean == pytest.approx(1.0 / 3.0, rel=1e-12)
    assert metrics.time_in_system_mean == pytest.approx(4.0 / 3.0, rel=1e-12)
    assert metrics.utilisation == pytest.approx(0.5, rel=1e-12)


def stationary_counts(lam: float, mu: float, c: int, tail: float = 1e-15) -> np.ndarray:
    """The stationary distribution of the number in an M/M/c system, from its balance
    equations p(n+1) = p(n) lam / (min(n+1, c) mu), truncated where the tail is negligible.

    Independent of the Erlang formulas: no closed form, only the birth-death chain.
    """
    weights = [1.0]
    while weights[-1] > tail * sum(weights) or len(weights) <= c:
        n = len(weights) - 1
        weights.append(weights[-1] * lam / (min(n + 1, c) * mu))
    p = np.array(weights)
    return p / p.sum()


@pytest.mark.parametrize(("lam", "mu", "c"), [(1.0, 1.0, 2), (8.0, 1.0, 10), (7.0, 0.5, 20)])
def test_metrics_match_the_birth_death_chain_and_littles_law(lam, mu, c):
    """The means from the birth-death chain's own distribution: L and Lq are its moments,
    P(wait) its mass at c or more, and the waiting times are L / lambda (Little's law)."""
    m = mmc_metrics(lam, mu, c)
    p = stationary_counts(lam, mu, c)
    n = np.arange(len(p))
    in_system, queue = float(n @ p), float(np.maximum(n - c, 0) @ p)
    assert isinstance(m, MMcMetrics)
    assert (m.arrival_rate, m.service_rate, m.servers) == (lam, mu, c)
    assert m.prob_wait == pytest.approx(float(p[c:].sum()), rel=1e-9)
    assert m.in_system_mean == pytest.approx(in_system, rel=1e-9)
    assert m.queue_length_mean == pytest.approx(queue, rel=1e-9)
    assert m.time_in_system_mean == pytest.approx(in_system / lam, rel=1e-9)
    assert m.wait_mean == pytest.approx(queue / lam, rel=1e-9)
    assert m.utilisation == pytest.approx(float((in_system - queue) / c), rel=1e-9)


def simulate_fifo_mmc(lam: float, mu: float, c: int, customers: int, seed: int):
    """A first-come-first-served M/M/c queue, customer by customer (no model code).

    Returns each customer's arrival and departure time.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, customers))
    services = rng.exponential(1.0 / mu, customers)
    free = [0.0] * c  # a heap of the times each server is next free
    departures = np.empty(customers)
    for i, (arrived, service) in enumerate(zip(arrivals.tolist(), services.tolist(), strict=True)):
        start = max(arrived, free[0])
        departures[i] = start + service
        heapq.heapreplace(free, departures[i])
    return arrivals, departures


def time_average_in_system(arrivals, departures, start: float, end: float) -> float:
    """The number in the system averaged over [start, end], counted from the sample path."""
    inside = np.minimum(departures, end) - np.maximum(arrivals, start)
    return float(np.clip(inside, 0.0, None).sum()) / (end - start)


@pytest.mark.parametrize(("lam", "mu", "c"), [(8.0, 1.0, 10), (1.5, 1.0, 2)])
def test_littles_law_against_a_simulated_count(lam, mu, c):
    """In a simulated FCFS queue, the time-average count in the system (an integral over
    the sample path) is lambda W with W the customers' mean time in system, and both
    are the exact L and W within sampling error (8 independent runs, means within four
    standard errors)."""
    m = mmc_metrics(lam, mu, c)
    counts, little = [], []
    for seed in range(8):
        arrivals, departures = simulate_fifo_mmc(lam, mu, c, 40_000, seed)
        start, end = arrivals[4_000], arrivals[-4_000]  # drop the warm-up and the tail
        counts.append(time_average_in_system(arrivals, departures, start, end))
        window = (arrivals >= start) & (arrivals < end)
        rate = window.sum() / (end - start)
        little.append(rate * float((departures - arrivals)[window].mean()))
    counts, little = np.array(counts), np.array(little)
    se = counts.std(ddof=1) / math.sqrt(len(counts))
    assert abs(counts.mean() - m.in_system_mean) < 4 * se + 1e-3 * m.in_system_mean
    np.testing.assert_allclose(little, counts, rtol=0.02)
    assert abs(little.mean() - lam * m.time_in_system_mean) < 4 * se + 0.01 * m.in_system_mean


def test_metrics_are_frozen():
    """The metrics record cannot be modified."""
    m = mmc_metrics(1.0, 1.0, 2)
    with pytest.raises(AttributeError):
        m.wait_mean = 0.0


def test_wait_variance_mm1_closed_form():
    """For c = 1, Var[Wq] = rho (2 - rho) / (mu - lambda)^2."""
    lam, mu = 3.0, 4.0
    rho = lam / mu
    expected = rho * (2.0 - rho) / (mu - lam) ** 2
    assert mmc_wait_variance(lam, mu, 1) == pytest.approx(expected, rel=1e-12)


def test_wait_variance_two_server_example():
    """For c = 2, lambda = mu = 1 the variance is 2/3 - 1/9 = 5/9."""
    assert mmc_wait_variance(1.0, 1.0, 2) == pytest.approx(5.0 / 9.0, rel=1e-12)


def test_wait_variance_matches_sampled_mixture():
    """The variance agrees with samples from the zero/exponential mixture."""
    lam, mu, c = 8.0, 1.0, 10
    prob_wait = erlang_c(c, lam / mu)
    rng = np.random.default_rng(12345)
    n = 400_000
    waits = np.where(
        rng.random(n) < prob_wait, rng.exponential(1.0 / (c * mu - lam), n), 0.0
    )
    assert mmc_wait_variance(lam, mu, c) == pytest.approx(waits.var(), rel=0.02)


@pytest.mark.parametrize(("c", "a", "fragment"), [
    (2, 2.0, "a=2.0"),
    (2, 3.5, "a=3.5"),
    (0, 0.5, "c=0"),
    (-1, 0.5, "c=-1"),
    (3, 0.0, "a=0.0"),
    (3, -1.5, "a=-1.5"),
    (3, math.nan, "a=nan"),
    (2.5, 1.0, "c=2.5"),
])
def test_erlang_c_rejects_invalid_input(c, a, fragment):
    """Invalid server counts or loads raise ValueError naming the value."""
    with pytest.raises(ValueError, match=fragment):
        erlang_c(c, a)


def test_erlang_c_unstable_message():
    """The instability message names both the load and the server count."""
    with pytest.raises(ValueError, match=r"offered load a=4\.0 must be < c=4"):
        erlang_c(4, 4.0)


@pytest.mark.parametrize(("c", "a", "fragment"), [(-1, 1.0, "c=-1"), (2, -0.5, "a=-0.5")])
def test_erlang_b_rejects_invalid_input(c, a, fragment):
    """Erlang B rejects negative server counts and non-positive loads."""
    with pytest.raises(ValueError, match=fragment):
        erlang_b(c, a)


@pytest.mark.parametrize(("lam", "mu", "c", "fragment"), [
    (0.0, 1.0, 2, "arrival_rate=0.0"),
    (1.0, -2.0, 2, "service_rate=-2.0"),
    (1.0, 1.0, 0, "c=0"),
    (5.0, 1.0, 5, "a=5.0"),
    (6.0, 2.0, 2, "a=3.0"),
])
def test_metrics_reject_invalid_input(lam, mu, c, fragment):
    """Invalid M/M/c parameters raise ValueError naming the value."""
    with pytest.raises(ValueError, match=fragment):
        mmc_metrics(lam, mu, c)
    with pytest.raises(ValueError, match=fragment):
        mmc_wait_variance(lam, mu, c)


servers = st.integers(min_value=1, max_value=40)
loads = st.floats(min_value=0.01, max_value=0.99)
scales = st.floats(min_value=0.05, max_value=1.0)


@given(c=servers, rho=loads)
def test_erlang_c_is_a_probability_above_erlang_b(c, rho):
    """C lies in (0, 1) and is never below B."""
    a = rho * c
    prob_wait = erlang_c(c, a)
    assert 0.0 < prob_wait < 1.0
    assert erlang_b(c, a) <= prob_wait


@given(c=servers, rho=loads, scale=scales)
def test_erlang_c_decreases_with_servers(c, rho, scale):
    """Adding a server at fixed offered load lowers the chance of waiting."""
    a = max(rho * c * scale, 1e-3)
    assert erlang_c(c + 1, a) < erlang_c(c, a)
