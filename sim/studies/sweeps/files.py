"""Read sweep files and plan their runs.

A sweep file is validated like a scenario file: unknown keys, bad values and
key paths that do not exist in the base scenario are reported with the file,
the key path, the value and what is allowed. Every point is built and checked
before anything runs, so a bad sweep never leaves a half-made result folder.

Each run is keyed by a hash of its resolved scenario (minus its name,
description and replication count, which do not change what is simulated) and
its replication index: equal keys, equal results. The key is what makes a
sweep resumable.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, excerpt
from sim.schema import limits
from sim.schema.extends import resolve_reference
from sim.schema.loading import (
    Variants,
    describe_error,
    display_path,
    read_document,
    read_yaml,
    scenario_with,
    set_key_path,
)
from sim.schema.messages import keys_of
from sim.schema.scenario import Scenario
from sim.schema.sweep import Sweep
from sim.studies.folders import scenario_document
from sim.studies.sweeps.design import Design, build_design

NOT_SIMULATED = ("name", "description", "replications")
"""Scenario keys that label a run but do not change what is simulated."""


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """A validated sweep with its base scenario, ready to plan.

    Attributes
    ----------
    sweep
        The sweep as declared.
    name
        The sweep's name (the file's name unless the sweep sets one).
    source
        Where the sweep came from, for messages and the manifest.
    base
        The base scenario document with ``set`` applied (never modified).
    seed
        Root seed shared by every point.
    replications
        Replications per point.
    """

    sweep: Sweep
    name: str
    source: str
    base: dict[str, Any] = field(repr=False)
    seed: int
    replications: int

    @cached_property
    def design(self) -> Design:
        """The points of the sweep, in design order."""
        return build_design(self.sweep.model_copy(update={"seed": self.seed}))

    def scenario(self, assignment: Mapping[str, Any]) -> Scenario:
        """The scenario of one point: the base with the point's values, the sweep's seed."""
        return self.variants.scenario(assignment)

    @cached_property
    def variants(self) -> Variants:
        """The points' scenarios: the base with each point's values, built quickly."""
        common = {"seed": self.seed, "replications": self.replications, "name": self.name}
        return Variants(self.base, common, source=self.source)

    def document(self) -> dict[str, Any]:
        """The sweep as plain data, with the defaults it resolved to."""
        data = self.sweep.model_dump(mode="json", exclude_none=True)
        data.update(name=self.name, seed=self.seed, replications=self.replications)
        return data


@dataclass(frozen=True)
class PlannedRun:
    """One run of the plan: a point, a replication and the run's key."""

    point: str
    replication: int
    key: str


@dataclass(frozen=True, eq=False)
class Plan:
    """Every run of a sweep, point by point, each with its key.

    The plan holds one entry per point; its runs (points x replications) are
    generated when asked for and never held in memory at once, so counting
    them, listing them and finding those left to do cost memory per point only.
    """

    spec: SweepSpec
    points: tuple[tuple[str, dict[str, Any]], ...]
    digests: dict[str, str] = field(repr=False)

    def runs(self) -> Iterator[PlannedRun]:
        """The runs in order: every replication of the first point, then the next...

        Two points that are the same scenario share their keys, so a key may
        come twice.
        """
        for point, _ in self.points:
            for r in range(self.spec.replications):
                yield PlannedRun(point, r, run_key(self.digests[point], r))

    @property
    def count(self) -> int:
        """How many distinct runs the sweep has."""
        return len(self._distinct) * self.spec.replications

    def pending(self, done: set[str]) -> Iterator[PlannedRun]:
        """The runs whose key is not in ``done``, each key once, in plan order."""
        for point in self._distinct:
            for r in range(self.spec.replications):
                key = run_key(self.digests[point], r)
                if key not in done:
                    yield PlannedRun(point, r, key)

    def count_done(self, done: set[str]) -> int:
        """How many distinct runs of the sweep have their key in ``done``."""
        if not done:
            return 0
        return sum(run_key(self.digests[point], r) in done for point in self._distinct
                   for r in range(self.spec.replications))

    @cached_property
    def _distinct(self) -> tuple[str, ...]:
        """The first point of each distinct scenario, in plan order."""
        first: dict[str, str] = {}
        for point, _ in self.points:
            first.setdefault(self.digests[point], point)
        return tuple(first.values())

    def assignment(self, point: str) -> dict[str, Any]:
        """The values point ``point`` assigns."""
        return dict(self._by_point[point])

    @cached_property
    def _by_point(self) -> dict[str, dict[str, Any]]:
        return dict(self.points)


def load_sweep(path: str | Path, *, replications: int | None = None,
               seed: int | None = None) -> SweepSpec:
    """Read and validate a sweep file and its base scenario.

    Parameters
    ----------
    path
        The sweep file (YAML).
    replications, seed
        Override the file's replications per point and root seed.

    Raises
    ------
    ScenarioError
        If the file, its base scenario or any of its key paths is invalid.
    """
    path = Path(path)
    source = display_path(path)
    data = read_yaml(path, "sweep file", keys=keys_of(Sweep))
    data.setdefault("name", path.stem)
    return sweep_spec(data, base_dir=path.parent, source=source, replications=replications,
                      seed=seed)


