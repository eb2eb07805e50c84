"""The day's compiled rules give the numbers NumPy gave, to the last bit, compiled or not.

Three checks. (1) The arithmetic the rules share (NumPy's pairwise sum, its maximum,
minimum and clip, ``np.interp``, the C library's ``exp`` and ``expm1``) is NumPy's and
the C library's bit for bit, signs of zeros included, compiled. (2) Each rule gives
the same bits compiled and run as plain Python (``py_func``, the function Numba
compiled) on random people. (3) A whole run of the golden scenarios with the
compiler switched off (``NUMBA_DISABLE_JIT=1``) gives the same weekly series and
summary as the compiled run. The golden files themselves check that the compiled
rules reproduce the NumPy rules they replaced.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from conftest import run_interpreted
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import arith
from sim.model import day_kernel as k

ROOT = Path(__file__).resolve().parents[1]
k.ready()

special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 1e200, 0.5])
numbers = st.one_of(st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False), special)


def bits(value) -> np.ndarray:
    """A float or an array as its bits (so that -0.0 differs from 0.0 and NaN equals NaN)."""
    return np.asarray(value, dtype=np.float64).view(np.int64)


def same(a, b) -> bool:
    return np.array_equal(bits(a), bits(b))


# -- (1) NumPy's and the C library's arithmetic ------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(numbers, max_size=700), st.integers(-12, 12))
def test_total_is_numpys_pairwise_sum(values, scale):
    a = np.array(values, dtype=float) * 10.0 ** scale
    assert same(k.total(a), float(a.sum()))
    b = np.linspace(-3.0, 2.0, len(a))
    assert same(k.total_of_products(a, b), arith.dot(a, b))
    keep = (np.arange(len(a)) % 3) != 1
    assert same(k.total_where(a, keep), float(a[keep].sum()))


def test_total_of_zeros_of_either_sign_is_numpys():
    for n in (0, 1, 7, 8, 9, 128, 129, 300):
        for zero in (0.0, -0.0):
            a = np.full(n, zero)
            assert same(k.total(a), float(a.sum())), (n, zero)


pairs = st.tuples(st.one_of(numbers, st.just(math.nan)), st.one_of(numbers, st.just(math.nan)))


@settings(max_examples=300, deadline=None)
@given(st.lists(pairs, min_size=1, max_size=40))
def test_maximum_minimum_and_clip_are_numpys_signs_of_zeros_included(values):
    a = np.array([x for x, _ in values])
    b = np.array([y for _, y in values])
    assert same([k.maximum(x, y) for x, y in values], np.maximum(a, b))
    assert same([k.minimum(x, y) for x, y in values], np.minimum(a, b))
    assert same([k.clip(x, 0.0, 0.8) for x in a.tolist()], np.clip(a, 0.0, 0.8))
    assert same([k.larger(x, 0.0) for x in a.tolist()], [max(x, 0.0) for x in a.tolist()])
    assert same([k.smaller(x, 1.0) for x in a.tolist()], [min(x, 1.0) for x in a.tolist()])


def test_signed_zeros_come_out_as_numpys():
    z = np.array([0.0, -0.0])
    for x in (0.0, -0.0):
        for y in (0.0, -0.0):
            assert same(k.maximum(x, y), np.maximum(np.array([x]), np.array([y]))[0])
            assert same(k.minimum(x, y), np.minimum(np.array([x]), np.array([y]))[0])
    assert same([k.clip(x, 0.0, 1.0) for x in z.tolist()], np.clip(z, 0.0, 1.0))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=6, unique=True),
       st.lists(st.floats(-3.0, 3.0), min_size=6, max_size=6),
       st.lists(st.floats(-8.0, 8.0), max_size=30))
def test_interpolate_is_np_interp(xs, ys, x):
    xs = np.array(sorted(xs))
    ys = np.array(ys[:len(xs)])
    x = np.array([*x, *xs.tolist(), math.nan])  # the points themselves, and NaN
    out = np.empty(len(x))
    k.interpolate_each(x, xs, ys, out)
    assert same(out, np.interp(x, xs, ys))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 3.0), max_size=200))
def test_the_90th_percentile_is_the_nearest_rank(values):
    a = np.array(values, dtype=float)
    keep = np.ones(len(a), dtype=bool)
    expected = 0.0
    if len(a):
        rank = min(int(np.ceil(0.9 * len(a))) - 1, len(a) - 1)
        expected = float(np.partition(a, rank)[rank])
    assert same(k.nearest_rank_90(a, keep), expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50), st.floats(0.0, 1.0),
       st.floats(1.0, 500.0), st.floats(0.0, 5.0))
def test_compiled_exp_and_expm1_are_the_c_librarys(levels, coverage, erosion, rate):
    n = len(levels)
    kind = np.arange(n) % 5
    realised, potential = np.array(levels), np.array(levels[::-1])
    tau = np.linspace(1.0, 90.0, n)
    expected = [p * math.exp(-(1.0 - coverage) * 1.0 / erosion) for p in potential.tolist()]
    expected = [p + (r - p) * math.exp(-1.0 / t)
                for p, r, t in zip(expected, realised.tolist(), tau.tolist(), strict=True)]
    k.realise(kind, realised, potential, tau, 1.0, coverage, erosion, np.zeros(5))
    assert same(realised, expected)
    multiplier = np.linspace(0.5, 3.0, n)
    draws = np.array([-math.expm1(-rate * m / 252.0) for m in multiplier.tolist()])
    out = np.empty(n, dtype=np.int64)
    # a draw exactly at the probability does not leave; one just below does
    assert k.leavers(np.arange(n), multiplier, rate, 252.0, draws, out) == 0
    assert k.leavers(np.arange(n), multiplier, rate, 252.0, np.nextafter(draws, -1.0),
                     out) == n


# -- (2) compiled and plain Python give the same bits -----------------------------------------


def _both(rule, *arguments):
    """Call ``rule`` compiled and as plain Python on copies; return both (value, arrays)."""
    results = []
    for function in (rule, getattr(rule, "py_func", rule)):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in arguments]
        value = function(*copies)
        results.append((value, [c for c in copies if isinstance(c, np.ndarray)]))
    return results


def _assert_same(results) -> None:
    (value, arrays), (plain_value, plain_arrays) = results
    assert same(np.asarray(value, dtype=float), np.asarray(plain_value, dtype=float))
    for compiled, plain in zip(arrays, plain_arrays, strict=True):
        if compiled.dtype.kind == "f":
            assert same(compiled, plain)
        else:
            assert np.array_equal(compiled, plain)


def _people(rng: np.random.Generator, n: int) -> dict:
    """A random organisation of ``n`` seats: groups, who is in a seat, shares of the day."""
    rows = rng.random((k.PLAN_ROWS, n)) * (rng.random((k.PLAN_ROWS, n)) < 0.8)
    return {"group": rng.integers(0, 4, n), "active": rng.random(n) < 0.9,
            "share": rng.random(n) * (rng.random(n) < 0.7), "rows": rows,
            "hired": np.where(rng.random(n) < 0.7, -np.inf, rng.uniform(0, 300, n))}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 200))
def test_every_rule_gives_the_same_bits_compiled_and_as_plain_python(seed, n):
    rng = np.random.default_rng(seed)
    p = _people(rng, n)
    group, active, rows = p["group"], p["active"], p["rows"]

    def share() -> np.ndarray:
        return p["share"].copy()

    xs, ys = np.array([0.0, 0.3, 0.6, 1.0, 1.5]), np.array([1.0, 1.05, 1.0, 0.75, 0.5])
    _assert_same(_both(k.plan_day, group, active, share(), share() * 0.5, share(), share(),
                       0.1, 0.2, 0, 2, 1, 3, np.empty((k.PLAN_ROWS, n))))
    _assert_same(_both(k.split_off_duty, rows, share(), share() * 0.1, np.empty((3, n))))
    _assert_same(_both(k.judge, rows, 1.0, 0.5, 0.25, 1.0, np.empty(n), np.empty(n)))
    _assert_same(_both(k.divert, 1.0 + rng.random(), share(), 1.0, 0.8, np.zeros(n)))
    _assert_same(_both(k.duty_shares, rows, share(), np.array([0], dtype=np.int64)[:min(n, 1)],
                       1e-12, np.empty(n)))
    _assert_same(_both(k.rostered, share(), rng.random(n) < 0.5, rng.random(n), 1e-12,
                       np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)))
    _assert_same(_both(k.stress_step, active, rows, 1.3, 1.0 + share(), share(), 1.0, 0.6, 2.0,
                       20.0, True, True, p["hired"], 200.0, 80.0, 0.5, xs, ys, xs, ys, xs, ys,
                       share(), share(), np.empty(n), np.empty(n), np.empty(n)))
    _assert_same(_both(k.stress_gauges, active, share(), share(), share(), True, np.empty(4)))
    _assert_same(_both(k.price_day, share() * 500.0, p["hired"], 250.0, 80.0, 0.5,
                       rng.random((3, n)), share(), share(), np.empty(6)))
    kinds = rng.integers(0, 5, n)
    _assert_same(_both(k.benefit_levels, kinds, share(), share(), np.empty(6)))
    _assert_same(_both(k.realise, kinds, share(), share(), 1.0 + share() * 100.0, 1.0, 0.3,
                       252.0, np.zeros(5)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_project_work_gives_the_same_bits_compiled_and_as_plain_python(seed, projects):
    rng = np.random.default_rng(seed)
    n = 60
    sizes = rng.integers(0, 25, projects)
    first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    members = rng.integers(0, n, int(first[-1]))
    tenure = np.where(rng.random(len(members)) < 0.7, np.inf, rng.uniform(0, 100, len(members)))
    args = (members, first, rng.uniform(0.2, 1.0, projects), rng.random(projects) < 0.2,
            rng.random(projects) < 0.5, tenure, rng.random(n), rng.uniform(0.2, 1.0, n),
            rng.uniform(0.5, 1.2, n), 60.0, 0.3, 0.2, 0.0006)
    results = _both(k.teams_at_work, *args, np.empty(len(members)), np.empty(projects),
                    np.empty(projects))
    _assert_same(results)
    time = results[0][1][-3]
    _assert_same(_both(k.time_used, members, first, time, rng.random(projects), np.zeros(n)))
    _assert_same(_both(k.schedule_pressure, members, first, rng.uniform(0.5, 2.0, projects),
                       rng.random(n) * (rng.random(n) < 0.8), np.empty(n)))


def _numpy_reward_share(plan, weights, unrewarded: float) -> np.ndarray:
    """The reward share as NumPy arrays compute it (the rule the compiled one replaced)."""
    ops = weights.operations * plan.assigned_ops
    total = (ops + (weights.projects + weights.benefits) * plan.assigned_project
             + (weights.improvement + weights.benefits) * plan.assigned_other)
    working = plan.assigned_ops + plan.assigned_project + plan.assigned_other
    fallback = np.where(working > 0.0, unrewarded if weights.operations > 0 else 0.0, 0.0)
    return np.divide(ops, total, out=fallback, where=total > 0.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 60),
       st.sampled_from(["operations_only", "balanced", "project_bonus", "outcome_based",
                        "projects_only"]),
       st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)))
def test_the_reward_share_is_numpys_whatever_share_unrewarded_work_gets(seed, n, scheme,
                                                                         unrewarded):
    """The compiled reward share, ``behaviour.unrewarded_ops_share`` included, is NumPy's."""
    from sim.model.rewards import reward_share
    from sim.model.workforce import DayPlan
    from sim.schema.organisation import REWARD_PRESETS, RewardWeights

    rng = np.random.default_rng(seed)
    rows = _people(rng, n)["rows"]
    if n:  # someone whose work is all improvement, and someone without work
        rows[:, 0] = 0.0
        rows[DayPlan.FIELDS.index("assigned_improvement"), 0] = 0.5
        rows[:, -1] = 0.0
    weights = REWARD_PRESETS.get(scheme, RewardWeights(operations=0, projects=1))
    plan = DayPlan.of_rows(rows)
    assert same(reward_share(plan, weights, unrewarded),
                _numpy_reward_share(plan, weights, unrewarded))


