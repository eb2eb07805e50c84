"""Calibration: a known scenario is simulated, exported and calibrated back.

- **Recovery.** A scenario with known values (every mechanism that would bend an
  observed quantity away from its parameter switched off: no stress effects, no
  capability erosion, new hires at full speed) is run for a year, its records
  written as CSV exports and read back through the same reader users get. Every
  directly fitted parameter's 95% interval must cover the value the scenario was
  run with, and demand and the effort per item must be within four standard errors
  (from the data's size) of the truth: 1.8% and 1.7% here.
- **Censoring.** Patience from waits where 99.6% of tickets are served: the
  exponential estimate from all waits passes; the naive mean of the abandoned
  tickets' waits, tested the same way, fails.
- **Bad inputs** stop with a message naming the file, the line and the column, exit
  status 2, and nothing written; rows dropped are counted.
- **The command** writes a calibrated scenario that loads and a report.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import simulated_exports

import sim
from sim.calibration.calendar import parse_calendar
from sim.calibration.data import read_data
from sim.calibration.direct import direct_fits
from sim.calibration.exports import MAX_EXPORT_BYTES
from sim.calibration.fits import mean_interval
from sim.cli import main

RECOVERY = """\
name: recovery
horizon: 252
seed: 11
replications: 1
operations: {demand: 200, service_mean: 0.25, p_defect: 0.06, defect_delay: 4, patience: 4}
workforce:
  operations: {headcount: 60}
  projects: {headcount: 30}
  opex: {headcount: 0}
  attrition: {rate: 0.2, hiring_delay: 42, new_hire_productivity: 1.0}
  multitasking: [1.0]
stress:
  challenge_productivity: [[0, 1.0]]
  hindrance_productivity: [[0, 1.0]]
  defects: [[0, 1.0]]
  challenge_attrition: 0
  hindrance_attrition: 0
opex: {capability_min: 1.0}
projects:
  estimate_error: 0.35
  templates: [{name: change, per_year: 40, size: 60, team: 3}]
levers: {staffing_source: projects, wip_limit: 20}
"""
TRUTH = {"operations.demand": 200, "operations.service_mean": 0.25,
         "operations.patience": 4, "operations.p_defect": 0.06, "operations.defect_delay": 4,
         "workforce.attrition.rate": 0.2, "workforce.attrition.hiring_delay": 42,
         "workforce.operations.headcount": 60, "workforce.projects.headcount": 30,
         "projects.estimate_error": 0.35}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The recovery scenario's base file and its records written as the three exports."""
    paths, scenario, result = simulated_exports(tmp_path_factory.mktemp("exports"), RECOVERY)
    return paths, scenario, result


@pytest.fixture(scope="module")
def fits(exported):
    paths, scenario, _ = exported
    calendar = parse_calendar(None, scenario.hours_per_day)
    data = read_data(str(paths["tickets"]), str(paths["people"]), str(paths["projects"]),
                     calendar)
    return data, direct_fits(data, scenario)


def _by_key(fits) -> dict:
    return {e.key: e for f in fits for e in f.estimates if e.key}


def test_every_direct_fit_covers_the_truth(fits):
    _, found = fits
    estimates = _by_key(found)
    assert set(TRUTH) <= set(estimates)
    for key, truth in TRUTH.items():
        e = estimates[key]
        if math.isnan(e.low):  # a count: exact
            assert e.value == truth, key
        else:
            assert e.covers(truth), f"{key}: {truth} not in [{e.low:.4g}, {e.high:.4g}]"
    sets = {k: v for f in found for k, v in f.sets.items()}
    assert sets["operations.service"] == "exponential"
    assert sets["operations.demand_growth"] == 0.0  # no trend detected: none set


def test_demand_and_effort_within_the_tolerance_the_data_size_allows(fits):
    data, found = fits
    estimates = _by_key(found)
    days = data.end
    demand = estimates["operations.demand"].value
    assert abs(demand - 200) <= 4 * math.sqrt(200 / days)  # Poisson: sd of a day's mean
    service = estimates["operations.service_mean"]
    assert abs(service.value - 0.25) <= 4 * 0.25 / math.sqrt(service.n)  # exponential: sd = mean
    assert 4 * math.sqrt(200 / days) / 200 < 0.02 and 4 / math.sqrt(service.n) < 0.02


