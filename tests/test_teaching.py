"""The teaching layer: lessons reach the scenarios, every knob matters, readings follow numbers."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import ROOT

import sim
from sim.errors import ScenarioError
from sim.studies.claims import load_claim
from sim.teaching import lessons, loops, wording, workshop

NEW_VALUES = {
    "baseline": {"demand": 360.0, "operations_headcount": 110},
    "shared-staff": {"allocation": 0.3, "wip_limit": 2, "divert_gain": 2.0,
                     "protected_time": 0.0},
    "C1": {"rewards": "operations_only", "misalignment_gain": 1.5},
    "C2": {"rewards": "balanced"},
    "C3": {"sustainment": "none"},
    "C4": {"sustainment": "none", "erosion": 63.0, "sustain_effort": 3.0},
    "C6": {"pmo": "none"},
    "C7": {"learning_rate": 0.2, "forgetting": 63.0},
    "C8": {"learning_rate": 0.2},
    "C9": {"shift": 0.3},
    "C10": {"spike": 0.0, "demand": 300.0},
    "C5": {"rewards": "operations_only", "sustainment": "none",
           "capacity_aware_intake": False},
}
"""A value unlike the default for every knob of every lesson: a knob missing here fails."""


@functools.cache
def lesson(key: str) -> lessons.Lesson:
    return workshop.lesson(key, ROOT)


@functools.cache
def summaries(key: str, name: str | None = None) -> dict:
    """Replication 0 of both sides, with one knob moved: KPIs keyed (side, KPI)."""
    values = {} if name is None else {name: NEW_VALUES[key][name]}
    as_is, to_be = lessons.scenarios(lesson(key), values, ROOT)
    knob = lesson(key).knob(name) if name else None
    sides = (("to-be", to_be), ("as-is", as_is)) if knob is None or knob.both else \
        (("to-be", to_be),)
    return {(side, k): v for side, s in sides for k, v in sim.run(s, 0).summary.items()}


def test_every_knob_has_a_test_value_unlike_its_default():
    assert set(NEW_VALUES) == set(workshop.LESSONS)
    for key in workshop.LESSONS:
        knobs = lesson(key).defaults()
        assert set(NEW_VALUES[key]) == set(knobs), key
        for name, value in NEW_VALUES[key].items():
            assert value != knobs[name], (key, name)


@pytest.mark.slow
@pytest.mark.parametrize("key", list(NEW_VALUES))
def test_every_knob_changes_the_result(key, monkeypatch):
    monkeypatch.delenv(lessons.QUICK_ENV, raising=False)
    default = summaries(key)
    for name in NEW_VALUES[key]:
        moved = summaries(key, name)
        changed = [k for k in moved if not np.isclose(default[k], moved[k], equal_nan=True)]
        assert changed, f"lesson {key}: knob {name} changed no KPI"


def test_a_both_sides_knob_changes_the_as_is_too_and_a_to_be_knob_does_not():
    c10 = lesson("C10")
    as_is, to_be = lessons.scenarios(c10, {"demand": 300.0, "spike": 0.0}, ROOT)
    assert as_is.operations.demand == to_be.operations.demand == 300.0
    assert to_be.timeline == ()
    as_is, to_be = lessons.scenarios(c10, {}, ROOT)
    assert as_is.timeline == () and len(to_be.timeline) == 1
    assert to_be.timeline[0].scale == {"operations.demand": 1.3}


def test_claim_lessons_take_their_arms_and_directions_from_the_claim_file():
    claim = load_claim(ROOT / "scenarios/claims/c01_rewards_misalignment.yaml")
    c1 = lesson("C1")
    assert dict(c1.as_is) == claim.arms["operations_only"].set
    assert dict(c1.to_be) == claim.arms["balanced"].set
    assert c1.expect == {c.kpi: c.expect for c in claim.checks}
    as_is, to_be = lessons.scenarios(c1, {}, ROOT)
    assert as_is.levers.rewards.scheme == "operations_only"
    assert to_be.levers.rewards.scheme == "balanced"
    assert as_is.seed == to_be.seed and as_is.replications == to_be.replications


def test_quick_mode_shrinks_runs_and_moves_timeline_events_inside(monkeypatch):
    c10 = lesson("C10")
    monkeypatch.delenv(lessons.QUICK_ENV, raising=False)
    assert lessons.lesson_settings(c10) == {"horizon": 378.0, "replications": 3}
    monkeypatch.setenv(lessons.QUICK_ENV, "1")
    assert lessons.lesson_settings(c10) == {"horizon": lessons.QUICK_HORIZON,
                                          "replications": lessons.QUICK_REPLICATIONS}
    _, to_be = lessons.scenarios(c10, {}, ROOT)
    event = to_be.timeline[0]
    factor = lessons.QUICK_HORIZON / 378.0
    assert event.at == round(126 * factor) and event.for_ == round(42 * factor)
    monkeypatch.setenv(lessons.QUICK_ENV, "0")
    assert not lessons.quick()


def test_a_bad_knob_value_or_name_gives_a_clear_error():
    with pytest.raises(ScenarioError, match=r"levers\.allocation"):
        lessons.scenarios(lesson("shared-staff"), {"allocation": 1.5}, ROOT)
    with pytest.raises(KeyError, match="no knob 'alocation'"):
        lessons.scenarios(lesson("shared-staff"), {"alocation": 0.3}, ROOT)


@pytest.fixture(scope="module")
def c10_outcome():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(lessons.QUICK_ENV, "1")
        return lessons.compare(lesson("C10"), {}, ROOT)


def test_same_seed_same_comparison(c10_outcome, monkeypatch):
    monkeypatch.setenv(lessons.QUICK_ENV, "1")
    again = lessons.compare(lesson("C10"), {}, ROOT)
    assert again.comparison.equals(c10_outcome.comparison)


def expected_sentence(comparison, kpi: str, expected: str) -> str:
    """The reading's sentence on ``kpi``, worked out here from the comparison's interval."""
    low, high = comparison.loc[kpi, ["ci_low", "ci_high"]]
    if comparison.loc[kpi, "n"] == 0:
        went = "undefined"
    elif low > 0 or high < 0:
        went = "higher" if low > 0 else "lower"
    else:
        went = "unclear"
    label = sim.kpis.describe(kpi).label.lower()
    return wording.expectation(label, expected, went, sim.kpis.undefined_because(kpi))


def test_the_reading_states_the_computed_numbers_and_directions(c10_outcome):
    c10 = lesson("C10")
    text = lessons.reading(c10_outcome, c10)
    for row in c10_outcome.rows(c10.kpis):
        assert row["sentence"] in text
    comparison = c10_outcome.comparison.set_index("kpi")
    for kpi, expected in c10.expect.items():
        assert expected_sentence(comparison, kpi, expected) in text
    for row in lessons.window_rows(c10_outcome, c10):
        assert row["went"] in ("higher", "lower", "unclear", "undefined")
        if row["went"] in ("higher", "lower"):
            assert lessons.plain_number(row["scenario_mean"]) in text


def test_the_table_and_figure_cover_the_lesson(c10_outcome):
    c10 = lesson("C10")
    frame = lessons.table(c10_outcome, c10.kpis)
    assert list(frame.columns) == ["AS-IS", "TO-BE", "change", "95% CI of the change",
                                   "verdict"]
    assert len(frame) == len(c10.kpis)
    fig = lessons.figure(c10_outcome, c10)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles[:2] == ["items in system", "pressure"]
    # the overlay keeps its legend off the panels: one legend for the figure
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    legends += fig.legends
    texts = [t.get_text() for legend in legends for t in legend.get_texts()]
    assert texts == list(c10.labels)


def test_compare_files_validates_a_to_be_text_as_the_command_line_does(monkeypatch):
    monkeypatch.setenv(lessons.QUICK_ENV, "1")
    bad = "extends: ../scenarios/baseline.yaml\nlevers: {wip_limt: 3}\n"
    with pytest.raises(ScenarioError, match=r"wip_limt.*Did you mean 'levers\.wip_limit'"):
        lessons.compare_files("scenarios/baseline.yaml", "notebooks/mine.yaml", text=bad,
                               root=ROOT)
    good = "extends: ../scenarios/baseline.yaml\nname: mine\nlevers: {wip_limit: 3}\n"
    outcome = lessons.compare_files("scenarios/baseline.yaml", "notebooks/mine.yaml",
                                     text=good, root=ROOT)
    assert outcome.differences() == ["WIP limit (levers.wip_limit): 5 → 3"]


def test_the_panel_runs_only_on_run_and_with_the_widget_values(monkeypatch):
    pytest.importorskip("ipywidgets")
    calls = []

    def fake(lesson_, values):
        calls.append(values)
        raise ScenarioError("stop here")

    monkeypatch.setattr(lessons, "timed", fake)
    box = lessons.panel(lesson("shared-staff"))
    sliders = {w.description: w for w in box.children if hasattr(w, "value")}
    sliders["WIP limit"].value = 3
    assert calls == []
    box.run()
    assert calls == [{"allocation": 0.5, "wip_limit": 3, "divert_gain": 1.0,
                      "protected_time": 0.5}]


def test_every_loop_closes_over_links_that_carry_its_tag():
    tags = {x.tag for x in loops.LOOPS}
    assert len(tags) == len(loops.LOOPS)
    for x in loops.LOOPS:
        for link in x.links():
            assert x.tag in link.loops, (x.tag, link)
        letter = {"R": "reinforcing", "B": "balancing"}.get(x.tag[0])
        if letter is not None and letter != x.polarity:
            assert x.note, f"{x.tag} is {x.polarity}: say why in its note"
    for link in loops.LINKS:
        assert link.cause in loops.VARIABLES and link.effect in loops.VARIABLES
        assert link.sign in "+-"
        for tag in link.loops:
            assert tag in tags, (link, tag)
            path = loops.loop(tag).path
            assert link.cause in path and link.effect in path, (link, tag)


def test_polarity_is_counted_from_the_links():
    assert loops.loop("WH").polarity == "balancing"   # + + - +
    assert loops.loop("R1").polarity == "reinforcing"
    assert loops.loop("B3").polarity == "balancing"
    assert loops.loop("B1").polarity == "reinforcing" and loops.loop("B1").note


def test_the_loop_diagram_draws_each_link_of_its_loops_once():
    fig = loops.loop_figure(("R4", "WH"))
    arrows = [p for p in fig.axes[0].patches]
    wanted = {(x.cause, x.effect) for x in loops.LINKS if {"R4", "WH"} & set(x.loops)}
    assert len(arrows) == len(wanted)
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "R4 firefighting (reinforcing)" in text and "WH work harder (balancing)" in text


@pytest.mark.parametrize("tags", sorted({lesson.loops for lesson in (
    make(None) for make in workshop.LESSONS.values()) if lesson.loops}))
def test_no_sign_or_loop_tag_sits_on_a_variable(tags):
    """Each lesson's diagram, drawn: the link signs and loop tags keep off the boxes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = loops.loop_figure(tags)
    FigureCanvasAgg(fig).draw()  # the boxes round the variables take their size when drawn
    texts = fig.axes[0].texts
    boxes = [t.get_bbox_patch().get_window_extent() for t in texts
             if t.get_bbox_patch() is not None]
    marks = [(t.get_text(), t.get_window_extent()) for t in texts
             if t.get_bbox_patch() is None]
    assert all(box.width > 20 and box.height > 10 for box in boxes)
    assert len(boxes) == len(loops.layout(tags)) and marks
    for text, mark in marks:
        assert not any(mark.overlaps(box) for box in boxes), (tags, text)


