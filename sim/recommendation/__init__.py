"""What should we do? A noise-aware recommendation of levers, from search to a one-page answer.

A recommendation file (docs/recommend.md) names a base scenario, the levers to
choose, one KPI to maximise or minimise, constraints on other KPIs and the
conditions to stress-test over. :func:`recommend` searches the levers with
Optuna, confirms the best candidates with more replications and Kim and
Nelson's ranking-and-selection procedure, stress-tests the finalists over
sampled conditions and writes the answer: a TO-BE scenario and a one-page brief.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.recommendation.engine import Outcome, solve
from sim.recommendation.folder import recommend_to_folder
from sim.recommendation.problem import Problem, load_recommendation, recommendation_problem
from sim.recommendation.schema import Recommendation

DEFAULT_OUT = Path("results") / "recommend"

__all__ = ["Outcome", "Problem", "Recommendation", "load_recommendation", "recommend",
           "recommendation_problem", "solve"]


def recommend(source: str | Path | Mapping[str, Any], *, budget: int | None = None,
              workers: int = 1, out: str | Path = DEFAULT_OUT,
              progress: bool = False) -> tuple[Path, Outcome]:
    """Recommend levers for a recommendation file (or one given as data), resuming its folder.

    Parameters
    ----------
    source
        A recommendation file, or a recommendation as a mapping (its ``scenario``
        is then relative to the working directory).
    budget
        Override the file's budget of runs.
    workers
        Worker processes.
    out
        Parent of the recommendation's folder, which is ``out/<name>``.
    progress
        Show a progress bar (a widget in Jupyter).

    Returns
    -------
    tuple
        The folder holding ``recommendation.yaml`` and ``recommendation.html``,
        and the :class:`Outcome` (``outcome.confirmation.chosen`` is the
        recommended finalist, None if no candidate met the constraints).
    """
    if isinstance(source, str | Path):
        problem = load_recommendation(source, budget=budget)
    else:
        problem = recommendation_problem(source, budget=budget)
    return recommend_to_folder(problem, out, workers=workers, progress=progress,
                               notebook=progress, command=["sim.recommend"])