def sweep_spec(data: Sweep | Mapping[str, Any], *, base_dir: str | Path = ".",
               source: str = "sweep", replications: int | None = None,
               seed: int | None = None) -> SweepSpec:
    """Validate a sweep given as data; its ``scenario`` is relative to ``base_dir``."""
    try:
        sweep = data if isinstance(data, Sweep) else Sweep.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError([describe_error(e, Sweep) for e in exc.errors()], source) from None
    scenario_path = resolve_reference(sweep.scenario, Path(base_dir), "scenario", source)
    document = read_document(scenario_path)
    base = _checked(lambda: scenario_with(document, sweep.set, source=source), "set")
    # Points start from the document as written (with ``set``), not from the resolved
    # scenario, so that a swept preset still fills in the keys the file leaves open.
    base_doc = copy.deepcopy(document)
    for key, value in sweep.set.items():
        set_key_path(base_doc, key, value, source=source)
    limits.check_count("replications", replications, limits.MAX_REPLICATIONS, low=1)
    limits.check_count("seed", seed, limits.MAX_SEED)
    spec = SweepSpec(sweep=sweep, name=sweep.name or "sweep", source=source, base=base_doc,
                     seed=seed if seed is not None else (sweep.seed if sweep.seed is not None
                                                         else base.seed),
                     replications=replications or sweep.replications or base.replications)
    runs = sweep.rows * spec.replications
    if runs > limits.MAX_SWEEP_RUNS:
        raise ScenarioError(f"{sweep.rows:,} design rows x {spec.replications:,} replications "
                            f"= {runs:,} runs; a sweep may have at most "
                            f"{limits.MAX_SWEEP_RUNS:,} (docs/sweeps.md#limits)", source)
    _check_parameters(spec)
    return spec


def plan(spec: SweepSpec) -> Plan:
    """Build and check every point of ``spec`` and key its runs.

    Raises
    ------
    ScenarioError
        Naming the point and its values if a combination is not a valid scenario.
    """
    points = tuple(spec.design.points())
    digests = {}
    digest = _Digests(spec.variants.base)
    for i, (point, assignment) in enumerate(points):
        try:
            scenario = spec.scenario(assignment)
        except ScenarioError:
            where = (f"points[{i}]" if spec.sweep.design.kind == "list"
                     else f"point {point} ({_show(assignment)})")
            scenario = _checked(lambda a=assignment: spec.scenario(a), where, spec.source)
        digests[point] = digest(scenario)
    return Plan(spec=spec, points=points, digests=digests)


def content_digest(scenario: Scenario) -> str:
    """A SHA-256 of what a scenario simulates (its labels left out)."""
    document = scenario_document(scenario)
    for key in NOT_SIMULATED:
        document.pop(key, None)
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class _Digests:
    """:func:`content_digest` of many scenarios that share most sections with ``base``.

    The digest hashes the scenario's JSON with sorted keys; each top-level value
    is written on its own, and the text of the last few values written is kept
    with the value itself, so that a section points share (the base's, or one
    :class:`~sim.schema.loading.Variants` reuses) is written once.
    """

    KEPT = 512

    def __init__(self, base: Scenario):
        self._keys = sorted((field.alias or name, name, json.dumps(field.alias or name))
                            for name, field in Scenario.model_fields.items()
                            if (field.alias or name) not in NOT_SIMULATED)
        self._kept: dict[int, tuple[Any, str]] = {}  # id: (the value, its text)
        self(base)

    def __call__(self, scenario: Scenario) -> str:
        parts = []
        for key, name, written in self._keys:
            value = getattr(scenario, name)
            kept = self._kept.get(id(value))
            if kept is not None and kept[0] is value:
                text = kept[1]
            else:
                text = self._write(scenario, key, name)
                if len(self._kept) >= self.KEPT:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[id(value)] = (value, text)
            parts.append(f"{written}:{text}")
        return hashlib.sha256(("{" + ",".join(parts) + "}").encode()).hexdigest()

    @staticmethod
    def _write(scenario: Scenario, key: str, name: str) -> str:
        value = scenario.model_dump(mode="json", by_alias=True, include={name})[key]
        return json.dumps(value, sort_keys=True, separators=(",", ":"))


def run_key(digest: str, replication: int) -> str:
    """The key of one run: its scenario's content digest and its replication."""
    return hashlib.sha256(f"{digest}|replication={replication}".encode()).hexdigest()[:32]


def _check_parameters(spec: SweepSpec) -> None:
    """Check each parameter's extreme values alone, to name the key path at fault."""
    sweep = spec.sweep
    for key, parameter in sweep.parameters.items():
        if parameter.values is not None:
            candidates = list(parameter.values)
        elif parameter.integer:
            candidates = [int(parameter.low), int(parameter.high)]
        else:
            candidates = [parameter.low, parameter.high]
        for value in candidates:
            _checked(lambda k=key, v=value: spec.scenario({k: v}),
                     f"parameters.{key} = {excerpt(value)}", spec.source)
    for i, point in enumerate(sweep.points):
        for key, value in point.items():
            _checked(lambda k=key, v=value: spec.scenario({k: v}),
                     f"points[{i}].{key} = {excerpt(value)}", spec.source)


def _checked(build, where: str, source: str | None = None):
    """Call ``build``; restate its scenario errors as problems of the sweep at ``where``."""
    try:
        return build()
    except ScenarioError as exc:
        problems = [p.replace(" (from the override ", " (from ").replace(
            "override ", "") for p in exc.problems]
        raise ScenarioError([f"{where}: {p}" for p in problems],
                            source or exc.source) from None


def _show(assignment: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={excerpt(v)}" for k, v in assignment.items())
