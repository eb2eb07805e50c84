"""The whole model, every mechanism on, reproduces its golden files bit for bit.

It does so whatever the processor: the last tests run it as NumPy runs on older
machines.

``tests/golden/make_model_golden.py`` froze five scenarios that between them
switch on every mechanism (attrition, both kinds of stress, diversion, time debt,
capability, benefits and sustainment, PMO gates and a disbanding PMO, rescues,
joins, impatient customers, staff changes, pulses) and recorded two
replications of each. A change that is meant to leave the model as it is (a
refactor, a faster desk) must reproduce them exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "model"
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


# NumPy picks its BLAS kernel (OPENBLAS_CORETYPE) and its vectorised maths
# (NPY_DISABLE_CPU_FEATURES) by the processor it finds. Forcing the oldest kernels
# imitates a machine without AVX2 or AVX-512: the model must not notice.
OLDER_MACHINES = {
    "generic BLAS kernel": {"OPENBLAS_CORETYPE": "Prescott"},
    "no AVX-512 or AVX2 in NumPy": {
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Haswell"},
}

def fingerprint(paths: list[str]) -> str:
    """A hash of replication 0 of each scenario: summary, weekly series, projects, events."""
    digest = hashlib.sha256()
    for path in paths:
        result = sim.run(sim.load_scenario(path), 0)
        digest.update(json.dumps(result.summary, sort_keys=True, default=repr).encode())
        for table in ("weekly", "projects", "events"):
            digest.update(getattr(result, table).to_csv(index=False,
                                                        float_format="%.17g").encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def golden_paths() -> list[str]:
    return [str(GOLDEN / f"{case}.yaml") for case in CASES]


@pytest.fixture(scope="module")
def here(golden_paths) -> str:
    return fingerprint(golden_paths)


@pytest.mark.slow
@pytest.mark.parametrize("machine", sorted(OLDER_MACHINES))
def test_the_figures_do_not_depend_on_the_processor(machine, golden_paths, here):
    script = ("import sys; from tests.test_model_golden import fingerprint; "
              "print(fingerprint(sys.argv[1:]))")
    there = subprocess.run([sys.executable, "-c", script, *golden_paths], capture_output=True,
                           text=True, check=True, cwd=ROOT,
                           env={**os.environ, **OLDER_MACHINES[machine]}).stdout.strip()
    assert there == here
