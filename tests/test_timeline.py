"""Timeline events: exact traces of what changed when, and clear errors for bad events.

An event takes effect at the start of its day ``at``; a weekly row written at the
end of day ``d`` (``day == d``) shows the state of the day that began at ``d - 1``.
So an event at day 20 is first visible in the row with ``day == 25`` and a pulse
``for: 15`` is undone at the start of day 35, first visible in the row with
``day == 40``. The scenarios start from the neutral settings (no attrition, no
stress, no diversion), so head counts and rates change only when an event says so.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import scenario_from

import sim
from sim.errors import ScenarioError

BASE = {
    "horizon": 60,
    "operations": {"demand": 40, "service_mean": 0.2, "p_defect": 0.0},
    "workforce": {"operations": {"headcount": 12}},
    "projects": {"portfolio": [{"name": "a", "size": 400, "team": 4}]},
}


def with_timeline(*events: dict, **sections) -> sim.Scenario:
    return scenario_from({**BASE, **sections, "timeline": list(events)})


def by_day(result: sim.RunResult) -> pd.DataFrame:
    return result.weekly.set_index("day")


def rows(weekly: pd.DataFrame, column: str, first: float, last: float) -> pd.Series:
    """The weekly ``column`` for rows with first <= day <= last."""
    return weekly.loc[(weekly.index >= first) & (weekly.index <= last), column]


def event_rows(result: sim.RunResult) -> list[tuple]:
    return list(result.events[["day", "event", "label", "change"]].itertuples(
        index=False, name=None))


# -- an exact trace ----------------------------------------------------------------------

TRACE_EVENTS = (
    {"at": 10, "set": {"levers.improvement_share": 0.2}, "label": "kaizen"},
    {"at": 20, "scale": {"operations.demand": 1.5}, "for": 15, "label": "surge"},
    {"at": 30, "staff": {"operations": 3}, "label": "hire"},
)


@pytest.fixture(scope="module")
def trace():
    scenario = with_timeline(*TRACE_EVENTS,
                             levers={"pmo": {"type": "supportive", "disband_at": 40}})
    return sim.run(scenario, 0)


def test_the_event_log_is_the_exact_sequence_of_changes(trace):
    assert event_rows(trace) == [
        (0.0, -1, "pmo", "PMO none -> supportive"),
        (10.0, 0, "kaizen", "levers.improvement_share=0.2"),
        (20.0, 1, "surge", "operations.demand x1.5"),
        (30.0, 2, "hire", "operations +3"),
        (35.0, 1, "surge", "end: operations.demand /1.5"),
        (40.0, -1, "pmo", "PMO supportive -> none"),
    ]


def test_the_event_log_is_the_same_for_every_replication():
    scenario = with_timeline(*TRACE_EVENTS,
                             levers={"pmo": {"type": "supportive", "disband_at": 40}})
    logs = [event_rows(sim.run(scenario, r)) for r in range(3)]
    assert logs[0] == logs[1] == logs[2]


def test_a_set_lever_shows_from_the_week_after_its_day(trace):
    weekly = by_day(trace)
    # 12 people, 4 of them half on project a: 10 person-days of day job a day, 20% of
    # it planned for improvement from day 10: 2 person-days = 15 hours a day.
    assert (rows(weekly, "hours_improvement_planned", 0, 10) == 0.0).all()
    assert rows(weekly, "hours_improvement_planned", 15, 30).tolist() == \
        pytest.approx([75.0] * 4, rel=1e-12)
    # from day 30 three more people: 13 person-days of day job, 2.6 for improvement
    assert rows(weekly, "hours_improvement_planned", 35, 60).tolist() == \
        pytest.approx([97.5] * 6, rel=1e-12)
    assert weekly.index.tolist() == list(range(5, 61, 5))


def test_a_scale_pulse_applies_during_its_window_and_is_undone(trace):
    weekly = by_day(trace)
    assert (rows(weekly, "demand_rate", 0, 20) == 40.0).all()
    assert (rows(weekly, "demand_rate", 25, 35) == 60.0).all()   # days 20..34
    assert (rows(weekly, "demand_rate", 40, 60) == 40.0).all()   # undone at day 35
    # three weeks at 60 a day bring more items than three weeks at 40 (Poisson: 900 vs
    # 600 expected, standard deviations 30 and 24)
    assert rows(weekly, "value_arrivals", 25, 35).sum() > \
        rows(weekly, "value_arrivals", 10, 20).sum()


def test_staff_added_at_day_30_are_counted_from_day_30(trace):
    weekly = by_day(trace)
    assert (rows(weekly, "headcount_operations", 0, 30) == 12).all()
    assert (rows(weekly, "headcount_operations", 35, 60) == 15).all()
    # available hours count everybody, the two PMO staff too until the PMO disbands
    week = 5 * 7.5
    assert (rows(weekly, "hours_available", 5, 30) == (12 + 2) * week).all()
    assert (rows(weekly, "hours_available", 35, 40) == (15 + 2) * week).all()
    assert (rows(weekly, "hours_available", 45, 60) == 15 * week).all()


def test_a_temporary_pmo_disbands_on_its_day(trace):
    weekly = by_day(trace)
    assert (rows(weekly, "pmo_active", 0, 40) == 1.0).all()
    assert (rows(weekly, "headcount_pmo", 0, 40) == 2).all()   # the supportive bundle
    assert (rows(weekly, "pmo_active", 45, 60) == 0.0).all()
    assert (rows(weekly, "headcount_pmo", 45, 60) == 0).all()


# -- order and undo ----------------------------------------------------------------------

@pytest.mark.parametrize(("first", "second", "demand"), [
    ({"set": {"operations.demand": 50}}, {"scale": {"operations.demand": 2}}, 100.0),
    ({"scale": {"operations.demand": 2}}, {"set": {"operations.demand": 50}}, 50.0),
])
def test_events_on_the_same_day_fire_in_file_order(first, second, demand):
    scenario = with_timeline({"at": 10, **first, "label": "one"},
                             {"at": 10, **second, "label": "two"}, horizon=30)
    result = sim.run(scenario, 0)
    assert [(day, index, label) for day, index, label, _ in event_rows(result)] == \
        [(10.0, 0, "one"), (10.0, 1, "two")]
    weekly = by_day(result)
    assert (rows(weekly, "demand_rate", 0, 10) == 40.0).all()
    assert (rows(weekly, "demand_rate", 15, 30) == demand).all()


def test_a_pulse_ending_on_the_day_another_event_starts_ends_first_in_file_order():
    scenario = with_timeline(
        {"at": 10, "scale": {"operations.demand": 2}, "for": 10},
        {"at": 20, "set": {"operations.demand": 30}}, horizon=40)
    result = sim.run(scenario, 0)
    assert event_rows(result) == [
        (10.0, 0, "", "operations.demand x2"),
        (20.0, 0, "", "end: operations.demand /2"),
        (20.0, 1, "", "operations.demand=30"),
    ]
    assert (rows(by_day(result), "demand_rate", 25, 40) == 30.0).all()


def test_a_set_pulse_restores_the_previous_value():
    scenario = with_timeline(
        {"at": 10, "set": {"operations.demand": 55.5}, "for": 10},
        {"at": 15, "set": {"levers.rewards.scheme": "operations_only"}, "for": "2 weeks"},
        horizon=40)
    result = sim.run(scenario, 0)
    weekly = by_day(result)
    assert rows(weekly, "demand_rate", 5, 40).tolist() == [40.0, 40.0, 55.5, 55.5] + \
        [40.0] * 4
    # balanced (the default) rewards follow the assigned split: nobody is misaligned;
    # with operations_only the four half-time project members are misaligned by 0.5
    misaligned = rows(weekly, "misalignment_mean", 5, 40).tolist()
    assert misaligned == pytest.approx([0.0] * 3 + [4 * 0.5 / 12] * 2 + [0.0] * 3,
                                       abs=1e-12)
    log = event_rows(result)
    assert [(day, index) for day, index, _, _ in log] == [(10.0, 0), (15.0, 1), (20.0, 0),
                                                          (25.0, 1)]
    assert [change.startswith("end: ") for _, _, _, change in log] == [False, False, True,
                                                                       True]


def test_layoffs_are_permanent_even_with_backfill_on():
    """Removing staff is a decision, not attrition: nobody backfills the removed seats,
    whether or not a removed person was finishing an item when the event came."""
    for replication in range(4):
        scenario = with_timeline(
            {"at": 30, "staff": {"operations": -4}}, horizon=200,
            workforce={"operations": {"headcount": 12},
                       "attrition": {"rate": 0.0, "backfill": True,
                                     "hiring_delay": 20}})
        weekly = by_day(sim.run(scenario, replication))
        assert (rows(weekly, "headcount_operations", 0, 30) == 12).all()
        after = rows(weekly, "headcount_operations", 35, 200)
        assert (after == 8).all(), (
            f"replication {replication}: head count after removing 4 of 12 should stay 8; "
            f"got {sorted(set(after.tolist()))} (vacancies "
            f"{sorted(set(rows(weekly, 'vacancies', 35, 200).tolist()))})")


def test_setting_a_governance_preset_during_a_run_sets_its_levers():
    """Switching governance at day 10 should act like setting the preset's levers."""
    preset = {"levers.governance": "systems"}
    levers = {"levers.rewards.scheme": "outcome_based", "levers.sustainment": "opex",
              "levers.capacity_aware_intake": True}
    base = {"levers": {"governance": "siloed"}}
    by_preset = sim.run(with_timeline({"at": 10, "set": preset}, **base), 0)
    by_levers = sim.run(with_timeline({"at": 10, "set": levers}, **base), 0)
    # four of twelve people are half on a project: misaligned by 0.5 under siloed
    # (operations_only) rewards, by 0.25 under systems (outcome_based) rewards
    weekly = by_day(by_levers)
    assert rows(weekly, "misalignment_mean", 0, 10).tolist() == \
        pytest.approx([4 * 0.5 / 12] * 2, rel=1e-12)
    assert rows(weekly, "misalignment_mean", 15, 60).tolist() == \
        pytest.approx([4 * 0.25 / 12] * 10, rel=1e-12)
    pd.testing.assert_series_equal(by_preset.weekly["misalignment_mean"],
                                   by_levers.weekly["misalignment_mean"])
    pd.testing.assert_frame_equal(by_preset.weekly, by_levers.weekly)


