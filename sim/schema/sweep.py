"""Sweep files: a base scenario, the parameters to vary, the design and the outputs.

A sweep names a base scenario and the key paths to vary. A *grid* crosses
lists of values; a *list* gives the points one by one; *lhs*, *sobol* and
*morris* sample ranges (``low``/``high``, optionally whole numbers or on a log
scale) or choices (``values``). Every point is the base scenario with its keys
changed; every point runs the same replications from the same root seed.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from sim.errors import excerpt
from sim.kpis import KPIS
from sim.schema import limits
from sim.schema.base import Section

SAMPLERS = ("lhs", "sobol", "morris")
"""Designs that sample ranges rather than list values."""


class Parameter(Section):
    """One key path to vary: a list of values, or a range to sample."""

    values: tuple[Any, ...] | None = Field(
        None, min_length=1, description="Values (grid), or choices a sampler picks from.")
    low: Annotated[float, Field(ge=-limits.MAX_SWEEP_VALUE, le=limits.MAX_SWEEP_VALUE)] | None = \
        Field(None, description="Lower end of a sampled range.")
    high: Annotated[float, Field(ge=-limits.MAX_SWEEP_VALUE, le=limits.MAX_SWEEP_VALUE)] | None = \
        Field(None, description="Upper end of a sampled range.")
    integer: bool = Field(False, description="Sample whole numbers from low to high inclusive.")
    log: bool = Field(False, description="Sample uniformly on a log scale (low > 0).")

    @model_validator(mode="after")
    def _shape(self) -> Parameter:
        has_range = self.low is not None or self.high is not None
        if self.values is not None and has_range:
            raise ValueError("give either values or low/high, not both")
        if self.values is None and not has_range:
            raise ValueError("give values: [...] or a range low: ..., high: ...")
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both low and high")
            if not (math.isfinite(self.low) and math.isfinite(self.high)):
                raise ValueError(f"low={self.low}, high={self.high}: must be finite numbers")
            if not self.low < self.high:
                raise ValueError(f"low={self.low:g} must be below high={self.high:g}")
            if self.log and self.low <= 0:
                raise ValueError(f"log: true needs low > 0, found low={self.low:g}")
            if self.integer and (self.low != int(self.low) or self.high != int(self.high)):
                raise ValueError(f"integer: true needs whole-number ends, found "
                                 f"low={self.low:g}, high={self.high:g}")
        elif self.integer or self.log:
            raise ValueError("integer and log apply to ranges (low/high), not to values")
        return self

    @property
    def is_range(self) -> bool:
        """Whether this parameter is a range (``low``/``high``) rather than values."""
        return self.values is None


def _as_list(value: Any) -> Any:
    """Accept ``key: [a, b]`` as shorthand for ``key: {values: [a, b]}``."""
    return {"values": value} if isinstance(value, list) else value


def _as_kind(value: Any) -> Any:
    """Accept ``design: sobol`` as shorthand for ``design: {kind: sobol}``."""
    return {"kind": value} if isinstance(value, str) else value


class DesignSettings(Section):
    """How the points are chosen."""

    kind: Literal["grid", "list", "lhs", "sobol", "morris"] = Field(
        "grid", description="grid (all combinations of values), list (the points given), "
        "lhs (Latin hypercube), sobol (Saltelli design for Sobol indices) or morris.")
    samples: Annotated[int, Field(ge=1, le=limits.MAX_SWEEP_POINTS)] | None = Field(
        None, description="lhs: points; sobol: base samples N (a power of two; the design "
        "has N x (parameters + 2) points); morris: trajectories.")
    levels: Annotated[int, Field(ge=2, le=limits.MAX_MORRIS_LEVELS)] = Field(
        4, description="morris: grid levels.")
    seed: Annotated[int, Field(ge=0, le=limits.MAX_SEED)] | None = Field(
        None, description="Seed of the sampler (default: the sweep's seed).")

    @model_validator(mode="after")
    def _samples(self) -> DesignSettings:
        if self.kind in SAMPLERS and self.samples is None:
            raise ValueError(f"a {self.kind} design needs samples: N")
        if self.kind not in SAMPLERS and self.samples is not None:
            raise ValueError(f"samples applies to lhs, sobol and morris, not to {self.kind}")
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            low = 1 << (self.samples.bit_length() - 1)
            raise ValueError(f"samples = {self.samples}: a sobol design needs a power of two "
                             f"(e.g. {low} or {low * 2}) for the sequence to stay balanced")
        if self.kind == "morris" and self.samples < 2:
            raise ValueError("a morris design needs at least 2 trajectories")
        return self


class Outputs(Section):
    """What the sweep keeps beyond the summary KPIs (which are always kept)."""

    kpis: tuple[str, ...] | None = Field(
        None, description="KPIs to analyse and plot (default: the headline KPIs).")
    weekly: bool | tuple[str, ...] = Field(
        False, description="Keep the weekly series: true (every column) or a list of columns.")

    @field_validator("kpis")
    @classmethod
    def _known(cls, kpis: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for name in kpis or ():
            if name not in KPIS:
                near = difflib.get_close_matches(name, list(KPIS), n=1, cutoff=0.6)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                raise ValueError(f"unknown KPI {name!r}.{hint} The KPIs are listed in "
                                 "docs/results.md")
        return kpis


class Sweep(Section):
    """A sweep: which scenario, which parameters, which design, how many replications."""

    name: str | None = Field(None, min_length=1,
                             description="Name of the sweep (default: the file's name).")
    description: str = Field("", description="What the sweep explores.")
    scenario: str = Field(description="Base scenario file, relative to the sweep file.")
    set: dict[str, Any] = Field(default_factory=dict,
                                description="Key paths changed for every point.")
    parameters: dict[str, Annotated[Parameter, BeforeValidator(_as_list)]] = Field(
        default_factory=dict, description="Key paths to vary and their values or ranges.")
    points: tuple[dict[str, Any], ...] = Field(
        (), description="list design: each point's key paths and values.")
    design: Annotated[DesignSettings, BeforeValidator(_as_kind)] = Field(
        default_factory=DesignSettings)
    replications: Annotated[int, Field(ge=1, le=limits.MAX_REPLICATIONS)] | None = Field(
        None, description="Replications per point (default: the base scenario's).")
    seed: Annotated[int, Field(ge=0, le=limits.MAX_SEED)] | None = Field(
        None, description="Root seed shared by every point (default: the base scenario's).")
    outputs: Outputs = Field(default_factory=Outputs)

    @model_validator(mode="after")
    def _design_fits(self) -> Sweep:
        kind = self.design.kind
        if kind == "list":
            if not self.points:
                raise ValueError("a list design needs points: [{key: value, ...}, ...]")
            if self.parameters:
                raise ValueError("a list design takes its values from points; remove "
                                 "parameters (or use design: grid)")
            for i, point in enumerate(self.points):
                if not point:
                    raise ValueError(f"points[{i}] is empty: give at least one key: value")
        else:
            if self.points:
                raise ValueError(f"points applies to design: list, not to {kind}")
            if not self.parameters:
                raise ValueError("parameters: give at least one key path to vary")
        if kind == "grid":
            ranges = [k for k, p in self.parameters.items() if p.is_range]
            if ranges:
                raise ValueError(f"a grid needs values for every parameter; "
                                 f"{', '.join(ranges)} give a range (use lhs, sobol or "
                                 "morris to sample ranges)")
        clash = sorted(set(self.set) & set(self.parameters))
        if clash:
            raise ValueError(f"set and parameters both name {', '.join(clash)}; "
                             "a parameter is varied, so remove it from set")
        if self.rows > limits.MAX_SWEEP_POINTS:
            raise ValueError(f"the {kind} design has {self.rows:,} rows; a sweep may have at "
                             f"most {limits.MAX_SWEEP_POINTS:,} (docs/sweeps.md#limits): use "
                             "fewer values or samples, or split the sweep")
        if self.name is not None and limits.name_problem(self.name):
            raise ValueError(f"name = {excerpt(self.name)}: a sweep's name is its folder's "
                             f"name and {limits.name_problem(self.name)}")
        return self

    @property
    def rows(self) -> int:
        """How many rows the design has, counted without building it."""
        kind, d = self.design.kind, len(self.parameters)
        if kind == "grid":
            return math.prod(len(p.values) for p in self.parameters.values())
        if kind == "list":
            return len(self.points)
        per_sample = {"lhs": 1, "sobol": d + 2, "morris": d + 1}[kind]
        return self.design.samples * per_sample

    @property
    def varied(self) -> tuple[str, ...]:
        """The key paths the design varies, in order."""
        if self.design.kind == "list":
            keys: dict[str, None] = {}
            for point in self.points:
                keys.update(dict.fromkeys(point))
            return tuple(keys)
        return tuple(self.parameters)
