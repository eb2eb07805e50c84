"""Textbook SimPy M/M/c queue, used as the baseline for benchmarks.

This is the model as it appears in SimPy tutorials: a ``source`` process
creates one ``customer`` process per arrival, and each customer requests
a unit of a shared ``simpy.Resource`` with a ``with`` block, waits for
it, holds it for its service time and records how long it waited. It is
deliberately left unoptimised so that later benchmarks measure against
the idiomatic formulation.

Run it as a script to print one line of figures::

    python bench/textbook_mmc.py
"""

import time

import numpy as np
import simpy


def customer(env, server, service, waits):
    """Wait for a free server, get served and record the waiting time.

    Parameters
    ----------
    env : simpy.Environment
        Simulation environment.
    server : simpy.Resource
        Shared pool of servers.
    service : float
        Service time of this customer.
    waits : list of float
        List to which the waiting time is appended on completion.

    Yields
    ------
    simpy.events.Event
        The resource request, then the service timeout.
    """
    arrive = env.now
    with server.request() as req:
        yield req
        wait = env.now - arrive
        yield env.timeout(service)
    waits.append(wait)


def source(env, server, arrival_rate, service_mean, rng, waits):
    """Generate customers with exponential inter-arrival and service times.

    Parameters
    ----------
    env : simpy.Environment
        Simulation environment.
    server : simpy.Resource
        Shared pool of servers.
    arrival_rate : float
        Poisson arrival rate.
    service_mean : float
        Mean of the exponential service time.
    rng : numpy.random.Generator
        Source of random numbers.
    waits : list of float
        List collecting the waits of completed customers.

    Yields
    ------
    simpy.events.Timeout
        The delay until the next arrival.
    """
    while True:
        yield env.timeout(rng.exponential(1.0 / arrival_rate))
        service = rng.exponential(service_mean)
        env.process(customer(env, server, service, waits))


def run_textbook_mmc(
    arrival_rate: float,
    service_mean: float,
    servers: int,
    horizon: float,
    seed: int = 1,
) -> dict:
    """Simulate the textbook M/M/c model and time it.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate.
    service_mean : float
        Mean of the exponential service time.
    servers : int
        Number of servers, the capacity of the resource.
    horizon : float
        Simulated time at which the run stops.
    seed : int, optional
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    dict
        ``items`` (customers that completed service), ``wait_mean``
        (their mean wait in queue), ``wall_seconds`` (elapsed wall-clock
        time of the run) and ``items_per_second`` (completions per
        wall-clock second).
    """
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=servers)
    waits = []
    env.process(source(env, server, arrival_rate, service_mean, rng, waits))
    start = time.perf_counter()
    env.run(until=horizon)
    wall_seconds = time.perf_counter() - start
    items = len(waits)
    return {
        "items": items,
        "wait_mean": float(np.mean(waits)) if waits else float("nan"),
        "wall_seconds": wall_seconds,
        "items_per_second": items / wall_seconds,
    }


if __name__ == "__main__":
    result = run_textbook_mmc(
        arrival_rate=8.0, service_mean=1.0, servers=10, horizon=20_000.0
    )
    print(
        f"items={result['items']} "
        f"wait_mean={result['wait_mean']:.4f} "
        f"wall_seconds={result['wall_seconds']:.3f} "
        f"items_per_second={result['items_per_second']:.0f}"
    )
