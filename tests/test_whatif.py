"""The what-if layer: controls reach the scenarios; messages are the CLI's; numbers, compare's."""

from __future__ import annotations

import functools
import math
import re
import shlex
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.schema.loading import get_key_path
from sim.studies.comparison import align, compare
from sim.studies.folders import scenario_document
from sim.teaching import whatif

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
AI_ASSISTANT = ROOT / "scenarios" / "examples" / "ai_assistant.yaml"

NEW_VALUES = {
    "governance": "systems", "rewards": "balanced", "pmo": "directive", "wip_limit": 2,
    "allocation": 0.3, "protected_time": 0.4, "improvement_share": 0.1,
    "sustainment": "project", "capacity_aware_intake": True, "ai_gate": 0.5,
    "ai_gate_cut_slip": 0.2, "ai_operations": "project", "demand": 250.0,
    "operations_headcount": 110, "discount_rate": 0.08, "operations_cost_per_day": 300.0,
    "horizon": "6 months", "replications": 3,
}
"""A value unlike its base's for every control: a control missing here fails a test."""

AI_LEVERS = ("ai_gate", "ai_gate_cut_slip", "ai_operations")
"""The controls that act only where a project delivers an AI solution."""

MONEY = {"cost_total", "cost_change", "value_benefits", "npv_change", "payback_weeks",
         "irr_change"}
"""The KPIs that prices change (every other figure of a run is the same whatever the prices)."""


@functools.cache
def opened(path: Path) -> whatif.Base:
    return whatif.open_base(path)


def base_file(name: str) -> Path:
    """The base a control is tried on: the baseline, or the AI assistant where the baseline
    ignores the control."""
    return next(p for p in (BASELINE, AI_ASSISTANT)
                if whatif.control(name).active(opened(p).scenario))


def moved(comparison: pd.DataFrame) -> set[str]:
    """The KPIs whose mean differs between AS-IS and TO-BE."""
    rows = comparison[[not (math.isnan(a) and math.isnan(b)) and a != b for a, b in
                       zip(comparison["baseline_mean"], comparison["scenario_mean"],
                           strict=True)]]
    return set(rows["kpi"])


def small_base(folder: Path) -> Path:
    """A small organisation extending the baseline, so that comparisons take a second."""
    path = folder / "small.yaml"
    path.write_text(f"extends: {BASELINE}\nname: small\noperations: {{demand: 100}}\n"
                    "workforce: {operations: {headcount: 45}}\n", encoding="utf-8")
    return path


