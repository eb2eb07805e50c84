"""Recommendation benchmark: five levers on the baseline within a 400-run budget.

Runs ``scenarios/recommend/levers.yaml`` (the baseline over one year; five levers:
WIP limit, allocation, protected time, reward scheme and sustainment; the most NPV
of change keeping the service level at 95% or more; a 50-condition stress test over
demand and headcount) into a fresh folder, with 2 workers unless told otherwise.
Prints the runs asked for and simulated per stage, the wall time, the answer and its
probability of being best. Target: at most 10 minutes on 2 cores.

Usage: ``python bench/bench_recommend.py [--workers N] [--budget N] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = ROOT / "scenarios" / "recommend" / "levers.yaml"
TARGET_SECONDS = 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=int, default=None)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    import sim

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        folder, outcome = sim.recommend(PROBLEM, budget=args.budget, workers=args.workers,
                                        out=out)
        wall = time.perf_counter() - started
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    c = outcome.confirmation
    chosen = c.chosen or c.closest
    figures = {
        "workers": args.workers, "budget": outcome.problem.allocation.budget,
        "runs": outcome.runs, "simulated": manifest["sessions"][-1]["ran"],
        "search_runs": outcome.search.runs, "candidates": len(outcome.search.candidates),
        "search_stopped": outcome.search.stopped, "confirm_runs": c.runs,
        "stress_runs": outcome.stress.runs if outcome.stress else 0,
        "ended": c.ended, "feasible": outcome.feasible,
        "levers": chosen.candidate.assignment, "p_best": chosen.p_best,
        "replications": chosen.replications, "wall_seconds": round(wall, 1),
        "stress_holds": outcome.stress.holds if outcome.stress else None,
        "stress_within": outcome.stress.within if outcome.stress else None,
        "stress_found": outcome.stress.finding.condition
        if outcome.stress and outcome.stress.finding and outcome.stress.finding.found
        else None}
    for key, value in figures.items():
        print(f"{key:>16}: {value}")
    met = "met" if wall <= TARGET_SECONDS else "NOT MET"
    print(f"wall time {wall:.0f} s against a target of {TARGET_SECONDS:.0f} s: {met}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str) + "\n",
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
