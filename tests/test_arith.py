"""The model's arithmetic gives the same last bit on every processor."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model import arith
from sim.model.finance import _refine_rate, annual_irr, present_value

MODEL = Path(__file__).resolve().parents[1] / "sim" / "model"

# NumPy functions whose value depends on the processor: BLAS products, and the
# transcendental ufuncs that have AVX-512 versions.
BY_PROCESSOR = {"dot", "matmul", "inner", "vdot", "einsum", "exp", "expm1", "exp2", "log",
                "log1p", "log2", "log10", "power", "float_power", "sin", "cos", "tan",
                "tanh", "arctan", "cbrt"}

floats = st.lists(st.floats(-30.0, 30.0, allow_nan=False), min_size=0, max_size=60)


def test_the_model_calls_no_processor_dependent_numpy():
    found = []
    for path in sorted(MODEL.glob("*.py")):
        if path.name == "arith.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
                found.append(f"{path.name}:{node.lineno} @")
            if isinstance(node, ast.Attribute) and node.attr in BY_PROCESSOR \
                    and isinstance(node.value, ast.Name) and node.value.id == "np":
                found.append(f"{path.name}:{node.lineno} np.{node.attr}")
    assert not found, "use sim.model.arith instead: " + ", ".join(found)


@given(floats)
def test_exp_and_expm1_are_the_c_librarys(values):
    x = np.array(values)
    assert arith.exp(x).tolist() == [math.exp(v) for v in values]
    assert arith.expm1(x).tolist() == [math.expm1(v) for v in values]
    assert arith.exp(x).shape == x.shape


@given(floats)
def test_dot_is_the_sum_of_products(values):
    a = np.array(values)
    b = np.linspace(-1.0, 2.0, len(values))
    assert arith.dot(a, b) == float((a * b).sum())
    assert arith.dot(a, b) == pytest.approx(float(np.dot(a, b)), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("flows", [[-100, 39, 59, 55, 20], [-100, 0, 0, 74],
                                   [-100, 100, 0, -7], [-100, 100, 0, 7], [-5, 10.5, 1, -8, 1]])
def test_the_rate_is_the_librarys_root_refined(flows):
    library = float(npf.irr(flows))
    refined = _refine_rate([float(v) for v in flows], library)
    assert refined == pytest.approx(library, rel=1e-12, abs=1e-14)
    x = 1.0 / (1.0 + refined)
    assert abs(sum(v * x ** t for t, v in enumerate(flows))) < 1e-9 * sum(map(abs, flows))


@pytest.mark.parametrize("flows", [[-100, 39, 59, 55, 20], [-100, 0, 0, 74], [-5, 10.5, 1, -8, 1],
                                   [-1e6, *[9000.0] * 155]])
def test_the_refined_rate_ignores_the_last_bits_of_the_librarys(flows):
    # What LAPACK on another processor may give: the library's root a few ulps away.
    library = float(npf.irr(flows))
    net = [float(v) for v in flows]
    nearby = [library]
    for _ in range(4):
        nearby = [np.nextafter(nearby[0], -np.inf), *nearby, np.nextafter(nearby[-1], np.inf)]
    assert len({_refine_rate(net, float(r)) for r in nearby}) == 1


def test_present_value_matches_numpy_financial():
    flows = np.random.default_rng(3).normal(size=260)
    expected = float(npf.npv(0.002, np.concatenate(([0.0], flows))))
    assert present_value(flows, 0.002) == pytest.approx(expected, rel=1e-12)
    assert annual_irr(np.array([-100.0, 30.0, 30.0, 30.0, 30.0])) == pytest.approx(
        (1.0 + float(npf.irr([-100.0, 30.0, 30.0, 30.0, 30.0]))) ** (252 / 5) - 1.0, rel=1e-10)
