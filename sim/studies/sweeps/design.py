"""The points of a sweep: grids, lists and sampled designs.

Samplers draw in the unit cube and map each coordinate onto its parameter
(a range, whole numbers, a log scale, or a choice among values). Latin
hypercubes come from :mod:`scipy.stats.qmc`; Sobol (Saltelli) and Morris
designs from SALib, so that their analysis can be done by SALib too. A point is
identified by the values it assigns (a content hash), not by its position, so
adding values to a grid or samples to a Sobol or Morris design leaves the
earlier points, and their identities, unchanged.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from sim.schema.sweep import Parameter, Sweep


@dataclass(frozen=True)
class Design:
    """The points of a sweep, in design order.

    Attributes
    ----------
    kind
        ``grid``, ``list``, ``lhs``, ``sobol`` or ``morris``.
    parameters
        The varied key paths, in order (the columns of ``unit``).
    table
        One row per design row: ``row`` (position in the design), ``point`` (the
        point's identity) and one column per key path. Two rows may be the same
        point (e.g. whole-number parameters); they then share their runs.
    unit
        Sampler designs: the design in the unit cube, one row per design row.
    levels
        Morris designs: the number of grid levels.
    """

    kind: str
    parameters: tuple[str, ...]
    table: pd.DataFrame
    unit: np.ndarray | None = None
    levels: int | None = None

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem: every parameter on the unit interval."""
        return {"num_vars": len(self.parameters), "names": list(self.parameters),
                "bounds": [[0.0, 1.0]] * len(self.parameters)}

    def points(self) -> list[tuple[str, dict[str, Any]]]:
        """Each distinct point once, in order of first appearance: ``(point, assignment)``."""
        seen: dict[str, dict[str, Any]] = {}
        records = self.table.to_dict("records")
        for record in records:
            point = record["point"]
            if point not in seen:
                seen[point] = {k: _plain(record[k]) for k in self.parameters
                               if not is_missing(record[k])}
        return list(seen.items())


def build_design(sweep: Sweep) -> Design:
    """Return the points of ``sweep`` (pure: the same sweep gives the same design)."""
    kind = sweep.design.kind
    if kind == "grid":
        keys = tuple(sweep.parameters)
        rows = [dict(zip(keys, combo, strict=True)) for combo in
                itertools.product(*(sweep.parameters[k].values for k in keys))]
        return Design(kind, keys, _table(rows, keys))
    if kind == "list":
        keys = sweep.varied
        return Design(kind, keys, _table([dict(p) for p in sweep.points], keys))
    keys = tuple(sweep.parameters)
    unit = sample_unit(sweep)
    rows = [{k: value_at(sweep.parameters[k], u) for k, u in zip(keys, row, strict=True)}
            for row in unit]
    return Design(kind, keys, _table(rows, keys), unit=unit,
                  levels=sweep.design.levels if kind == "morris" else None)


def sample_unit(sweep: Sweep) -> np.ndarray:
    """Draw a sampler design in the unit cube, seeded by the design's or the sweep's seed."""
    design = sweep.design
    seed = design.seed if design.seed is not None else (sweep.seed or 0)
    d = len(sweep.parameters)
    problem = {"num_vars": d, "names": list(sweep.parameters), "bounds": [[0.0, 1.0]] * d}
    if design.kind == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(design.samples)
    if design.kind == "sobol":
        return sobol_sample.sample(problem, design.samples, calc_second_order=False,
                                   seed=seed)
    return morris_sample.sample(problem, design.samples, num_levels=design.levels, seed=seed)


def value_at(parameter: Parameter, u: float) -> Any:
    """Map a unit coordinate ``u`` in [0, 1] onto the parameter's values."""
    u = float(min(max(u, 0.0), 1.0))
    if parameter.values is not None:
        k = len(parameter.values)
        return parameter.values[min(int(u * k), k - 1)]
    low, high = parameter.low, parameter.high
    if parameter.integer:
        span = int(high) - int(low)
        return int(low) + min(int(u * (span + 1)), span)
    if parameter.log:
        return float(low * (high / low) ** u)
    return float(low + u * (high - low))


def point_id(assignment: dict[str, Any]) -> str:
    """The identity of a point: a short hash of the values it assigns."""
    text = json.dumps({k: _plain(v) for k, v in assignment.items()}, sort_keys=True,
                      separators=(",", ":"), default=str)
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _table(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> pd.DataFrame:
    records = [{"row": i, "point": point_id(r), **{k: r.get(k) for k in keys}}
               for i, r in enumerate(rows)]
    return pd.DataFrame.from_records(records, columns=["row", "point", *keys])


def _plain(value: Any) -> Any:
    """NumPy scalars and tuples as plain Python values (for hashing and YAML)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def is_missing(value: Any) -> bool:
    """Whether a cell holds no value (None or NaN)."""
    return value is None or (isinstance(value, float | np.floating) and bool(np.isnan(value)))
