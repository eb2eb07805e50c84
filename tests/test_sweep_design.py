"""Sweep designs and shipped sweep files: sizes, growth, mapping onto parameters."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.schema.sweep import Parameter, Sweep
from sim.studies.sweeps.design import build_design, point_id, value_at
from sim.studies.sweeps.files import load_sweep, plan, run_key

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


def sweep(kind: str, samples: int | None = None, **parameters) -> Sweep:
    params = parameters or {"a": {"low": 0.0, "high": 1.0}, "b": {"low": 10, "high": 20},
                            "c": {"values": ["x", "y", "z"]}}
    design = {"kind": kind} if samples is None else {"kind": kind, "samples": samples}
    return Sweep.model_validate({"scenario": "unused.yaml", "seed": 5, "parameters": params,
                                 "design": design})


def test_there_are_shipped_sweeps():
    assert len(SHIPPED) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_sweep_plans(path):
    spec = load_sweep(path)
    the_plan = plan(spec)
    runs = list(the_plan.runs())
    assert len(runs) == len(the_plan.points) * spec.replications == the_plan.count
    assert len({r.key for r in runs}) == len(runs)  # distinct points simulate different things
    assert list(the_plan.pending(set())) == runs
    assert the_plan.count_done({r.key for r in runs[:3]}) == 3
    assert [r.key for r in the_plan.pending({r.key for r in runs[:3]})] == [
        r.key for r in runs[3:]]


def test_design_sizes():
    assert len(build_design(sweep("sobol", 8)).table) == 8 * (3 + 2)
    assert len(build_design(sweep("morris", 4)).table) == 4 * (3 + 1)
    assert len(build_design(sweep("lhs", 17)).table) == 17
    grid = sweep("grid", a=[1, 2, 3], b=[4, 5])
    table = build_design(grid).table
    assert table[["a", "b"]].values.tolist() == [[1, 4], [1, 5], [2, 4], [2, 5], [3, 4], [3, 5]]


@pytest.mark.parametrize(("kind", "small", "large", "rows_per_sample"),
                         [("sobol", 8, 16, 5), ("morris", 4, 7, 4)])
def test_growing_a_design_keeps_its_earlier_points(kind, small, large, rows_per_sample):
    before = build_design(sweep(kind, small)).table
    after = build_design(sweep(kind, large)).table
    head = after.iloc[: small * rows_per_sample].reset_index(drop=True)
    assert head.equals(before)


def test_growing_a_grid_keeps_point_identities():
    before = build_design(sweep("grid", a=[1, 3], b=["x"])).table
    after = build_design(sweep("grid", a=[1, 2, 3], b=["x"])).table
    assert set(before["point"]) < set(after["point"])


def test_the_design_depends_on_its_seed_only():
    one = build_design(sweep("lhs", 10)).table
    assert one.equals(build_design(sweep("lhs", 10)).table)
    other = sweep("lhs", 10).model_copy(update={"seed": 6})
    assert not one.equals(build_design(other).table)


def test_point_identity_is_the_assignment():
    assert point_id({"a": 1, "b": "x"}) == point_id({"b": "x", "a": 1})
    assert point_id({"a": 1}) != point_id({"a": 2})
    assert point_id({"a": np.float64(0.5)}) == point_id({"a": 0.5})


def test_run_keys_differ_by_replication_and_content():
    assert run_key("abc", 0) != run_key("abc", 1)
    assert run_key("abc", 0) != run_key("abd", 0)
    assert run_key("abc", 0) == run_key("abc", 0)


@given(st.floats(0.0, 1.0), st.integers(-50, 50), st.integers(1, 30))
def test_whole_numbers_cover_low_to_high(u, low, span):
    p = Parameter(low=low, high=low + span, integer=True)
    value = value_at(p, u)
    assert isinstance(value, int) and low <= value <= low + span


def test_whole_numbers_are_equally_likely():
    p = Parameter(low=2, high=4, integer=True)
    counts = np.bincount([value_at(p, u) for u in (np.arange(300) + 0.5) / 300])
    assert counts[2:].tolist() == [100, 100, 100]


@given(st.floats(0.0, 1.0))
def test_ranges_choices_and_log_scales_stay_inside(u):
    assert 0.1 <= value_at(Parameter(low=0.1, high=0.6), u) <= 0.6
    assert 0.01 <= value_at(Parameter(low=0.01, high=1.0, log=True), u) <= 1.0 + 1e-12
    assert value_at(Parameter(values=("a", "b")), u) in ("a", "b")


def test_log_scale_puts_the_geometric_mean_in_the_middle():
    assert value_at(Parameter(low=0.01, high=1.0, log=True), 0.5) == pytest.approx(0.1)
