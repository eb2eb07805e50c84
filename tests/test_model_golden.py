"""The whole model, every mechanism on, reproduces its golden files bit for bit.

``tests/golden/make_model_golden.py`` froze five scenarios that between them
switch on every mechanism (attrition, both kinds of stress, diversion, time debt,
capability, benefits and sustainment, PMO gates and a disbanding PMO, rescues,
joins, impatient customers, staff changes, pulses) and recorded two
replications of each. A change that is meant to leave the model as it is (a
refactor, a faster desk) must reproduce them exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim

GOLDEN = Path(__file__).resolve().parent / "golden" / "model"
CASES = sorted(p.stem for p in GOLDEN.glob("*.yaml"))


def test_the_cases_are_there():
    assert len(CASES) == 5, CASES


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("replication", [0, 1])
def test_the_model_reproduces_its_golden_files(case, replication):
    result = sim.run(sim.load_scenario(GOLDEN / f"{case}.yaml"), replication)
    stem = GOLDEN / f"{case}_r{replication}"
    expected = json.loads(stem.with_suffix(".json").read_text())
    assert set(result.summary) >= set(expected)
    for key, value in expected.items():
        got = result.summary[key]
        assert got == value or (got != got and value != value), (key, got, value)
    for table in ("weekly", "projects", "events"):
        path = stem.with_suffix(f".{table}.csv")
        columns = pd.read_csv(path, nrows=0).columns
        got = getattr(result, table)[columns].to_csv(index=False, float_format="%.17g")
        assert got == path.read_text(), f"{table} differs from {path.name}"
