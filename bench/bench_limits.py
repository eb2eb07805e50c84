"""Limits benchmark: checking inputs at the documented limits, and refusing hostile ones.

Times, ``--repeats`` times each, in this process (import cost left out):

* validating a scenario with 5,000 listed projects and 1,000 timeline events (the
  timeline is replayed with every change validated);
* planning a sweep of 100,000 points, what ``pmosim sweep --dry-run`` does: a Latin
  hypercube over one key, and a Sobol design of 16,384 base samples over four keys
  in three sections (98,304 rows);
* refusing a megabyte of open brackets, a billion-laughs file and 60,000 plain keys.

Prints the median and best wall-clock and CPU seconds of each, and the load average
of the machine (the figures are noisy on a shared machine: quote CPU seconds).

Usage: ``python bench/bench_limits.py [--repeats N] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def files(folder: Path) -> dict[str, Path]:
    """Write the inputs of the benchmark into ``folder``."""
    portfolio = [{"name": f"p{i}", "size": 100, "team": 1} for i in range(5000)]
    timeline = [{"at": 1 + i % 200, "set": {"operations.demand": 300 + i % 7}}
                for i in range(1000)]
    written = {
        "scenario at the limits": {"extends": str(BASELINE), "timeline": timeline,
                                   "projects": {"portfolio": portfolio}},
        "lhs sweep, 100,000 points": {
            "scenario": str(BASELINE), "set": {"horizon": "20 days"}, "replications": 1,
            "parameters": {"operations.demand": {"low": 200, "high": 400}},
            "design": {"kind": "lhs", "samples": 100_000}},
        "sobol sweep, 98,304 points": {
            "scenario": str(BASELINE), "set": {"horizon": "20 days"}, "replications": 10,
            "parameters": {"operations.demand": {"low": 200, "high": 400},
                           "levers.wip_limit": {"low": 1, "high": 10, "integer": True},
                           "levers.allocation": {"low": 0.1, "high": 1.0},
                           "stress.overload_gain": {"low": 0.0, "high": 2.0}},
            "design": {"kind": "sobol", "samples": 16_384}},
    }
    paths = {}
    for i, (name, data) in enumerate(written.items()):
        paths[name] = folder / f"input{i}.yaml"
        paths[name].write_text(yaml.safe_dump(data, sort_keys=False))
    laughs = ["description:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    hostile = {"a megabyte of open brackets": "a: " + "[" * 1_048_000,
               "a billion laughs": "\n".join(laughs) + "\n",
               "60,000 plain keys": "description:\n" + "".join(f"  k{i}: 1\n"
                                                               for i in range(60_000))}
    for name, text in hostile.items():
        paths[name] = folder / f"hostile{len(paths)}.yaml"
        paths[name].write_text(text)
    return paths


def task(name: str, path: Path):
    """What is timed for input ``name``: a call that checks it."""
    from sim.errors import ScenarioError
    from sim.schema.loading import load_scenario
    from sim.studies.sweeps import load_sweep
    from sim.studies.sweeps.files import plan

    if "sweep" in name:
        return lambda: plan(load_sweep(path))
    if name == "scenario at the limits":
        return lambda: load_scenario(path)

    def refuse() -> None:
        try:
            load_scenario(path)
        except ScenarioError:
            return
        raise AssertionError(f"{name} was not refused")
    return refuse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    print(f"{'input':30} {'median s':>9} {'best s':>7} {'median CPU s':>13} {'best CPU s':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for name, path in files(Path(folder)).items():
            call = task(name, path)
            wall, cpu = [], []
            for _ in range(args.repeats):
                started, cpu_started = time.perf_counter(), time.process_time()
                call()
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            row = {"input": name, "median_s": statistics.median(wall), "best_s": min(wall),
                   "median_cpu_s": statistics.median(cpu), "best_cpu_s": min(cpu)}
            rows.append(row)
            print(f"{name:30} {row['median_s']:9.2f} {row['best_s']:7.2f} "
                  f"{row['median_cpu_s']:13.2f} {row['best_cpu_s']:11.2f}")
    load = os.getloadavg()
    print(f"load average: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load": load}, indent=2) + "\n")


if __name__ == "__main__":
    main()
