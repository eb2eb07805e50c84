"""The documentation keeps up with the code: every output column is described."""

from __future__ import annotations

from conftest import BASELINE, ROOT, load

import sim
from sim.kpis import KPIS

RESULTS = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")


def test_every_summary_kpi_has_metadata_and_a_definition():
    summary = sim.run(load(BASELINE, {"horizon": 20}), 0).summary
    assert set(summary) == set(KPIS), set(summary) ^ set(KPIS)
    missing = [k for k in KPIS if f"| `{k}` |" not in RESULTS]
    assert not missing, f"KPIs without a row in docs/results.md: {missing}"


def test_every_weekly_and_project_column_is_described():
    result = sim.run(load(BASELINE, {"horizon": 20}), 0)
    columns = [*result.weekly.columns, *result.projects.columns]
    missing = [c for c in dict.fromkeys(columns) if f"`{c}`" not in RESULTS]
    assert not missing, f"columns not described in docs/results.md: {missing}"
