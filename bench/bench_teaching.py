"""Teaching benchmark: how long each notebook's Run button takes.

Times a Run of every lesson of :mod:`sim.teaching.workshop` with its teaching settings
(the default knob values), ``--repeats`` times each: the comparison
(:func:`sim.teaching.lessons.compare`) and what the Run shows after it (the table, the
reading, and the figure rendered to PNG). Prints the median and best wall-clock
seconds of the whole Run per lesson, grouped by notebook, against the
5-second target, the CPU seconds of this process (a Run computes in the
kernel's process, so on an idle core its wall time is about its CPU time), and
the load average of the machine. With ``--quick`` the
lessons run in quick mode (``PMOSIM_QUICK=1``), as the notebook tests do.

Usage: ``python bench/bench_teaching.py [--repeats N] [--quick] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = {
    "baseline": "00_start_here", "shared-staff": "01_two_jobs_one_person",
    "C1": "02_rewards_and_misalignment", "C2": "02_rewards_and_misalignment",
    "C3": "03_completion_is_only_the_input", "C4": "03_completion_is_only_the_input",
    "C6": "04_the_pmo", "C7": "04_the_pmo", "C8": "04_the_pmo",
    "C10": "05_firefighting", "C9": "05_firefighting", "C5": "06_systems_thinking_workshop",
}
TARGET = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.quick:
        os.environ["PMOSIM_QUICK"] = "1"
    from sim.teaching import lessons, workshop

    rows = []
    print(f"{'notebook':34} {'lesson':13} {'runs':>5} {'compare s':>9} {'show s':>7} "
          f"{'median s':>9} {'best s':>7} {'CPU s':>6}  target")
    for key, notebook in NOTEBOOKS.items():
        lesson = workshop.lesson(key, ROOT)
        settings = lessons.lesson_settings(lesson)
        seconds, computing, cpu = [], [], []
        for _ in range(args.repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            outcome = lessons.compare(lesson, root=ROOT)
            computing.append(time.perf_counter() - started)
            lessons.table(outcome, lesson.kpis)
            lessons.reading(outcome, lesson)
            lessons.figure(outcome, lesson).savefig(io.BytesIO(), format="png")
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        median = statistics.median(seconds)
        compare = statistics.median(computing)
        runs = 2 * settings["replications"]
        rows.append({"notebook": notebook, "lesson": key, "runs": runs,
                     "horizon_days": settings["horizon"],
                     "compare_s": compare, "median_s": median, "best_s": min(seconds),
                     "cpu_s": statistics.median(cpu)})
        met = "met" if median <= TARGET else "NOT MET (wall)"
        print(f"{notebook:34} {key:13} {runs:5d} {compare:9.2f} {median - compare:7.2f} "
              f"{median:9.2f} {min(seconds):7.2f} {statistics.median(cpu):6.2f}  {met}",
              flush=True)
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
