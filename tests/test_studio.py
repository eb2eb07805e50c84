"""The studio page without a browser: each control reaches the run; refusals show the CLI's text.

The page is rendered with Solara's test renderer and driven through its widgets,
as a browser would drive them; a recording runner stands in for the worker
processes and answers with a real (small) comparison.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
from solara.widgets.widgets import HTML

from sim.cli import main
from sim.errors import ScenarioError
from sim.schema.loading import get_key_path
from sim.studies.folders import scenario_document
from sim.studio.app import BasePicker, Studio, kpi_table
from sim.teaching import whatif
from tests.test_whatif import AI_ASSISTANT, AI_LEVERS, NEW_VALUES, base_file, small_base

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"


class RecordingRunner:
    """Records what each Run received and answers with one small real comparison."""

    def __init__(self, answer: whatif.Outcome):
        self.received: list[tuple] = []
        self.answer = answer
        self.done = threading.Event()

    def ticket(self):
        return len(self.received) + 1

    def compare(self, as_is, to_be, on_progress=None, ticket=None):
        self.received.append((as_is, to_be))
        if on_progress is not None:
            on_progress(1, 1)
        self.done.set()
        return self.answer

    def cancel(self):
        pass


@pytest.fixture(scope="module")
def answer(tmp_path_factory) -> whatif.Outcome:
    base = whatif.open_base(small_base(tmp_path_factory.mktemp("small")))
    values = whatif.initial_values(base.scenario, {"horizon": "1 month", "replications": 2})
    return whatif.Runner(1).compare(*whatif.build(base, whatif.choose(values, "wip_limit", 2)))


def one(finder):
    """The single widget a finder found."""
    finder.assert_single()
    return finder.widget


def field(rc, c: whatif.Control):
    kinds = {"choice": v.Select, "toggle": v.Switch}
    return one(rc.find(kinds.get(c.kind, v.TextField), label=c.label))


def set_control(rc, c: whatif.Control, value) -> None:
    widget = field(rc, c)
    if c.kind == "choice":
        widget.v_model = next(i for i, (option, _) in enumerate(c.options(value))
                              if option == value)
    elif c.kind == "toggle":
        widget.v_model = bool(value)
    else:
        widget.v_model = "" if value is None else str(value)  # empty: none
        widget.fire_event("keyup.enter", None)  # fields update on Enter or leaving them


def press_run(rc, runner: RecordingRunner) -> tuple:
    runner.done.clear()
    before = set(threading.enumerate())
    one(rc.find(v.Btn, children=["Run"])).click()
    assert runner.done.wait(10), "Run did not call the runner"
    rc.find(HTML, attributes={"class": "pmosim-table"}).wait_for(timeout=10)  # the table
    # The table appears during the render that the Run's thread starts; let that render
    # end before the test touches a widget, or the two threads race (as a person cannot).
    for thread in set(threading.enumerate()) - before:
        thread.join(10)
        assert not thread.is_alive(), f"the Run's thread {thread.name} did not end"
    return runner.received[-1]


@pytest.mark.parametrize("name", list(NEW_VALUES))
def test_each_control_changes_the_scenario_the_run_receives(answer, name):
    runner = RecordingRunner(answer)
    _, rc = solara.render(Studio(base_file(name), SCENARIOS, lambda: runner),
                          handle_error=False)
    c = whatif.control(name)
    base = whatif.open_base(base_file(name)).scenario
    assert not field(rc, c).disabled
    untouched = press_run(rc, runner)
    assert whatif.differences(*untouched) == []
    set_control(rc, c, NEW_VALUES[name])
    rc.find(v.Alert, class_="pmosim-stale").wait_for(timeout=5)  # the page saw the change
    as_is, to_be = press_run(rc, runner)
    expected = NEW_VALUES[name]
    if c.kind == "duration":
        expected = whatif.parse_duration(expected)
    assert get_key_path(scenario_document(to_be), c.path) == expected
    if c.group == "run":
        assert get_key_path(scenario_document(as_is), c.path) == expected
    else:
        assert c.current(as_is) == c.current(base)
    rc.close()


def test_the_page_starts_at_the_base_files_horizon_and_replications(answer):
    runner = RecordingRunner(answer)
    _, rc = solara.render(Studio(BASELINE, SCENARIOS, lambda: runner), handle_error=False)
    base = whatif.open_base(BASELINE).scenario
    assert field(rc, whatif.control("horizon")).v_model == "3 years" == \
        whatif.control("horizon").current(base)
    assert int(field(rc, whatif.control("replications")).v_model) == base.replications == 10
    as_is, to_be = press_run(rc, runner)
    assert (as_is.horizon, as_is.replications) == (to_be.horizon, to_be.replications) == \
        (base.horizon, base.replications)
    headline = one(rc.find(HTML, attributes={"class": "pmosim-headline"})).unsafe_innerHTML
    assert headline.count("<p>") == 3 and "net present value" in headline
    rc.close()


def test_a_bad_value_shows_the_command_line_message_and_run_is_disabled(answer, capsys):
    runner = RecordingRunner(answer)
    _, rc = solara.render(Studio(BASELINE, SCENARIOS, lambda: runner), handle_error=False)
    set_control(rc, whatif.control("wip_limit"), 0)
    shown = one(rc.find(v.Alert, class_="pmosim-invalid"))
    assert main(["validate", whatif.open_base(BASELINE).source, "--set",
                 "levers.wip_limit=0"]) == 2
    expected = capsys.readouterr().err.removeprefix("pmosim: error: ").strip()
    assert expected in str(shown.children)
    assert rc.find(v.Btn, children=["Run"]).widget.disabled
    set_control(rc, whatif.control("wip_limit"), 3)  # fixing it brings Run back
    rc.find(v.Alert, class_="pmosim-invalid").assert_empty()
    assert not rc.find(v.Btn, children=["Run"]).widget.disabled
    rc.close()


def test_an_ai_gate_out_of_range_shows_the_schema_message(answer, capsys):
    runner = RecordingRunner(answer)
    _, rc = solara.render(Studio(AI_ASSISTANT, SCENARIOS, lambda: runner), handle_error=False)
    set_control(rc, whatif.control("ai_gate"), 1.5)
    shown = str(one(rc.find(v.Alert, class_="pmosim-invalid")).children)
    assert main(["validate", whatif.open_base(AI_ASSISTANT).source, "--set",
                 "levers.ai_gate=1.5"]) == 2
    expected = capsys.readouterr().err.removeprefix("pmosim: error: ").strip()
    assert expected in shown and "less than or equal to 1" in shown
    assert "Traceback" not in shown and rc.find(v.Btn, children=["Run"]).widget.disabled
    rc.close()


def test_the_ai_levers_are_disabled_and_say_why_on_a_base_without_ai(answer):
    runner = RecordingRunner(answer)
    for path, active in ((BASELINE, False), (AI_ASSISTANT, True)):
        _, rc = solara.render(Studio(path, SCENARIOS, lambda: runner), handle_error=False)
        for c in whatif.CONTROLS:
            disabled = bool(field(rc, c).disabled)
            assert disabled == (c.name in AI_LEVERS and not active), (path.name, c.name)
            note = rc.find(v.Html, class_=f"pmosim-inactive-{c.name}")
            if disabled:
                assert whatif.control(c.name).inactive in str(one(note).children)
            else:
                note.assert_empty()
        rc.close()


def test_emptying_the_cut_slip_field_means_never(answer):
    runner = RecordingRunner(answer)
    _, rc = solara.render(Studio(AI_ASSISTANT, SCENARIOS, lambda: runner), handle_error=False)
    c = whatif.control("ai_gate_cut_slip")
    assert field(rc, c).v_model in ("", None)
    set_control(rc, c, 0.3)
    rc.find(v.Alert, class_="pmosim-invalid").assert_empty()
    assert press_run(rc, runner)[1].levers.ai_gate_cut_slip == 0.3
    set_control(rc, c, None)
    rc.find(v.Alert, class_="pmosim-stale").wait_for(timeout=5)  # the page saw the change
    listed = [w.unsafe_innerHTML for w in rc.find(HTML).widgets
              if 'class="pmosim-differences"' in w.unsafe_innerHTML]
    assert listed == ['<ul class="pmosim-differences"></ul>']  # nothing differs any more
    as_is, to_be = press_run(rc, runner)
    assert to_be.levers.ai_gate_cut_slip is None and whatif.differences(as_is, to_be) == []
    rc.close()


def test_a_bad_upload_shows_the_message_validate_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    text = b"levers:\n  wip_limt: 3\n"
    with pytest.raises(ScenarioError) as caught:
        whatif.open_base(Path("scenarios") / "mine.yaml", text)
    (tmp_path / "scenarios" / "mine.yaml").write_bytes(text)
    assert main(["validate", "scenarios/mine.yaml"]) == 2
    expected = capsys.readouterr().err.removeprefix("pmosim: error: ").strip()
    assert str(caught.value) == expected
    base = whatif.open_base(BASELINE)
    _, rc = solara.render(BasePicker(base, [BASELINE], str(caught.value), lambda p: None,
                                     lambda name, data: None), handle_error=False)
    shown = one(rc.find(v.Alert, class_="pmosim-base-error"))
    assert expected in str(shown.children)
    rc.close()


def test_the_table_escapes_what_it_shows(answer):
    rows = answer.rows()
    rows[0] = {**rows[0], "label": "<b>bold</b>"}
    html = kpi_table(rows, "a<b", "b")
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count("<tr data-kpi=") == len(rows)


def test_after_a_drop_the_shipped_scenarios_are_still_offered(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    dropped = whatif.open_base(folder / "mine.yaml", b"seed: 3\n")
    chosen: list[Path] = []
    _, rc = solara.render(BasePicker(dropped, [BASELINE], None, chosen.append,
                                     lambda name, data: None), handle_error=False)
    select = one(rc.find(v.Select, label="scenario file"))
    assert [item["text"] for item in select.items][-1] == "dropped: mine.yaml"
    assert select.v_model == len(select.items) - 1
    select.v_model = 0
    assert chosen == [BASELINE]
    rc.close()


def test_without_the_extra_the_command_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "solara" else real(name, *a))
    assert main(["studio", str(BASELINE)]) == 2
    err = capsys.readouterr().err
    assert "needs the 'studio' extra" in err and "make studio" in err


def test_the_command_checks_the_file_and_warns_when_others_can_reach_it(monkeypatch, capsys):
    import sim.studio

    served = []
    monkeypatch.setattr(sim.studio, "serve", lambda file, host, port: served.append(
        (file, host, port)) or 0)
    assert main(["studio", "no-such.yaml"]) == 2 and served == []
    assert "no such scenario file: no-such.yaml" in capsys.readouterr().err
    assert main(["studio", str(BASELINE), "--port", "9001"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["studio", str(BASELINE), "--host", "0.0.0.0"]) == 0
    assert "anyone who can reach this machine" in capsys.readouterr().err
    assert served == [(str(BASELINE), "127.0.0.1", 9001), (str(BASELINE), "0.0.0.0", 8765)]


def test_the_page_reads_verdicts_in_the_words_of_the_notebooks(answer):
    """The rule for reading a verdict is one sentence, shared with the lessons' readings."""
    from sim.teaching import wording

    runner = RecordingRunner(answer)
    _, rc = solara.render(Studio(BASELINE, SCENARIOS, lambda: runner), handle_error=False)
    press_run(rc, runner)
    texts = [w.children[0] for w in rc.find(v.Html).widgets
             if w.children and isinstance(w.children[0], str)]
    assert any(wording.VERDICT_RULE in text for text in texts)
    rc.close()
