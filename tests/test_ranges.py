"""Every number of a scenario has a finite range, the docs state it, and its ends run.

The ranges keep the arithmetic of a run finite: a test sets each number, alone,
to each end of its range in a short run that exercises every mechanism (templates
with benefits and AI, a PMO, rescues, sustainment, patience, a timeline pulse) and
checks that the run ends without an exception, a floating-point warning or an
infinite KPI.
"""

from __future__ import annotations

import copy
import math
import re
import types
import typing
import warnings
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import sim
from sim.errors import ScenarioError
from sim.schema.loading import read_document, scenario_with
from sim.schema.scenario import Scenario
from sim.schema.sweep import Sweep

ROOT = Path(__file__).resolve().parents[1]
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _bounds(metadata: list) -> tuple[tuple | None, tuple | None]:
    """The lower and upper bound (``("ge", 0)``...) among pydantic constraints."""
    low = high = None
    for item in metadata:
        if isinstance(item, FieldInfo):
            inner = _bounds(item.metadata)
            low, high = inner[0] or low, inner[1] or high
            continue
        for name in ("ge", "gt"):
            if getattr(item, name, None) is not None:
                low = (name, getattr(item, name))
        for name in ("le", "lt"):
            if getattr(item, name, None) is not None:
                high = (name, getattr(item, name))
    return low, high


def numbers(model: type[BaseModel], prefix: str = "", seen=None):
    """Yield ``(key path, int or float, lower bound, upper bound)`` for every number."""
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        yield from _leaves(field.annotation, list(field.metadata),
                           f"{prefix}{field.alias or name}", seen)


def _leaves(annotation, metadata: list, key: str, seen):
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from _leaves(args[0], metadata + list(args[1:]), key, seen)
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                yield from _leaves(arg, metadata, key, seen)
    elif origin in (tuple, list):
        for i, arg in enumerate(a for a in args if a is not Ellipsis):
            index = i if len(args) > 1 and args[-1] is not Ellipsis else 0
            yield from _leaves(arg, [], f"{key}.{index}", seen)
    elif origin is dict:
        yield from _leaves(args[1], [], f"{key}.*", seen)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from numbers(annotation, f"{key}.", seen)
    elif annotation in (int, float):
        yield (key, annotation, *_bounds(metadata))


SCENARIO_NUMBERS = list(numbers(Scenario))


@pytest.mark.parametrize("model", [Scenario, Sweep])
def test_every_number_has_a_finite_range(model):
    unbounded = [(key, low, high) for key, _, low, high in numbers(model)
                 if low is None or high is None
                 or not (math.isfinite(low[1]) and math.isfinite(high[1]))]
    assert not unbounded


def _written(value: float) -> set[str]:
    """The ways the docs may write a bound: 25,200, 0.99, 10⁹, 2⁶³ − 1."""
    forms = {f"{value:g}"}
    if float(value).is_integer():
        forms.add(f"{int(value):,}")
        power = math.log10(value) if value > 0 else 0.5
        if power.is_integer():
            forms.add("10" + str(int(power)).translate(SUPERSCRIPT))
        if int(value) == 2**63 - 1:
            forms.add("2⁶³ − 1")
    return forms


def test_the_key_reference_states_every_upper_bound():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w.]+)` \| [^|]+ \| ([^|]+) \|[^|]+\|[^|]+\|", text, re.MULTILINE)
    allowed: dict[str, str] = {}
    for key, cell in rows:  # the key reference's tables: key, type, allowed, default, meaning
        allowed.setdefault(key, cell)
    checked, wrong = 0, []
    for key, _, _, high in SCENARIO_NUMBERS:
        if key in allowed:
            checked += 1
            if not _written(high[1]) & set(re.findall(r"[\d.,⁰¹²³⁴⁵⁶⁷⁸⁹]+(?: − 1)?", allowed[key])):
                wrong.append((key, high[1], allowed[key]))
    assert checked > 60
    assert not wrong


EVERYTHING_ON = {
    "horizon": 25, "warmup": 0, "replications": 1, "operations.patience": 20,
    "projects.templates": [{"name": "t", "per_year": 20, "size": 50, "team": 3,
                            "benefits": [{"kind": "productivity", "magnitude": 0.2,
                                          "within": 20}],
                            "ai": {"magnitude": 0.2, "within": 20}}],
    "levers.rescue_late_projects": {"slip_above": 0.2, "every": 10},
    "levers.pmo.type": "controlling", "levers.pmo.disband_at": 15, "pmo.cancel_slip": 1.0,
    "workforce.opex.headcount": 3, "levers.sustainment": "opex", "levers.ai_operations": "opex",
    "levers.improvement_share": 0.1, "levers.ai_gate_cut_slip": 0.5,
    "levers.rewards.scheme": {"operations": 1, "projects": 1, "improvement": 1, "benefits": 1},
    "timeline": [{"at": 5, "scale": {"operations.demand": 1.1}, "for": 10}],
}
"""A short run in which every mechanism is at work, so that every number is used."""

FIXED = ("horizon", "seed", "replications", "timeline")


def _ends():
    for key, kind, low, high in SCENARIO_NUMBERS:
        if key.startswith(FIXED):
            continue
        for name, bound in (low, high):
            value = float(bound)
            if name == "gt":
                value = math.nextafter(value, math.inf)
            elif name == "lt":
                value = math.nextafter(value, -math.inf)
            yield pytest.param(key.replace("pmo.bundles.*", "pmo.bundles.controlling"),
                               kind(value) if kind is int else value,
                               id=f"{key}={value:g}")


@pytest.mark.slow
@pytest.mark.parametrize(("key", "value"), list(_ends()))
def test_each_number_at_either_end_of_its_range_runs_finite(key, value):
    document = read_document(ROOT / "scenarios" / "baseline.yaml")
    overrides = {**copy.deepcopy(EVERYTHING_ON), key: value}
    try:
        scenario = scenario_with(document, overrides, source="test")
    except ScenarioError:
        return  # a cross-field rule refuses this end with this baseline: nothing runs
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = sim.run(scenario)
    infinite = {k: v for k, v in result.summary.items()
                if isinstance(v, float) and math.isinf(v)}
    assert not infinite