def test_patience_is_right_when_most_tickets_are_served_and_the_naive_mean_is_not(fits):
    _, found = fits
    patience = next(f for f in found if f.name == "patience")
    served_share = 1 - patience.estimate("share of value tickets abandoned").value
    assert served_share > 0.99
    assert patience.estimate("mean patience").covers(4.0)
    wait, event = patience.figure["wait"], patience.figure["event"]
    naive, low, high = mean_interval(wait[event])
    assert not low <= 4.0 <= high  # the same test fails for the naive estimate
    assert naive < 0.5


def test_the_command_writes_a_calibrated_scenario_that_loads(exported, tmp_path):
    paths, _, _ = exported
    out = tmp_path / "calibrated"
    status = main(["calibrate", str(paths["base"]), "--tickets", str(paths["tickets"]),
                   "--people", str(paths["people"]), "--projects", str(paths["projects"]),
                   "--direct", "--out", str(out)])
    assert status == 0
    assert {"calibrated.yaml", "report.md", "report.html", "estimates.csv",
            "manifest.json"} <= {p.name for p in out.iterdir()}
    calibrated = sim.load_scenario(out / "calibrated.yaml")
    assert calibrated.operations.patience == pytest.approx(4, rel=0.3)
    assert calibrated.workforce.attrition.hiring_delay == 42
    assert calibrated.levers.staffing_source == "projects"  # from the base, via extends
    text = (out / "calibrated.yaml").read_text()
    assert "extends:" in text and "n = " in text and "[" in text
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "plots/" not in html.split("<body>")[1]
    assert main(["calibrate", str(paths["base"]), "--tickets", str(paths["tickets"]),
                 "--direct", "--out", str(out)]) == 2


# -- bad inputs ---------------------------------------------------------------------


def _calibrate(tmp_path: Path, tickets: str, capsys, *extra: str) -> tuple[int, str]:
    base = tmp_path / "base.yaml"
    base.write_text("horizon: 21\n")
    path = tmp_path / "t.csv"
    path.write_text(tickets)
    status = main(["calibrate", str(base), "--tickets", str(path), "--direct", "--out",
                   str(tmp_path / "out"), *extra])
    return status, capsys.readouterr().err


GOOD = ("id,created,started,closed,outcome\n"
        "1,2025-01-06T09:00,2025-01-06T09:10,2025-01-06T10:00,resolved\n")


@pytest.mark.parametrize("text, expected", [
    ("", "the tickets file is empty"),
    ("id,created,started,closed,outcome\n", "has a header but no rows"),
    ("id,created,closed,outcome\n1,2025-01-06,2025-01-06,resolved\n",
     "missing column started"),
    (GOOD + "2,2025-13-06T09:00,,,\n", "line 3, column created: '2025-13-06T09:00' is not an "
                                       "ISO 8601 date"),
    (GOOD + "2,2025-01-07T09:00,,2025-01-06T09:00,abandoned\n",
     "line 3, column closed: 2025-01-06T09:00:00: earlier than the ticket's created time"),
    (GOOD + "2,2025-01-07T09:00,,2025-01-07T10:00,done\n",
     "line 3, column outcome: 'done': allowed: resolved, abandoned"),
    (GOOD + "2,2025-01-07T09:00,,,abandoned\n", "a ticket with an outcome needs a closing"),
])
def test_a_bad_ticket_file_names_file_line_and_column_and_writes_nothing(tmp_path, capsys,
                                                                         text, expected):
    status, err = _calibrate(tmp_path, text, capsys)
    assert status == 2
    assert "t.csv" in err and expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.partial*"))


def test_a_column_can_be_renamed_and_dropped_rows_are_counted(tmp_path, capsys):
    rows = ["Ticket,created,started,closed,outcome"]
    for i in range(30):
        day = 6 + i % 5
        rows.append(f"{i},2025-01-{day:02d}T09:00,2025-01-{day:02d}T09:30,"
                    f"2025-01-{day:02d}T11:00,resolved")
    rows.append("3,2025-01-08T09:00,2025-01-08T09:30,2025-01-08T11:00,resolved")  # repeated id
    rows.append("99,2025-01-08T09:00,,2025-01-08T11:00,resolved")  # resolved, never started
    status, err = _calibrate(tmp_path, "\n".join(rows) + "\n", capsys, "--map", "Ticket=id")
    assert status == 0, err
    report = (tmp_path / "out" / "report.md").read_text()
    assert "1 rows, a repeated id" in report
    assert "1 rows, resolved without a start time" in report


