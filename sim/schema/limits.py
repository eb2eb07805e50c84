"""Limits on input: the largest values that still make a sensible run, and safe names.

Every number in a scenario, sweep or claim file must be finite, and a boolean is
never taken for a number. On top of each key's own range, the bounds below keep
a typo (``horizon: 1e9``, ``demand: 1e308``, ``replications: 1000000000``) from
becoming a run that never ends or exhausts the machine's memory. They are set
well beyond any organisation the model is meant for; ``docs/scenarios.md``
(section *Limits*) and ``docs/sweeps.md`` list them with their reasons.

A *safe name* is a name that becomes part of a path (a sweep's folder, a
claim's plot, a comparison's scenario file): a single path component, so that
no name can reach outside the folder it is written in.
"""

from __future__ import annotations

import math

from sim.errors import ScenarioError
from sim.units import DAYS_PER_YEAR

MAX_FILE_BYTES = 1_048_576
"""Largest scenario, sweep or claim file read (1 MiB); real files are a few kB."""

MAX_YAML_VALUES = 100_000
"""Most values a YAML file may hold, with its aliases (``*name``) counted as written out."""

MAX_YAML_DEPTH = 64
"""Most levels of nested lists and mappings in a YAML file (real files need fewer than 10).

Checked while the file is parsed, before anything is built, so that no depth
can exhaust the parser's stack.
"""

MAX_EXTENDS_CHAIN = 32
"""Most files in an ``extends`` chain, the file itself included (real chains have 2 or 3)."""

MAX_PATH_CHARS = 4_096
"""Longest path a file may name (``extends``, a sweep's or claim's ``scenario``)."""

MAX_HORIZON_DAYS = 100 * DAYS_PER_YEAR
"""Longest simulated time: 100 years of 252 working days (25,200 days)."""

MAX_DEMAND = 100_000.0
"""Most value-demand items a day (``operations.demand``, also after timeline changes)."""

MAX_DEMAND_GROWTH = 10.0
"""Largest yearly demand growth (``operations.demand_growth``; 10 = +1000% a year)."""

MAX_ITEMS = 100_000_000
"""Most day-job items (value and failure demand) one replication may expect.

Expected items are ``operations.demand`` integrated over the horizon with its
growth, divided by ``1 - p_defect`` for the failure demand that comes back; at
about half a million items a second, 100 million items take a few minutes.
"""

MAX_HEADCOUNT = 10_000
"""Most people in one staff group, at the start and after every timeline change."""

MAX_REPLICATIONS = 10_000
"""Most replications of a scenario, of a sweep point or of a claim's arm."""

MAX_SEED = 2**63 - 1
"""Largest root seed (seeds are stored as 64-bit integers in result tables)."""

MAX_PROPOSALS = 100_000
"""Most project proposals the templates of one replication may expect."""

MAX_TIMELINE_EVENTS = 1_000
"""Most timeline events in a scenario (each one is replayed when the file is checked)."""

MIN_DURATION_DAYS = 0.001
"""Shortest positive duration or time constant (0.001 working days: under a minute).

A positive duration divides time somewhere (a rate, a decay, a seasonal
phase); below this, the quotient of the horizon by it leaves the range where
the arithmetic stays exact and finite.
"""

MAX_DURATION_DAYS = 10 * MAX_HORIZON_DAYS
"""Longest duration or time constant: 1,000 years (anything past the horizon means "never")."""

MIN_FACTOR = 0.001
"""Smallest multiplier that must stay positive (a skill, a capability)."""

MAX_REDUCTION = 0.99
"""Largest share by which a PMO practice or maturity shortens a delay (a delay never vanishes)."""

MAX_GAIN = 100.0
"""Largest multiplier, gain, weight, threshold or curve value (a skill of 100 is 100x as fast)."""

MAX_RATE_PER_YEAR = 100.0
"""Largest hazard of leaving per person per year (100: everyone replaced every 2.5 days)."""

MAX_WIP = 10_000
"""Largest WIP limit and most assignments one person may hold."""

MIN_SIZE = 0.01
"""Smallest project size or effort, in person-days."""

MAX_SIZE = 1_000_000.0
"""Largest project size or effort, in person-days (4,000 person-years)."""

MIN_SERVICE = 0.0001
"""Smallest mean effort of a day-job item, in person-days (about 3 seconds)."""

MAX_SERVICE = 250.0
"""Largest mean effort of a day-job item, in person-days (about a year)."""

MIN_SCALE, MAX_SCALE = 1e-6, 1e6
"""Range of a timeline ``scale`` factor (undoing it divides by it)."""