def test_a_scenario_that_validates_does_not_fail_mid_run_because_of_its_timeline():
    """Each event is valid against the starting scenario, but the second applied after
    the first gives capability_max 0.9 < capability_initial 1.0. Either the scenario is
    refused when loaded (naming timeline[1]) or it runs to the end."""
    events = ({"at": 10, "set": {"opex.capability_max": 1.0}},
              {"at": 20, "scale": {"opex.capability_max": 0.9}})
    try:
        scenario = with_timeline(*events)
    except ScenarioError as exc:
        assert "timeline[1]" in str(exc), str(exc)
        return
    result = sim.run(scenario, 0)
    assert result.weekly["day"].iloc[-1] == 60


# -- validation errors from scenario files -----------------------------------------------

def write(folder: Path, text: str) -> Path:
    path = folder / "events.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        sim.load_scenario(path)
    return str(caught.value)


def assert_mentions(message: str, *parts: str) -> None:
    missing = [p for p in parts if p not in message]
    assert not missing, f"message lacks {missing}: {message!r}"


@pytest.mark.parametrize(("event", "nearest"), [
    ("{at: 10, set: {levers.wip_limt: 3}}", "levers.wip_limit"),
    ("{at: 10, sett: {levers.wip_limit: 3}}", "timeline[0].set"),
    ("{at: 10, scale: {operations.demnd: 1.2}}", "operations.demand"),
])
def test_an_unknown_key_in_an_event_suggests_the_nearest(tmp_path, event, nearest):
    path = write(tmp_path, f"timeline:\n  - {event}\n")
    assert_mentions(error_of(path), "events.yaml", "timeline[0]", f"Did you mean '{nearest}'")


