"""Impatient customers (MODEL.md §3.8): the desk as an M/M/c+M (Erlang A) queue.

With ``operations.patience`` set and everything else neutral, each value-demand
item gives up after an exponential patience if it is still waiting, and the
desk is the Erlang A model: share abandoning, utilisation and queue length must
match its birth-death chain (``sim.theory.queueing.erlang_a_metrics``), also
when the offered load exceeds the servers. Tolerances are the replications'
t_{0.999} half-widths.

The desk does not hold an event per abandonment: a server skips expired items
at the head of the queue and the books purge the rest at each day's close. An
independent tally, sampling the items really waiting or in service at fixed
times, checks that nothing leaves the count too early or too late, that the
sums behind the KPIs agree with it (Little's law against an independent L),
and that sampling changes nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import MMC, assert_mean_matches, load, run_many, same_summary, t_halfwidth

import sim
from sim.model.organisation import Organisation
from sim.model.rng import replication_seed
from sim.theory.queueing import erlang_a_metrics, mmc_metrics

# -- the birth-death chain itself ---------------------------------------------------------


def test_erlang_a_with_patience_equal_to_service_is_a_poisson_chain():
    """With theta = mu every state dies at n mu, so n is Poisson(a) for any c."""
    lam, mu, c = 7.0, 2.0, 3
    m = erlang_a_metrics(lam, mu, c, abandonment_rate=mu)
    a = lam / mu
    n = np.arange(0, 200)
    p = np.exp(n * math.log(a) - a - np.array([math.lgamma(k + 1) for k in n]))
    assert m.in_system_mean == pytest.approx(a, rel=1e-12)
    assert m.queue_length_mean == pytest.approx(float(p @ np.maximum(n - c, 0)), rel=1e-10)
    assert m.prob_wait == pytest.approx(float(p[c:].sum()), rel=1e-10)


@pytest.mark.parametrize(("lam", "mu", "c", "theta"), [
    (8.0, 1.0, 10, 2.0), (12.0, 1.0, 10, 0.5), (300.0, 1 / 0.3, 100, 1.0), (50.0, 1.0, 10, 0.1)])
def test_erlang_a_conserves_flow(lam, mu, c, theta):
    """Every arrival is served or abandons: lambda = mu c utilisation + theta Lq."""
    m = erlang_a_metrics(lam, mu, c, theta)
    assert lam == pytest.approx(mu * c * m.utilisation + theta * m.queue_length_mean, rel=1e-9)
    assert m.abandon_share == pytest.approx(1.0 - mu * c * m.utilisation / lam, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    slow = erlang_a_metrics(8.0, 1.0, 10, abandonment_rate=1e-7)
    exact = mmc_metrics(8.0, 1.0, 10)
    assert slow.prob_wait == pytest.approx(exact.prob_wait, rel=1e-5)
    assert slow.queue_length_mean == pytest.approx(exact.queue_length_mean, rel=1e-5)


# -- the simulated desk against the chain -------------------------------------------------

def patient_desk(lam: float, service_mean: float, c: int, patience: float, window: int):
    return load(MMC, {"operations.demand": lam, "operations.service_mean": service_mean,
                      "workforce.operations.headcount": c, "operations.patience": patience,
                      "warmup": 50, "horizon": 50 + window})


# (lambda, mean effort, c, mean patience, window): one below capacity, one near it with
# many servers, one well above capacity (offered load 1.2 c).
ERLANG_A = [
    pytest.param(8.0, 1.0, 10, 0.5, 2500, id="rho0.8-c10"),
    pytest.param(300.0, 0.3, 100, 1.0, 400, id="rho0.9-c100"),
    pytest.param(12.0, 1.0, 10, 2.0, 2500, id="rho1.2-c10"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("lam", "service_mean", "c", "patience", "window"), ERLANG_A)
def test_desk_with_patience_matches_erlang_a(lam, service_mean, c, patience, window):
    theory = erlang_a_metrics(lam, 1.0 / service_mean, c, 1.0 / patience)
    runs = run_many(patient_desk(lam, service_mean, c, patience, window), 12)
    assert_mean_matches(runs["ops_abandoned_share"], theory.abandon_share,
                        "share abandoning", 0.15)
    assert_mean_matches(runs["ops_utilisation"], theory.utilisation, "utilisation", 0.01)
    assert_mean_matches(runs["ops_queue_mean"], theory.queue_length_mean, "queue length Lq",
                        0.15)
    assert_mean_matches(runs["ops_wip_mean"], theory.in_system_mean, "items in system L", 0.02)


def test_patience_bounds_an_overloaded_queue_that_otherwise_grows():
    """At 1.5 times capacity the queue of a patient desk grows without bound, that of
    an impatient one settles near lambda x patience x (share still waiting)."""
    overloaded = {"operations.demand": 15.0, "operations.service_mean": 1.0,
                  "workforce.operations.headcount": 10, "warmup": 0, "horizon": 200}
    patient = sim.run(load(MMC, overloaded), 0)
    impatient = sim.run(load(MMC, {**overloaded, "operations.patience": 1.0}), 0)
    assert patient.summary["ops_backlog_final"] > 500
    assert impatient.summary["ops_backlog_final"] < 40
    assert patient.summary["ops_abandoned"] == 0.0
    theory = erlang_a_metrics(15.0, 1.0, 10, 1.0)
    assert impatient.summary["ops_abandoned_share"] == pytest.approx(theory.abandon_share,
                                                                     rel=0.1)
    assert impatient.weekly["abandoned"].sum() == impatient.summary["ops_abandoned"]


def test_patience_leaves_every_arrival_where_it_was():
    """Patience draws come from a stream of their own: arrivals are common to both."""
    base = {"operations.demand": 12.0, "operations.service_mean": 1.0,
            "workforce.operations.headcount": 10, "horizon": 100}
    without = sim.run(load(MMC, base), 3).summary
    with_patience = sim.run(load(MMC, {**base, "operations.patience": 0.5}), 3).summary
    assert without["ops_arrival_rate"] == with_patience["ops_arrival_rate"]
    assert with_patience["ops_abandoned"] > 0


# -- an independent tally -----------------------------------------------------------------

def tallied_run(scenario, replication: int, every: float):
    """Run with a process that counts, every ``every`` days, the items really waiting
    (patience not yet run out) and in service; also record the desk's own count of
    items in system at each day end."""
    org = Organisation(scenario, replication_seed(scenario.seed, replication))
    samples, day_ends = [], []

    def count(now: float) -> tuple[int, int]:
        desk = org.desk
        desk.advance(now)  # run the desk's own events up to now, as the day's end would
        waiting = sum(1 for _, _, gives_up in desk.queue if gives_up > now)
        busy = sum(1 for since in desk.busy_since if since >= 0.0)
        return waiting + busy, waiting

    def sample():
        k = 0
        while True:
            k += 1
            yield org.env.timeout(k * every - org.env.now)
            now = org.env.now
            if now >= scenario.warmup:
                samples.append(count(now))

    def day_end():
        while True:
            yield org.env.timeout(1.0)
            day_ends.append((org.desk.in_system, count(org.env.now)[0]))

    org.env.process(sample())
    org.run()
    org_check = Organisation(scenario, replication_seed(scenario.seed, replication))
    org_check.env.process(day_end())
    org_check.run()
    return org, np.array(samples, dtype=float), day_ends


@pytest.mark.parametrize("patience", [None, 0.3], ids=["patient", "impatient"])
def test_littles_law_against_an_independent_tally(patience):
    """The time-average number in system, counted item by item at fixed times, equals
    lambda W from the KPIs (patient desk) and the desk's own area-based L and Lq (both);
    adding the tally changes nothing; at every day end the desk's count of items in
    system, which ops pressure reads, is the tally's."""
    overrides = {"operations.demand": 90.0, "operations.service_mean": 0.1,
                 "workforce.operations.headcount": 10, "warmup": 50, "horizon": 350}
    if patience is not None:
        overrides["operations.patience"] = patience
    scenario = load(MMC, overrides)
    rows = []
    for replication in range(6):
        org, samples, day_ends = tallied_run(scenario, replication, every=0.02)
        summary = org.summary()
        plain = sim.run(scenario, replication).summary
        assert same_summary(summary, {k: plain[k] for k in summary}), \
            "sampling the desk must not change the run"
        assert all(desk == tally for desk, tally in day_ends)
        rows.append((samples[:, 0].mean(), samples[:, 1].mean(), summary))
    tally_l = np.array([r[0] for r in rows])
    tally_lq = np.array([r[1] for r in rows])
    books_l = np.array([r[2]["ops_wip_mean"] for r in rows])
    books_lq = np.array([r[2]["ops_queue_mean"] for r in rows])
    for tally, books, what in ((tally_l, books_l, "L"), (tally_lq, books_lq, "Lq")):
        gap = tally - books
        assert abs(gap.mean()) <= max(t_halfwidth(gap), 1e-9), (what, tally, books)
        assert abs(gap.mean()) < 0.01 * books.mean() + 0.01, (what, tally, books)
    if patience is None:
        little = np.array([r[2]["ops_arrival_rate"] * r[2]["ops_time_in_system_mean"]
                           for r in rows])
        gap = tally_l - little
        assert abs(gap.mean()) <= t_halfwidth(gap), (tally_l, little)
        assert abs(gap.mean()) < 0.01 * little.mean()
    else:
        assert all(r[2]["ops_abandoned"] > 0 for r in rows)
