"""Profile one replication of a scenario: wall time, SimPy events, and the top functions.

Usage::

    .venv/bin/python bench/profile_baseline.py [scenario.yaml] [--top N]

It runs the replication once to warm up, times three more runs, counts the
events the SimPy environment processes, and prints the functions with the most
time of their own under ``cProfile`` (profiling slows everything down, so read
the shares, not the seconds).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

import simpy

from sim.run import run
from sim.schema.loading import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/baseline.yaml")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    run(scenario, 0)
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        run(scenario, 0)
        walls.append(time.perf_counter() - start)
    steps = [0]
    original = simpy.Environment.step

    def counted(env):
        steps[0] += 1
        return original(env)

    simpy.Environment.step = counted
    try:
        run(scenario, 0)
    finally:
        simpy.Environment.step = original
    profile = cProfile.Profile()
    profile.enable()
    run(scenario, 0)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    print(f"{args.scenario}: wall median of 3 {sorted(walls)[1]:.3f} s, "
          f"SimPy events {steps[0]:,}, function calls under cProfile {stats.total_calls:,}")
    stats.sort_stats("tottime").print_stats(args.top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    main()
