"""Core benchmarks of the simulator: ops throughput, a baseline run, the claims suite.

Three measurements are printed side by side in one plain-text report:

(a) **Ops throughput.** Items completed per wall-clock second of
    :func:`sim.run` on ``scenarios/reference/mmc.yaml`` (the exact M/M/c
    reduction of the model) against the textbook SimPy M/M/c in
    ``bench/textbook_mmc.py`` (one process per customer, ``simpy.Resource``)
    at the same arrival rate, service mean, number of servers and horizon.
    Runs are interleaved so both share machine conditions; the median and
    best rates and the ratio of the medians are reported, with both mean
    waits and the exact Erlang C mean wait as a check that both simulate the
    same queue.

(b) **Baseline cost.** Wall time and peak resident memory of one replication
    of ``scenarios/baseline.yaml``, each in a fresh interpreter so that the
    import cost is excluded from the timing (only ``sim.run`` is timed in the
    child) while the peak RSS is that of the whole child process. Each child
    runs two replications: the first also pays the one-off cost of loading
    the compiled service desk (shown as *first run s*), the second is the
    cost of every further replication in that process (the *wall s* columns,
    which the target refers to). Horizons of
    1, 3 and 6 years and a child that only imports ``sim`` and loads the
    scenario (the memory floor) show that memory does not grow with the
    simulated horizon. Children that run the textbook M/M/c for 100,000
    items, interleaved with the others, give the yardstick the 3-year run is
    measured against. A third run in each child times the service desk's event
    loop alone, to show how much of a run the day's other rules take.

(c) **Claims suite.** One replication of every arm of every claim in
    ``scenarios/claims`` (its base at its horizon), timed in this process, and
    from them the time of the claims suite at 200 sampled organisations per
    claim, counted run by run as ``pmosim claims`` plans it (first looks,
    knock-outs, samples; and every look to the cap), on 2 cores (an estimate).
    A further round times the part of each run spent in the service desk's event
    loop, which simulates the work items one by one, and what a run costs whatever
    its length (a 5-day run of the arm, and the rate of return worked out once at
    the end): together a floor that no speed-up of the day's other rules can go
    under.

Run it from the repository root::

    python bench/bench_core.py            # full run (about three minutes)
    python bench/bench_core.py --quick    # smoke run
    python bench/bench_core.py --json results/bench.json
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

TARGET_SPEEDUP = {300.0: 25.0, 90.0: 12.0}
"""Target ratio of median items/s, model over textbook, by arrival rate."""

TEXTBOOK_ITEMS = 100_000
"""The baseline's cost is compared with the textbook M/M/c serving this many items."""

TARGET_TEXTBOOK_SHARE = 0.1
"""Target time of one 3-year baseline replication, as a share of the textbook's items."""

CLAIM_SAMPLES = 200
"""The claims suite the estimate of (c) is for: sampled organisations per claim."""

TARGET_SUITE_MINUTES, SUITE_CORES = 10.0, 2
"""Target wall time of the claims suite, and the cores it has."""

TARGET_RSS_MB = 300.0
"""Target peak RSS of one baseline replication, in MB (10**6 bytes)."""