def test_the_model_docs_name_every_loop_of_the_diagrams():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for x in loops.LOOPS:
        if x.tag in ("R1s", "R2a", "R2d"):   # branches the docs tell as part of R1 and R2
            continue
        assert f"**{x.tag} " in text, x.tag
    for x in loops.LINKS:
        assert x.cause in text and x.effect in text


# -- questions, and what the shipped claims run found ----------------------------------------

CLAIMS_DOCS = ROOT / "docs" / "claims.md"


def claim_lessons() -> list[lessons.Lesson]:
    return [lesson(key) for key in workshop.LESSONS if lesson(key).claim]


@pytest.mark.parametrize("key", list(workshop.LESSONS))
def test_every_lesson_asks_a_question(key):
    asked = lesson(key)
    assert asked.question.rstrip().endswith("?"), asked.question
    if asked.claim:
        claim = load_claim(ROOT / asked.claim)
        assert " ".join(claim.claim.split()) not in asked.question
        assert asked.title != claim.title  # the claim's assertion is not the lesson's title
        assert asked.key == claim.id


def test_the_expectation_sentences_say_when_a_small_run_cannot_tell():
    assert wording.expectation("mean slip", "lower", "lower") == (
        "The claim expects mean slip to be lower, and in this run it is.")
    assert wording.expectation("mean slip", "lower", "higher") == (
        "The claim expects mean slip to be lower, but in this run it is higher.")
    unclear = wording.expectation("mean slip", "lower", "unclear")
    assert unclear.startswith("The claim expects mean slip to be lower: no clear difference "
                              "at this size")
    assert "cannot tell" in unclear
    assert wording.expectation("mean slip", "lower", "undefined", "no project was due") == (
        "The claim expects mean slip to be lower: this run cannot tell, it has no value for it "
        "(no project was due).")


