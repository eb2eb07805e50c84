"""The statistics behind claim verdicts: paired tests, intervals, scenario discovery.

Each test states what theory (or an independent library) says, and checks the code
against it with a fixed seed and a tolerance from the binomial spread of a Monte
Carlo estimate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.tree import DecisionTreeClassifier

from sim.studies.discovery import _path, discover
from sim.studies.statistics import (
    mcnemar_exact,
    paired_test,
    permutation_test,
    sign_test,
    wilson_interval,
)


def test_the_permutation_p_value_is_scipys_exact_one():
    rng = np.random.default_rng(3)
    for n in (5, 8, 12):
        d = rng.normal(0.3, 1.0, n)
        expected = stats.permutation_test((d,), lambda x, axis: np.mean(x, axis=axis),
                                          permutation_type="samples", vectorized=True,
                                          n_resamples=np.inf).pvalue
        assert permutation_test(d)["p_value"] == pytest.approx(expected, abs=1e-12)


def test_the_permutation_interval_inverts_the_test():
    d = np.array([0.5, 0.2, -0.1, 0.9, 0.3, 0.4, 0.6, 0.2])
    result = permutation_test(d, level=0.95)
    low, high = result["ci_low"], result["ci_high"]
    assert low < d.mean() < high
    accept = lambda delta: permutation_test(d - delta)["p_value"] > 0.05  # noqa: E731
    assert accept(low + 1e-6) and accept(high - 1e-6)
    assert not accept(low - 1e-3) and not accept(high + 1e-3)


def test_the_sign_test_is_the_exact_binomial_test_and_ignores_ties():
    d = np.array([1.0, 2.0, 0.5, -1.0, 0.0, 0.0, 3.0, 4.0, 0.2])
    result = sign_test(d)
    assert (result["positive"], result["negative"], result["ties"]) == (6, 1, 2)
    assert result["p_value"] == pytest.approx(stats.binomtest(6, 7).pvalue)
    assert result["estimate"] == np.median(d)


def bimodal(rng: np.random.Generator, size: int) -> np.ndarray:
    """Paired differences of a two-regime outcome: mostly small, sometimes a big jump."""
    tipped = rng.random(size) < 0.3
    return np.where(tipped, rng.normal(-3.0, 0.5, size), rng.normal(0.4, 0.3, size))


def true_median() -> float:
    big = bimodal(np.random.default_rng(99), 2_000_000)
    return float(np.median(big))


@pytest.mark.slow
def test_the_sign_tests_interval_covers_the_median_of_a_bimodal_difference():
    """The order-statistic interval is exact for any continuous distribution: its coverage
    is at least 95% (for n = 16 exactly 1 - 2 P(Bin(16, 1/2) <= 3) = 97.9%)."""
    rng = np.random.default_rng(2024)
    median = true_median()
    trials, n = 2000, 16
    covered = 0
    for _ in range(trials):
        r = sign_test(bimodal(rng, n))
        covered += r["ci_low"] <= median <= r["ci_high"]
    expected = 1 - 2 * stats.binom.cdf(3, n, 0.5)
    spread = math.sqrt(expected * (1 - expected) / trials)
    assert abs(covered / trials - expected) < 4 * spread, (covered / trials, expected)


@pytest.mark.slow
def test_the_t_interval_would_miss_what_the_sign_test_covers():
    """Why the rule matters: on the same bimodal differences, a Student-t interval for the
    mean is centred between the two regimes and covers the median far less often."""
    rng = np.random.default_rng(7)
    median = true_median()
    covered = 0
    for _ in range(500):
        d = bimodal(rng, 16)
        half = stats.t.ppf(0.975, 15) * d.std(ddof=1) / 4
        covered += d.mean() - half <= median <= d.mean() + half
    assert covered / 500 < 0.8


@pytest.mark.slow
def test_the_permutation_interval_covers_a_shift_of_symmetric_differences():
    """For differences symmetric about delta (here a symmetric mixture of two regimes)
    the sign-flip test is exact, so its interval covers delta 95% of the time."""
    rng = np.random.default_rng(5)
    delta, trials, n = 0.7, 1000, 12
    covered = 0
    for _ in range(trials):
        jumps = rng.choice([-2.0, 2.0], n) * (rng.random(n) < 0.3)
        d = delta + jumps + rng.normal(0, 0.2, n)
        r = permutation_test(d)
        covered += r["ci_low"] <= delta <= r["ci_high"]
    spread = math.sqrt(0.95 * 0.05 / trials)
    assert covered / trials > 0.95 - 4 * spread


def test_the_rule_picks_the_sign_test_for_two_regimes_and_counts_undefined_pairs():
    first = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    second = np.array([2.0, 2.5, 3.0, np.nan, 6.0])
    mixed = paired_test(first, second, two_regimes=True)
    single = paired_test(first, second, two_regimes=False)
    assert mixed["method"] == "sign test" and single["method"] == "permutation test"
    for r in (mixed, single):
        assert r["n"] == 3 and r["undefined"] == 2
        assert r["difference"] == pytest.approx(np.mean([1.0, 0.5, 1.0]))


def test_wilson_interval_and_mcnemar():
    low, high = wilson_interval(8, 12)
    ci = stats.binomtest(8, 12).proportion_ci(0.95, method="wilson")
    assert (low, high) == pytest.approx((ci.low, ci.high))
    assert 0.39 < low < 0.40 and 0.86 < high < 0.87  # "holds in 8 of 12": 39% to 86%
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    a = np.array([1, 1, 1, 0, 0, 1, 0, 0], bool)
    b = np.array([0, 0, 0, 0, 0, 1, 1, 0], bool)
    r = mcnemar_exact(a, b)
    assert (r["only_first"], r["only_second"]) == (3, 1)
    assert r["p_value"] == pytest.approx(stats.binomtest(1, 4).pvalue)
    assert r["difference"] == pytest.approx(-2 / 8)


def test_discovery_finds_a_planted_condition():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((200, 20)), columns=[f"p{i}" for i in range(20)])
    fails = ((x["p3"] < 0.3) & (rng.random(200) < 0.7)) | (rng.random(200) < 0.1)
    finding = discover(x, fails.to_numpy(), seed=0)
    assert finding.found and finding.p_value <= 0.05
    assert finding.condition.startswith("p3 ≤ 0.")
    cut = float(finding.condition.split("≤")[1].split()[0])
    assert 0.2 < cut < 0.4


def test_discovery_names_each_parameter_once():
    """A region cut twice on the same parameter is written as one condition on it:
    a range when the cuts are on both sides."""
    x = pd.DataFrame({"p0": np.random.default_rng(3).random(200), "p1": np.linspace(0, 1, 200)})
    fails = ((x["p1"] > 0.4) & (x["p1"] <= 0.6)).to_numpy().copy()
    fails[::17] = ~fails[::17]  # some noise
    finding = discover(x, fails, seed=0)
    assert finding.found
    low, high = (float(n) for n in finding.condition.split(" < p1 ≤ "))
    assert (low, high) == pytest.approx((0.4, 0.6), abs=0.02)


def test_two_cuts_on_one_side_read_as_the_tighter_one():
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    x = np.linspace(0, 1, 100)[:, None]
    tree.fit(x, (x[:, 0] <= 0.2).astype(int) + (x[:, 0] <= 0.5))  # cuts at 0.2 and 0.5
    deepest_left = tree.tree_.children_left[tree.tree_.children_left[0]]
    assert _path(tree, deepest_left, ["p"]) == "p ≤ 0.197"  # not "p ≤ 0.5 and p ≤ 0.197"


@pytest.mark.slow
def test_discovery_rarely_names_a_condition_when_there_is_none():
    """Random outcomes: a condition may be named in about 5% of trials (the permutation
    test's level). With 100 seeded trials, 10 or more would have probability 3% at 5%."""
    rng = np.random.default_rng(11)
    named = 0
    for trial in range(100):
        x = pd.DataFrame(rng.random((100, 10)), columns=[f"p{i}" for i in range(10)])
        named += discover(x, rng.random(100) < 0.3, seed=trial).found
    assert named < 10, named


def test_discovery_does_not_look_with_too_few_failures():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    fails = np.zeros(50, bool)
    fails[:3] = True
    finding = discover(x, fails)
    assert not finding.found and "too few" in finding.sentence
