"""Recommendation files: a base scenario, the levers to choose, the goal and its limits.

A recommendation file names a base scenario, the levers that may change (each
a range of numbers or a list of choices), one KPI to maximise or minimise,
constraints on other KPIs (judged on their mean, at a stated confidence), the
conditions to stress-test the answer over, and how many runs it may take. The
schema is closed like every other file of the project: an unknown key is an
error that names the nearest valid one.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import excerpt
from sim.kpis import KPIS, describe
from sim.schema import limits
from sim.schema.base import Section

SHARE_UNITS = ("share", "0/1")
"""KPI units whose values lie between 0 and 1."""
SIGNED_UNITS = ("money", "share/year", "share of plan", "index", "")
"""KPI units whose values may be negative (any other unit counts or measures time)."""

MAX_BUDGET = 100_000
"""Most simulation runs one recommendation may use."""


def kpi_problem(name: str) -> str | None:
    """Why ``name`` is not a KPI (with the nearest one), or None if it is."""
    if name in KPIS:
        return None
    near = difflib.get_close_matches(name, list(KPIS), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return f"unknown KPI {name!r}.{hint} The KPIs are listed in docs/results.md"


def kpi_range(name: str) -> tuple[float, float]:
    """The values KPI ``name`` can take at all: [0, 1] for shares, [0, inf) for counts."""
    unit = describe(name).unit
    if unit in SHARE_UNITS:
        return (0.0, 1.0)
    if unit in SIGNED_UNITS:
        return (-math.inf, math.inf)
    return (0.0, math.inf)


def _check_range(low: float, high: float, integer: bool) -> None:
    """Refuse an empty range, or a whole-number range with fractional ends."""
    if not low < high:
        raise ValueError(f"the range is empty: min={low:g} must be below max={high:g}")
    if integer and (low != int(low) or high != int(high)):
        raise ValueError(f"integer: true needs whole-number ends, found min={low:g}, "
                         f"max={high:g}")


class Lever(Section):
    """One lever to choose: a range (``min``, ``max``, optionally whole numbers) or choices."""

    min: float | None = Field(None, description="Lowest value of a range.")
    max: float | None = Field(None, description="Highest value of a range.")
    integer: bool = Field(False, description="Only whole numbers from min to max.")
    choices: tuple[Any, ...] | None = Field(
        None, description="The values to choose from (e.g. reward schemes).")

    @model_validator(mode="after")
    def _shape(self) -> Lever:
        has_range = self.min is not None or self.max is not None
        if self.choices is not None and has_range:
            raise ValueError("give either choices or min/max, not both")
        if self.choices is None and not has_range:
            raise ValueError("give a range {min: ..., max: ...} or choices: [...]")
        if self.choices is not None:
            if not self.choices:
                raise ValueError("choices is empty: give at least two values")
            if len(set(map(repr, self.choices))) < 2:
                raise ValueError(f"choices = {excerpt(list(self.choices))}: give at least two "
                                 "different values (one value is not a choice: put it in set)")
            if self.integer:
                raise ValueError("integer applies to a range (min/max), not to choices")
            return self
        if self.min is None or self.max is None:
            raise ValueError("a range needs both min and max")
        _check_range(self.min, self.max, self.integer)
        return self

    @property
    def is_range(self) -> bool:
        """Whether the lever is a range rather than choices."""
        return self.choices is None


class Condition(Section):
    """One condition of the stress test: a range to sample."""

    min: float = Field(description="Lowest value.")
    max: float = Field(description="Highest value.")
    integer: bool = Field(False, description="Only whole numbers from min to max.")

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        _check_range(self.min, self.max, self.integer)
        return self


class Objective(Section):
    """The KPI to make as good as possible."""

    kpi: str = Field(description="A summary KPI (docs/results.md), e.g. npv_change.")
    goal: Literal["maximise", "minimise"] = Field(description="maximise or minimise.")

    @field_validator("kpi")
    @classmethod
    def _known(cls, kpi: str) -> str:
        problem = kpi_problem(kpi)
        if problem:
            raise ValueError(problem)
        return kpi

    @property
    def sign(self) -> float:
        """+1 to maximise, -1 to minimise: ``sign * value`` is to be maximised."""
        return 1.0 if self.goal == "maximise" else -1.0


class Constraint(Section):
    """A limit on the mean of a KPI: ``at_least`` or ``at_most`` a value."""

    kpi: str = Field(description="A summary KPI (docs/results.md).")
    at_least: float | None = Field(None, description="The mean must be at least this.")
    at_most: float | None = Field(None, description="The mean must be at most this.")

    @model_validator(mode="after")
    def _shape(self) -> Constraint:
        problem = kpi_problem(self.kpi)
        if problem:
            raise ValueError(problem)
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(f"a constraint on {self.kpi} needs exactly one of at_least or "
                             "at_most (write two constraints for a band)")
        low, high = kpi_range(self.kpi)
        unit = describe(self.kpi).unit
        span = f"between {low:g} and {high:g}" if math.isfinite(high) else f"at least {low:g}"
        if self.at_least is not None and self.at_least > high:
            raise ValueError(f"{self.kpi} at_least {self.at_least:g} is impossible: a KPI in "
                             f"{unit} is {span}")
        if self.at_most is not None and self.at_most < low:
            raise ValueError(f"{self.kpi} at_most {self.at_most:g} is impossible: a KPI in "
                             f"{unit} is {span}")
        return self

    @property
    def bound(self) -> float:
        """The limit, whichever side it is on."""
        return self.at_least if self.at_least is not None else self.at_most

    @property
    def side(self) -> str:
        """``at_least`` or ``at_most``."""
        return "at_least" if self.at_least is not None else "at_most"

    def text(self) -> str:
        """The constraint in words, e.g. ``ops_service_level ≥ 0.95``."""
        return f"{self.kpi} {'≥' if self.side == 'at_least' else '≤'} {self.bound:g}"


class Search(Section):
    """How candidates are searched for."""

    replications: Annotated[int, Field(ge=1, le=100)] = Field(
        2, description="Replications of each candidate during the search (common random "
                       "numbers: the same replications for every candidate).")
    batch: Annotated[int, Field(ge=1, le=256)] = Field(
        8, description="Candidates proposed at once (run in parallel).")
    startup: Annotated[int, Field(ge=1, le=1000)] = Field(
        10, description="Candidates drawn at random before the sampler models the results.")


class Confirm(Section):
    """How the best candidates of the search are confirmed."""

    finalists: Annotated[int, Field(ge=1, le=50)] = Field(
        4, description="Best candidates of the search taken into the confirmation.")
    replications: Annotated[int, Field(ge=2, le=1000)] = Field(
        10, description="First-stage replications of each finalist (and of the base).")
    indifference: Annotated[float, Field(gt=0)] | None = Field(
        None, description="Smallest difference in the objective worth telling apart, in the "
                          "objective's unit (default: 1% of the base's mean).")


class Stress(Section):
    """How the finalists are stress-tested over the conditions."""

    samples: Annotated[int, Field(ge=1, le=limits.MAX_ROBUSTNESS_SAMPLES)] = Field(
        50, description="Conditions sampled (Latin hypercube).")
    finalists: Annotated[int, Field(ge=1, le=50)] = Field(
        3, description="Confirmed finalists run in every condition (best first).")
    replications: Annotated[int, Field(ge=1, le=100)] = Field(
        1, description="Replications of each finalist in each condition.")


class Recommendation(Section):
    """A recommendation: which levers to choose on a base scenario, for what, within what."""

    name: str | None = Field(None, min_length=1,
                             description="Name (default: the file's name).")
    description: str = Field("", description="What is being decided.")
    scenario: str = Field(description="Base scenario file, relative to this file.")
    set: dict[str, Any] = Field(default_factory=dict,
                                description="Key paths changed for every run.")
    levers: dict[str, Lever] = Field(description="Key paths to choose, with their ranges "
                                                 "or choices.")
    objective: Objective
    constraints: tuple[Constraint, ...] = Field(
        (), description="Limits on KPIs, judged on their mean at the stated confidence.")
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(
        0.95, description="Confidence of the constraint checks and of the selection.")
    conditions: dict[str, Condition] = Field(
        default_factory=dict, description="Non-lever key paths to stress-test over.")
    budget: Annotated[int, Field(ge=1, le=MAX_BUDGET)] = Field(
        400, description="Most simulation runs, search, confirmation and stress test "
                         "together.")
    seed: Annotated[int, Field(ge=0, le=limits.MAX_SEED)] | None = Field(
        None, description="Root seed (default: the base scenario's).")
    search: Search = Field(default_factory=Search)
    confirm: Confirm = Field(default_factory=Confirm)
    stress: Stress = Field(default_factory=Stress)

    @model_validator(mode="after")
    def _consistent(self) -> Recommendation:
        if not self.levers:
            raise ValueError("levers: give at least one key path to choose")
        clash = sorted(set(self.set) & set(self.levers))
        if clash:
            raise ValueError(f"set and levers both name {', '.join(clash)}; a lever is "
                             "chosen, so remove it from set")
        for key in self.conditions:
            if key in self.levers or key.startswith("levers."):
                raise ValueError(f"conditions.{key}: a condition is not under management "
                                 "control; levers are chosen, not stress-tested")
        self._check_pairs()
        if self.name is not None and limits.name_problem(self.name):
            raise ValueError(f"name = {excerpt(self.name)}: a recommendation's name is its "
                             f"folder's name and {limits.name_problem(self.name)}")
        return self

    def _check_pairs(self) -> None:
        """Refuse an at_least above an at_most on the same KPI (no mean can meet both)."""
        for a in self.constraints:
            for b in self.constraints:
                if a.kpi == b.kpi and a.side == "at_least" and b.side == "at_most" \
                        and a.bound > b.bound:
                    raise ValueError(f"constraints on {a.kpi} are impossible together: "
                                     f"at_least {a.bound:g} and at_most {b.bound:g}")