def verdict_tables(ids: list[str]) -> tuple:
    """A claims run's verdicts.csv and checks.csv for ``ids``, each claim its own verdict."""
    import pandas as pd

    verdicts = ["supported", "not supported", "inconclusive"]
    rows, checks = [], []
    for k, claim in enumerate(ids):
        rows.append({"claim": claim, "title": f"Title of {claim}: with a colon",
                     "verdict": verdicts[k % 3], "by_construction": k % 4 == 3,
                     "replications": 8 + k, "stopped": "every deciding check was decided",
                     "holds": 3, "fails": 1, "ties": 0, "undefined": 0, "holds_share": 0.75,
                     "holds_ci_low": 0.3, "holds_ci_high": 0.95, "rests_on": "diversion",
                     "failure_condition": "no condition found"})
        checks.append({"claim": claim, "decides": True, "method": "permutation test",
                       "measure": "project_slip_mean", "window": "the summary window",
                       "b": "b", "a": "a",
                       "estimate_of": "mean difference", "estimate": -0.1 - k,
                       "ci_low": -0.2 - k, "ci_high": -0.01, "p_value": 0.01,
                       "verdict": verdicts[k % 3]})
    return pd.DataFrame(rows), pd.DataFrame(checks)


@pytest.fixture
def filled_docs(tmp_path):
    """A copy of docs/claims.md with a verdicts block for every claim lesson, as the CLI writes."""
    from sim.reports.claims import docs_block, write_docs

    copy = tmp_path / "claims.md"
    copy.write_text(CLAIMS_DOCS.read_text(encoding="utf-8"), encoding="utf-8")
    verdicts, checks = verdict_tables([c.key for c in claim_lessons()])
    write_docs(copy, docs_block(verdicts, checks, "Settings: a test block."))
    return copy, verdicts