_CHILD_CODE = """
import json, resource, sys, time
import sim

mode, path, horizon = sys.argv[1:4]
scenario = sim.load_scenario(path, {"horizon": horizon})
out = {"mode": mode, "horizon_days": scenario.horizon}
if mode == "textbook":  # the textbook M/M/c serving a fixed number of items (path: its module)
    import importlib.util
    spec = importlib.util.spec_from_file_location("textbook", sys.argv[4])
    textbook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(textbook)
    items = int(sys.argv[5])
    textbook.run_textbook_mmc(300.0, 0.3, 100, 20.0, seed=0)  # warm up, as the model's first run
    started, cpu = time.perf_counter(), time.process_time()
    result = textbook.run_textbook_mmc(300.0, 0.3, 100, items / 300.0, seed=1)
    out["wall_seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = time.process_time() - cpu
    out["items"] = result["items"]
if mode == "run":
    started = time.perf_counter()
    sim.run(scenario, replication=1)  # a process's first run also loads the compiled desk
    out["first_wall_seconds"] = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    result = sim.run(scenario, replication=0)
    out["wall_seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = time.process_time() - cpu
    out["items"] = result.summary["ops_items_completed"]
    out["projects_completed"] = result.summary["projects_completed"]
    sys.path.insert(0, "bench")  # a third run, with the desk's share timed
    from bench_core import _desk_clock
    started = time.perf_counter()
    with _desk_clock() as clock:
        sim.run(scenario, replication=0)
    out["desk_run_wall_seconds"] = time.perf_counter() - started
    out["desk_seconds"] = clock.seconds
out["max_rss_raw"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # Linux cross-check: peak RSS of this process image only
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                out["vm_hwm_kib"] = int(line.split()[1])
except OSError:
    pass
print(json.dumps(out))
"""
"""Code run by each fresh child of the baseline benchmark.

Arguments are ``mode`` (``floor``, ``run`` or ``textbook``), the scenario path and
the horizon override (and, for ``textbook``, the path of ``textbook_mmc.py`` and the
number of items). It prints one JSON line; ``max_rss_raw`` is ``ru_maxrss`` as the
platform reports it (KiB on Linux, bytes on macOS).
"""

_LAUNCHER_CODE = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"
"""Small interpreter through which each benchmark child is started.

On Linux ``ru_maxrss`` survives ``exec``: a child forked or vforked
straight from this (large) benchmark process would report this process's
peak RSS, not its own. Started from a small launcher, the child inherits
only the launcher's few MiB, which stay below the figures measured.
"""


def _bench_dir() -> Path:
    """Return the folder holding this file.

    Returns
    -------
    pathlib.Path
        Absolute path of ``bench/``.
    """
    return Path(__file__).resolve().parent


def _repo_root() -> Path:
    """Return the repository root (the parent of ``bench/``).

    Returns
    -------
    pathlib.Path
        Absolute path of the repository root.
    """
    return _bench_dir().parent


