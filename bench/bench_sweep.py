"""Sweep benchmark: parallel speed-up and the parent process's memory.

(a) Throughput: a 200-run sweep of the baseline scenario (one simulated year
    per run: 40 grid points x 5 replications) run serially and with a local
    pool of 2 workers (and, with --dask, on a local Dask cluster of 2 workers),
    each into a fresh folder. Prints runs per second and the speed-up.
(b) Memory: the peak resident memory of the parent process for a sweep of 200
    and of 2,000 short runs (20 working days each), each measured in a fresh
    interpreter. Results stream to disk, so the two should be about equal.

Usage: ``python bench/bench_sweep.py [--dask] [--skip-memory]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def sweep_data(points: int, replications: int, horizon: str) -> dict:
    """A grid over demand and the WIP limit with ``points`` points."""
    demands = [270 + 60 * i / (points // 2 - 1) for i in range(points // 2)]
    return {"name": "bench", "scenario": str(BASELINE), "set": {"horizon": horizon},
            "parameters": {"operations.demand": demands, "levers.wip_limit": [3, 5]},
            "replications": replications, "seed": 2026}


def timed(workers: int, executor: str = "local") -> tuple[float, int]:
    from sim.studies.sweeps import run_sweep, sweep_spec

    spec = sweep_spec(sweep_data(40, 5, "1 year"))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        report = run_sweep(spec, Path(folder) / "bench", workers=workers, executor=executor)
        return time.perf_counter() - started, report.ran


def memory_child(runs: int) -> None:
    """Run a sweep of ``runs`` short runs with 2 workers; print the parent's peak RSS."""
    from sim.studies.sweeps import run_sweep, sweep_spec

    spec = sweep_spec(sweep_data(runs // 10, 10, "20 days"))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        report = run_sweep(spec, Path(folder) / "bench", workers=2)
        wall = time.perf_counter() - started
    print(json.dumps({"runs": report.ran, "peak_mib": peak_mib(), "wall": wall}))


def peak_mib() -> float:
    """Peak resident memory of this process in MiB.

    On Linux, ``VmHWM`` belongs to this process's own address space, whereas
    ``ru_maxrss`` survives ``exec`` and could report the launching process's peak.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dask", action="store_true", help="also time a local Dask cluster")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    print("(a) 200 runs of the baseline, 1 simulated year each")
    serial, n = timed(1)
    print(f"    serial          : {serial:6.1f} s  {n / serial:5.2f} runs/s")
    pooled, n = timed(2)
    print(f"    local, 2 workers: {pooled:6.1f} s  {n / pooled:5.2f} runs/s  "
          f"speed-up {serial / pooled:.2f}x")
    if args.dask:
        dask, n = timed(2, "dask")
        print(f"    dask, 2 workers : {dask:6.1f} s  {n / dask:5.2f} runs/s  "
              f"speed-up {serial / dask:.2f}x (cluster start-up included)")
    if args.skip_memory:
        return
    print("(b) peak memory of the parent process, 2 workers, 20-day runs")
    for runs in (200, 2000):
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(runs)],
                             check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(f"    {figures['runs']:5d} runs: peak {figures['peak_mib']:6.1f} MiB  "
              f"({figures['wall']:.1f} s)")


if __name__ == "__main__":
    main()
