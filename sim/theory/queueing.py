"""Exact steady-state results for the M/M/c queue and its impatient twin M/M/c+M.

An M/M/c queue has Poisson arrivals at rate ``lambda``, ``c`` identical
servers and exponentially distributed service times with rate ``mu``.
The offered load ``a = lambda / mu`` is measured in Erlangs and the
per-server utilisation is ``rho = a / c``. The queue is stable, and a
steady state exists, only when ``rho < 1``.

Two classical formulas summarise the system:

* Erlang B, ``B(c, a)``, is the blocking probability of the loss system
  M/M/c/c, where an arrival that finds every server busy is lost. It is
  evaluated with the numerically stable recursion ``B(0) = 1`` and
  ``B(k) = a B(k-1) / (k + a B(k-1))``, which avoids the factorials of
  the textbook expression.
* Erlang C, ``C(c, a)``, is the probability that an arrival to the
  delay system M/M/c must wait. It follows from Erlang B as
  ``C = B / (1 - rho (1 - B))``.

From ``C`` the mean performance measures follow: the mean wait in queue
``Wq = C / (c mu - lambda)``, the mean time in system ``W = Wq + 1/mu``
and, by Little's law, ``Lq = lambda Wq`` and ``L = lambda W``. These
values are exact, which makes them a reference against which simulated
estimates can be checked.

With impatient customers the queue is M/M/c+M, the Erlang A model (Garnett,
Mandelbaum & Reiman 2002): each waiting customer leaves at rate
``theta`` (exponential patience with mean ``1 / theta``). The number in system
is then a birth-death chain with birth rate ``lambda`` and death rate
``mu min(n, c) + theta max(n - c, 0)``; it is stable for every load, also when
``lambda > c mu``, and :func:`erlang_a_metrics` sums its stationary
distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ErlangAMetrics",
    "MMcMetrics",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "mmc_metrics",
    "mmc_wait_variance",
]


def _check_servers(c: int, minimum: int) -> None:
    """Raise ``ValueError`` unless `c` is an integer of at least `minimum`.

    Parameters
    ----------
    c : int
        Number of servers to check.
    minimum : int
        Smallest admissible number of servers.

    Raises
    ------
    ValueError
        If `c` is not an integer or is smaller than `minimum`.
    """
    if isinstance(c, bool) or not isinstance(c, (int, np.integer)):
        raise ValueError(f"number of servers c={c!r} must be an integer")
    if c < minimum:
        raise ValueError(f"number of servers c={c} must be >= {minimum}")


def _check_positive(name: str, value: float) -> None:
    """Raise ``ValueError`` unless `value` is a finite positive number.

    Parameters
    ----------
    name : str
        Name of the quantity, used in the error message.
    value : float
        Value to check.

    Raises
    ------
    ValueError
        If `value` is not finite or not strictly positive.
    """
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value} must be a finite number > 0")


def _check_stable(c: int, a: float) -> None:
    """Raise ``ValueError`` unless the offered load is below the capacity.

    Parameters
    ----------
    c : int
        Number of servers.
    a : float
        Offered load in Erlangs.

    Raises
    ------
    ValueError
        If ``a >= c``, i.e. the utilisation ``a / c`` is at least one.
    """
    if a >= c:
        raise ValueError(
            f"offered load a={a} must be < c={c} for a stable M/M/c queue"
        )


def erlang_b(c: int, a: float) -> float:
    """Return the Erlang B blocking probability of an M/M/c/c loss system.

    Parameters
    ----------
    c : int
        Number of servers, at least zero.
    a : float
        Offered load in Erlangs (arrival rate divided by service rate),
        strictly positive.

    Returns
    -------
    float
        Probability that an arrival finds all `c` servers busy.

    Raises
    ------
    ValueError
        If `c` is not a non-negative integer or `a` is not a finite
        positive number.

    Notes
    -----
    Uses the recursion ``B(0) = 1``,
    ``B(k) = a B(k-1) / (k + a B(k-1))``, which is stable for large `c`
    and `a` where the factorial form overflows.

    Examples
    --------
    >>> round(erlang_b(2, 1.0), 6)
    0.2
    """
    _check_servers(c, minimum=0)
    _check_positive("offered load a", a)
    blocking = 1.0
    for k in range(1, int(c) + 1):
        blocking = a * blocking / (k + a * blocking)
    return blocking


def erlang_c(c: int, a: float) -> float:
    """Return the Erlang C probability of waiting in an M/M/c queue.

    Parameters
    ----------
    c : int
        Number of servers, at least one.
    a : float
        Offered load in Erlangs, strictly positive and below `c`.

    Returns
    -------
    float
        Probability that an arriving customer has to wait for a server.

    Raises
    ------
    ValueError
        If ``c < 1``, ``a <= 0`` or ``a / c >= 1``.

    Notes
    -----
    Computed from Erlang B as ``C = B / (1 - rho (1 - B))`` with
    ``rho = a / c``.

    Examples
    --------
    >>> round(erlang_c(2, 1.0), 6)
    0.333333
    """
    _check_servers(c, minimum=1)
    _check_positive("offered load a", a)
    _check_stable(c, a)
    blocking = erlang_b(c, a)
    rho = a / c
    return blocking / (1.0 - rho * (1.0 - blocking))


@dataclass(frozen=True)
class MMcMetrics:
    """Steady-state performance measures of an M/M/c queue.

    Attributes
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda``.
    service_rate : float
        Service rate ``mu`` of one server.
    servers : int
        Number of servers ``c``.
    utilisation : float
        Per-server utilisation ``lambda / (c mu)``.
    prob_wait : float
        Erlang C probability that an arrival waits.
    wait_mean : float
        Mean waiting time in queue ``Wq``.
    time_in_system_mean : float
        Mean time in system ``W = Wq + 1 / mu``.
    queue_length_mean : float
        Mean number waiting in queue ``Lq = lambda Wq``.
    in_system_mean : float
        Mean number in system ``L = lambda W``.
    """

    arrival_rate: float
    service_rate: float
    servers: int
    utilisation: float
    prob_wait: float
    wait_mean: float
    time_in_system_mean: float
    queue_length_mean: float
    in_system_mean: float


def _offered_load(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Validate M/M/c parameters and return the offered load.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda``, strictly positive.
    service_rate : float
        Service rate ``mu`` of one server, strictly positive.
    servers : int
        Number of servers ``c``, at least one.

    Returns
    -------
    float
        Offered load ``a = lambda / mu`` in Erlangs.

    Raises
    ------
    ValueError
        If any parameter is out of range or the queue is unstable.
    """
    _check_servers(servers, minimum=1)
    _check_positive("arrival_rate", arrival_rate)
    _check_positive("service_rate", service_rate)
    a = arrival_rate / service_rate
    _check_stable(servers, a)
    return a