def load_textbook() -> ModuleType:
    """Import ``bench/textbook_mmc.py`` by path.

    Returns
    -------
    types.ModuleType
        The textbook module, providing ``run_textbook_mmc``.
    """
    path = _bench_dir() / "textbook_mmc.py"
    spec = importlib.util.spec_from_file_location("_bench_textbook_mmc", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rss_to_mib(raw: float) -> float:
    """Convert a ``ru_maxrss`` value to MiB.

    Parameters
    ----------
    raw : float
        ``ru_maxrss`` as reported by the platform.

    Returns
    -------
    float
        The same amount in MiB (KiB on Linux, bytes on macOS).
    """
    if sys.platform == "darwin":
        return raw / 2**20
    return raw / 2**10


def _timed(func, *args, **kwargs) -> tuple[Any, float]:
    """Call ``func`` after a full garbage collection and time the call.

    Parameters
    ----------
    func : callable
        Function to call.
    *args, **kwargs
        Passed to ``func``.

    Returns
    -------
    tuple
        The return value and the elapsed wall-clock seconds.
    """
    gc.collect()
    started = time.perf_counter()
    value = func(*args, **kwargs)
    return value, time.perf_counter() - started


class _Clock:
    """Time spent in one function of the package while the clock is installed (``with``).

    ``owner.name`` is replaced by a wrapper that adds the time of each call to
    :attr:`seconds`, and put back on leaving.
    """

    def __init__(self, owner: Any, name: str) -> None:
        self.owner, self.name, self.seconds = owner, name, 0.0

    def __enter__(self) -> _Clock:
        self._original = original = getattr(self.owner, self.name)
        clock = self

        def timed(*args: Any) -> Any:
            begun = time.perf_counter()
            try:
                return original(*args)
            finally:
                clock.seconds += time.perf_counter() - begun

        setattr(self.owner, self.name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.owner, self.name, self._original)


def _desk_clock() -> _Clock:
    """A clock on the service desk's event loop.

    :meth:`sim.model.operations.ServiceDesk.advance` runs the desk's items (the
    compiled loop and the refills of its random draws) and nothing else.
    """
    from sim.model.operations import ServiceDesk

    return _Clock(ServiceDesk, "advance")


def _rate_of_return_clock() -> _Clock:
    """A clock on the rate of return, worked out once a run from its weekly cash flows."""
    from sim.model import finance

    return _Clock(finance, "annual_irr")


def _stats(rates: list[float]) -> dict[str, float]:
    """Summarise a list of rates.

    Parameters
    ----------
    rates : list of float
        One value per repeat.

    Returns
    -------
    dict
        ``median`` and ``best`` (maximum) of the values.
    """
    return {"median": statistics.median(rates), "best": max(rates)}


def _mean_se(values: list[float]) -> tuple[float, float]:
    """Return the mean of ``values`` and its standard error.

    Parameters
    ----------
    values : list of float
        Independent estimates.

    Returns
    -------
    tuple of float
        Mean and standard error (``nan`` with fewer than two values).
    """
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    return mean, statistics.stdev(values) / len(values) ** 0.5


OPS_CONFIGS = ((300.0, 0.3, 100), (90.0, 1.0, 100))
"""(arrival rate per day, mean service in days, servers) of the M/M/c comparisons."""


def bench_ops(repeats: int, horizon_days: int, arrival_rate: float = 300.0,
              service_mean: float = 0.3, servers: int = 100) -> dict[str, Any]:
    """Measure ops throughput of ``sim.run`` against the textbook M/M/c.

    Parameters
    ----------
    repeats : int
        Number of timed runs of each implementation, interleaved.
    horizon_days : int
        Simulated horizon in days, the same for both; warmup is 0.
    arrival_rate, service_mean, servers : float, float, int
        The queue (``scenarios/reference/mmc.yaml`` with these values).

    Returns
    -------
    dict
        Parameters of the queue, per-run figures and their summaries for
        ``model`` and ``textbook``, the ratio of median items/s and the
        Erlang C mean wait.
    """
    import sim
    from sim.theory.queueing import mmc_metrics

    textbook = load_textbook()
    path = _repo_root() / "scenarios" / "reference" / "mmc.yaml"
    queue = {"operations.demand": arrival_rate, "operations.service_mean": service_mean,
             "workforce.operations.headcount": servers}
    scenario = sim.load_scenario(path, {"horizon": horizon_days, "warmup": 0, **queue})
    lam = scenario.operations.demand
    service_mean = scenario.operations.service_mean
    servers = scenario.workforce.operations.headcount
    horizon = float(scenario.horizon)
    erlang_wait = mmc_metrics(lam, 1.0 / service_mean, servers).wait_mean

    # Untimed warm-up of both, so that one-off costs (lazy imports, caches)
    # do not land in the first timed run.
    short = sim.load_scenario(path, {"horizon": 20, "warmup": 0, **queue})
    sim.run(short, replication=0)
    textbook.run_textbook_mmc(lam, service_mean, servers, 20.0, seed=0)

    runs: dict[str, list[dict[str, float]]] = {"model": [], "textbook": []}

    def run_model(i: int) -> None:
        result, wall = _timed(sim.run, scenario, replication=i)
        items = float(result.summary["ops_items_completed"])
        runs["model"].append({"replication": i, "items": items, "wall_seconds": wall,
                              "items_per_second": items / wall,
                              "wait_mean": float(result.summary["ops_wait_mean"])})

    def run_textbook(i: int) -> None:
        result, wall = _timed(textbook.run_textbook_mmc, lam, service_mean, servers,
                              horizon, seed=i + 1)
        items = float(result["items"])
        runs["textbook"].append({"seed": i + 1, "items": items, "wall_seconds": wall,
                                 "items_per_second": items / wall,
                                 "wait_mean": float(result["wait_mean"])})

    for i in range(repeats):
        # Alternate which goes first so neither always follows the other.
        order = (run_model, run_textbook) if i % 2 == 0 else (run_textbook, run_model)
        for step in order:
            step(i)

    out: dict[str, Any] = {
        "scenario": "scenarios/reference/mmc.yaml",
        "arrival_rate": lam, "service_mean": service_mean, "servers": servers,
        "horizon_days": horizon, "warmup_days": 0.0, "repeats": repeats,
        "erlang_c_wait_mean": erlang_wait,
    }
    for name, rows in runs.items():
        wait_mean, wait_se = _mean_se([r["wait_mean"] for r in rows])
        out[name] = {
            "runs": rows,
            "items_per_second": _stats([r["items_per_second"] for r in rows]),
            "wall_seconds_median": statistics.median(r["wall_seconds"] for r in rows),
            "items_median": statistics.median(r["items"] for r in rows),
            "wait_mean": wait_mean,
            "wait_mean_se": wait_se,
        }
    out["speedup_median"] = (out["model"]["items_per_second"]["median"]
                             / out["textbook"]["items_per_second"]["median"])
    out["target_speedup"] = TARGET_SPEEDUP[lam]
    out["target_met"] = out["speedup_median"] >= TARGET_SPEEDUP[lam]
    return out


def _run_child(mode: str, path: Path, horizon: str, *extra: str) -> dict[str, Any]:
    """Run one benchmark child in a fresh interpreter and parse its report.

    Parameters
    ----------
    mode : str
        ``"floor"`` (import ``sim`` and load the scenario only), ``"run"``
        (also run replication 0) or ``"textbook"`` (the textbook M/M/c serving
        ``extra[1]`` items, ``extra[0]`` its module).
    path : pathlib.Path
        Scenario file.
    horizon : str
        Horizon override, e.g. ``"3 years"``.

    Returns
    -------
    dict
        The child's figures, with ``max_rss_mib`` (and on Linux
        ``vm_hwm_mib``, the peak RSS of the child's own image) added.
    """
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER_CODE,
         sys.executable, "-c", _CHILD_CODE, mode, str(path), horizon, *extra],
        cwd=_repo_root(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child ({mode}, {horizon}) failed:\n{proc.stderr}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["max_rss_mib"] = _rss_to_mib(report.pop("max_rss_raw"))
    if "vm_hwm_kib" in report:
        report["vm_hwm_mib"] = report.pop("vm_hwm_kib") / 2**10
    return report


def bench_baseline(horizons: list[str], repeats: int) -> dict[str, Any]:
    """Measure wall time and peak RSS of baseline replications in fresh children.

    Parameters
    ----------
    horizons : list of str
        Horizon overrides to measure, e.g. ``["1 years", "3 years"]``; must
        include ``"3 years"``, the horizon the targets refer to.
    repeats : int
        Fresh children per horizon (and for the floor).

    Returns
    -------
    dict
        ``floor`` (RSS of import plus load), one entry per horizon under
        ``horizons`` (wall time median and best, peak RSS, increment over the
        floor), the textbook M/M/c's time for :data:`TEXTBOOK_ITEMS` items (in
        fresh children, interleaved with the others) and the target checks for
        3 years.
    """
    path = _repo_root() / "scenarios" / "baseline.yaml"
    floors = [_run_child("floor", path, "3 years") for _ in range(repeats)]
    floor_mib = statistics.median(f["max_rss_mib"] for f in floors)
    per_horizon: dict[str, Any] = {}
    # Interleave horizons and the textbook across repeats so drift in machine load is shared.
    samples: dict[str, list[dict[str, Any]]] = {h: [] for h in horizons}
    textbook: list[dict[str, Any]] = []
    for _ in range(repeats):
        textbook.append(_run_child("textbook", path, "3 years",
                                   str(_bench_dir() / "textbook_mmc.py"), str(TEXTBOOK_ITEMS)))
        for horizon in horizons:
            samples[horizon].append(_run_child("run", path, horizon))
    for horizon, rows in samples.items():
        walls = [r["wall_seconds"] for r in rows]
        firsts = [r["first_wall_seconds"] for r in rows]
        peak = max(r["max_rss_mib"] for r in rows)
        per_horizon[horizon] = {
            "horizon_days": rows[0]["horizon_days"],
            "wall_seconds_median": statistics.median(walls),
            "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in rows),
            "wall_seconds_best": min(walls),
            "first_wall_seconds_median": statistics.median(firsts),
            "max_rss_mib": peak,
            "rss_over_floor_mib": peak - floor_mib,
            "items": rows[0]["items"],
            "projects_completed": rows[0]["projects_completed"],
            "desk_seconds_median": statistics.median(r["desk_seconds"] for r in rows),
            "desk_share_median": statistics.median(
                r["desk_seconds"] / r["desk_run_wall_seconds"] for r in rows),
            "runs": rows,
        }
    ref = per_horizon["3 years"]
    rss_target_mib = TARGET_RSS_MB * 1e6 / 2**20
    textbook_wall = statistics.median(t["wall_seconds"] for t in textbook)
    textbook_cpu = statistics.median(t["cpu_seconds"] for t in textbook)
    share = ref["wall_seconds_median"] / textbook_wall
    return {
        "scenario": "scenarios/baseline.yaml",
        "repeats": repeats,
        "floor_max_rss_mib": floor_mib,
        "floor_runs": floors,
        "horizons": per_horizon,
        "textbook_items": TEXTBOOK_ITEMS,
        "textbook_wall_seconds_median": textbook_wall,
        "textbook_cpu_seconds_median": textbook_cpu,
        "textbook_runs": textbook,
        "textbook_share": share,
        "textbook_share_cpu": ref["cpu_seconds_median"] / textbook_cpu,
        "target_textbook_share": TARGET_TEXTBOOK_SHARE,
        "target_rss_mb": TARGET_RSS_MB,
        "wall_target_met": share <= TARGET_TEXTBOOK_SHARE,
        "rss_target_met": ref["max_rss_mib"] < rss_target_mib,
    }


def bench_claims(repeats: int) -> dict[str, Any]:
    """Time one replication of every arm of every shipped claim, and estimate the suite.

    Each claim's arms (its base scenario with the claim's and the arm's settings,
    at the claim's horizon) run once per round, in this process after a warm-up;
    rounds are repeated so that each arm's time is a median. The claims suite is
    estimated from them, run by run as ``pmosim claims`` plans it: every arm's
    first look (the claim's replications), the same again for every mechanism
    knocked out, and :data:`CLAIM_SAMPLES` sampled organisations x the claim's
    robustness replications of every arm, each at its arm's cost, on
    :data:`SUITE_CORES` cores. That is the suite when every claim is decided at its
    first look; the upper figure runs every look up to the claim's cap.

    Returns
    -------
    dict
        Per claim its base, horizon, arms, knock-outs, median seconds per run and
        runs, and the estimates with their target check.
    """
    import sim
    from sim.studies import knockouts
    from sim.studies.claims import arm_scenarios, find_claims

    folder = _repo_root() / "scenarios" / "claims"
    plans = [(claim, path, arm_scenarios(claim, path, replications=claim.replications))
             for path, claim in find_claims(folder, None)]
    first = next(iter(plans[0][2].values()))
    sim.run(first.model_copy(update={"horizon": 20.0, "timeline": ()}), 0)  # warm up
    walls: dict[str, list[list[float]]] = {claim.id: [] for claim, _, _ in plans}
    for _ in range(repeats):
        for claim, _, arms in plans:
            walls[claim.id].append([_timed(sim.run, arm, 0)[1] for arm in arms.values()])
    desks: dict[str, list[float]] = {}
    fixed: dict[str, list[float]] = {}
    for claim, _, arms in plans:  # one more round, with what does not depend on the rules timed
        desks[claim.id], fixed[claim.id] = [], []
        for arm in arms.values():
            with _desk_clock() as desk, _rate_of_return_clock() as rate:
                sim.run(arm, 0)
            short = arm.model_copy(update={"horizon": 5.0, "warmup": 0.0})
            setup = min(_timed(sim.run, short, 0)[1] for _ in range(3))
            desks[claim.id].append(desk.seconds)
            fixed[claim.id].append(setup + rate.seconds)
    rows = []
    for claim, path, arms in plans:
        per_arm = [statistics.median(r[a] for r in walls[claim.id]) for a in range(len(arms))]
        knocked = len(knockouts.applicable(claim, arms)[0])
        samples = CLAIM_SAMPLES * claim.robustness.replications
        looks = {"first": claim.replications, "cap": claim.replication_cap}
        runs = {k: (n * (1 + knocked) + samples) * len(arms) for k, n in looks.items()}
        seconds = {k: (n * (1 + knocked) + samples) * sum(per_arm) for k, n in looks.items()}
        planned = looks["first"] * (1 + knocked) + samples
        desk_seconds = planned * sum(desks[claim.id])
        rows.append({"claim": claim.id, "base": (path.parent / claim.scenario).stem,
                     "horizon_days": _horizon(arms), "arms": len(arms),
                     "knockouts": knocked, "seconds_per_run": statistics.fmean(per_arm),
                     "runs": runs["first"], "runs_to_cap": runs["cap"],
                     "core_seconds": seconds["first"], "core_seconds_to_cap": seconds["cap"],
                     "desk_seconds_per_run": statistics.fmean(desks[claim.id]),
                     "desk_core_seconds": desk_seconds,
                     "fixed_core_seconds": planned * sum(fixed[claim.id])})
    runs = sum(r["runs"] for r in rows)
    core_seconds = sum(r["core_seconds"] for r in rows)
    minutes = core_seconds / SUITE_CORES / 60.0
    most = sum(r["core_seconds_to_cap"] for r in rows) / SUITE_CORES / 60.0
    desk_minutes = sum(r["desk_core_seconds"] for r in rows) / SUITE_CORES / 60.0
    fixed_minutes = sum(r["fixed_core_seconds"] for r in rows) / SUITE_CORES / 60.0
    return {"repeats": repeats, "claims": rows, "suite_runs": runs,
            "suite_runs_to_cap": sum(r["runs_to_cap"] for r in rows),
            "seconds_per_run": core_seconds / runs, "suite_cores": SUITE_CORES,
            "suite_minutes": minutes, "suite_minutes_to_cap": most,
            "suite_desk_minutes": desk_minutes, "suite_fixed_minutes": fixed_minutes,
            "target_minutes": TARGET_SUITE_MINUTES,
            "target_met": minutes <= TARGET_SUITE_MINUTES}


def _horizon(arms: dict[str, Any]) -> float:
    """The horizon of a claim's first arm (every arm of a claim has the claim's)."""
    return next(iter(arms.values())).horizon


def _claims_lines(claims: dict[str, Any]) -> list[str]:
    """The report's lines for the claims suite estimate."""
    lines = [
        "",
        f"(c) Claims suite: one replication of every arm of every claim in scenarios/claims, "
        f"in this process, median of {claims['repeats']}; runs as planned at "
        f"{CLAIM_SAMPLES} samples",
        f"    {'claim':<7}{'base':<16}{'years':>6}{'arms':>6}{'k-o':>5}{'s per run':>11}"
        f"{'desk s':>8}{'runs':>8}{'core min':>10}{'to cap':>9}",
    ]
    for r in claims["claims"]:
        lines.append(f"    {r['claim']:<7}{r['base']:<16}{r['horizon_days'] / 252.0:>6.1f}"
                     f"{r['arms']:>6}{r['knockouts']:>5}{r['seconds_per_run']:>11.3f}"
                     f"{r['desk_seconds_per_run']:>8.3f}"
                     f"{r['runs']:>8,}{r['core_seconds'] / 60.0:>10.1f}"
                     f"{r['core_seconds_to_cap'] / 60.0:>9.1f}")
    lines.append(
        f"    {claims['suite_runs']:,} runs at {claims['seconds_per_run']:.3f} s each on "
        f"{claims['suite_cores']} cores: {claims['suite_minutes']:.1f} min  target <= "
        f"{claims['target_minutes']:g} min  {_verdict(claims['target_met'])}")
    lines.append(
        f"    every look to the cap ({claims['suite_runs_to_cap']:,} runs): "
        f"{claims['suite_minutes_to_cap']:.1f} min")
    desk = claims["suite_desk_minutes"]
    lines.append(
        f"    of which the desk's items alone: {desk:.1f} min "
        f"({100 * desk / claims['suite_minutes']:.0f}%); the target leaves "
        f"{claims['target_minutes'] - desk:.1f} min for everything else "
        f"(now {claims['suite_minutes'] - desk:.1f} min)")
    lines.append(
        f"    and what a run costs whatever its days (building the organisation, its tables "
        f"and summary: a 5-day run; the rate of return): {claims['suite_fixed_minutes']:.1f} min")
    return lines


def _verdict(met: bool) -> str:
    """Return the word printed next to a target.

    Parameters
    ----------
    met : bool
        Whether the target is met.

    Returns
    -------
    str
        ``"met"`` or ``"NOT MET"``.
    """
    return "met" if met else "NOT MET"


def format_report(figures: dict[str, Any]) -> str:
    """Render the figures as a compact plain-text report.

    Parameters
    ----------
    figures : dict
        Output of :func:`collect`.

    Returns
    -------
    str
        The report, several lines.
    """
    meta, base = figures["meta"], figures["baseline"]
    lines = [
        f"pmosim core benchmark ({meta['mode']})  {meta['timestamp']}",
        f"python {meta['python']}  simpy {meta['simpy']}  numpy {meta['numpy']}  "
        f"{meta['platform']}  cpus={meta['cpus']}",
    ]
    for ops in figures["ops"]:
        lines += _ops_lines(ops)
    lines += _baseline_lines(base)
    if "claims" in figures:
        lines += _claims_lines(figures["claims"])
    return "\n".join(lines)


def _ops_lines(ops: dict[str, Any]) -> list[str]:
    """The report's lines for one M/M/c comparison."""
    lines = [
        "",
        f"(a) Ops throughput: M/M/c lambda={ops['arrival_rate']:g}/day, "
        f"service mean={ops['service_mean']:g} days, c={ops['servers']}, "
        f"horizon={ops['horizon_days']:g} days, warmup 0; "
        f"{ops['repeats']} runs each, interleaved",
        f"    {'':<22}{'items/run':>10}{'median items/s':>16}{'best items/s':>14}"
        f"{'median wall s':>15}{'wait mean days (±se)':>24}",
    ]
    for key, label in (("model", "sim.run (mmc.yaml)"), ("textbook", "textbook SimPy")):
        row = ops[key]
        rate = row["items_per_second"]
        wait = f"{row['wait_mean']:.5f} ± {row['wait_mean_se']:.5f}"
        lines.append(
            f"    {label:<22}{row['items_median']:>10,.0f}{rate['median']:>16,.0f}"
            f"{rate['best']:>14,.0f}{row['wall_seconds_median']:>15.2f}{wait:>24}")
    erlang = ops["erlang_c_wait_mean"]
    lines += [
        f"    {'Erlang C (exact)':<22}{'':>10}{'':>16}{'':>14}{'':>15}{erlang:>24.5f}",
        f"    speed-up, ratio of medians: {ops['speedup_median']:.2f}x   "
        f"target >= {ops['target_speedup']:g}x   {_verdict(ops['target_met'])}",
    ]
    return lines


def _baseline_lines(base: dict[str, Any]) -> list[str]:
    """The report's lines for the baseline's cost."""
    lines = [
        "",
        f"(b) Baseline cost: {base['scenario']}, one replication per fresh interpreter, "
        f"{base['repeats']} per horizon; wall = sim.run only (second run in the child), "
        "RSS = whole child",
        f"    {'':<24}{'sim days':>9}{'first run s':>13}{'wall s median':>15}"
        f"{'wall s best':>13}"
        f"{'peak RSS MiB':>14}{'over floor MiB':>16}{'ops items':>11}",
        f"    {'floor (import + load)':<24}{'':>9}{'':>13}{'':>15}{'':>13}"
        f"{base['floor_max_rss_mib']:>14.1f}{'':>16}{'':>11}",
    ]
    for horizon, row in base["horizons"].items():
        lines.append(
            f"    {'run ' + horizon:<24}{row['horizon_days']:>9.0f}"
            f"{row['first_wall_seconds_median']:>13.2f}{row['wall_seconds_median']:>15.2f}"
            f"{row['wall_seconds_best']:>13.2f}"
            f"{row['max_rss_mib']:>14.1f}{row['rss_over_floor_mib']:>16.1f}"
            f"{row['items']:>11,.0f}")
    ref = base["horizons"]["3 years"]
    rss_target_mib = base["target_rss_mb"] * 1e6 / 2**20
    lines += [
        f"    {'textbook SimPy M/M/c':<24}{'':>9}{'':>13}"
        f"{base['textbook_wall_seconds_median']:>15.2f}{'':>13}{'':>14}{'':>16}"
        f"{base['textbook_items']:>11,.0f}",
        f"    3 years: wall {ref['wall_seconds_median']:.2f} s = "
        f"{base['textbook_share']:.3f} x the textbook's {base['textbook_items']:,} items "
        f"(CPU {base['textbook_share_cpu']:.3f} x)  target <= "
        f"{base['target_textbook_share']:g} x  {_verdict(base['wall_target_met'])};  "
        f"peak RSS {ref['max_rss_mib']:.1f} MiB  target < {base['target_rss_mb']:g} MB "
        f"({rss_target_mib:.0f} MiB)  {_verdict(base['rss_target_met'])}",
    ]
    allowed = base["target_textbook_share"] * base["textbook_wall_seconds_median"]
    lines.append(
        f"    of which the desk's {ref['items']:,.0f} items: {ref['desk_seconds_median']:.3f} s "
        f"({100 * ref['desk_share_median']:.0f}% of a run); the target's {allowed:.3f} s "
        f"leaves {allowed - ref['desk_seconds_median']:.3f} s for the rest of the day's rules")
    rows = list(base["horizons"].values())
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        years = (last["horizon_days"] - first["horizon_days"]) / 252.0
        lines.append(
            f"    growth {first['horizon_days']:.0f} -> {last['horizon_days']:.0f} days: "
            f"peak RSS {last['max_rss_mib'] - first['max_rss_mib']:+.1f} MiB, "
            f"wall {(last['wall_seconds_median'] - first['wall_seconds_median']) / years:.2f}"
            " s per extra simulated year")
    return lines


def collect(quick: bool = False, repeats: int | None = None) -> dict[str, Any]:
    """Run both benchmarks and gather their figures.

    Parameters
    ----------
    quick : bool, optional
        Smoke run: fewer repeats, a shorter ops horizon, and baseline
        horizons of 1 and 3 years only.
    repeats : int, optional
        Override the number of ops repeats (default 5, or 2 with ``quick``).

    Returns
    -------
    dict
        ``meta``, ``ops`` and ``baseline`` sections.
    """
    import numpy
    import simpy

    if repeats is None:
        repeats = 2 if quick else 5
    ops = [bench_ops(repeats=repeats, horizon_days=round((60_000 if quick else 600_000) / lam),
                     arrival_rate=lam, service_mean=mean, servers=c)
           for lam, mean, c in OPS_CONFIGS]
    horizons = ["1 years", "3 years"] if quick else ["1 years", "3 years", "6 years"]
    baseline = bench_baseline(horizons, repeats=1 if quick else 3)
    claims = bench_claims(repeats=1 if quick else 3)
    meta = {
        "mode": "quick" if quick else "full",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "platform": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
    }
    return {"meta": meta, "ops": ops, "baseline": baseline, "claims": claims}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the report and optionally write JSON.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        Exit status, 0 on success (targets not met do not fail the run).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: fewer repeats and shorter horizons")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs of each ops implementation (default 5, quick 2)")
    parser.add_argument("--json", metavar="PATH", type=Path, default=None,
                        help="also write the figures as JSON to PATH")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    figures = collect(quick=args.quick, repeats=args.repeats)
    print(format_report(figures))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
