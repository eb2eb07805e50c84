"""Analysis benchmark: ``pmosim analyze`` on a sweep folder of 2,000 runs.

Simulating 2,000 runs would take the better part of an hour on two cores, and
the analysis does not care where its rows came from, so this script writes the
sweep folders itself: the real plan (points, run keys) of a sweep of the
baseline scenario, and one synthetic row per run, written through the same
store a sweep uses. The rows follow a desk with a cliff: the wait grows with the
load (demand over staff), runs collapse above a load of about one, and the
on-time rate is undefined in some runs, so every part of the analysis has work
to do (thresholds, maps, undefined values, collapsed runs).

Two folders of 2,000 runs each:

- **grid**: demand (20 values) x day-job headcount (20 values) x 5 replications;
- **lhs**: a Latin hypercube of 1,000 points over demand, headcount, estimate
  error and the WIP limit x 2 replications.

Each is analysed ``--repeats`` times (default 3) by ``pmosim analyze`` in a
fresh process (imports included, as a user runs it), with five KPIs plus
``collapsed``; the script prints each wall time and the median against the
target of 20 s, the CPU time of each (what it takes on an idle core) and the
machine's load average.

Usage: ``python bench/bench_analyze.py [--repeats N] [--xlsx] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
KPIS = ("ops_wait_mean", "ops_service_level", "projects_completed", "projects_on_time_rate",
        "stress_mean")
TARGET_SECONDS = 20.0

SWEEPS = {
    "grid": {"parameters": {"operations.demand": [270 + 5 * i for i in range(20)],
                            "workforce.operations.headcount": [100 + 2 * i for i in range(20)]},
             "replications": 5},
    "lhs": {"parameters": {"operations.demand": {"low": 270, "high": 370},
                           "workforce.operations.headcount": {"low": 100, "high": 140,
                                                              "integer": True},
                           "projects.estimate_error": {"low": 0.1, "high": 0.6},
                           "levers.wip_limit": {"low": 2, "high": 8, "integer": True}},
            "design": {"kind": "lhs", "samples": 1000}, "replications": 2},
}


def synthetic_row(values: dict, replication: int, rng: np.random.Generator) -> dict:
    """KPIs of one run of a desk with a cliff at a load of about one."""
    demand = float(values["operations.demand"])
    staff = float(values["workforce.operations.headcount"])
    wip = float(values.get("levers.wip_limit", 5))
    load = demand * 0.3 / (0.95 * staff * (1.0 - 0.02 * wip))
    collapsed = float(rng.random() < 1.0 / (1.0 + np.exp(-(load - 1.0) / 0.01)))
    wait = max(0.0, 0.02 / max(1.05 - load, 0.01) + rng.normal(0, 0.05)) + 6.0 * collapsed
    service = float(np.clip(1.0 - 0.6 * collapsed - 2.0 * max(load - 0.95, 0.0)
                            + rng.normal(0, 0.02), 0.0, 1.0))
    completed = float(max(0, round(3.5 - 3.5 * collapsed + rng.normal(0, 0.5))))
    on_time = float(rng.integers(0, int(completed) + 1) / completed) if completed else np.nan
    return {"ops_wait_mean": wait, "ops_service_level": service,
            "projects_completed": completed, "projects_on_time_rate": on_time,
            "stress_mean": 0.05 + 0.8 * collapsed + abs(rng.normal(0, 0.02)),
            "collapsed": collapsed,
            "collapsed_day": float(rng.integers(150, 250)) if collapsed else np.nan}


def make_folder(kind: str, parent: Path) -> Path:
    """Write a sweep folder of synthetic rows (see the module documentation)."""
    from sim.studies.sweeps.files import plan, sweep_spec
    from sim.studies.sweeps.store import SweepStore

    data = {"name": f"bench-{kind}", "scenario": str(BASELINE), "set": {"horizon": "1 year"},
            "seed": 2026, "outputs": {"kpis": list(KPIS)}, **SWEEPS[kind]}
    spec = sweep_spec(data)
    the_plan = plan(spec)
    folder = parent / spec.name
    store = SweepStore(folder, flush_rows=500, flush_seconds=3600)
    store.open(spec, the_plan, command=["bench_analyze.py"])
    rng = np.random.default_rng(7)
    for run in the_plan.runs():
        values = the_plan.assignment(run.point)
        store.add({"run_key": run.key, "point": run.point, "replication": run.replication,
                   "seed": spec.seed, **values, **synthetic_row(values, run.replication, rng),
                   "wall_seconds": 0.0})
    store.close("completed", complete=True)
    return folder


def analyse(folder: Path, xlsx: bool) -> tuple[float, float]:
    """Wall and CPU seconds of ``pmosim analyze`` on ``folder`` in a fresh process.

    On a machine shared with other jobs the wall time stretches with the load; the
    CPU time (user + system) of the process is what it would take on an idle core.
    """
    command = [sys.executable, "-m", "sim", "analyze", str(folder)]
    command += ["--xlsx"] if xlsx else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true", help="also write analysis.xlsx")
    parser.add_argument("--keep", metavar="DIR", help="write the folders here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        parent = Path(args.keep) if args.keep else Path(scratch)
        for kind in SWEEPS:
            started = time.perf_counter()
            folder = make_folder(kind, parent)
            print(f"{kind}: wrote 2,000 synthetic runs in {time.perf_counter() - started:.1f} s")
            timings = [analyse(folder, args.xlsx) for _ in range(args.repeats)]
            walls, cpus = [w for w, _ in timings], [c for _, c in timings]
            median = statistics.median(walls)
            verdict = "met" if median <= TARGET_SECONDS else "NOT MET"
            print(f"  pmosim analyze{' --xlsx' if args.xlsx else ''}: wall "
                  f"{', '.join(f'{t:.1f}' for t in walls)} s, median {median:.1f} s "
                  f"(target <= {TARGET_SECONDS:g} s: {verdict}); CPU "
                  f"{', '.join(f'{t:.1f}' for t in cpus)} s, median "
                  f"{statistics.median(cpus):.1f} s; load average "
                  f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
