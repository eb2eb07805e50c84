"""Teaching helpers for the workshop notebooks: lessons, controls, comparisons, readings.

A notebook stays short by calling this module, which calls the public layers
of ``sim`` only (:mod:`sim.teaching.whatif`, :mod:`sim.reports.figures`,
:mod:`sim.teaching.loops` and the comparisons of :mod:`sim.studies`):

- a :class:`Lesson` is one AS-IS vs TO-BE experiment: a base scenario, the
  changes of each side, the KPIs it is about (with the direction a claim
  expects) and the controls (:class:`~sim.teaching.controls.Control`) a
  participant may move on the TO-BE.
  :func:`claim_lesson` builds one from a claim file (its first two arms);
- :func:`compare` runs a lesson with paired replications and returns a
  :class:`sim.teaching.whatif.Outcome`, the object the studio uses; :func:`table`,
  :func:`reading` and :func:`figure` turn it into a KPI table in plain units, a
  plain-language reading computed from the numbers, and the weekly series;
- :func:`panel` draws the knobs as ipywidgets with an explicit **Run** button
  (nothing runs when a slider moves);
- :func:`shipped_verdict` reads a claim lesson's verdict from the shipped claims
  run (the verdicts block of ``docs/claims.md``): :func:`about` shows it, and the
  reading of the room's own small run says that the small run is a demonstration;
- :func:`compare_files` compares a participant's own TO-BE file with an AS-IS.

Run settings: lessons carry *teaching* settings, chosen so that a Run takes
seconds. With the environment variable ``PMOSIM_QUICK=1`` (the notebook tests)
replications and horizons shrink further (:func:`quick`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.errors import ScenarioError
from sim.kpis import describe, undefined_because
from sim.reports.claims import DocsVerdict, docs_verdicts
from sim.reports.figures import FIGURES, OVERLAY, overlay_figure
from sim.schema.loading import load_scenario, read_document, scenario_with
from sim.schema.scenario import Scenario
from sim.studies.claims import load_claim
from sim.studies.comparison import align
from sim.studies.comparison import compare as compare_scenarios_of_study
from sim.studies.statistics import NO_CLEAR, paired_difference
from sim.studies.verdicts import arm_table, judge_check, measures_of
from sim.teaching import wording
from sim.teaching.controls import Control, run_settings
from sim.teaching.loops import loop_figure
from sim.teaching.whatif import Outcome
from sim.units import format_days, parse_duration, plain_number

QUICK_ENV = "PMOSIM_QUICK"
"""Environment variable that shrinks every lesson's runs (for tests): set it to 1."""

QUICK_HORIZON = 84.0
"""Longest horizon in quick mode: 4 months (timeline events are moved to fit)."""

QUICK_REPLICATIONS = 2
"""Replications in quick mode (the fewest that give an interval)."""