MAX_CURVE_POINTS = 1_000
"""Most points of a lookup curve (``stress.*_productivity``, ``stress.defects``)."""

MAX_SWEEP_VALUE = 1e15
"""Largest magnitude of a sweep range's ``low`` and ``high``."""

MAX_MORRIS_LEVELS = 1_000
"""Most grid levels of a Morris design."""

MAX_HOURS_PER_DAY = 24.0
"""Longest working day (``hours_per_day``)."""

MAX_SPREAD = 100.0
"""Largest coefficient of variation (``service_cv``, ``size_cv``)."""

MAX_LOG_SIGMA = 5.0
"""Largest sigma of a lognormal error (``projects.estimate_error``; 5 is a factor of e^5)."""

MAX_BENEFIT = 10.0
"""Largest benefit magnitude and demand coupling (a revenue benefit of 10 is +1000%)."""

DEFAULT_BACKLOG_LIMIT = 50.0
"""Default ``operations.backlog_limit``: a run collapses past 50 days of value demand."""

MAX_BACKLOG_DAYS = 1_000.0
"""Largest ``operations.backlog_limit``, in days of value demand."""

MAX_BACKLOG_ITEMS = 10_000_000
"""Most items ``operations.backlog_limit`` may let pile up (each is held in memory)."""

MAX_SWEEP_POINTS = 100_000
"""Most design rows of a sweep (grid combinations, list points or sampled rows).

A Sobol design of N base samples over d parameters has N x (d + 2) rows, so this
also bounds N (32,768 for one parameter, 16,384 for up to 4).
"""

MAX_SWEEP_RUNS = 1_000_000
"""Most runs of a sweep: its points times its replications."""

MAX_ROBUSTNESS_SAMPLES = 1_000
"""Most sampled organisations of a claim's robustness check."""

MAX_WORKERS = 256
"""Most worker processes a command may start (``--workers``)."""

MAX_NAME_BYTES = 100
"""Longest safe name, in bytes of UTF-8 (a file name may have 255)."""

LIMITS_DOC = "docs/scenarios.md#limits"
"""Where the limits are explained, named in error messages."""


def expected_items(demand: float, growth: float, horizon: float, p_defect: float) -> float:
    """Day-job items one replication can expect: value demand plus the failures it causes.

    Parameters
    ----------
    demand
        Value demand per day at the start.
    growth
        Compound growth of demand per year.
    horizon
        Simulated working days.
    p_defect
        Probability that a completed item comes back as failure demand.

    Returns
    -------
    float
        The integral of demand over the horizon, divided by ``1 - p_defect``
        (infinite if it overflows).
    """
    if demand <= 0.0:
        return 0.0
    try:
        if growth == 0.0:
            value = demand * horizon
        else:
            rate = math.log1p(growth) / DAYS_PER_YEAR
            value = demand * math.expm1(rate * horizon) / rate
    except OverflowError:
        return math.inf
    return value / (1.0 - p_defect)


def check_count(key: str, value: int | None, high: int, low: int = 0) -> None:
    """Refuse a count given outside a file (an option, a Python argument) beyond its limit.

    Raises
    ------
    ScenarioError
        Naming ``key``, the value and the allowed range; None passes.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(f"{key} = {value!r}: must be a whole number from {low} to "
                            f"{high:,} ({LIMITS_DOC})")


def name_problem(name: str) -> str | None:
    r"""Say what keeps ``name`` from being a safe name, or None if it is one.

    A safe name is one path component: not empty, not ``.`` or ``..``, not
    starting with a dot, without ``/``, ``\\`` or control characters, at most
    :data:`MAX_NAME_BYTES` bytes.
    """
    if not name or not name.strip():
        return "must not be empty"
    if "/" in name or "\\" in name:
        return "must be a single name, without '/' or '\\' (it becomes a file or folder name)"
    if name.startswith("."):
        return "must not start with a dot (no '.', '..' or hidden names)"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "must not contain control characters"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"must be at most {MAX_NAME_BYTES} bytes long"
    return None


def safe_label(name: str, fallback: str = "run") -> str:
    """Turn a label (a scenario's name) into a safe name for a file or folder.

    Letters, digits, ``-``, ``_`` and ``.`` are kept, anything else becomes
    ``-``; leading dots are dropped and the result is cut to
    :data:`MAX_NAME_BYTES` bytes. An empty result gives ``fallback``.
    """
    text = "".join(c if c.isalnum() or c in "-_." else "-" for c in name).lstrip(".")
    text = text.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", errors="ignore")
    return text or fallback