def test_the_docs_reader_gives_back_what_the_docs_block_wrote(filled_docs):
    from sim.reports.claims import _verdict_words, docs_verdicts

    copy, verdicts = filled_docs
    found = docs_verdicts(copy.read_text(encoding="utf-8"))
    assert list(found) == list(verdicts["claim"])
    for row in verdicts.itertuples():
        words = _verdict_words(row)
        assert found[row.claim].verdict == words
        assert found[row.claim].bullet.startswith(f"**{row.claim}** ({words}, "
                                                  f"{row.replications} replications per arm; ")
        assert found[row.claim].settings == "Settings: a test block."
    assert docs_verdicts("no markers here") == {}


def test_every_claim_lesson_shows_its_verdict_exactly_as_the_docs_give_it(filled_docs):
    from sim.reports.claims import docs_verdicts

    copy, _ = filled_docs
    found = docs_verdicts(copy.read_text(encoding="utf-8"))
    for shown in claim_lessons():
        text = lessons.about(shown, ROOT, docs=copy)
        verdict = found[shown.key]
        assert f"{wording.SHIPPED_FOUND}** that claim {shown.key} is **{verdict.verdict}**" \
            in text
        assert verdict.bullet in text
        assert "demonstration" in text and wording.SHIPPED_MISSING not in text
        assert wording.small_run_note(verdict.verdict).endswith(f"**{verdict.verdict}**.")


