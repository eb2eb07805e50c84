"""Read a recommendation file into a problem: the base, the lever space and the run budget.

The file is validated like a scenario or sweep file: unknown keys, bad values,
impossible constraints and key paths the base scenario does not have are
reported with the file, the key path, the value and what is allowed. Every
lever's extreme values and every condition's ends are built into scenarios
before anything runs, so that a bad file never leaves a half-made folder.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, excerpt
from sim.recommendation.schema import MAX_BUDGET, Recommendation
from sim.schema.loading import (
    describe_error,
    display_path,
    get_key_path,
    read_document,
    read_yaml,
    scenario_with,
    set_key_path,
)
from sim.schema.scenario import Scenario
from sim.studies.folders import scenario_document
from sim.studies.sweeps.files import _checked


@dataclass(frozen=True)
class Allocation:
    """How a budget of runs is shared between the three stages.

    Attributes
    ----------
    budget
        Every run the recommendation may use.
    search
        Runs the search may use (it may stop earlier).
    stress
        Runs the stress test will use (conditions x finalists x replications).
    confirm
        The rest: the first stage of the confirmation and its sequential stages
        (which also take whatever the search leaves unused).
    """

    budget: int
    search: int
    stress: int
    confirm: int


@dataclass(frozen=True, eq=False)
class Problem:
    """A validated recommendation with its base scenario, ready to run.

    Attributes
    ----------
    spec
        The recommendation as declared.
    name
        Its name (the file's name unless the file sets one).
    source
        Where it came from, for messages and the manifest.
    base_path
        The base scenario file.
    base
        The base scenario document with ``set`` applied (never modified).
    seed
        Root seed shared by every run (common random numbers).
    allocation
        How the budget is shared between the stages.
    """

    spec: Recommendation
    name: str
    source: str
    base_path: Path
    base: dict[str, Any] = field(repr=False)
    seed: int
    allocation: Allocation

    def scenario(self, assignment: Mapping[str, Any]) -> Scenario:
        """The scenario of the base with ``assignment`` (key paths to values) applied."""
        overrides = {**assignment, "seed": self.seed, "name": self.name}
        return scenario_with(self.base, overrides, source=self.source)

    def base_scenario(self) -> Scenario:
        """The base scenario (with ``set``), under the recommendation's seed."""
        return self.scenario({})

    def base_levers(self) -> dict[str, Any]:
        """The base's value of each lever (as resolved, defaults filled in)."""
        document = scenario_document(self.base_scenario())
        return {key: _lookup(document, key) for key in self.spec.levers}

    @property
    def lever_keys(self) -> tuple[str, ...]:
        """The levers' key paths, in the file's order."""
        return tuple(self.spec.levers)

    def document(self) -> dict[str, Any]:
        """The recommendation as plain data, with the defaults it resolved to."""
        data = self.spec.model_dump(mode="json", exclude_none=True)
        data.update(name=self.name, seed=self.seed, budget=self.allocation.budget)
        return data


def load_recommendation(path: str | Path, *, budget: int | None = None) -> Problem:
    """Read and validate a recommendation file and its base scenario.

    Parameters
    ----------
    path
        The recommendation file (YAML).
    budget
        Override the file's budget of runs.

    Raises
    ------
    ScenarioError
        If the file, its base scenario or any of its key paths is invalid, or
        if the budget cannot hold the three stages.
    """
    path = Path(path)
    source = display_path(path)
    data = read_yaml(path, "recommendation file")
    data.setdefault("name", path.stem)
    return recommendation_problem(data, base_dir=path.parent, source=source, budget=budget)


def recommendation_problem(data: Recommendation | Mapping[str, Any], *,
                           base_dir: str | Path = ".", source: str = "recommendation",
                           budget: int | None = None) -> Problem:
    """Validate a recommendation given as data; its ``scenario`` is relative to ``base_dir``."""
    try:
        spec = data if isinstance(data, Recommendation) \
            else Recommendation.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError([describe_error(e, Recommendation) for e in exc.errors()],
                            source) from None
    if budget is not None and not 1 <= budget <= MAX_BUDGET:
        raise ScenarioError(f"--budget {budget}: must be a whole number from 1 to "
                            f"{MAX_BUDGET:,}", source)
    scenario_path = Path(base_dir) / spec.scenario
    if not scenario_path.is_file():
        raise ScenarioError(f"scenario = {excerpt(spec.scenario)}: no such file (looked for "
                            f"{display_path(scenario_path)})", source)
    document = read_document(scenario_path)
    base = _checked(lambda: scenario_with(document, spec.set, source=source), "set", source)
    base_doc = copy.deepcopy(document)
    for key, value in spec.set.items():
        set_key_path(base_doc, key, value, source=source)
    seed = spec.seed if spec.seed is not None else base.seed
    problem = Problem(spec=spec, name=spec.name or "recommendation", source=source,
                      base_path=scenario_path, base=base_doc, seed=seed,
                      allocation=allocate(spec, budget or spec.budget, source))
    _check_key_paths(problem)
    return problem


def allocate(spec: Recommendation, budget: int, source: str | None = None) -> Allocation:
    """Share ``budget`` runs between search, confirmation and stress test.

    The stress test takes what its design needs; the confirmation reserves its
    first stage (every finalist and the base) and half as much again for its
    sequential stages; the search takes the rest. Runs the search leaves
    unused go to the confirmation.

    Raises
    ------
    ScenarioError
        If the budget cannot hold the stress test, the confirmation's first stage
        and a search over at least as many candidates as there are finalists.
    """
    finalists, first = spec.confirm.finalists, spec.confirm.replications
    stress = (spec.stress.samples * min(spec.stress.finalists, finalists)
              * spec.stress.replications) if spec.conditions else 0
    confirm_first = first * (finalists + 1)
    least_search = spec.search.replications * finalists
    needed = stress + confirm_first + least_search
    if budget < needed:
        parts = [f"confirmation {confirm_first} ({finalists} finalists and the base x "
                 f"{first} replications)", f"search {least_search} (at least {finalists} "
                 f"candidates x {spec.search.replications} replications)"]
        if stress:
            parts.insert(0, f"stress test {stress}")
        raise ScenarioError(f"budget = {budget}: too small; the stages need at least "
                            f"{needed} runs ({', '.join(parts)}): raise the budget, or lower "
                            "stress.samples, confirm.finalists or confirm.replications",
                            source)
    rest = budget - stress - confirm_first
    reserve = min(finalists * first // 2, rest - least_search)
    return Allocation(budget=budget, search=rest - reserve, stress=stress,
                      confirm=confirm_first + reserve)


def _check_key_paths(problem: Problem) -> None:
    """Build the extreme values of every lever and condition, to name the key path at fault."""
    spec = problem.spec
    for key, lever in spec.levers.items():
        values = list(lever.choices) if lever.choices is not None else \
            [_number(lever.min, lever.integer), _number(lever.max, lever.integer)]
        for value in values:
            _checked(lambda k=key, v=value: problem.scenario({k: v}),
                     f"levers.{key} = {excerpt(value)}", problem.source)
    for key, condition in spec.conditions.items():
        for value in (condition.min, condition.max):
            value = _number(value, condition.integer)
            _checked(lambda k=key, v=value: problem.scenario({k: v}),
                     f"conditions.{key} = {excerpt(value)}", problem.source)


def _number(value: float, integer: bool) -> float | int:
    return int(value) if integer else float(value)


def _lookup(document: dict, key: str) -> Any:
    """The value at ``key`` in a resolved scenario document (None if absent)."""
    try:
        return get_key_path(document, key)
    except KeyError:
        return None


def assignment_text(assignment: Mapping[str, Any]) -> str:
    """``levers.wip_limit=4, levers.rewards.scheme=balanced``."""
    return ", ".join(f"{k}={_plain(v)}" for k, v in assignment.items())


def _plain(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return str(value)
