"""The studio page: pick a base, move levers, press Run, read AS-IS against TO-BE.

Every number and sentence comes from :mod:`sim.whatif`; this module only lays
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
import reacton.ipyvuetify as rv
import solara
import solara.lab

from sim import whatif
from sim.errors import ScenarioError, UserError
from sim.schema.loading import display_path, read_document, scenario_with
from sim.schema.scenario import Scenario
from sim.shipped import shipped_scenarios
from sim.studio import ALLOW_ENV, SCENARIO_ENV

SCENARIOS = Path("scenarios")
"""The folder whose scenario files the page offers (and where uploads are taken to be)."""
WARM_AFTER = 0.5
"""Seconds after a page opens at which its worker processes start (and load the model)."""

HELP = {"font-size": "0.8em", "color": "#555", "margin": "-4px 0 10px 0",
        "line-height": "1.3"}
VERDICT_COLOURS = {"better": "#1b7e3c", "worse": "#b3261e"}
CSS = """
table.pmosim-kpis { border-collapse: collapse; width: 100%; font-size: 0.92em; }
table.pmosim-kpis th, table.pmosim-kpis td { padding: 4px 8px; border-bottom: 1px solid #ddd;
  text-align: right; white-space: nowrap; }
table.pmosim-kpis th:first-child, table.pmosim-kpis td:first-child { text-align: left;
  white-space: normal; }
table.pmosim-kpis td.verdict { text-align: left; font-weight: 600; white-space: normal; }
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
    shipped = shipped_scenarios()
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


def kpi_table(rows: list[dict[str, str]], as_is: str, to_be: str) -> str:
    """The KPI rows as an HTML table (values escaped)."""
    e = html.escape
    head = (f"<tr><th>KPI</th><th>AS-IS ({e(as_is)})</th><th>TO-BE ({e(to_be)})</th>"
            "<th>change</th><th>95% CI</th><th>relative</th><th>verdict</th></tr>")
    body = []
    for r in rows:
        colour = VERDICT_COLOURS.get(r["verdict"], "#444")
        ci = r["ci"].removeprefix("95% CI ")
        body.append(
            f'<tr data-kpi="{e(r["kpi"])}" title="{e(r["sentence"])}">'
            f'<td class="label">{e(r["label"])}</td><td class="as-is">{e(r["as_is"])}</td>'
            f'<td class="to-be">{e(r["to_be"])}</td><td class="change">{e(r["change"])}</td>'
            f'<td class="ci">{e(ci)}</td><td class="relative">{e(r["relative"])}</td>'
            f'<td class="verdict" style="color: {colour}">{e(r["verdict"])}</td></tr>')
    return f'<table class="pmosim-kpis">{head}{"".join(body)}</table>'


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
    """Every control of :data:`sim.whatif.CONTROLS` by group (disabled if the base ignores it)."""
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
    """The table, the sentences, the figure and the downloads of one comparison."""
    if stale:
        solara.Warning("The controls have changed since this comparison: press Run to update it.",
                       classes=["pmosim-stale"])
    solara.HTML(tag="div", unsafe_innerHTML=kpi_table(outcome.rows(), outcome.as_is.name,
                                                      outcome.to_be.name),
                classes=["pmosim-table"])
    solara.Text("Hover over a row for it in words. pp: percentage points; better or worse "
                "when the 95% interval of the paired difference excludes zero.", style=HELP)
    solara.Image(figure, width="100%")
    with solara.Row():
        name = whatif.to_be_file_name(base)
        solara.FileDownload(whatif.to_be_yaml(base, values), filename=name,
                            label=f"TO-BE file ({name})", mime_type="application/yaml")
        solara.FileDownload(lambda: outcome.report(base, values), filename="report.md",
                            label="report (Markdown)", mime_type="text/markdown")
        solara.FileDownload(outcome.csv(), filename="comparison.csv",
                            label="table (CSV)", mime_type="text/csv")
    Prose("Reproduce it on the command line: save the TO-BE file beside the base, then "
          f"run\n\n    {whatif.compare_command(base, values)}\n", "pmosim-command")


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
        Makes the :class:`~sim.whatif.Runner` of this page (one per page; by default
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
        whatif.initial_values(opened[0].scenario) if opened[0] is not None else {})
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
        keep = {c.name: values[c.name] for c in whatif.CONTROLS if c.group == "run"} \
            if values else whatif.QUICK_RUN
        set_values(whatif.initial_values(new.scenario, keep))

    folder = root if root.is_dir() else Path(".")

    def upload(name: str, data: bytes) -> None:
        open_new(lambda: open_upload(folder / Path(name).name, data, extendable(root)))

    pair, invalid = None, None
    if base is not None:
        try:
            pair = whatif.build(base, values)
        except ScenarioError as exc:
            invalid = str(exc)

    current_task = solara.use_ref(None)

    def compare(scenarios: tuple, snapshot: dict[str, Any], at_base: whatif.Base
                ) -> tuple[whatif.Outcome, bytes, dict[str, Any], whatif.Base]:
        # The task keeps the first version of this function, so everything that changes
        # between renders comes in as arguments, and the task itself through a ref.
        def progress(done: int, total: int) -> None:
            current_task.current.progress = 100.0 * done / total

        outcome = runner.compare(*scenarios, on_progress=progress)
        return outcome, png(outcome.figure()), snapshot, at_base

    task = solara.lab.use_task(compare, dependencies=None, raise_error=False)
    current_task.current = task

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
                  "(the same random numbers), as `pmosim compare` does.")
            if invalid:
                solara.Error(invalid, classes=["pmosim-invalid"])
            elif pair is not None:
                lines = whatif.differences(*pair)
                Prose("**What differs**" if lines else
                      "**Nothing differs yet**: change a lever or a condition.")
                solara.HTML(tag="div", unsafe_innerHTML=bullet_list(lines, "pmosim-differences"))
            with solara.Row():
                solara.Button("Run", on_click=lambda: task(pair, dict(values), base),
                              color="primary",
                              disabled=pair is None or task.pending, classes=["pmosim-run"])
                solara.Button("Cancel", on_click=runner.cancel, disabled=not task.pending,
                              classes=["pmosim-cancel"])
            if task.pending:
                runs = 0 if pair is None else 2 * pair[0].replications
                done = round((task.progress or 0.0) * runs / 100.0)
                solara.ProgressLinear(task.progress or True)
                solara.Text(f"Running {done} of {runs} runs in worker processes...",
                            classes=["pmosim-progress"])
            elif task.error:
                if isinstance(task.exception, whatif.Cancelled):
                    solara.Info(f"Cancelled: {task.exception}.", classes=["pmosim-cancelled"])
                else:
                    solara.Error(f"The comparison failed: {task.exception}",
                                 classes=["pmosim-failed"])
            elif task.finished and task.value is not None:
                outcome, figure, snapshot, at_base = task.value
                Results(outcome, figure, at_base, snapshot,
                        stale=snapshot != values or at_base is not base)


@solara.component
def Page():
    """The studio, opening the scenario named by :data:`sim.studio.SCENARIO_ENV`."""
    Studio(os.environ.get(SCENARIO_ENV, str(SCENARIOS / "baseline.yaml")))
