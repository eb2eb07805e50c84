"""A run's records: off by default, no figure moves with them on, and they add up to the run.

The desk-level checks (records against the running sums, compiled against
interpreted) are in ``tests/test_desk_kernel.py``; here the run as a whole: the
ticket, people and project tables agree with the run's own summary, the working
calendar puts them on dates and reads them back, and ``pmosim run --records``
writes them in the formats ``pmosim calibrate`` reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibration.calendar import WorkingCalendar, parse_calendar
from sim.calibration.exports import REQUIRED, records_to_frames
from sim.cli import main
from sim.errors import UserError
from sim.schema.loading import read_document, scenario_with

AI_DESK = "scenarios/claims/bases/ai_desk.yaml"
BASELINE = "scenarios/baseline.yaml"


@pytest.fixture(scope="module")
def runs():
    """The baseline with impatient customers and the AI desk, with and without records."""
    cases = {BASELINE: {"horizon": 126, "operations.patience": 1.0},
             AI_DESK: {"horizon": 84}}
    out = {}
    for path, overrides in cases.items():
        scenario = scenario_with(read_document(path), overrides, source=path)
        out[path] = (sim.run(scenario, 2), sim.run(scenario, 2, records=True))
    return out


def test_records_are_off_by_default_and_move_no_figure(runs):
    for plain, recorded in runs.values():
        assert plain.records is None
        assert plain.summary == recorded.summary
        pd.testing.assert_frame_equal(plain.weekly, recorded.weekly)
        pd.testing.assert_frame_equal(plain.projects, recorded.projects)
        pd.testing.assert_frame_equal(plain.events, recorded.events)


def test_tickets_people_and_projects_add_up_to_the_run(runs):
    for path, (_, result) in runs.items():
        r, s = result.records, result.summary
        t = r.tickets
        assert (t["outcome"] == "resolved").sum() == s["ops_items_completed"], path
        assert (t["outcome"] == "abandoned").sum() == s["ops_abandoned"], path
        served = t["started"].notna()
        assert np.isclose((t["started"] - t["created"])[served].mean(), s["ops_wait_mean"],
                          rtol=1e-9), path
        done = t["outcome"] == "resolved"
        assert np.isclose(((t["closed"] - t["created"])[done] <= 2.0).mean(),
                          s["ops_service_level"], rtol=1e-12), path
        open_now = (t["outcome"] == "").sum()
        assert open_now == s["ops_backlog_final"], path
        # incidents raise failure items that reopen no ticket: they look like value demand
        incident_items = np.nan_to_num(s.get("ai_incidents", 0.0)) * 20  # items_per_incident
        reopens = t["reopened_from"].notna().sum()
        assert reopens == result.weekly["failure_arrivals"].sum() - incident_items, path
        assert len(t) - reopens == result.weekly["value_arrivals"].sum() + incident_items
        p = r.people
        assert p["leave_date"].notna().sum() == s["attrition_count"] + s["removed_count"], path
        assert p["leave_date"].isna().sum() == result.weekly.filter(
            like="headcount_").iloc[-1].sum(), path
        assert (r.projects["status"] == "finished").sum() == s["projects_completed"], path


def test_the_calendar_puts_working_time_on_dates_and_back():
    calendar = parse_calendar("Mon-Fri 08:00-16:00", 7.5, np.datetime64("2025-01-04"))
    assert calendar.origin == np.datetime64("2025-01-06")  # a Saturday rolls to Monday
    days = np.array([0.0, 0.5, 1.0, 4.999, 5.0, 23.25, np.nan])
    moments = calendar.to_moments(days)
    assert str(moments[1]) == "2025-01-06T12:00:00"
    assert str(moments[4]) == "2025-01-13T08:00:00"  # day 5 is the next Monday
    assert np.isnat(moments[-1])
    back = calendar.to_days(moments)
    assert np.allclose(back[:-1], days[:-1], atol=1 / (8 * 3600))
    assert np.isnan(back[-1])
    off = np.array(["2025-01-11T10:00", "2025-01-07T18:00", "2025-01-07T06:00"],
                   dtype="datetime64[s]")
    assert calendar.to_days(off).tolist() == [5.0, 2.0, 1.0]  # next working moment
    with pytest.raises(UserError, match="weekday"):
        parse_calendar("Mon-Fry 09:00", 7.5)
    with pytest.raises(UserError, match="midnight"):
        WorkingCalendar(np.datetime64("2025-01-06"), start_hour=20.0, hours=8.0)


def test_records_written_as_exports_read_back_to_the_same_times(runs):
    _, result = runs[BASELINE]
    calendar = parse_calendar(None, 7.5, np.datetime64("2025-01-06"))
    frames = records_to_frames(result.records, calendar)
    for kind, frame in frames.items():
        assert set(REQUIRED[kind]) <= set(frame.columns)
    tickets = frames["tickets"]
    created = calendar.to_days(tickets["created"].to_numpy("datetime64[s]"))
    assert np.abs(created - result.records.tickets["created"]).max() <= 1 / (7.5 * 3600)
    leave = frames["people"]["leave_date"]
    assert leave.str.fullmatch(r"(\d{4}-\d\d-\d\d)?").all()


def test_pmosim_run_records_writes_the_three_exports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "small.yaml"
    scenario.write_text("horizon: 21\nreplications: 2\noperations: {demand: 40}\n"
                        "workforce: {operations: {headcount: 16}}\n")
    assert main(["run", str(scenario), "--records", "--no-plots", "--out", "out"]) == 0
    folder = next((tmp_path / "out").iterdir())
    for replication in (0, 1):
        for kind in ("tickets", "people", "projects"):
            frame = pd.read_csv(folder / "records" / f"replication-{replication}" /
                                f"{kind}.csv", dtype=str, keep_default_na=False)
            assert list(frame.columns)[:len(REQUIRED[kind])] == list(REQUIRED[kind])
    tickets = pd.read_csv(folder / "records" / "replication-0" / "tickets.csv")
    assert tickets["created"].iloc[0].startswith("2025-01-06T09:")  # price base year 2025
