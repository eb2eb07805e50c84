"""How long ``pmosim calibrate`` takes on a year of a mid-size organisation's exports.

The exports are made by simulating a known organisation (300 value-demand tickets a
working day on a desk about 90% busy, 150 people, about 40 projects a year,
impatient customers, the baseline's stress rules) for one year with ``--records``:
about 80,000 ticket rows, 160 people, 40 projects. Not timed. Then, each in this
process:

- **direct**: ``pmosim calibrate --direct`` (reading the files, the direct fits, the
  report and its figures, the calibrated file), ``--repeats`` times;
- **full**: ``pmosim calibrate`` with the indirect fits (ABC-SMC, the default budget of
  900 simulations) and the hold-out check (3 months, 20 replications of two scenarios),
  on ``--workers`` processes, ``--full-repeats`` times.

It prints the median and range of each against its target (direct ≤ 20 s; full ≤ 10
minutes on 2 cores) and the machine's load average, since a shared machine stretches
wall times.

    .venv/bin/python bench/bench_calibration.py                  # about 5-10 minutes
    .venv/bin/python bench/bench_calibration.py --skip-full      # the direct fits only
    .venv/bin/python bench/bench_calibration.py --json results/bench_calibration.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORGANISATION = """\
name: mid-size
description: A year of a mid-size service organisation, to make exports to calibrate.
horizon: 1 year
seed: 2024
replications: 1
operations: {demand: 300, service_mean: 0.37, p_defect: 0.05, defect_delay: 1 week,
             patience: 3 days, sla: 2 days}
workforce:
  operations: {headcount: 146}
  opex: {headcount: 4}
  attrition: {rate: 0.12, hiring_delay: 3 months}
projects:
  estimate_error: 0.35
  templates:
    - {name: change, per_year: 45, size: 50, team: 3}
levers: {wip_limit: 20}
"""
DIRECT_TARGET, FULL_TARGET = 20.0, 600.0


def make_exports(folder: Path) -> dict[str, Path]:
    """Simulate the organisation for a year and write its exports; return the paths."""
    import numpy as np

    import sim
    from sim.calibration.calendar import parse_calendar
    from sim.reports.runs import write_exports

    base = folder / "organisation.yaml"
    base.write_text(ORGANISATION)
    scenario = sim.load_scenario(base)
    result = sim.run(scenario, 0, records=True)
    calendar = parse_calendar(None, scenario.hours_per_day, np.datetime64("2025-01-06"))
    return {"base": base, **write_exports(folder, result.records, calendar)}


def time_calibration(paths: dict[str, Path], out: Path, direct: bool,
                     workers: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process and its workers) of one ``pmosim calibrate``."""
    from sim.cli import main

    args = ["calibrate", str(paths["base"]), "--tickets", str(paths["tickets"]),
            "--people", str(paths["people"]), "--projects", str(paths["projects"]),
            "--workers", str(workers), "--out", str(out)]
    if direct:
        args.append("--direct")
    cpu = _cpu()
    started = time.perf_counter()
    status = main(args)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"pmosim calibrate failed with status {status}")
    return seconds, _cpu() - cpu


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def summary(name: str, measured: list[tuple[float, float]], target: float) -> dict:
    """Median and range of the wall times against ``target``, and the median CPU time."""
    times = [wall for wall, _ in measured]
    median = statistics.median(times)
    cpu = statistics.median(c for _, c in measured)
    verdict = "met" if median <= target else "NOT MET"
    print(f"{name:<8} median {median:7.1f} s   range {min(times):.1f}-{max(times):.1f} s   "
          f"CPU {cpu:.1f} s   ({len(times)} runs; target <= {target:g} s: {verdict})",
          flush=True)
    return {"median": median, "times": times, "cpu_median": cpu, "target": target,
            "met": median <= target}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="direct runs (default 3)")
    parser.add_argument("--full-repeats", type=int, default=1, help="full runs (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="workers (default 2)")
    parser.add_argument("--skip-full", action="store_true", help="the direct fits only")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = make_exports(folder)
        rows = {k: sum(1 for _ in p.open()) - 1 for k, p in paths.items() if k != "base"}
        size = paths["tickets"].stat().st_size / 2**20
        print(f"exports: {rows['tickets']:,} tickets ({size:.1f} MiB), {rows['people']} people, "
              f"{rows['projects']} projects", flush=True)
        out = {"rows": rows}
        direct = [time_calibration(paths, folder / f"direct-{i}", True, args.workers)
                  for i in range(args.repeats)]
        out["direct"] = summary("direct", direct, DIRECT_TARGET)
        if not args.skip_full:
            full = [time_calibration(paths, folder / f"full-{i}", False, args.workers)
                    for i in range(args.full_repeats)]
            out["full"] = summary("full", full, FULL_TARGET)
            manifest = json.loads((folder / "full-0" / "manifest.json").read_text())
            out["stages"] = manifest["seconds"]
            print("stages of the first full run: " + ", ".join(
                f"{k} {v:.1f} s" for k, v in manifest["seconds"].items()))
    load = os.getloadavg()
    out["load_average"] = load
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