def quick() -> bool:
    """Whether quick mode is on (``PMOSIM_QUICK`` set to anything but empty or 0)."""
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def project_root(start: str | Path | None = None) -> Path:
    """The project folder: the first folder from ``start`` (default: here) up with ``scenarios/``.

    Raises
    ------
    FileNotFoundError
        If no folder above ``start`` holds a ``scenarios`` folder.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "scenarios").is_dir():
            return folder
    raise FileNotFoundError(f"no scenarios/ folder in {here} or above it; start the notebook "
                            "from the project folder or its notebooks/ folder")


@dataclass(frozen=True)
class Lesson:
    """One AS-IS vs TO-BE experiment of a workshop module.

    Attributes
    ----------
    key
        Identifier, e.g. ``"C1"`` or ``"shared-staff"``.
    title, question
        What the lesson is called and the question it asks: a question, never the
        claim's assertion (the claim is shown as what it is, a claim to test).
    base
        The base scenario, relative to the project folder.
    shared, as_is, to_be
        Key paths and values for both sides, for the AS-IS, for the TO-BE
        (the knobs' changes go on top of ``to_be``).
    knobs
        The controls a participant may move (they change the TO-BE).
    kpis
        The KPIs the lesson is about, in order.
    expect
        For some KPIs, the direction the claim expects of TO-BE minus AS-IS
        (``higher`` or ``lower``).
    series
        Weekly columns drawn first in the figure.
    loops
        Tags of the feedback loops the lesson teaches (see :mod:`sim.teaching.loops`).
    horizon, replications
        Teaching run settings.
    labels
        How to call the AS-IS and the TO-BE in prose.
    windows
        Weekly series compared over a time window: ``(series, start, end,
        expected direction)``, with durations as text (scaled with the horizon
        in quick mode).
    claim
        The claim file, relative to the project folder, if the lesson is a claim's.
    """

    key: str
    title: str
    question: str
    base: str
    kpis: tuple[str, ...]
    loops: tuple[str, ...]
    knobs: tuple[Control, ...] = ()
    shared: Mapping[str, Any] = field(default_factory=dict)
    as_is: Mapping[str, Any] = field(default_factory=dict)
    to_be: Mapping[str, Any] = field(default_factory=dict)
    expect: Mapping[str, str] = field(default_factory=dict)
    series: tuple[str, ...] = ()
    horizon: str = "1 year"
    replications: int = 3
    labels: tuple[str, str] = ("AS-IS", "TO-BE")
    windows: tuple[tuple[str, str, str, str], ...] = ()
    claim: str | None = None

    def defaults(self) -> dict[str, Any]:
        """Every knob's value when the lesson opens."""
        return {k.name: k.default for k in self.knobs}

    def knob(self, name: str) -> Control:
        """The knob called ``name``."""
        for k in self.knobs:
            if k.name == name:
                return k
        raise KeyError(f"lesson {self.key} has no knob {name!r}; knobs: "
                       f"{', '.join(k.name for k in self.knobs)}")


def claim_lesson(path: str, *, question: str, title: str | None = None,
                 knobs: tuple[Control, ...] = (), kpis: tuple[str, ...] = (),
                 arms: tuple[str, str] | None = None, loops: tuple[str, ...] = (),
                 horizon: str | None = None, replications: int = 3,
                 series: tuple[str, ...] = (),
                 windows: tuple[tuple[str, str, str, str], ...] = (),
                 root: Path | None = None) -> Lesson:
    """A lesson from a claim file: its first two arms (or ``arms``) as AS-IS and TO-BE.

    The KPIs are those the claim's comparison checks of a direction name (then
    ``kpis``), each with the direction the claim expects; the horizon is the
    claim's unless ``horizon`` is given. ``question`` is what the lesson asks
    (the claim's text is shown as the claim); the title defaults to the claim's
    id and its two arms.
    """
    root = root or project_root()
    claim = load_claim(root / path)
    first, second = arms or tuple(claim.arms)[:2]
    checks = [c for c in claim.checks if c.compare == (first, second) and c.kpi
              and c.expect in ("higher", "lower")]
    expect = {c.kpi: c.expect for c in checks}
    base = (Path(path).parent / claim.scenario).as_posix()
    shared = {k: v for k, v in claim.set.items()}
    return Lesson(
        key=claim.id, title=title or f"{claim.id}: {first} against {second}",
        question=question, base=base,
        kpis=tuple(dict.fromkeys([*expect, *kpis])), loops=loops, knobs=knobs, shared=shared,
        as_is=dict(claim.arms[first].set), to_be=dict(claim.arms[second].set),
        expect=expect, series=series,
        horizon=horizon or str(claim.set.get("horizon", "1 year")),
        replications=replications,
        labels=(claim.arms[first].label or first, claim.arms[second].label or second),
        windows=windows, claim=path)


def lesson_settings(lesson: Lesson) -> dict[str, Any]:
    """Horizon (days) and replications a lesson runs with, smaller in quick mode.

    They are the lesson's run settings (:func:`~sim.teaching.controls.run_settings`).
    """
    shared = run_settings({"horizon": lesson.horizon, "replications": lesson.replications})
    horizon, replications = parse_duration(shared["horizon"]), shared["replications"]
    if quick():
        horizon, replications = min(horizon, QUICK_HORIZON), QUICK_REPLICATIONS
    return {"horizon": horizon, "replications": replications}


def _fitted(overrides: Mapping[str, Any], horizon: float, full: float) -> dict[str, Any]:
    """Overrides with timeline events (and a warm-up) scaled into a shortened horizon."""
    out = dict(overrides)
    if horizon >= full:
        return out
    factor = horizon / full
    for key in ("warmup", "levers.pmo.disband_at"):
        if out.get(key) is not None:
            out[key] = float(round(parse_duration(out[key]) * factor))
    if out.get("timeline"):
        events = []
        for event in out["timeline"]:
            moved = {**event, "at": float(round(parse_duration(event["at"]) * factor))}
            if event.get("for") is not None:
                moved["for"] = float(max(1, round(parse_duration(event["for"]) * factor)))
            events.append(moved)
        out["timeline"] = events
    return out


def scenarios(lesson: Lesson, values: Mapping[str, Any] | None = None,
              root: Path | None = None) -> tuple[Scenario, Scenario]:
    """The AS-IS and TO-BE of a lesson with the knobs at ``values`` (default: theirs).

    Raises
    ------
    ScenarioError
        With the command line's message, if a knob's value is not valid.
    KeyError
        If ``values`` names a knob the lesson does not have.
    """
    values = {**lesson.defaults(), **(values or {})}
    for name in values:
        lesson.knob(name)
    root = root or project_root()
    settings = lesson_settings(lesson)
    full = parse_duration(lesson.horizon)
    changes: dict[str, Any] = {}
    conditions: dict[str, Any] = {}
    for knob in lesson.knobs:
        (conditions if knob.both else changes).update(knob.changes(values[knob.name]))
    sides = []
    for name, own in (("as-is", {**lesson.as_is, **conditions}),
                      ("to-be", {**lesson.to_be, **conditions, **changes})):
        overrides = _fitted({**lesson.shared, **own}, settings["horizon"], full)
        overrides.update(settings)
        scenario = load_scenario(root / lesson.base, overrides)
        sides.append(scenario.model_copy(update={"name": name}))
    as_is, to_be = align(sides)
    return as_is, to_be


WORKERS = 1
"""Processes a Run uses: this one. A Run is a few short runs, and starting worker
processes (each imports the package anew) costs more than it saves at that size: for the
baseline lesson, 13 s in this process against 30 s with two workers on a loaded 2-core
machine (see ``docs/teaching.md``). Running in the kernel also keeps notebooks free of
process pools."""


def compare(lesson: Lesson, values: Mapping[str, Any] | None = None,
            root: Path | None = None) -> Outcome:
    """Run a lesson's AS-IS and TO-BE with paired replications and compare them.

    The statistics are those of ``pmosim compare`` (paired differences with a
    95% confidence interval, and a verdict per KPI).

    Returns
    -------
    sim.teaching.whatif.Outcome
    """
    as_is, to_be = scenarios(lesson, values, root)
    return compare_scenarios(as_is, to_be)


def compare_scenarios(as_is: Scenario, to_be: Scenario) -> Outcome:
    """Compare two aligned scenarios (see :func:`sim.studies.comparison.align`).

    The runs and statistics are those of :func:`sim.studies.comparison.compare`,
    as ``pmosim compare`` uses them.
    """
    tables, comparison = compare_scenarios_of_study([as_is, to_be], workers=WORKERS)
    return Outcome(as_is, to_be, (tables[0], tables[1]), comparison)


def compare_files(as_is: str | Path, to_be: str | Path, text: str | None = None,
                  horizon: str = "1 year", replications: int = 3,
                  root: Path | None = None) -> Outcome:
    """Compare a TO-BE scenario file (or its text, taken to be at ``to_be``) with an AS-IS.

    Paths are relative to the project folder; a TO-BE that ``extends`` a file
    names it relative to its own location. Both run with the same settings
    (smaller in quick mode).

    Raises
    ------
    ScenarioError
        With the message ``pmosim validate`` prints for the file.
    """
    root = root or project_root()
    lesson = Lesson("files", "", "", str(as_is), (), (), horizon=horizon,
                    replications=replications)
    settings = lesson_settings(lesson)
    first = load_scenario(root / as_is, settings)
    document = read_document(root / to_be, text)
    second = scenario_with(document, settings, source=str(to_be))
    if second.name == first.name:
        second = second.model_copy(update={"name": f"{second.name}-to-be"})
    a, b = align([first, second])
    return compare_scenarios(a, b)


def table(outcome: Outcome, kpis: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The comparison in plain units: one row per KPI (default: the headline KPIs)."""
    rows = outcome.rows(kpis) if kpis else outcome.rows()
    frame = pd.DataFrame(rows, columns=["label", "as_is", "to_be", "change", "ci", "verdict"])
    return frame.rename(columns={"label": "KPI", "as_is": "AS-IS", "to_be": "TO-BE",
                                 "change": "change", "ci": "95% CI of the change",
                                 "verdict": "verdict"}).set_index("KPI")


def kpi_table(outcome: Outcome, kpis: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The AS-IS alone: mean and 95% interval of each KPI over its replications."""
    from sim.kpis import HEADLINE

    table_ = outcome.tables[0].kpis().set_index("kpi")
    rows = []
    for kpi in kpis or HEADLINE:
        if kpi in table_.index:
            r = table_.loc[kpi]
            rows.append({"KPI": describe(kpi).label, "mean": r["mean"],
                         "95% CI": f"{r['ci_low']:.4g} to {r['ci_high']:.4g}",
                         "unit": describe(kpi).unit})
    return pd.DataFrame(rows).set_index("KPI")


def _direction(row: pd.Series) -> str:
    """``higher``, ``lower``, ``unclear`` (by the interval) or ``undefined`` (no pair has both)."""
    low, high = row["ci_low"], row["ci_high"]
    if row.get("n", 1) == 0 or math.isnan(row["difference"]):
        return "undefined"
    if math.isnan(low) or low <= 0.0 <= high:
        return "unclear"
    return "higher" if low > 0 else "lower"


def reading(outcome: Outcome, lesson: Lesson | None = None, root: Path | None = None,
            docs: Path | None = None) -> str:
    """What the comparison says, in plain Markdown computed from its numbers.

    One sentence per KPI of the lesson (the headline KPIs without a lesson),
    then, for a lesson with expectations, whether each came out as the claim
    expects (or that a run this small cannot tell), a count of better, worse and
    unclear KPIs among the headline ones, and how to read a verdict. A claim
    lesson's reading ends by saying that the run is a demonstration and which
    verdict counts: the shipped claims run's (:func:`shipped_verdict`).
    """
    labels = lesson.labels if lesson else ("AS-IS", "TO-BE")
    rows = outcome.rows(lesson.kpis) if lesson and lesson.kpis else outcome.rows()
    mine = outcome.comparison.set_index("kpi")
    lines = [f"**{labels[1]}** compared with **{labels[0]}**, over "
             f"{outcome.as_is.replications} paired replications of "
             f"{format_days(outcome.as_is.horizon)}:", ""]
    lines += [f"- {row['sentence']}." for row in rows]
    if lesson and lesson.expect:
        lines += ["", "What the claim expects:", ""]
        for kpi, expected in lesson.expect.items():
            if kpi not in mine.index:
                continue
            went = _direction(mine.loc[kpi])
            lines.append("- " + wording.expectation(describe(kpi).label.lower(), expected, went,
                                                    undefined_because(kpi)))
    if lesson and lesson.windows:
        lines += ["", "Over time:", ""]
        for row in window_rows(outcome, lesson):
            span = (f"{row['series'].replace('_', ' ')} from month {row['from'] / 21:.3g} to "
                    f"month {row['to'] / 21:.3g}")
            if row["went"] in ("unclear", "undefined"):
                text = f"{span}: {wording.NO_CLEAR_AT_THIS_SIZE} (expected {row['expect']})"
            else:
                agrees = "as expected" if row["went"] == row["expect"] else \
                    f"expected {row['expect']}"
                text = (f"{span}: {row['went']} under {labels[1]} "
                        f"({plain_number(row['scenario_mean'])} against "
                        f"{plain_number(row['baseline_mean'])}; "
                        f"{agrees})")
            lines.append(f"- {text[0].upper()}{text[1:]}.")
    headline = outcome.rows()
    counts = {v: sum(1 for r in headline if r["verdict"] == v) for v in ("better", "worse")}
    unclear = sum(1 for r in headline if r["verdict"] == NO_CLEAR)
    others = (" (the others have no good direction)"
              if len(headline) > sum(counts.values()) + unclear else "")
    lines += ["", f"Of the {len(headline)} headline KPIs, {counts['better']} are better, "
              f"{counts['worse']} worse and {unclear} show "
              f"{wording.NO_CLEAR_AT_THIS_SIZE}{others}.", "", f"*{wording.VERDICT_RULE}*"]
    if lesson and lesson.claim:
        found = shipped_verdict(lesson, root, docs)
        lines += ["", wording.small_run_note(found.verdict if found else None)]
    return "\n".join(lines)


def shipped_verdict(lesson: Lesson, root: Path | None = None,
                    docs: Path | None = None) -> DocsVerdict | None:
    """The shipped claims run's verdict on a claim lesson's claim, or None.

    Read from the verdicts block of ``docs`` (default ``docs/claims.md`` of the
    project folder) with :func:`sim.reports.claims.docs_verdicts`. None for a
    lesson that is not a claim's, and while the docs carry no verdict for it (the
    block is empty until ``pmosim claims --docs`` writes it, or the file is missing).
    """
    if lesson.claim is None:
        return None
    path = docs or (root or project_root()) / wording.CLAIMS_DOCS
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return docs_verdicts(text).get(lesson.key)


def shipped(lesson: Lesson, root: Path | None = None, docs: Path | None = None) -> str:
    """What the shipped claims run found on a claim lesson's claim, in Markdown.

    The verdict and its line exactly as the docs give them, or a sentence saying
    the shipped verdicts are not available; empty for a lesson that is not a claim's.
    """
    if lesson.claim is None:
        return ""
    found = shipped_verdict(lesson, root, docs)
    if found is None:
        return wording.shipped_missing(lesson.key)
    return wording.shipped_found(lesson.key, found.verdict, found.bullet, found.settings)


def about(lesson: Lesson, root: Path | None = None, docs: Path | None = None) -> str:
    """The lesson in Markdown: its question; for a claim its text, source, caveats and verdict.

    For a claim lesson it shows what the shipped claims run found (see
    :func:`shipped`) and says that the room's own run is a small demonstration,
    with its settings (the teaching settings, or quick mode) against the claim
    file's own experiment, read from the files themselves.
    """
    settings = lesson_settings(lesson)
    claim = load_claim((root or project_root()) / lesson.claim) if lesson.claim else None
    lines = [f"**{lesson.title}.** {lesson.question}", ""]
    size = f"{settings['replications']} paired replications of {format_days(settings['horizon'])}"
    if claim is None:
        lines += [f"Here: {size}" + (" (quick mode)." if quick() else
                                      ", so that a Run takes seconds.")]
        return "\n".join(lines)
    full = parse_duration(claim.set.get("horizon", 252.0))
    lines += [f"**Claim {claim.id}**, the statement the experiment tests "
              f"({claim.source.strip().rstrip('.')}): {claim.claim.strip()}", "",
              f"*What the experiment does not show:* {claim.caveats.strip()}", "",
              shipped(lesson, root, docs), "",
              f"The full experiment runs {claim.replications} replications of "
              f"{format_days(full)} per arm at its first look, more while it cannot decide, "
              f"with its robustness samples (`pmosim claims {claim.id}`). "
              + wording.demonstration(settings["replications"],
                                      format_days(settings["horizon"]), quick())]
    return "\n".join(lines)


def handover_checks(lesson: Lesson, outcome: Outcome,
                    root: Path | None = None) -> pd.DataFrame:
    """The claim's value checks (a level reached after a handover), judged on the TO-BE.

    Returns
    -------
    pandas.DataFrame
        Per check: its label, the level reached (mean over replications), the
        level the claim states, the share of replications that reach it and
        the verdict (the exact binomial test of that share against one half, as
        the claims report judges it).
    """
    columns = ["check", "level reached", "stated level", "replications reaching it",
               "verdict"]
    if lesson.claim is None:
        return pd.DataFrame(columns=columns)
    claim = load_claim((root or project_root()) / lesson.claim)
    rows = []
    for i, check in enumerate(claim.checks):
        if check.arm is None or check.kind != "handover":
            continue
        table = arm_table(measures_of(claim, check.arm, outcome.tables[1]), claim)
        result = judge_check(i, check, {check.arm: table}, 0.95)
        rows.append({"check": " ".join(result["check"].split()),
                     "level reached": result["a_mean"], "stated level": check.value,
                     "replications reaching it": result["difference"],
                     "verdict": result["verdict"]})
    return pd.DataFrame(rows, columns=columns)


def run_figures(outcome: Outcome, names: tuple[str, ...] = ("operations", "projects",
                                                             "people", "hours")) -> list:
    """The standard figures of :mod:`sim.reports.figures` for the AS-IS alone."""
    weekly = outcome.tables[0].weekly
    return [FIGURES[name](weekly, title=outcome.as_is.name) for name in names]


def window_rows(outcome: Outcome, lesson: Lesson) -> list[dict[str, Any]]:
    """The lesson's weekly series compared over their windows, one row per window.

    Each row has the series, the window in days, both means, the paired
    difference with its 95% interval, the expected direction and where it went
    (``higher``, ``lower`` or ``unclear``).
    """
    full = parse_duration(lesson.horizon)
    factor = min(1.0, outcome.as_is.horizon / full)
    rows = []
    for series, start, end, expected in lesson.windows:
        low, high = parse_duration(start) * factor, parse_duration(end) * factor
        means = []
        for tables in outcome.tables:
            weekly = tables.weekly
            inside = weekly[(weekly["day"] >= low) & (weekly["day"] < high)]
            means.append(inside.groupby("replication")[series].mean()
                         .reindex(tables.summary["replication"]).to_numpy(float))
        result = paired_difference(means[0], means[1])
        rows.append({"series": series, "from": low, "to": high, **result,
                     "expect": expected, "went": _direction(pd.Series(result))})
    return rows


FIGURE_PANELS = 6
"""Panels of the comparison figure: the lesson's series first, then the studio's."""


def figure(outcome: Outcome, lesson: Lesson | None = None) -> Figure:
    """The key weekly series of both sides (the lesson's series first), mean and 5-95% band."""
    weekly = pd.concat([t.weekly for t in outcome.tables], ignore_index=True)
    names = {outcome.as_is.name: "AS-IS", outcome.to_be.name: "TO-BE"}
    if lesson:
        names = dict(zip(names, lesson.labels, strict=True))
    extra = list(lesson.series) if lesson else []
    shown = [c for c in dict.fromkeys([*extra, *(c for c, _ in OVERLAY)]) if c in weekly]
    weekly = weekly[["scenario", "replication", "day", *shown[:FIGURE_PANELS]]]
    weekly = weekly.assign(scenario=weekly["scenario"].map(names))
    return overlay_figure(weekly, title=lesson.title if lesson else "", extra=extra)


def loops(lesson: Lesson) -> Figure:
    """The causal-loop diagram of the loops a lesson teaches."""
    return loop_figure(lesson.loops, title=f"The loops behind: {lesson.title}")


def show(outcome: Outcome, lesson: Lesson | None = None, seconds: float | None = None) -> None:
    """Display the KPI table, the plain-language reading and the figure in a notebook."""
    from IPython.display import Markdown, display

    display(table(outcome, lesson.kpis if lesson and lesson.kpis else None))
    display(Markdown(reading(outcome, lesson)))
    if seconds is not None:
        display(Markdown(f"*Ran in {seconds:.1f} s.*"))
    display(figure(outcome, lesson))


def timed(lesson: Lesson, values: Mapping[str, Any] | None = None) -> tuple[Outcome, float]:
    """Run :func:`compare` and return the outcome with the wall-clock seconds it took."""
    started = time.perf_counter()
    outcome = compare(lesson, values)
    return outcome, time.perf_counter() - started


def _widget(knob: Control):
    import ipywidgets as w

    style = {"description_width": "initial"}
    layout = w.Layout(width="480px")
    if knob.kind == "choice":
        return w.Dropdown(options=[(label, v) for v, label in knob.choices], value=knob.default,
                          description=knob.label, style=style, layout=layout)
    if knob.kind == "toggle":
        return w.Checkbox(value=bool(knob.default), description=knob.label, style=style)
    if knob.kind == "integer":
        return w.IntSlider(value=int(knob.default), min=int(knob.low), max=int(knob.high),
                           step=int(knob.step or 1), description=knob.label, style=style,
                           layout=layout)
    return w.FloatSlider(value=float(knob.default), min=knob.low, max=knob.high,
                         step=knob.step, description=knob.label, style=style, layout=layout)


def panel(lesson: Lesson, values: Mapping[str, Any] | None = None):
    """The lesson's knobs as widgets with a **Run** button; results appear below it.

    Moving a knob runs nothing; Run compares AS-IS with the TO-BE the knobs
    describe and shows the table, the reading and the figure (with the time it
    took). A value the scenario schema refuses shows its message instead.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w
    from IPython.display import Markdown, display

    start = {**lesson.defaults(), **(values or {})}
    widgets = {k.name: _widget(replace(k, default=start[k.name])) for k in lesson.knobs}
    helps = [w.HTML(f"<small>{k.help}</small>") for k in lesson.knobs]
    button = w.Button(description="Run", button_style="primary", icon="play")
    out = w.Output()

    def run(_button=None) -> None:
        out.clear_output()
        button.disabled = True
        try:
            with out:
                display(Markdown("*Running...*"))
            chosen = {name: widget.value for name, widget in widgets.items()}
            outcome, seconds = timed(lesson, chosen)
            out.clear_output()
            with out:
                show(outcome, lesson, seconds)
        except ScenarioError as exc:
            out.clear_output()
            with out:
                display(Markdown(f"**Not a valid scenario:** {exc}"))
        finally:
            button.disabled = False

    button.on_click(run)
    rows = [item for pair in zip(widgets.values(), helps, strict=True) for item in pair]
    box = w.VBox([*rows, button, out])
    box.run = run  # lets a notebook (or a test) press Run from code
    return box