# -- (3) the whole model, compiled and interpreted ---------------------------------------------


HORIZONS = {"baseline": 63, "busy_operations_only": 63, "large_projects_rescue": 84,
            "near_capacity_harder": 168, "systems_controlling": 168}
"""Days of each golden scenario to run both ways: past its timeline's events and gates."""


def test_the_golden_scenarios_give_the_same_figures_compiled_and_interpreted():
    """Every golden scenario, with the compiler switched off and on: the same figures."""
    cases = {str(ROOT / "tests" / "golden" / "model" / f"{name}.yaml"): days
             for name, days in HORIZONS.items()}
    script = (
        "import json, sys\n"
        "import sim\n"
        "out = {}\n"
        "for path, days in json.loads(sys.argv[1]).items():\n"
        "    r = sim.run(sim.load_scenario(path, {'horizon': days}), 0)\n"
        "    out[path] = [r.summary, r.weekly.to_csv(index=False, float_format='%.17g'),\n"
        "                 r.projects.to_csv(index=False, float_format='%.17g')]\n"
        "print(json.dumps(out))\n")
    interpreted = run_interpreted(script, cases, timeout=900)
    for path, days in cases.items():
        r = sim.run(sim.load_scenario(path, {"horizon": days}), 0)
        compiled = json.loads(json.dumps([r.summary,
                                          r.weekly.to_csv(index=False, float_format="%.17g"),
                                          r.projects.to_csv(index=False, float_format="%.17g")]))
        assert interpreted[path] == compiled, Path(path).name