def mmc_metrics(arrival_rate: float, service_rate: float, servers: int) -> MMcMetrics:
    """Return the exact steady-state metrics of an M/M/c queue.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda``, strictly positive.
    service_rate : float
        Service rate ``mu`` of one server, strictly positive.
    servers : int
        Number of servers ``c``, at least one.

    Returns
    -------
    MMcMetrics
        Utilisation, probability of waiting, mean waits and mean
        queue and system sizes.

    Raises
    ------
    ValueError
        If any parameter is out of range or ``lambda >= c mu``.

    Examples
    --------
    >>> m = mmc_metrics(1.0, 1.0, 2)
    >>> round(m.wait_mean, 6), round(m.time_in_system_mean, 6)
    (0.333333, 1.333333)
    """
    a = _offered_load(arrival_rate, service_rate, servers)
    prob_wait = erlang_c(servers, a)
    wait_mean = prob_wait / (servers * service_rate - arrival_rate)
    time_in_system_mean = wait_mean + 1.0 / service_rate
    return MMcMetrics(
        arrival_rate=arrival_rate,
        service_rate=service_rate,
        servers=servers,
        utilisation=arrival_rate / (servers * service_rate),
        prob_wait=prob_wait,
        wait_mean=wait_mean,
        time_in_system_mean=time_in_system_mean,
        queue_length_mean=arrival_rate * wait_mean,
        in_system_mean=arrival_rate * time_in_system_mean,
    )