def running(pid: int) -> bool:
    """Whether a process still runs (a zombie has stopped: it only awaits its parent)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def cli_error(capsys, *args: str) -> str:
    assert main(list(args)) == 2
    return capsys.readouterr().err.removeprefix("pmosim: error: ").rstrip("\n")


def test_every_control_has_a_test_value_unlike_its_base():
    assert set(NEW_VALUES) == {c.name for c in whatif.CONTROLS}
    for c in whatif.CONTROLS:
        assert NEW_VALUES[c.name] != c.current(opened(base_file(c.name)).scenario), c.name


@pytest.mark.parametrize("name", list(NEW_VALUES))
def test_each_control_changes_the_scenario_the_run_receives(name):
    base = whatif.open_base(base_file(name))
    c = whatif.control(name)
    before = whatif.initial_values(base.scenario)
    as_is, to_be = whatif.build(base, whatif.choose(before, name, NEW_VALUES[name]))
    expected = NEW_VALUES[name]
    if c.kind == "duration":
        expected = sim.units.parse_duration(expected)
    assert get_key_path(scenario_document(to_be), c.path) == expected
    if c.group == "run":  # shared by both: the AS-IS changes too, and nothing differs
        assert get_key_path(scenario_document(as_is), c.path) == expected
        assert whatif.differences(as_is, to_be) == []
    else:
        assert c.current(as_is) == before[name]
        assert any(line.startswith(f"{c.label} ({c.path})")
                   for line in whatif.differences(as_is, to_be))


def test_a_preset_moves_the_controls_it_sets_and_a_later_choice_wins():
    base = whatif.open_base(BASELINE)
    values = whatif.choose(whatif.initial_values(base.scenario), "governance", "systems")
    assert (values["rewards"], values["sustainment"], values["capacity_aware_intake"]) == \
        ("outcome_based", "opex", True)
    values = whatif.choose(values, "rewards", "operations_only")  # back to the base's value
    _, to_be = whatif.build(base, values)
    assert to_be.levers.rewards.scheme == "operations_only"
    assert to_be.levers.sustainment == "opex" and to_be.levers.capacity_aware_intake


def test_unchanged_controls_make_no_changes_and_the_run_settings_start_quick():
    base = whatif.open_base(BASELINE)
    values = whatif.initial_values(base.scenario)
    assert whatif.changes(base.scenario, values) == {}
    as_is, to_be = whatif.build(base, values)
    assert (as_is.horizon, as_is.replications) == (252.0, 5)
    assert whatif.differences(as_is, to_be) == []
    assert whatif.changes(base.scenario, {**values, "horizon": "3 years"}) == {}


@pytest.mark.parametrize(("name", "value", "flag"), [
    ("wip_limit", 0, "levers.wip_limit=0"),
    ("allocation", 1.5, "levers.allocation=1.5"),
    ("demand", -5.0, "operations.demand=-5.0"),
    ("horizon", "1 yaer", "horizon=1 yaer"),
    ("ai_gate", 1.5, "levers.ai_gate=1.5"),
    ("ai_gate_cut_slip", -0.1, "levers.ai_gate_cut_slip=-0.1"),
    ("discount_rate", 1.0, "finance.discount_rate=1.0"),
    ("operations_cost_per_day", -250.0, "finance.cost_per_day.operations=-250.0"),
])
def test_a_bad_value_raises_the_command_line_message(capsys, name, value, flag):
    base = whatif.open_base(base_file(name))
    values = whatif.choose(whatif.initial_values(base.scenario), name, value)
    with pytest.raises(ScenarioError) as caught:
        whatif.build(base, values)
    source = base.source
    expected = cli_error(capsys, "validate", source, "--set", flag)
    assert str(caught.value) == expected
    assert flag.split("=")[0] in str(caught.value)


def test_the_ai_levers_apply_only_where_a_project_delivers_an_ai_solution():
    baseline, assistant = opened(BASELINE).scenario, opened(AI_ASSISTANT).scenario
    for c in whatif.CONTROLS:
        assert c.active(assistant), c.name
        assert c.active(baseline) == (c.name not in AI_LEVERS), c.name
        assert bool(c.inactive) == (c.name in AI_LEVERS), c.name


def test_no_cut_slip_means_never_and_clearing_it_is_no_change():
    base = opened(AI_ASSISTANT)
    values = whatif.initial_values(base.scenario)
    assert values["ai_gate_cut_slip"] is None and whatif.control("ai_gate_cut_slip").optional
    _, to_be = whatif.build(base, whatif.choose(values, "ai_gate_cut_slip", 0.2))
    assert to_be.levers.ai_gate_cut_slip == 0.2
    assert "ai_gate_cut_slip: 0.2" in whatif.to_be_yaml(base, whatif.choose(
        values, "ai_gate_cut_slip", 0.2))
    cleared = whatif.choose(whatif.choose(values, "ai_gate_cut_slip", 0.2),
                            "ai_gate_cut_slip", None)
    assert whatif.changes(base.scenario, cleared) == {}


def test_a_changed_ai_lever_changes_the_kpis_of_the_ai_assistant():
    base = opened(AI_ASSISTANT)
    values = whatif.initial_values(base.scenario, {"horizon": "1 year", "replications": 2})
    as_is, to_be = whatif.build(base, whatif.choose(values, "ai_gate", 0.0))
    assert (as_is.levers.ai_gate, to_be.levers.ai_gate) == (1.0, 0.0)
    comparison = compare([as_is, to_be])[1]  # in this process: as the Runner, fewer seconds
    changed = moved(comparison)
    assert changed & set(sim.kpis.HEADLINE) - MONEY, changed  # the run itself changed
    rows = whatif.plain_rows(comparison, to_be.name, to_be.hours_per_day)
    assert any(row["as_is"] != row["to_be"] for row in rows)


def test_the_ai_levers_change_nothing_without_an_ai_project_and_prices_only_money(tmp_path):
    base = whatif.open_base(small_base(tmp_path))
    assert not any(whatif.control(name).active(base.scenario) for name in AI_LEVERS)
    values = whatif.initial_values(base.scenario, {"horizon": "2 months", "replications": 2})
    ai = values
    for name in AI_LEVERS:
        ai = whatif.choose(ai, name, NEW_VALUES[name])
    pair = whatif.build(base, ai)
    assert len(whatif.differences(*pair)) == len(AI_LEVERS)
    assert moved(compare(list(pair))[1]) == set()
    prices = whatif.choose(whatif.choose(values, "discount_rate", 0.5),
                           "operations_cost_per_day", 400.0)
    changed = moved(compare(list(whatif.build(base, prices)))[1])
    assert "npv_change" in changed and changed <= MONEY, changed


@pytest.mark.parametrize(("name", "text"), [
    ("broken.yaml", b"levers:\n  wip_limit: [3\n"),
    ("typo.yaml", b"levers:\n  wip_limt: 3\n"),
    ("range.yaml", b"levers:\n  allocation: 2\n"),
    ("list.yaml", b"- just\n- a list\n"),
    ("binary.yaml", b"\xff\xfe levers"),
    ("parent.yaml", b"extends: missing.yaml\n"),
])
def test_an_upload_is_refused_with_the_message_validate_prints(tmp_path, monkeypatch, capsys,
                                                                name, text):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    with pytest.raises(ScenarioError) as caught:
        whatif.open_base(folder / name, text)
    assert not (folder / name).exists()  # nothing was written
    (folder / name).write_bytes(text)
    assert str(caught.value) == cli_error(capsys, "validate", f"scenarios/{name}")


def test_an_upload_extends_files_beside_where_it_is_taken_to_be(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "parent.yaml").write_text("operations: {demand: 120}\n", encoding="utf-8")
    base = whatif.open_base(folder / "mine.yaml", "extends: parent.yaml\nseed: 9\n")
    assert base.scenario.name == "mine"
    assert (base.scenario.operations.demand, base.scenario.seed) == (120.0, 9)


def test_the_to_be_file_reproduces_the_to_be_and_the_command_reproduces_the_numbers(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = whatif.open_base(small_base(tmp_path))
    values = whatif.initial_values(base.scenario, {"horizon": "3 months", "replications": 3})
    values = whatif.choose(whatif.choose(values, "governance", "systems"), "wip_limit", 2)
    as_is, to_be = whatif.build(base, values)
    (tmp_path / whatif.to_be_file_name(base)).write_text(whatif.to_be_yaml(base, values),
                                                         encoding="utf-8")
    command = shlex.split(whatif.compare_command(base, values))
    assert command[:4] == ["pmosim", "compare", "small.yaml", "small-to-be.yaml"]
    loaded = align([sim.load_scenario(f, {"horizon": "3 months"}) for f in command[2:4]],
                   replications=3)
    assert [scenario_document(s) for s in loaded] == [scenario_document(as_is),
                                                      scenario_document(to_be)]

    outcome = whatif.Runner(2).compare(as_is, to_be)
    assert main([*command[1:], "--out", "out", "--no-plots"]) == 0
    folder = next((tmp_path / "out").iterdir())
    assert (folder / "comparison.csv").read_text(encoding="utf-8") == outcome.csv()
    serial = compare([as_is, to_be])[1]
    pd.testing.assert_frame_equal(outcome.comparison, serial, check_exact=True)


def test_the_outcome_speaks_plain_units_and_lists_what_differs(tmp_path):
    base = whatif.open_base(small_base(tmp_path))
    values = whatif.initial_values(base.scenario, {"horizon": "3 months", "replications": 3})
    values = whatif.choose(values, "operations_headcount", 40)
    as_is, to_be = whatif.build(base, values)
    outcome = whatif.Runner(1).compare(as_is, to_be)
    rows = {r["kpi"]: r for r in outcome.rows()}
    assert set(rows) <= set(sim.kpis.HEADLINE) and "ops_wait_mean" in rows
    for row in rows.values():
        assert not re.search(r"\de[-+]?\d", row["sentence"]), row["sentence"]
        assert row["sentence"].startswith(row["label"]) and \
            row["sentence"].endswith(f": {row['verdict']}")
    wait = rows["ops_wait_mean"]
    assert wait["as_is"].endswith((" min", " h", " days")) and wait["verdict"] == "worse"
    assert rows["ops_utilisation"]["as_is"].endswith("%")
    assert rows["ops_utilisation"]["change"].endswith(" pp")
    assert outcome.differences() == [
        "Operations headcount (workforce.operations.headcount): 45 → 40"]
    report = outcome.report(base, values)
    assert "## In plain words" in report and wait["sentence"] in report
    assert whatif.compare_command(base, values) in report
    figure = outcome.figure()
    assert {label for ax in figure.axes for label in ax.get_legend_handles_labels()[1]} \
        == {"small", "small-to-be"}


@pytest.mark.parametrize(("x", "signed", "text"), [
    (0.000412, False, "0.000412"), (16.66, False, "16.7"), (1234.5, False, "1,234"),
    (-5.04, True, "\N{MINUS SIGN}5.04"), (2.0, True, "+2.00"), (0.0, True, "0"),
    (float("nan"), False, "n/a"), (3.2e-9, False, "0.00000000320"), (4.2e7, False, "42,000,000"),
])
def test_plain_numbers_never_use_e_notation(x, signed, text):
    assert whatif.plain_number(x, signed) == text


@pytest.mark.parametrize(("unit", "magnitude", "factor", "suffix"), [
    ("days", 0.01, 450.0, " min"),     # 0.075 h of a 7.5-hour day: minutes
    ("days", 0.3, 7.5, " h"),          # 2.25 h
    ("days", 40.0, 1.0, " days"),
    ("share", 0.8, 100.0, "%"),
    ("projects", 4.0, 1.0, " projects"),
    ("index", 1.1, 1.0, ""),
])
def test_units_are_plain(unit, magnitude, factor, suffix):
    assert whatif.display_unit(unit, magnitude, 7.5)[:2] == (factor, suffix)


def test_cancel_ends_the_workers_at_once_and_the_next_comparison_still_runs(tmp_path):
    base = whatif.open_base(BASELINE)
    values = whatif.initial_values(base.scenario, {"horizon": "3 years", "replications": 6})
    as_is, to_be = whatif.build(base, whatif.choose(values, "sustainment", "opex"))
    runner = whatif.Runner(2)
    started, outcome = threading.Event(), {}

    def work():
        try:
            outcome["result"] = runner.compare(as_is, to_be,
                                               on_progress=lambda done, total: started.set())
        except whatif.Cancelled as exc:
            outcome["cancelled"] = exc

    try:
        thread = threading.Thread(target=work)
        thread.start()
        assert started.wait(60), "no run finished"
        pids = runner.pids()
        assert len(pids) == 2
        began = time.perf_counter()
        runner.cancel()
        thread.join(10)
        assert not thread.is_alive() and time.perf_counter() - began < 3
        assert "cancelled" in outcome and "result" not in outcome
        assert not [pid for pid in pids if running(pid)], "a worker outlived the cancel"
        small = whatif.open_base(small_base(tmp_path))
        quick = whatif.build(small, whatif.initial_values(small.scenario,
                                                          {"horizon": "1 month",
                                                           "replications": 2}))
        assert len(runner.compare(*quick).comparison)
        assert runner.pids() == []  # the workers of a finished comparison have ended
    finally:
        runner.cancel()


def test_a_cancel_before_the_comparison_reaches_the_runner_still_stops_it(tmp_path):
    """A page takes a ticket when Run is pressed and its thread calls compare later:
    a Cancel pressed in between stops that comparison before any worker starts, and
    a cancel at rest does not stop a comparison asked for after it."""
    small = whatif.open_base(small_base(tmp_path))
    pair = whatif.build(small, whatif.initial_values(small.scenario,
                                                     {"horizon": "1 month", "replications": 2}))
    runner = whatif.Runner(2)
    try:
        ticket = runner.ticket()
        runner.cancel()
        with pytest.raises(whatif.Cancelled, match="before the first of 4 runs"):
            runner.compare(*pair, ticket=ticket)
        assert runner.pids() == []
        runner.cancel()  # nothing is running: this stops nothing asked for later
        assert len(runner.compare(*pair, ticket=runner.ticket()).comparison)
    finally:
        runner.cancel()


def test_every_control_is_documented():
    text = (ROOT / "docs" / "studio.md").read_text(encoding="utf-8")
    for c in whatif.CONTROLS:
        assert f"| {c.label} | `{c.path}` |" in text, c.name


def test_a_warm_runner_keeps_its_workers_and_gives_the_same_numbers(tmp_path):
    """Kept warm, the workers start at once, serve comparison after comparison, and the
    numbers equal those of workers started for the comparison; a cancel still ends them."""
    small = whatif.open_base(small_base(tmp_path))
    pair = whatif.build(small, whatif.choose(
        whatif.initial_values(small.scenario, {"horizon": "1 month", "replications": 2}),
        "wip_limit", 2))
    warm = whatif.Runner(2, keep_warm=True)
    try:
        deadline = time.monotonic() + 60
        while len(warm.pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = warm.pids()
        assert len(pids) == 2  # started before any comparison was asked for
        first = warm.compare(*pair).comparison
        assert sorted(warm.pids()) == sorted(pids)  # the same workers wait for the next one
        second = warm.compare(*pair).comparison
        cold = whatif.Runner(1).compare(*pair).comparison
        pd.testing.assert_frame_equal(first, cold)
        pd.testing.assert_frame_equal(second, cold)
        warm.cancel()
        assert warm.pids() == []
        deadline = time.monotonic() + 10
        while [p for p in pids if running(p)] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in pids if running(p)], "a warm worker outlived the cancel"
    finally:
        warm.cancel()