def test_a_huge_file_is_refused_unread(tmp_path, capsys):
    huge = tmp_path / "t.csv"
    with huge.open("wb") as handle:  # a sparse 1 GiB file: no disk is used
        handle.truncate(2**30)
    assert huge.stat().st_size > MAX_EXPORT_BYTES
    base = tmp_path / "base.yaml"
    base.write_text("horizon: 21\n")
    status = main(["calibrate", str(base), "--tickets", str(huge), "--direct", "--out",
                   str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "larger than the 512 MiB limit" in err
    assert not (tmp_path / "out").exists()


def test_a_file_is_read_in_chunks_with_bounded_memory(tmp_path, monkeypatch):
    """Rows are converted a chunk at a time: a chunk size of 7 gives the same tickets."""
    import sim.calibration.exports as exports

    path = tmp_path / "t.csv"
    rows = [GOOD.splitlines()[0]] + [
        f"{i},2025-01-06T09:{i:02d},2025-01-06T09:{i:02d}:30,2025-01-06T10:00,resolved"
        for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    whole = exports.read_export(path, "tickets")
    monkeypatch.setattr(exports, "CHUNK_ROWS", 7)
    chunked = exports.read_export(path, "tickets")
    for name, column in whole.columns.items():
        assert np.array_equal(column, chunked.columns[name]), name
    assert chunked.lines.tolist() == list(range(2, 42))
    monkeypatch.setattr(exports, "MAX_ROWS", 20)
    with pytest.raises(exports.UserError, match="more than 20 rows"):
        exports.read_export(path, "tickets")


def test_a_failure_while_writing_leaves_nothing_behind(exported, tmp_path, monkeypatch):
    import sim.reports.calibration as writer
    from sim.calibration.calibrate import Options, calibrate

    paths, _, _ = exported
    result = calibrate(paths["base"], str(paths["tickets"]), None, None, Options(direct=True,
                                                                                 holdout=0))

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "report", broken)
    with pytest.raises(RuntimeError):
        writer.calibration_to_folder(result, tmp_path / "out", ["test"])
    assert list(tmp_path.iterdir()) == []


def test_any_export_may_be_absent(exported, tmp_path, capsys):
    """People and projects alone: the ticket fits are skipped and say so."""
    paths, _, _ = exported
    out = tmp_path / "out"
    assert main(["calibrate", str(paths["base"]), "--people", str(paths["people"]),
                 "--projects", str(paths["projects"]), "--direct", "--out", str(out)]) == 0
    calibrated = sim.load_scenario(out / "calibrated.yaml")
    assert calibrated.workforce.projects.headcount == 30
    assert calibrated.operations.demand == 200  # the base's
    assert "no ticket file was given" in (out / "report.md").read_text()
    assert main(["calibrate", str(paths["base"]), "--direct", "--out", str(tmp_path / "x")]) == 2
    assert "give at least one export" in capsys.readouterr().err


def test_the_holdout_must_leave_something_to_fit(exported, tmp_path, capsys):
    paths, _, _ = exported
    status = main(["calibrate", str(paths["base"]), "--tickets", str(paths["tickets"]),
                   "--holdout", "2 years", "--direct", "--out", str(tmp_path / "out")])
    assert status == 2 and "--holdout" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_series_of_the_data_and_of_the_model_agree_on_the_same_run(exported):
    """The monthly series of the exports equal those of the records they were written from."""
    from sim.calibration.data import data_from_records
    from sim.calibration.series import monthly_series

    paths, scenario, result = exported
    calendar = parse_calendar(None, scenario.hours_per_day)
    read = read_data(str(paths["tickets"]), str(paths["people"]), str(paths["projects"]),
                     calendar)
    direct = data_from_records(result.records, calendar)
    a = monthly_series(read.tickets, read.people, read.projects, read.end, 2.0)
    b = monthly_series(direct.tickets, direct.people, direct.projects, direct.end, 2.0)
    pd.testing.assert_frame_equal(a, b, atol=0.05, rtol=0.01)
    assert len(a) == 12 and a["headcount"].max() <= 90 < a["headcount"].min() + 10
