"""Scenario discovery: a simple condition under which a claim fails, if there is one.

Given the sampled organisations and whether the claim held in each, a shallow
classification tree (scikit-learn, depth 2) looks for the region of parameter
space where failures concentrate: of the tree's nodes holding at least a tenth
of the samples, the one whose failures stand out most from the base rate. With dozens of
parameters and a few hundred samples, some region will always look purer than
the rest by chance; so the region is reported only if it stands out (its excess of
failures over the base rate, in binomial standard errors) more than the region the
same search finds on the same samples with the labels shuffled, at the 5% level
(a permutation test; the p-value is computed sequentially, stopping early once
enough shuffles have matched the observed purity, as Besag & Clifford (1991)
describe, so that a clearly unremarkable split costs a few dozen fits).

The tree rather than PRIM: a PRIM box search over 200 samples and 30 or more
parameters takes about a second, and the permutation null needs hundreds of
searches per claim; a depth-2 tree takes a few milliseconds and gives conditions
of the same kind (at most two thresholds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

ALPHA = 0.05
PERMUTATIONS = 999
"""Most shuffles of the permutation test."""
STOP_AFTER = 20
"""Shuffles that match the observed purity after which the test stops (p is not small)."""
MIN_FAILURES = 5
"""Fewest failures (and holds) among the samples before a condition is looked for."""
LEAF_SHARE = 0.1
"""Smallest region the search may report, as a share of the samples."""


@dataclass(frozen=True)
class Finding:
    """The outcome of the search.

    Attributes
    ----------
    found
        Whether a condition beats the permutation null.
    condition
        The condition in words (empty if none was looked for).
    purity
        Share of failures among the samples that meet the condition.
    coverage
        Share of all failures that meet it.
    samples
        Samples that meet it.
    p_value
        Permutation p-value of its purity (NaN if not tested).
    sentence
        What the report says.
    """

    found: bool
    condition: str
    purity: float
    coverage: float
    samples: int
    p_value: float
    sentence: str


def discover(values: pd.DataFrame, fails: np.ndarray, seed: int = 0) -> Finding:
    """Look for a condition on ``values`` (one column per parameter) under which ``fails``.

    Parameters
    ----------
    values
        The sampled parameters, one row per organisation.
    fails
        Whether the claim failed in each organisation (boolean).
    seed
        Seed of the shuffles.
    """
    fails = np.asarray(fails, bool)
    n, failures = len(fails), int(fails.sum())
    if failures < MIN_FAILURES or n - failures < MIN_FAILURES:
        what = "fails" if failures < MIN_FAILURES else "holds"
        return Finding(False, "", math.nan, math.nan, 0, math.nan,
                       f"too few organisations where it {what} ({min(failures, n - failures)}) "
                       "to look for a condition")
    x = values.to_numpy(float)
    leaf_size = max(MIN_FAILURES * 2, int(LEAF_SHARE * n))
    tree, node, members, score = _best_node(x, fails, leaf_size)
    p_value = _permutation_p(x, fails, leaf_size, score, seed)
    caught = int(np.sum(members & fails))
    purity = caught / int(members.sum())
    condition = _path(tree, node, list(values.columns))
    coverage = caught / failures
    if p_value <= ALPHA:
        sentence = (f"fails mostly when {condition}: {caught} of {int(members.sum())} "
                    f"organisations there fail ({purity:.0%}; {coverage:.0%} of all failures), "
                    f"more than a split of shuffled outcomes stands out (permutation p = "
                    f"{p_value:.3f})")
        return Finding(True, condition, purity, coverage, int(members.sum()), p_value,
                       sentence)
    sentence = (f"no simple condition explains the failures: the purest split found "
                f"({condition}, {purity:.0%} failures) stands out no more than splits of "
                f"shuffled outcomes do (permutation p = {p_value:.2f})")
    return Finding(False, condition, purity, coverage, int(members.sum()), p_value, sentence)


def _best_node(x: np.ndarray, fails: np.ndarray,
               leaf_size: int) -> tuple[DecisionTreeClassifier, int, np.ndarray, float]:
    """Fit the tree; return it, its most telling node, that node's members and score.

    Every node below the root is a candidate region (one threshold, or two). The
    score is the region's excess of failures over the base rate in binomial
    standard errors, (k - m p) / sqrt(m p (1 - p)) for k failures among m samples:
    purity alone would favour the smallest regions, where chance is largest, and
    a second threshold is kept only when it makes the region stand out more.
    """
    tree = DecisionTreeClassifier(max_depth=2, min_samples_leaf=leaf_size, random_state=0)
    tree.fit(x, fails)
    paths = tree.decision_path(x).toarray().astype(bool)
    base = float(np.mean(fails))
    spread = math.sqrt(base * (1.0 - base))
    best, score = -1, -math.inf
    for node in range(1, tree.tree_.node_count):
        inside = fails[paths[:, node]]
        m = len(inside)
        z = (float(np.sum(inside)) - m * base) / (math.sqrt(m) * spread)
        if z > score:
            best, score = node, z
    return tree, best, paths[:, best], score


def _permutation_p(x: np.ndarray, fails: np.ndarray, leaf_size: int, observed: float,
                   seed: int) -> float:
    """Sequential Monte Carlo p-value of the ``observed`` score under shuffled labels."""
    rng = np.random.default_rng(seed)
    hits = 0
    for done in range(1, PERMUTATIONS + 1):
        *_, score = _best_node(x, rng.permutation(fails), leaf_size)
        hits += score >= observed - 1e-9
        if hits >= STOP_AFTER:
            return hits / done
    return (hits + 1) / (PERMUTATIONS + 1)


def _path(tree: DecisionTreeClassifier, leaf: int, names: list[str]) -> str:
    """The conditions from the root to node ``leaf``, in words.

    Two thresholds on the same parameter become one condition: the tighter bound
    when both are on the same side (``x ≤ 0.7`` and ``x ≤ 0.5`` is ``x ≤ 0.5``),
    a range when they are on both sides (``0.2 < x ≤ 0.5``).
    """
    t = tree.tree_
    parent = {}
    for node in range(t.node_count):
        for child, side in ((t.children_left[node], "<="), (t.children_right[node], ">")):
            if child != -1:
                parent[child] = (node, side)
    steps = []
    node = leaf
    while node in parent:
        node, side = parent[node]
        steps.append((names[t.feature[node]], side, float(t.threshold[node])))
    bounds: dict[str, dict[str, float]] = {}
    for name, side, cut in reversed(steps):  # from the root down, in the order met
        bound = bounds.setdefault(name, {})
        tighter = min if side == "<=" else max
        bound[side] = tighter(bound.get(side, cut), cut)
    return " and ".join(_bounds_text(name, b) for name, b in bounds.items()) or "anywhere"


def _bounds_text(name: str, bound: dict[str, float]) -> str:
    """``name ≤ b``, ``name > a`` or ``a < name ≤ b``."""
    if "<=" in bound and ">" in bound:
        return f"{bound['>']:.3g} < {name} ≤ {bound['<=']:.3g}"
    if "<=" in bound:
        return f"{name} ≤ {bound['<=']:.3g}"
    return f"{name} > {bound['>']:.3g}"
