"""Shared helpers of the model test suite: scenarios, replications and statistics.

Statistical checks never pin a float. They compare a mean over independent
replications with theory using the half-width ``t_{0.999, n-1} * s / sqrt(n)``
(``s`` the standard deviation across replications), and directional checks use
paired replications: the same replication index draws the same named random
streams in both scenarios (common random numbers), so differences are paired.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.schema import Scenario, validate_scenario
from sim.schema.loading import merge

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
MMC = SCENARIOS / "reference" / "mmc.yaml"
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium: the browser of the page and print tests (never a downloaded one)."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

CONFIDENCE = 0.999
"""Quantile of Student's t used for every mean-vs-theory tolerance."""

HOURS = ("ops_busy", "ops_idle", "overrun", "project_work", "project_idle", "improvement",
         "sustainment", "overhead", "unassigned")
"""The activities a person's working day is split into (weekly ``hours_*`` columns)."""


def load(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario file with dotted-key overrides."""
    return sim.load_scenario(path, dict(overrides or {}))


CORE_ONLY: dict[str, Any] = {
    "workforce": {"attrition": {"rate": 0.0}},
    "stress": {"overload_gain": 0.0, "misalignment_gain": 0.0},
    "projects": {"communication_overhead": 0.0},
    "behaviour": {"divert_gain": 0.0},
    "opex": {"capability_min": 1.0},
    "levers": {"pmo": {"type": "none"}, "sustainment": "none", "improvement_share": 0.0},
}
"""The neutral settings of the organisational dynamics (see test_core_reduction.py):
scenarios written inline here test the core mechanics, so they start from these."""


def scenario_from(data: Mapping[str, Any], *, dynamics: bool = False) -> Scenario:
    """Validate a scenario written inline as nested dictionaries.

    Unless ``dynamics`` is true, the organisational mechanisms start neutral and
    the scenario exercises the core model only.
    """
    merged = dict(data) if dynamics else merge(CORE_ONLY, data)
    return validate_scenario(merged, source="<test>")


@functools.lru_cache(maxsize=32)
def _summaries(scenario: Scenario, n: int, first: int) -> pd.DataFrame:
    rows = [sim.run(scenario, r).summary for r in range(first, first + n)]
    return pd.DataFrame(rows, index=pd.RangeIndex(first, first + n, name="replication"))


def run_many(scenario: Scenario, n: int, first: int = 0) -> pd.DataFrame:
    """Summaries of replications ``first .. first+n-1``, one row each.

    Results are cached per (scenario, n, first) within a worker process, so
    several tests can check different columns of the same replications.
    """
    return _summaries(scenario, n, first).copy()


def t_halfwidth(values: pd.Series | np.ndarray, confidence: float = CONFIDENCE) -> float:
    """Half-width ``t_{confidence, n-1} * s / sqrt(n)`` of the mean of ``values``."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    assert n >= 2, "need at least two replications for a standard error"
    return float(stats.t.ppf(confidence, n - 1) * x.std(ddof=1) / math.sqrt(n))


def assert_mean_matches(values: pd.Series, expected: float, what: str,
                        max_rel_halfwidth: float) -> None:
    """Assert the replication mean equals ``expected`` within its t half-width.

    ``max_rel_halfwidth`` guards the power of the check: a tolerance that has
    grown too wide to detect a real error fails the test instead of passing it.
    """
    mean, hw = float(np.mean(values)), t_halfwidth(values)
    detail = (f"{what}: mean {mean:.6g} over {len(values)} replications, theory "
              f"{expected:.6g}, half-width {hw:.3g} ({hw / expected:.2%} of theory)")
    assert hw <= max_rel_halfwidth * abs(expected), f"tolerance too wide to mean much; {detail}"
    assert abs(mean - expected) <= hw, detail


def paired_pvalue_less(low: pd.Series, high: pd.Series) -> float:
    """One-sided paired t-test p-value for ``mean(low - high) < 0``."""
    diff = np.asarray(low, dtype=float) - np.asarray(high, dtype=float)
    if np.all(diff == diff[0]):  # no spread: the t statistic is undefined
        return 0.0 if diff[0] < 0 else 1.0
    return float(stats.ttest_1samp(diff, 0.0, alternative="less").pvalue)


def week_days(weekly: pd.DataFrame) -> np.ndarray:
    """Length in days of each weekly row (the last row may be a partial week)."""
    day = weekly["day"].to_numpy(dtype=float)
    return np.diff(day, prepend=0.0)


def same_figure(got: float, expected: float) -> bool:
    """Equal, or both undefined (NaN): an undefined figure must stay undefined."""
    return got == expected or (math.isnan(got) and math.isnan(expected))


def same_summary(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
    """Summaries are equal key by key, with NaN equal to NaN."""
    return a.keys() == b.keys() and all(same_figure(a[k], b[k]) for k in a)


def need_chromium() -> None:
    """Skip without Debian's Chromium, except under CI (``CI=true``), where that fails."""
    if CHROMIUM.is_file():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium); the browser tier needs it"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    print(f"skipped: {reason}")
    pytest.skip(reason)


def print_to_pdf(page: Path, pdf: Path) -> list[tuple[float, float]]:
    """Print an HTML file to PDF with headless Chromium; return each page's size in points."""
    from pypdf import PdfReader

    need_chromium()
    subprocess.run([str(CHROMIUM), "--headless", *CHROMIUM_ARGS, "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]


def simulated_exports(folder: Path, scenario_text: str, replication: int = 0):
    """Run a scenario written as YAML with records and write its exports into ``folder``.

    Returns the paths (``base``, ``tickets``, ``people``, ``projects``), the scenario
    and the run's result; the exports are dated from Monday 6 January 2025.
    """
    from sim.calibration.calendar import parse_calendar
    from sim.reports.runs import write_exports

    base = folder / "base.yaml"
    base.write_text(scenario_text)
    scenario = sim.load_scenario(base)
    result = sim.run(scenario, replication, records=True)
    calendar = parse_calendar(None, scenario.hours_per_day, np.datetime64("2025-01-06"))
    return ({"base": base, **write_exports(folder, result.records, calendar)}, scenario,
            result)


# Dask still serves its HTTP endpoints (not the dashboard) on port 8787 by default and
# warns when two clusters are up at once.
on_dask = pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")


@pytest.fixture(scope="module")
def dask_cluster():
    """A local Dask cluster of two worker processes on 127.0.0.1, for one test module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster


def run_interpreted(script: str, cases: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """Run ``script`` (which reads ``json.loads(sys.argv[1])`` and prints JSON) with the
    compiler switched off (``NUMBA_DISABLE_JIT=1``), in a fresh interpreter; its output."""
    # The tests folder too: a script may import a test module, which imports this one.
    path = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-c", script, json.dumps(cases)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=True)
    return json.loads(done.stdout)