def test_a_key_that_cannot_change_during_a_run_lists_the_allowed_keys(tmp_path):
    path = write(tmp_path, """\
        timeline:
          - {at: 10, set: {levers.wip_limit: 3}}
          - {at: 20, set: {workforce.operations.skill: 1.2}}
        """)
    assert_mentions(error_of(path), "events.yaml", "timeline[1]",
                    "workforce.operations.skill cannot change during a run", "allowed",
                    "levers.*", "operations.demand", "workforce.attrition.*")


@pytest.mark.parametrize(("event", "parts"), [
    ("{at: 10, set: {levers.wip_limit: 0}}", ("levers.wip_limit = 0", "greater than")),
    ("{at: 10, set: {levers.allocation: 1.5}}", ("levers.allocation = 1.5", "less than")),
    ("{at: 10, set: {levers.rewards.scheme: generous}}", ("levers.rewards.scheme",
                                                          "'generous'")),
    ("{at: 10, set: {opex.capability_min: 1.2}}", ("capability_min=1.2",)),
    ("{at: 10, scale: {levers.sustainment: 2}}", ("levers.sustainment", "not a number")),
])
def test_an_event_giving_an_invalid_value_is_refused(tmp_path, event, parts):
    path = write(tmp_path, f"timeline:\n  - {event}\n")
    assert_mentions(error_of(path), "events.yaml", "timeline[0]", *parts)


@pytest.mark.parametrize(("text", "parts"), [
    ("horizon: 100\ntimeline:\n  - {at: 100, set: {levers.wip_limit: 3}}\n",
     ("timeline[0].at=100", "not before the horizon")),
    ("timeline:\n  - {at: 10, staff: {operations: 2}, for: 10}\n",
     ("timeline[0]", "staff changes and people joining a project are permanent")),
    ("timeline:\n  - {at: 10, staff: {pmo: 2}}\n", ("timeline[0].staff.pmo",)),
    ("timeline:\n  - {at: 10, for: 10}\n", ("timeline[0]", "at least one of")),
])
def test_malformed_events_are_refused(tmp_path, text, parts):
    assert_mentions(error_of(write(tmp_path, text)), "events.yaml", *parts)