def test_without_shipped_verdicts_a_claim_lesson_says_so(tmp_path):
    empty = tmp_path / "claims.md"
    from sim.reports.claims import DOCS_BEGIN, DOCS_END

    empty.write_text(f"# Claims\n\n{DOCS_BEGIN}\n{DOCS_END}\n", encoding="utf-8")
    for docs in (empty, tmp_path / "missing.md"):
        for shown in claim_lessons():
            assert lessons.shipped_verdict(shown, ROOT, docs) is None
            text = lessons.about(shown, ROOT, docs=docs)
            assert wording.SHIPPED_MISSING in text and "demonstration" in text
    assert lessons.shipped(lesson("baseline"), ROOT) == ""


def test_the_shipped_claims_page_takes_a_verdicts_block(tmp_path):
    """`pmosim claims --docs docs/claims.md` needs its markers exactly once each."""
    from sim.reports.claims import DOCS_BEGIN, DOCS_END

    text = CLAIMS_DOCS.read_text(encoding="utf-8")
    assert text.count(DOCS_BEGIN) == 1 and text.count(DOCS_END) == 1


def _shipped_block_is_empty() -> bool:
    from sim.reports.claims import docs_verdicts

    return not docs_verdicts(CLAIMS_DOCS.read_text(encoding="utf-8"))


@pytest.mark.skipif(_shipped_block_is_empty(), reason="docs/claims.md's verdicts block is "
                    "empty until the full claims run writes it; this test runs once it is filled")
def test_the_shipped_verdicts_reach_every_claim_lesson():
    from sim.reports.claims import docs_verdicts

    found = docs_verdicts(CLAIMS_DOCS.read_text(encoding="utf-8"))
    for shown in claim_lessons():
        assert shown.key in found, f"docs/claims.md has no verdict for lesson {shown.key}"
        text = lessons.about(shown, ROOT)
        assert f"**{found[shown.key].verdict}**" in text and found[shown.key].bullet in text


def test_a_claim_lessons_reading_puts_the_small_run_beside_the_shipped_verdict(filled_docs,
                                                                              monkeypatch):
    from sim.reports.claims import docs_verdicts

    copy, _ = filled_docs
    monkeypatch.setenv(lessons.QUICK_ENV, "1")
    c1 = lesson("C1")
    outcome = lessons.compare(c1, {}, ROOT)
    text = lessons.reading(outcome, c1, ROOT, docs=copy)
    assert wording.VERDICT_RULE in text
    assert wording.small_run_note(docs_verdicts(copy.read_text())["C1"].verdict) in text
    comparison = outcome.comparison.set_index("kpi")
    for kpi, expected in c1.expect.items():
        assert expected_sentence(comparison, kpi, expected) in text
    empty = lessons.reading(outcome, c1, ROOT, docs=ROOT / "no-such-file.md")
    assert wording.small_run_note(None) in empty
