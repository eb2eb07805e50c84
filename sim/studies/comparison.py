"""Compare scenarios (AS-IS against TO-BE) with common random numbers.

Every scenario runs the same replications with the same root seed, so
replication *k* of each sees the same arrivals and proposals (common random
numbers). Each later scenario is compared with the first, KPI by KPI, with the
paired difference, its confidence interval, the relative change and a verdict
(:mod:`sim.studies.statistics`). Writing a comparison's folder is
:mod:`sim.reports.comparison`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from tqdm import tqdm

from sim.errors import ScenarioError
from sim.run import RunResult
from sim.schema import limits
from sim.schema.scenario import Scenario
from sim.studies.replications import Replications, run_tasks, stack
from sim.studies.statistics import compare_summaries

if TYPE_CHECKING:
    from sim.studies.executors import Execution


def align(scenarios: list[Scenario], *, seed: int | None = None,
          replications: int | None = None) -> list[Scenario]:
    """Give every scenario the same seed and replications, and distinct names."""
    if len(scenarios) < 2:
        raise ScenarioError("compare needs at least two scenarios (AS-IS first)")
    limits.check_count("seed", seed, limits.MAX_SEED)
    limits.check_count("replications", replications, limits.MAX_REPLICATIONS, low=1)
    seed = scenarios[0].seed if seed is None else seed
    count = scenarios[0].replications if replications is None else replications
    names: list[str] = []
    out = []
    for scenario in scenarios:
        name = scenario.name
        while name in names:
            name = f"{name}-{len(names) + 1}"
        names.append(name)
        out.append(scenario.model_copy(update={"seed": seed, "replications": count,
                                               "name": name}))
    return out


def compare(scenarios: list[Scenario], *, workers: int = 1, execution: Execution | None = None,
            progress: bool = False) -> tuple[list[Replications], pd.DataFrame]:
    """Run aligned scenarios and compare each later one with the first.

    The runs execute where ``execution`` says (default: ``workers`` local processes).

    Returns
    -------
    tuple
        The tables of each scenario and the comparison (one row per scenario and KPI).
    """
    tasks = comparison_tasks(scenarios)
    with tqdm(total=len(tasks), desc="compare", unit="run", leave=False,
              disable=not progress or None) as bar:
        results = run_tasks(tasks, workers=workers, execution=execution,
                            on_result=lambda _r: bar.update())
    return compare_results(scenarios, results)


def comparison_tasks(scenarios: list[Scenario]) -> list[tuple[Scenario, int]]:
    """The ``(scenario, replication)`` runs a comparison of aligned scenarios needs."""
    return [(s, r) for s in scenarios for r in range(s.replications)]


def compare_results(scenarios: list[Scenario],
                    results: list[RunResult]) -> tuple[list[Replications], pd.DataFrame]:
    """Stack the runs of aligned scenarios and compare each later one with the first.

    Parameters
    ----------
    scenarios
        The aligned scenarios, AS-IS first.
    results
        The runs of :func:`comparison_tasks`, in any order (e.g. as worker
        processes finished them): they are put back in task order first, so the
        tables and statistics are exactly those of :func:`compare`.

    Returns
    -------
    tuple
        The tables of each scenario and the comparison (one row per scenario and KPI).
    """
    order = {s.name: i for i, s in enumerate(scenarios)}
    results = sorted(results, key=lambda r: (order[r.scenario], r.replication))
    tables = [stack([r for r in results if r.scenario == s.name]) for s in scenarios]
    rows = [compare_summaries(tables[0].summary, t.summary) for t in tables[1:]]
    return tables, pd.concat(rows, ignore_index=True)


