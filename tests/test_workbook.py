"""Excel workbooks: ``--xlsx`` of run, compare and analyze, read back with openpyxl.

Every workbook opens with openpyxl and says each column's unit in its header; the units
of the weekly, project and event columns are those docs/results.md gives.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import BASELINE, ROOT

from sim.cli import main
from sim.errors import OutputError
from sim.studies import workbook
from sim.studies.workbook import (
    EVENT_UNITS,
    PROJECT_UNITS,
    WEEKLY_UNITS,
    header,
    with_unit_column,
    write_workbook,
)

RESULTS = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
SHORT = ["--set", "horizon=20", "-r", "2"]


def documented(start: str, end: str) -> dict[str, str]:
    """The units of a table of docs/results.md, between two headings."""
    i = RESULTS.index(start)
    section = RESULTS[i:RESULTS.index(end, i)]
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"^\| `([a-z_0-9]+)` \| ([^|]+) \|", section, re.M)}


@pytest.mark.parametrize(("units", "start", "end"), [
    (WEEKLY_UNITS, "## Weekly series", "## Projects ("),
    (PROJECT_UNITS, "## Projects (", "## Events"),
    (EVENT_UNITS, "## Events", "## Plots"),
])
def test_the_units_are_those_of_the_documentation(units, start, end):
    assert units == documented(start, end)


def headers(sheet) -> list[str]:
    return [c.value for c in next(sheet.iter_rows(max_row=1))]


def test_a_workbook_has_units_in_its_headers_and_empty_cells_for_nan(tmp_path):
    table = pd.DataFrame({"kpi": ["ops_wait_mean", "stress_mean"], "mean": [0.5, np.nan]})
    wide = pd.DataFrame({"replication": [0, 1], "ops_wait_mean": [0.25, np.inf],
                         "backlog": [np.int64(3), np.int64(4)]})
    path = tmp_path / "book.xlsx"
    write_workbook(path, {"kpis": (with_unit_column(table), {}),
                          "wide": (wide, {"ops_wait_mean": "days", "backlog": "items"})})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["kpis", "wide"]
    assert headers(book["kpis"]) == ["kpi", "unit", "mean"]
    assert [c.value for c in book["kpis"]["B"]][1:] == ["days", "stress"]
    assert book["kpis"]["C3"].value is None  # NaN
    assert headers(book["wide"]) == ["replication", "ops_wait_mean (days)", "backlog (items)"]
    assert book["wide"]["B3"].value is None and book["wide"]["C3"].value == 4
    assert header("week", "index") == "week"  # no unit worth a header
    with pytest.raises(OutputError, match="exists already"):
        write_workbook(path, {"kpis": (table, {})})


def test_a_table_longer_than_a_sheet_continues_on_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    path = tmp_path / "long.xlsx"
    write_workbook(path, {"weekly": (pd.DataFrame({"week": range(7)}), WEEKLY_UNITS)})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["weekly", "weekly (2)", "weekly (3)"]
    values = [c.value for name in book.sheetnames for c in book[name]["A"][1:]]
    assert values == list(range(7))


def only_folder(parent):
    (folder,) = [p for p in parent.iterdir() if p.is_dir()]
    return folder


def test_pmosim_run_xlsx_writes_the_tables_with_units(tmp_path, capsys):
    assert main(["run", str(BASELINE), *SHORT, "--no-plots", "--xlsx",
                 "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    folder = only_folder(tmp_path)
    book = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
    assert book.sheetnames == ["kpis", "summary", "weekly", "projects", "events"]
    assert "ops_wait_mean (days)" in headers(book["summary"])
    assert "ops_service_level (share)" in headers(book["summary"])
    assert "backlog (items)" in headers(book["weekly"])
    assert "size (person-days)" in headers(book["projects"])
    assert headers(book["kpis"])[:2] == ["kpi", "unit"]
    summary = pd.read_csv(folder / "summary.csv")
    rows = list(book["summary"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(summary) == 2
    column = headers(book["summary"]).index("ops_wait_mean (days)")
    assert [r[column] for r in rows] == pytest.approx(list(summary["ops_wait_mean"]))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "results.xlsx" in manifest["files"]


def test_pmosim_compare_xlsx_puts_the_comparison_first(tmp_path, capsys):
    other = tmp_path / "more_staff.yaml"
    other.write_text(yaml.safe_dump({"extends": str(BASELINE), "name": "more-staff",
                                     "workforce": {"operations": {"headcount": 130}}}))
    out = tmp_path / "out"
    assert main(["compare", str(BASELINE), str(other), *SHORT, "--no-plots", "--xlsx",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(only_folder(out) / "results.xlsx", read_only=True)
    assert book.sheetnames[0] == "comparison"
    assert {"kpi", "unit", "difference", "verdict"} <= set(headers(book["comparison"]))
    rows = list(book["summary"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4  # two scenarios x two replications


def test_pmosim_analyze_xlsx_writes_the_analysis_tables(tmp_path, capsys):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({
        "scenario": str(BASELINE), "set": {"horizon": "20 days"}, "replications": 1,
        "parameters": {"operations.demand": [280, 320]},
        "outputs": {"kpis": ["ops_wait_mean"]}}))
    assert main(["sweep", str(sweep), "--workers", "1", "--out", str(tmp_path)]) == 0
    assert main(["analyze", str(tmp_path / "sweep"), "--xlsx"]) == 0
    out = capsys.readouterr().out
    assert "analysis.xlsx" in out
    (analysis,) = (tmp_path / "sweep").glob("analysis-*")
    book = openpyxl.load_workbook(analysis / "analysis.xlsx", read_only=True)
    assert {"points", "runs"} <= set(book.sheetnames)
    assert "operations.demand (items/day)" in headers(book["runs"])
    assert "ops_wait_mean (days)" in headers(book["runs"])
    points = headers(book["points"])
    assert points[:2] == ["point", "operations.demand (items/day)"] and "unit" in points
    values = [r[points.index("mean")] for r in book["points"].iter_rows(min_row=2,
                                                                      values_only=True)]
    assert all(isinstance(v, float) and not math.isnan(v) for v in values)
