"""Arithmetic whose last bit is the same on every machine.

A run with a fixed seed must reproduce its figures exactly, on any computer. Two
parts of NumPy do not promise that:

* on vectors, ``a @ b`` calls the BLAS library NumPy ships with, which picks a
  kernel for the processor it finds (SSE, AVX2, AVX-512), each adding the
  products in its own order;
* ``np.exp``, ``np.expm1``, ``np.log`` and ``np.power`` on arrays use vectorised
  versions on processors with AVX-512 and the C library's functions elsewhere;
  the two differ in the last bit for a few per cent of arguments.

The model's weighted sums and exponentials go through here instead. An
element-wise product is exact IEEE arithmetic everywhere, NumPy's own sum adds
in an order that depends only on the length of the array, and :mod:`math` calls
the C library's functions. The arrays involved hold one value per person or per
benefit, so the per-element loop costs microseconds a day.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Return ``sum(a * b)`` of two vectors, the same on every processor."""
    return float(np.multiply(a, b).sum())


def exp(x: np.ndarray) -> np.ndarray:
    """Element-wise ``e ** x``, by the C library on every processor."""
    return _each(math.exp, x)


def expm1(x: np.ndarray) -> np.ndarray:
    """Element-wise ``e ** x - 1``, by the C library on every processor."""
    return _each(math.expm1, x)


def _each(function: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    """``function`` of each element of the vector ``x``."""
    return np.fromiter(map(function, np.asarray(x, dtype=float).tolist()), float, np.size(x))