def mmc_wait_variance(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Return the variance of the waiting time in queue of an FCFS M/M/c.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda``, strictly positive.
    service_rate : float
        Service rate ``mu`` of one server, strictly positive.
    servers : int
        Number of servers ``c``, at least one.

    Returns
    -------
    float
        ``Var[Wq]``, the variance of the time a customer spends waiting
        before service starts.

    Raises
    ------
    ValueError
        If any parameter is out of range or ``lambda >= c mu``.

    Notes
    -----
    Under first-come-first-served discipline an arrival finds a free
    server with probability ``1 - C`` and then waits zero time. With
    probability ``C`` all servers are busy; the queue then drains at the
    rate ``c mu`` and, by the memoryless property, the wait is
    exponential with rate ``c mu - lambda``. Hence ``Wq`` is a mixture of
    a point mass at zero and ``Exp(c mu - lambda)``, so that

    ``E[Wq] = C / (c mu - lambda)``,
    ``E[Wq^2] = 2 C / (c mu - lambda)^2`` and
    ``Var[Wq] = E[Wq^2] - E[Wq]^2 = C (2 - C) / (c mu - lambda)^2``.

    Examples
    --------
    >>> round(mmc_wait_variance(1.0, 1.0, 2), 6)
    0.555556
    """
    a = _offered_load(arrival_rate, service_rate, servers)
    prob_wait = erlang_c(servers, a)
    drain_rate = servers * service_rate - arrival_rate
    second_moment = 2.0 * prob_wait / drain_rate**2
    mean = prob_wait / drain_rate
    return second_moment - mean**2


@dataclass(frozen=True)
class ErlangAMetrics:
    """Steady-state performance measures of an M/M/c+M (Erlang A) queue.

    Attributes
    ----------
    arrival_rate, service_rate, abandonment_rate : float
        ``lambda``, ``mu`` and ``theta`` (one over the mean patience).
    servers : int
        Number of servers ``c``.
    prob_wait : float
        Probability that an arrival finds every server busy.
    abandon_share : float
        Share of arrivals that leave unserved, ``theta Lq / lambda``.
    utilisation : float
        Mean busy servers over ``c``.
    queue_length_mean : float
        Mean number waiting ``Lq``.
    in_system_mean : float
        Mean number in system ``L``.
    """

    arrival_rate: float
    service_rate: float
    abandonment_rate: float
    servers: int
    prob_wait: float
    abandon_share: float
    utilisation: float
    queue_length_mean: float
    in_system_mean: float


def erlang_a_metrics(arrival_rate: float, service_rate: float, servers: int,
                     abandonment_rate: float, tail: float = 1e-15) -> ErlangAMetrics:
    """Return the exact steady-state metrics of an M/M/c+M queue.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda``, strictly positive.
    service_rate : float
        Service rate ``mu`` of one server, strictly positive.
    servers : int
        Number of servers ``c``, at least one.
    abandonment_rate : float
        Rate ``theta`` at which a waiting customer gives up, strictly positive.
    tail : float
        The chain is summed until a state's probability, relative to the
        largest, falls below this (the terms then shrink geometrically).

    Returns
    -------
    ErlangAMetrics
        Probability of waiting, share abandoning, utilisation and mean sizes.

    Notes
    -----
    The stationary probabilities satisfy ``p(n) / p(n - 1) = lambda / d(n)``
    with ``d(n) = mu min(n, c) + theta max(n - c, 0)``; they are summed in
    logarithms, so large ``c`` and loads above ``c mu`` do not overflow.

    Examples
    --------
    >>> m = erlang_a_metrics(1.0, 1.0, 1, 1.0)  # M/M/1+M with theta = mu
    >>> round(m.prob_wait, 6), round(m.abandon_share, 6)
    (0.632121, 0.367879)
    """
    _check_servers(servers, minimum=1)
    for name, value in (("arrival_rate", arrival_rate), ("service_rate", service_rate),
                        ("abandonment_rate", abandonment_rate)):
        _check_positive(name, value)
    log_terms = [0.0]
    n = 0
    while True:
        n += 1
        death = service_rate * min(n, servers) + abandonment_rate * max(n - servers, 0)
        log_terms.append(log_terms[-1] + math.log(arrival_rate / death))
        if n > servers and death > arrival_rate \
                and log_terms[-1] - max(log_terms) < math.log(tail):
            break
    logs = np.array(log_terms)
    p = np.exp(logs - logs.max())
    p /= p.sum()
    states = np.arange(len(p))
    waiting = np.maximum(states - servers, 0)
    queue = float(p @ waiting)
    return ErlangAMetrics(
        arrival_rate=arrival_rate, service_rate=service_rate,
        abandonment_rate=abandonment_rate, servers=servers,
        prob_wait=float(p[servers:].sum()),
        abandon_share=abandonment_rate * queue / arrival_rate,
        utilisation=float(p @ np.minimum(states, servers)) / servers,
        queue_length_mean=queue,
        in_system_mean=float(p @ states),
    )
