"""The studio page: pick a base, move levers, press Run, read AS-IS against TO-BE.

Every number and sentence comes from :mod:`sim.teaching.whatif`; this module only lays
out controls and results. It writes nothing: the TO-BE file, the report and the
table are downloads served from memory. Started by ``pmosim studio`` (which
sets :data:`sim.studio.SCENARIO_ENV`), or by ``solara run sim.studio.app``.
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import markdown
import pandas as pd
import reacton.ipyvuetify as rv
import solara
import solara.lab

from sim.errors import ScenarioError, UserError
from sim.reports.brief import comparison_brief, headline_sentences
from sim.schema.loading import display_path, read_document, scenario_with
from sim.schema.scenario import Scenario
from sim.shipped import shipped_folder
from sim.studio import ALLOW_ENV, SCENARIO_ENV
from sim.teaching import whatif, wording

SCENARIOS = Path("scenarios")
"""The folder whose scenario files the page offers (and where uploads are taken to be)."""
WARM_AFTER = 0.5
"""Seconds after a page opens at which its worker processes start (and load the model)."""

HELP = {"font-size": "0.8em", "color": "#555", "margin": "-4px 0 10px 0",
        "line-height": "1.3"}
VERDICT_COLOURS = {"better": "#1b7e3c", "worse": "#b3261e", "higher": "#222", "lower": "#222"}
VERDICT_CLASSES = {"better": "better", "worse": "worse", "higher": "clear", "lower": "clear"}
CSS = """
.pmosim-head h2 { font-size: 1.35em; margin: 0 0 2px 0; }
.pmosim-head p { margin: 0 0 6px 0; color: #555; font-size: 0.88em; line-height: 1.35; }
ul.pmosim-differences { margin: 0 0 4px 0; font-size: 0.88em; }
.pmosim-headline { border-left: 3px solid #1976d2; background: #f5f8fc; padding: 2px 10px;
  margin: 6px 0 8px 0; }
.pmosim-headline p { margin: 4px 0; line-height: 1.4; }
table.pmosim-kpis { border-collapse: collapse; width: 100%; max-width: 64em;
  font-size: 0.9em; }
table.pmosim-kpis th, table.pmosim-kpis td { padding: 3px 6px; border-bottom: 1px solid #ddd;
  text-align: right; white-space: nowrap; vertical-align: top; }
table.pmosim-kpis th { border-bottom: 1px solid #999; font-weight: 600; }
table.pmosim-kpis th:first-child, table.pmosim-kpis td:first-child { text-align: left;
  white-space: normal; min-width: 11em; padding-left: 0; }
table.pmosim-kpis th .name { display: block; font-weight: 400; color: #666; font-size: 0.85em;
  white-space: normal; overflow-wrap: anywhere; }
table.pmosim-kpis td .ci { display: block; color: #666; font-size: 0.82em; }
table.pmosim-kpis th:last-child, table.pmosim-kpis td.verdict { text-align: left;
  white-space: normal; min-width: 5.5em; }
table.pmosim-kpis td.better, table.pmosim-kpis td.worse { font-weight: 600; }
table.pmosim-kpis td.verdict.unclear { color: #666; }
.pmosim-table { overflow-x: auto; }
"""


def base_choices(first: Path, root: Path = SCENARIOS) -> list[Path]:
    """The scenarios to offer: ``first``, then the files shipped under ``root``."""
    shipped = whatif.shipped_scenarios(root)
    others = [p for p in shipped if p.resolve() != first.resolve()]
    return [first, *others]


def extendable(root: Path, allow: list[Path] | None = None) -> list[Path]:
    """The folders whose files an uploaded scenario may ``extends``.

    The scenarios the page offers (``root``), those shipped with pmosim, and the
    folders ``allow`` names (by default those in :data:`sim.studio.ALLOW_ENV`,
    separated like ``PATH``): never anything else on the server.
    """
    if allow is None:
        allow = [Path(p) for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p]
    shipped = shipped_folder()
    return [root, *([shipped] if shipped is not None else []), *allow]


def open_upload(path: Path, data: bytes, within: list[Path]) -> whatif.Base:
    """An uploaded file, taken to be at ``path``, whose ``extends`` stay ``within`` folders.

    Raises
    ------
    ScenarioError
        As ``pmosim validate`` would, or naming an ``extends`` outside ``within``
        (refused before that file is opened, so nothing of it is shown).
    """
    document = read_document(path, data, within=within)
    return whatif.Base(path, document, scenario_with(document, source=display_path(path)))


def shown_rows(outcome: whatif.Outcome) -> list[dict[str, Any]]:
    """The headline KPIs of a comparison as the page shows them: rows all zero left out."""
    return [r for r in outcome.rows() if not r["zero"]]


def kpi_table(rows: list[dict[str, Any]], as_is: str, to_be: str) -> str:
    """The KPI rows as an HTML table (values escaped): the interval sits under the change."""
    e = html.escape
    head = (f'<tr><th>KPI</th><th>AS-IS<span class="name">{e(as_is)}</span></th>'
            f'<th>TO-BE<span class="name">{e(to_be)}</span></th>'
            '<th>change<span class="name">95% CI</span></th><th>verdict</th></tr>')
    body = []
    for r in rows:
        colour = VERDICT_COLOURS.get(r["verdict"], "#666")
        ci = f'<span class="ci">{e(r["interval"])}</span>' if r["interval"] else ""
        body.append(
            f'<tr data-kpi="{e(r["kpi"])}" title="{e(r["sentence"])}">'
            f'<td class="label">{e(r["label"])}</td><td class="as-is">{e(r["as_is"])}</td>'
            f'<td class="to-be">{e(r["to_be"])}</td>'
            f'<td class="change">{e(r["change"])}{ci}</td>'
            f'<td class="verdict {VERDICT_CLASSES.get(r["verdict"], "unclear")}" '
            f'style="color: {colour}">{e(r["verdict"])}</td></tr>')
    return f'<table class="pmosim-kpis">{head}{"".join(body)}</table>'


def headlines(outcome: whatif.Outcome) -> list[str]:
    """The decision brief's headline sentences of a comparison."""
    rows = outcome.comparison[outcome.comparison["scenario"] == outcome.to_be.name]
    return headline_sentences(rows.set_index("kpi"), outcome.as_is, outcome.to_be)


def brief_html(outcome: whatif.Outcome, base: whatif.Base) -> str:
    """The decision brief of a comparison (``brief.html``), as ``pmosim compare`` writes it."""
    sources = [base.source, display_path(base.path.with_name(whatif.to_be_file_name(base)))]
    weekly = pd.concat([t.weekly for t in outcome.tables], ignore_index=True)
    return comparison_brief([outcome.as_is, outcome.to_be], sources, outcome.comparison, weekly)


def bullet_list(lines: list[str], css_class: str) -> str:
    """Lines as an HTML list (escaped)."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul class="{css_class}">{items}</ul>'


@solara.component
def Prose(text: str, css_class: str = "pmosim-prose"):
    """Markdown rendered on the server (Solara's own Markdown loads a math library)."""
    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), classes=[css_class])


@solara.component
def ControlField(control: whatif.Control, value: Any, on_value: Callable[[Any], None],
                 active: bool = True):
    """One control: a field of the control's kind, with its help below.

    A control that does not apply to the base (``active`` false) is shown
    disabled, with the reason in place of its help.
    """
    classes = [f"pmosim-control-{control.name}"]
    if control.kind == "choice":
        options = control.options(value)
        index = next(i for i, (option, _) in enumerate(options) if option == value)
        rv.Select(label=control.label, v_model=index, dense=True,
                  items=[{"text": label, "value": i} for i, (_, label) in enumerate(options)],
                  on_v_model=lambda i: on_value(options[i][0]), hide_details=True,
                  disabled=not active, class_=classes[0])
    elif control.kind == "toggle":
        solara.Switch(label=control.label, value=bool(value), on_value=on_value,
                      disabled=not active, classes=classes)
    elif control.kind == "integer":
        solara.InputInt(control.label, value=value, on_value=on_value, dense=True,
                        hide_details=True, disabled=not active, classes=classes)
    elif control.kind == "number":
        solara.InputFloat(control.label, value=value, on_value=on_value, dense=True,
                          optional=control.optional, clearable=control.optional,
                          hide_details=True, disabled=not active, classes=classes)
    else:
        solara.InputText(control.label, value=str(value), on_value=on_value, dense=True,
                         hide_details=True, disabled=not active, classes=classes)
    solara.Text(control.help, style=HELP)
    if not active:
        solara.Text(control.inactive, style={**HELP, "font-style": "italic"},
                    classes=[f"pmosim-inactive-{control.name}"])


@solara.component
def Controls(values: Mapping[str, Any], on_values: Callable[[dict[str, Any]], None],
             scenario: Scenario):
    """Every control of :data:`sim.teaching.whatif.CONTROLS` by group.

    A control the base ignores is shown disabled, with the reason.
    """
    titles = {"levers": "Levers (TO-BE)", "conditions": "Conditions (TO-BE)",
              "run": "Run settings (both)"}
    for group, title in titles.items():
        with solara.Card(title, margin=0, style={"margin-bottom": "8px"}):
            for c in whatif.CONTROLS:
                if c.group == group:
                    ControlField(c, values[c.name],
                                 lambda value, name=c.name: on_values(
                                     whatif.choose(values, name, value)),
                                 active=c.active(scenario))


@solara.component
def BasePicker(base: whatif.Base | None, choices: list[Path], problem: str | None,
               on_path: Callable[[Path], None],
               on_upload: Callable[[str, bytes], None]):
    """Choose a shipped scenario or upload one; show why a file was refused."""
    labels = [display_path(p) for p in choices]
    current = display_path(base.path) if base is not None else None
    if current is not None and current not in labels:  # a dropped file
        labels.append(f"dropped: {base.path.name}")
        current = labels[-1]

    def pick(index: int) -> None:
        if index < len(choices):
            on_path(choices[index])

    with solara.Card("Base scenario (AS-IS)", margin=0, style={"margin-bottom": "8px"}):
        rv.Select(label="scenario file", v_model=labels.index(current) if current else None,
                  dense=True, items=[{"text": t, "value": i} for i, t in enumerate(labels)],
                  on_v_model=pick, hide_details=True, class_="pmosim-base")
        solara.FileDrop(label="or drop a scenario file (YAML) here", lazy=False,
                        on_file=lambda info: on_upload(info["name"], info["data"] or b""))
        if problem:
            solara.Error(problem, classes=["pmosim-base-error"])
        if base is not None:
            s = base.scenario
            solara.Text(f"{s.name}: {s.description or 'no description'} (seed {s.seed}, "
                        f"{s.hours_per_day:g}-hour working day)", style=HELP)


@solara.component
def Results(outcome: whatif.Outcome, figure: bytes, base: whatif.Base,
            values: Mapping[str, Any], stale: bool):
    """The headline, the table, the downloads and the figure of one comparison."""
    if stale:
        solara.Warning("The controls have changed since this comparison: press Run to update it.",
                       classes=["pmosim-stale"], dense=True)
    solara.HTML(tag="div", unsafe_innerHTML="".join(f"<p>{html.escape(s)}</p>"
                                                    for s in headlines(outcome)),
                classes=["pmosim-headline"])
    solara.HTML(tag="div", unsafe_innerHTML=kpi_table(shown_rows(outcome), outcome.as_is.name,
                                                      outcome.to_be.name),
                classes=["pmosim-table"])
    solara.Text(f"Hover over a row to read it as a sentence. pp: percentage points. "
                f"{wording.VERDICT_RULE} The headline names only changes that are better or "
                "worse and also show at three significant figures.", style=HELP)
    with solara.Row(style={"flex-wrap": "wrap"}):
        name = whatif.to_be_file_name(base)
        solara.FileDownload(lambda: brief_html(outcome, base), filename="brief.html",
                            label="decision brief (brief.html)", mime_type="text/html")
        solara.FileDownload(whatif.to_be_yaml(base, values), filename=name,
                            label=f"TO-BE file ({name})", mime_type="application/yaml")
        solara.FileDownload(lambda: outcome.report(base, values), filename="report.md",
                            label="report (Markdown)", mime_type="text/markdown")
        solara.FileDownload(outcome.csv(), filename="comparison.csv",
                            label="table (CSV)", mime_type="text/csv")
    solara.Image(figure, width="100%")
    Prose("Reproduce it on the command line: save the TO-BE file beside the base, then "
          f"run\n\n    {whatif.compare_command(base, values)}\n", "pmosim-command")


@solara.component
def RunProgress(done: solara.Reactive[int], runs: int):
    """How many of the comparison's runs are done (redrawn alone as each one ends)."""
    solara.ProgressLinear(100.0 * done.value / runs if runs and done.value else True)
    solara.Text(f"Running {done.value} of {runs} runs in worker processes...",
                classes=["pmosim-progress"])


def png(figure) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


@solara.component
def Studio(scenario: str | Path, root: str | Path = SCENARIOS,
           runner_factory: Callable[[], whatif.Runner] = lambda: whatif.Runner(
               keep_warm=True, warm_after=WARM_AFTER)):
    """The whole page, opening ``scenario`` first.

    Parameters
    ----------
    scenario
        The first base scenario.
    root
        The folder of scenario files offered; uploads are taken to be there.
    runner_factory
        Makes the :class:`~sim.teaching.whatif.Runner` of this page (one per page; by default
        one that keeps its workers warm while the page is open).
    """
    root = Path(root)
    choices = solara.use_memo(lambda: base_choices(Path(scenario), root), [scenario, root])

    def first() -> tuple[whatif.Base | None, str | None]:
        try:
            return whatif.open_base(scenario), None
        except UserError as exc:
            return None, str(exc)

    opened = solara.use_memo(first, [scenario])
    base, set_base = solara.use_state(opened[0])
    problem, set_problem = solara.use_state(opened[1])
    values, set_values = solara.use_state(
        whatif.initial_values(opened[0].scenario, {}) if opened[0] is not None else {})
    runner = solara.use_memo(runner_factory, [])
    solara.use_effect(lambda: runner.cancel, [])  # a closed page leaves no worker behind

    def open_new(load: Callable[[], whatif.Base]) -> None:
        try:
            new = load()
        except UserError as exc:
            set_problem(str(exc))
            return
        set_problem(None)
        set_base(new)
        set_values(whatif.initial_values(new.scenario, {}))  # the new file's run settings too

    folder = root if root.is_dir() else Path(".")

    def upload(name: str, data: bytes) -> None:
        open_new(lambda: open_upload(folder / Path(name).name, data, extendable(root)))

    def build() -> tuple[tuple[Scenario, Scenario] | None, str | None]:
        if base is None:
            return None, None
        try:
            return whatif.build(base, values), None
        except ScenarioError as exc:
            return None, str(exc)

    pair, invalid = solara.use_memo(build, [base, values])
    done = solara.use_reactive(0)  # read only by RunProgress: a run done redraws just that

    def compare(scenarios: tuple, snapshot: dict[str, Any], at_base: whatif.Base, ticket: int
                ) -> tuple[whatif.Outcome, bytes, dict[str, Any], whatif.Base] | whatif.Cancelled:
        # The task keeps the first version of this function, so everything that changes
        # between renders comes in as arguments. The ticket is taken when Run is pressed,
        # so that a Cancel pressed before this thread reaches the runner still stops it.
        # A cancel is an answer, not an error (Solara would print an error's traceback
        # in the terminal).
        done.value = 0

        def progress(count: int, _total: int) -> None:
            done.value = count

        try:
            outcome = runner.compare(*scenarios, on_progress=progress, ticket=ticket)
        except whatif.Cancelled as cancelled:
            return cancelled
        return outcome, png(outcome.figure()), snapshot, at_base

    task = solara.lab.use_task(compare, dependencies=None, raise_error=False)

    solara.Title("pmosim studio")
    solara.Style(CSS)
    with solara.Columns([1, 2]):
        with solara.Column():
            BasePicker(base, choices, problem, lambda p: open_new(lambda: whatif.open_base(p)),
                       upload)
            if base is not None:
                Controls(values, set_values, base.scenario)
        with solara.Column():
            Prose("## What if?\n\nAS-IS is the base scenario; TO-BE is the base with the "
                  "levers and conditions you change. Both run the same paired replications "
                  "(the same random numbers), as `pmosim compare` does.", "pmosim-head")
            if invalid:
                solara.Error(invalid, classes=["pmosim-invalid"])
            elif pair is not None:
                lines = whatif.differences(*pair)
                solara.Text("What differs:" if lines else
                            "Nothing differs yet: change a lever or a condition.",
                            style={"font-weight": "600", "font-size": "0.9em"})
                solara.HTML(tag="div", unsafe_innerHTML=bullet_list(lines, "pmosim-differences"))
            with solara.Row():
                solara.Button("Run",
                              on_click=lambda: task(pair, dict(values), base, runner.ticket()),
                              color="primary",
                              disabled=pair is None or task.pending, classes=["pmosim-run"])
                solara.Button("Cancel", on_click=runner.cancel, disabled=not task.pending,
                              classes=["pmosim-cancel"])
            if task.pending:
                RunProgress(done, 0 if pair is None else 2 * pair[0].replications)
            elif task.error:
                solara.Error(f"The comparison failed: {task.exception}",
                             classes=["pmosim-failed"])
            elif isinstance(task.value, whatif.Cancelled):
                solara.Info(f"Cancelled: {task.value}.", classes=["pmosim-cancelled"])
            elif task.finished and task.value is not None:
                outcome, figure, snapshot, at_base = task.value
                Results(outcome, figure, at_base, snapshot,
                        stale=snapshot != values or at_base is not base)


@solara.component
def Page():
    """The studio, opening the scenario named by :data:`sim.studio.SCENARIO_ENV`."""
    Studio(os.environ.get(SCENARIO_ENV, str(SCENARIOS / "baseline.yaml")))
