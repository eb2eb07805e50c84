"""What-if comparisons in plain words: move levers on a base scenario, compare, explain.

This is the small public layer the studio (``pmosim studio``) and teaching
notebooks share. It knows nothing about any user interface:

- :data:`CONTROLS` lists the levers and conditions a person may move, each with
  its label, a plain-language help text, the scenario key it sets, its kind and
  range, and how its current value is read from a scenario. A lever added to
  this list appears in the studio (and in any notebook that draws the list).
  A control may apply only to some scenarios (the AI levers act only where a
  project delivers an AI solution): :meth:`Control.active` says whether it
  does, and :attr:`Control.inactive` why not.
- :func:`initial_values` reads the controls' values from a base scenario,
  :func:`choose` sets one (a preset also moves the controls it sets), and
  :func:`build` turns the values into the AS-IS and TO-BE scenarios.
- :class:`Runner` runs the comparison in worker processes (progress, and a
  cancel that ends the workers) and returns an :class:`Outcome`, whose KPI
  table is in plain units and words, with the overlay figure, the Markdown
  report and the TO-BE file.

The statistics are those of ``pmosim compare``: the runs are stacked and
compared by :mod:`sim.studies.comparison` and :mod:`sim.studies.statistics`, with the same
seeds, so the numbers are identical for the same inputs.
"""

from __future__ import annotations

import logging
import math
import os
import shlex
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim.kpis import HEADLINE
from sim.model.ai import has_ai
from sim.plots import overlay_figure
from sim.reports.comparison import report_markdown
from sim.reports.folder import scenario_document
from sim.reports.plain import plain_row
from sim.run import RunResult
from sim.schema.loading import display_path, get_key_path, read_document, scenario_with
from sim.schema.organisation import GOVERNANCE_PRESETS
from sim.schema.scenario import Scenario
from sim.studies.comparison import align, compare_results, comparison_tasks
from sim.studies.replications import Replications
from sim.studies.statistics import scenario_differences
from sim.studies.workers import run_task
from sim.units import display_unit, format_days, parse_duration, plain_number  # noqa: F401

logger = logging.getLogger(__name__)

Kind = Literal["choice", "toggle", "integer", "number", "duration"]
Group = Literal["levers", "conditions", "run"]


@dataclass(frozen=True)
class Control:
    """One thing a person may change on the base scenario.

    Attributes
    ----------
    name
        Identifier of the control, e.g. ``"wip_limit"``.
    label
        Short label shown next to it.
    help
        What it does, in plain language.
    path
        The scenario key path it sets, e.g. ``"levers.wip_limit"``.
    kind
        ``choice`` (one of ``choices``), ``toggle`` (true or false), ``integer``,
        ``number`` or ``duration`` (text such as ``"1 year"``).
    group
        ``levers`` and ``conditions`` change the TO-BE only; ``run`` settings
        (horizon, replications) apply to both scenarios alike, as the options of
        ``pmosim compare`` do.
    choices
        For a choice: ``(value, label)`` pairs.
    low, high, step
        For numbers: the range a slider would offer. Values outside it are
        allowed; the scenario schema decides what is valid.
    optional
        For numbers: the value may be ``None`` (an empty field), which the
        help text explains, e.g. ``levers.ai_gate_cut_slip`` (none: never).
    applies
        Whether the control acts on a scenario (default: always). Where it does
        not, the studio shows it disabled with :attr:`inactive`; :func:`build`
        still sets it if asked (the scenario stays valid and runs the same).
    inactive
        Why the control changes nothing on a scenario it does not apply to.
    presets
        For a choice that is a preset: per choice, the key paths and values it
        sets (see :func:`choose`).
    read
        How the current value is read from a scenario; by default the value at
        ``path`` (durations as text, e.g. ``"3 years"``).
    """

    name: str
    label: str
    help: str
    path: str
    kind: Kind
    group: Group = "levers"
    choices: tuple[tuple[Any, str], ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    optional: bool = False
    applies: Callable[[Scenario], bool] | None = None
    inactive: str = ""
    presets: Mapping[Any, Mapping[str, Any]] = field(default_factory=dict)
    read: Callable[[Scenario], Any] | None = None

    def active(self, scenario: Scenario) -> bool:
        """Whether moving the control can change anything in ``scenario``."""
        return self.applies is None or self.applies(scenario)

    def current(self, scenario: Scenario) -> Any:
        """The control's value in ``scenario``."""
        if self.read is not None:
            return self.read(scenario)
        value = get_key_path(scenario_document(scenario), self.path)
        return format_days(value) if self.kind == "duration" else value

    def options(self, value: Any = None) -> list[tuple[Any, str]]:
        """The choices, with ``value`` added (labelled as it is) if it is not one of them."""
        options = list(self.choices)
        if value is not None and all(v != value for v, _ in options):
            options.append((value, f"as in the file: {value}"))
        return options


def _flat(mapping: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Nested mapping to key paths, e.g. ``{"rewards": {"scheme": x}}`` to ``p.rewards.scheme``."""
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}.{key}"))
        else:
            out[f"{prefix}.{key}"] = value
    return out


_NO_AI = ("This base has no project that delivers an AI solution (an `ai` block), so the AI "
          "levers change nothing here.")


CONTROLS: tuple[Control, ...] = (
    Control("governance", "Governance preset",
            "Sets three levers at once. Siloed: reviews count the day job only, nobody "
            "sustains benefits, intake ignores the load on operations. Systems: "
            "outcome-based rewards, the OpEx team sustains benefits, capacity-aware "
            "intake. Choosing one moves those controls; you may still change them.",
            "levers.governance", "choice",
            choices=((None, "no preset"), ("siloed", "siloed"), ("systems", "systems")),
            presets={name: _flat(levers, "levers")
                     for name, levers in GOVERNANCE_PRESETS.items()}),
    Control("rewards", "Rewards scheme",
            "What performance reviews count. Under pressure people put the day job "
            "first as far as their rewards tell them to.",
            "levers.rewards.scheme", "choice",
            choices=(("operations_only", "day-job results only"),
                     ("balanced", "balanced: day job, projects, improvement"),
                     ("project_bonus", "project bonus: projects count double"),
                     ("outcome_based", "outcome-based: realised benefits count double"))),
    Control("pmo", "PMO type",
            "The PMO in force. Supportive: standards and monitoring; controlling: also "
            "stage gates; directive: also protects half of project time.",
            "levers.pmo.type", "choice",
            choices=(("none", "no PMO"), ("supportive", "supportive"),
                     ("controlling", "controlling"), ("directive", "directive"))),
    Control("wip_limit", "WIP limit",
            "Most projects in progress at once; further proposals wait in the funnel.",
            "levers.wip_limit", "integer", low=1, high=20, step=1),
    Control("allocation", "Allocation per project",
            "Share of an assigned person's day each project takes (0 to 1).",
            "levers.allocation", "number", low=0.05, high=1.0, step=0.05),
    Control("protected_time", "Protected time",
            "Share of project, improvement and sustainment time nobody may divert to the "
            "day job (0 to 1; a PMO may protect more, and the larger applies).",
            "levers.protected_time", "number", low=0.0, high=1.0, step=0.05),
    Control("improvement_share", "Improvement share",
            "Share of operations staff's time, after projects, set aside for improvement "
            "(0 to 1).",
            "levers.improvement_share", "number", low=0.0, high=1.0, step=0.05),
    Control("sustainment", "Sustainment owner",
            "Who sustains benefits after handover; benefits nobody sustains erode.",
            "levers.sustainment", "choice",
            choices=(("none", "nobody"), ("opex", "the OpEx team"),
                     ("project", "each project's former team"))),
    Control("capacity_aware_intake", "Capacity-aware intake",
            "Start new projects only while the day job is not overloaded.",
            "levers.capacity_aware_intake", "toggle"),
    Control("ai_gate", "AI evaluation gate",
            "Share of each AI project's evaluation gate (bias, robustness and documentation "
            "work) that is planned: 1 the full gate, 0 skipped (0 to 1). Less gate work saves "
            "the gate and the rework its findings cause: the solution goes live earlier, at "
            "lower quality and more prone to incidents.",
            "levers.ai_gate", "number", low=0.0, high=1.0, step=0.1,
            applies=has_ai, inactive=_NO_AI),
    Control("ai_gate_cut_slip", "Cut the AI gate above slip",
            "Schedule pressure: once the build is done, an AI project drops the rest of its "
            "evaluation gate as soon as its forecast slip passes this (0.2: forecast 20% "
            "longer than planned). Leave it empty to never cut the gate.",
            "levers.ai_gate_cut_slip", "number", low=0.0, high=1.0, step=0.05,
            optional=True, applies=has_ai, inactive=_NO_AI),
    Control("ai_operations", "AI operations owner",
            "Who monitors AI solutions in use and retrains them when their quality drifts, "
            "in their sustainment time. With nobody, a degraded solution is never detected "
            "nor retrained: its quality keeps drifting down, and its incidents raise "
            "failure demand at the desk.",
            "levers.ai_operations", "choice",
            choices=(("none", "nobody"), ("opex", "the OpEx team"),
                     ("project", "each AI project's former team"),
                     ("operations", "the day-job staff"),
                     ("projects", "the dedicated project staff")),
            applies=has_ai, inactive=_NO_AI),
    Control("demand", "Demand (items per day)",
            "Value-demand items arriving per working day.",
            "operations.demand", "number", group="conditions", low=0, high=1000, step=10),
    Control("operations_headcount", "Operations headcount",
            "Day-job staff; projects borrow their time.",
            "workforce.operations.headcount", "integer", group="conditions", low=0,
            high=500, step=1),
    Control("discount_rate", "Discount rate",
            "Annual real discount rate of the net present value (0 to below 1; 0.035 is the "
            "Green Book's 3.5%). Try the organisation's own rate: it changes the NPV only, "
            "no simulated figure and no undiscounted cost or value.",
            "finance.discount_rate", "number", group="conditions", low=0.0, high=0.15,
            step=0.005),
    Control("operations_cost_per_day", "Day-job staff cost per person-day",
            "Loaded cost (salary, on-costs, overheads) of one person-day of operations "
            "staff, in the scenario's currency. It prices all their time, whatever they spend "
            "it on, and, unless the scenario sets finance.cost_per_item, the "
            "effort an item takes, so what productivity, failure- and demand-reduction "
            "benefits are worth. Money only: no simulated figure changes.",
            "finance.cost_per_day.operations", "number", group="conditions", low=0.0,
            high=1000.0, step=10.0),
    Control("horizon", "Horizon",
            "Simulated time of both scenarios, e.g. '1 year' or '18 months' "
            "(1 month = 21 working days).",
            "horizon", "duration", group="run"),
    Control("replications", "Replications",
            "Paired runs of each scenario: more give narrower intervals and take longer.",
            "replications", "integer", group="run", low=1, high=50, step=1),
)
"""The controls, in the order they are shown (levers, conditions, run settings)."""

QUICK_RUN: dict[str, Any] = {"horizon": "1 year", "replications": 5}
"""Run settings a session starts from, so that the first comparison takes seconds."""


SCENARIO_FOLDERS = (".", "examples", "claims/bases", "reference")
"""Folders of a scenarios folder that hold scenario files (claim and sweep files are not)."""


def shipped_scenarios(root: str | Path = "scenarios") -> list[Path]:
    """The scenario files in ``root`` and its :data:`SCENARIO_FOLDERS`, folder by folder."""
    root = Path(root)
    return [path for folder in SCENARIO_FOLDERS for path in sorted((root / folder).glob("*.yaml"))]


def control(name: str) -> Control:
    """Return the control called ``name``."""
    for c in CONTROLS:
        if c.name == name:
            return c
    raise KeyError(f"no control named {name!r}; controls: {', '.join(c.name for c in CONTROLS)}")


@dataclass(frozen=True)
class Base:
    """A base (AS-IS) scenario as read from its file.

    Attributes
    ----------
    path
        The file; for an upload, where it is taken to be (``extends`` is
        resolved from its folder).
    document
        The file with its ``extends`` chain merged, before validation.
    scenario
        The validated scenario.
    """

    path: Path
    document: dict[str, Any]
    scenario: Scenario

    @property
    def source(self) -> str:
        """How messages name the file (as the command line does)."""
        return display_path(self.path)


def open_base(path: str | Path, text: str | bytes | None = None) -> Base:
    """Read and validate a base scenario file, or uploaded contents taken to be at ``path``.

    Raises
    ------
    ScenarioError
        With the same message ``pmosim validate`` prints for that file.
    """
    path = Path(path)
    document = read_document(path, text)
    return Base(path, document, scenario_with(document, source=display_path(path)))


def initial_values(scenario: Scenario, start: Mapping[str, Any] = QUICK_RUN) -> dict[str, Any]:
    """Every control's value in ``scenario``, with ``start`` (run settings) taking precedence."""
    return {c.name: start[c.name] if c.name in start else c.current(scenario)
            for c in CONTROLS}


def choose(values: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    """Set control ``name`` to ``value``; a preset also sets the controls it covers."""
    out = {**values, name: value}
    for path, preset_value in control(name).presets.get(value, {}).items():
        for other in CONTROLS:
            if other.path == path:
                out[other.name] = preset_value
    return out


def _differs(c: Control, value: Any, base_value: Any) -> bool:
    if c.kind == "duration":
        try:
            return parse_duration(value) != parse_duration(base_value)
        except ValueError:
            return True
    return value != base_value


def changes(base: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """The TO-BE's changes to the base: key paths and values.

    A lever or condition whose value differs from the base's is a change. A
    changed preset brings its key paths too, each with the value of the control
    that shows it (so a control moved after the preset wins), or the preset's
    own value for a key no control shows. Run settings are not changes: see
    :func:`run_settings`.
    """
    out: dict[str, Any] = {}
    for c in CONTROLS:
        if c.group == "run" or not _differs(c, values[c.name], c.current(base)):
            continue
        for path, preset_value in c.presets.get(values[c.name], {}).items():
            shown = [o for o in CONTROLS if o.path == path]
            out[path] = values[shown[0].name] if shown else preset_value
        out[c.path] = values[c.name]
    return out


def run_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The run settings both scenarios share, as key paths and values."""
    return {c.path: values[c.name] for c in CONTROLS if c.group == "run"}


def as_text(value: Any) -> str:
    """A value as a scenario file writes it: ``true``, ``null``, ``opex``, ``0.5``."""
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def to_be_identity(base: Scenario, changed: Mapping[str, Any]) -> dict[str, str]:
    """The TO-BE's ``name`` and ``description``."""
    what = ", ".join(f"{path}={as_text(value)}" for path, value in changed.items())
    return {"name": f"{base.name}-to-be",
            "description": f"{base.name} with {what}." if what else f"{base.name} unchanged."}


def build(base: Base, values: Mapping[str, Any]) -> tuple[Scenario, Scenario]:
    """The AS-IS and TO-BE scenarios of ``values``, aligned for a paired comparison.

    Both get the run settings; the TO-BE also gets :func:`changes`. They are
    validated like ``--set`` overrides of the base file.

    Raises
    ------
    ScenarioError
        With the command line's message for a bad value, e.g. ``levers.wip_limit
        = 0: Input should be greater than or equal to 1 (from the override
        levers.wip_limit=0)``.
    """
    shared = run_settings(values)
    changed = changes(base.scenario, values)
    as_is = scenario_with(base.document, shared, source=base.source)
    to_be = scenario_with(base.document,
                          {**shared, **changed, **to_be_identity(base.scenario, changed)},
                          source=base.source)
    first, second = align([as_is, to_be])
    return first, second


def to_be_file_name(base: Base) -> str:
    """File name suggested for the TO-BE, to be saved beside the base file."""
    return f"{base.scenario.name}-to-be.yaml"


def to_be_yaml(base: Base, values: Mapping[str, Any]) -> str:
    """The TO-BE as a scenario file that ``extends`` the base and states only the changes.

    ``extends`` is the base file's name: the file is meant to be saved beside
    it. Run settings are left out, as the command line takes them as options
    (see :func:`compare_command`).
    """
    changed = changes(base.scenario, values)
    document: dict[str, Any] = {"extends": base.path.name,
                                **to_be_identity(base.scenario, changed)}
    for path, value in changed.items():
        node = document
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    header = (f"# TO-BE: {base.scenario.name} with the changes below; everything else comes "
              f"from {base.path.name}.\n# Save it beside {base.path.name}, or change `extends` "
              "to the path of that file relative to this one.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def compare_command(base: Base, values: Mapping[str, Any]) -> str:
    """The ``pmosim compare`` command that reproduces the comparison.

    It assumes the TO-BE file (:func:`to_be_yaml`) is saved beside the base.
    """
    to_be = base.path.with_name(to_be_file_name(base))
    words = ["pmosim", "compare", base.source, display_path(to_be)]
    for path, value in run_settings(values).items():
        if path == "replications":
            words += ["--replications", str(value)]
        else:
            words += ["--set", f"{path}={value}"]
    return shlex.join(words)


def differences(as_is: Scenario, to_be: Scenario) -> list[str]:
    """What differs between the two scenarios, one line per key path."""
    labels = {c.path: c.label for c in CONTROLS}
    lines = []
    for path, a, b in scenario_differences(scenario_document(as_is), scenario_document(to_be)):
        about = f"{labels[path]} ({path})" if path in labels else path
        lines.append(f"{about}: {as_text(a)} → {as_text(b)}")
    return lines


def plain_rows(comparison: pd.DataFrame, scenario: str, hours_per_day: float,
               kpis: tuple[str, ...] = HEADLINE, currency: str = "") -> list[dict[str, Any]]:
    """The comparison of one TO-BE in plain units and words, one row per KPI.

    The numbers are written by :func:`sim.reports.plain.plain_row`, the rule the
    decision brief uses too.

    Parameters
    ----------
    comparison
        The comparison table of :func:`sim.studies.comparison.compare`.
    scenario
        The TO-BE's name in that table.
    hours_per_day
        Hours in a working day, to show short durations in hours or minutes.
    kpis
        Which KPIs, in order (default: the headline KPIs).
    currency
        Written after every money figure.

    Returns
    -------
    list of dict
        Per KPI: ``kpi``, ``label``, ``short``, ``as_is``, ``to_be``, ``change``,
        ``interval``, ``ci`` (the interval with "95% CI" before it), ``relative``,
        ``verdict``, ``sentence`` (e.g. ``"Wait before service (mean) 14 min → 9 min
        (−5 min, 95% CI −6 to −4 min): better"``), and the flags ``material``
        (visible at three significant figures), ``headline`` (clear and
        material) and ``zero`` (values and interval all zero).
    """
    rows = comparison[comparison["scenario"] == scenario].set_index("kpi")
    out = []
    for kpi in kpis:
        if kpi not in rows.index:
            continue
        r = rows.loc[kpi]
        plain = plain_row(kpi, r, hours_per_day, currency)
        ci = f"95% CI {plain.interval}" if plain.interval else ""
        relative = "" if not math.isfinite(r["relative_change"]) else \
            plain_number(r["relative_change"] * 100.0, signed=True) + "%"
        row = {"kpi": kpi, "label": plain.label, "short": plain.short, "as_is": plain.as_is,
               "to_be": plain.to_be, "change": plain.change, "interval": plain.interval,
               "ci": ci, "relative": relative, "verdict": plain.verdict,
               "material": plain.material, "headline": plain.headline, "zero": plain.zero}
        detail = f"{plain.change}, {ci}" if ci else f"{plain.change}, no interval"
        row["sentence"] = (f"{plain.label} {plain.as_is} → {plain.to_be} ({detail}): "
                           f"{plain.verdict}")
        out.append(row)
    return out


@dataclass(frozen=True)
class Outcome:
    """A finished what-if comparison.

    Attributes
    ----------
    as_is, to_be
        The two scenarios as they ran (aligned: same seed and replications).
    tables
        The stacked runs of each.
    comparison
        One row per KPI, as in ``comparison.csv`` of ``pmosim compare``.
    """

    as_is: Scenario
    to_be: Scenario
    tables: tuple[Replications, Replications]
    comparison: pd.DataFrame

    def rows(self, kpis: tuple[str, ...] = HEADLINE) -> list[dict[str, str]]:
        """The KPI table in plain units and words (see :func:`plain_rows`)."""
        return plain_rows(self.comparison, self.to_be.name, self.as_is.hours_per_day, kpis,
                          self.as_is.finance.currency)

    def differences(self) -> list[str]:
        """What differs between the two scenarios (see :func:`differences`)."""
        return differences(self.as_is, self.to_be)

    def figure(self) -> Figure:
        """The key weekly series of both scenarios on shared axes (mean and 5-95% band)."""
        weekly = pd.concat([t.weekly for t in self.tables], ignore_index=True)
        return overlay_figure(weekly, title=f"{self.to_be.name} vs {self.as_is.name}")

    def csv(self) -> str:
        """The comparison table as CSV, with the columns of ``comparison.csv``."""
        return self.comparison.to_csv(index=False)

    def report(self, base: Base, values: Mapping[str, Any]) -> str:
        """A Markdown report: the command line's comparison report, in plain words too."""
        sources = [base.source, display_path(base.path.with_name(to_be_file_name(base)))]
        text = report_markdown([self.as_is, self.to_be], sources, self.comparison,
                               with_plot=False)
        lines = ["", "## In plain words", ""]
        lines += [f"- {row['sentence']}" for row in self.rows()]
        lines += ["", "*pp*: percentage points. Short durations are in hours or minutes of "
                  f"a {self.as_is.hours_per_day:g}-hour working day.", "",
                  "## Reproduce it", "",
                  f"Save the TO-BE file beside `{base.path.name}`:", "", "```yaml",
                  to_be_yaml(base, values).rstrip(), "```", "", "and run:", "", "```sh",
                  compare_command(base, values), "```"]
        return text + "\n".join(lines) + "\n"


class Cancelled(Exception):
    """The comparison was cancelled before it finished."""


class Runner:
    """Runs what-if comparisons in worker processes, and can stop one at once.

    Parameters
    ----------
    workers
        Worker processes (default: one per core).
    keep_warm
        Start the workers ``warm_after`` seconds from now (or with the first
        comparison, if that comes first) and keep them between comparisons, each
        with the compiled service desk loaded, so that a comparison starts at
        once (the studio does this, a moment after the page opens so that the
        workers' start does not slow its first drawing). Otherwise workers start
        with each comparison and end with it, so nothing is left running between
        comparisons.
    warm_after
        Seconds to wait before starting warm workers.

    Notes
    -----
    :meth:`compare` blocks; call it from a background thread to keep a page
    responsive, and :meth:`cancel` from any other thread to stop it. A cancel
    ends the workers at once, warm or not; the next comparison starts new ones.
    Results do not depend on the number of workers or on whether they were warm.
    """

    def __init__(self, workers: int | None = None, keep_warm: bool = False,
                 warm_after: float = 0.0):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.keep_warm = keep_warm
        self._lock = threading.Lock()
        self._pool = None
        self._cancelled = threading.Event()
        self._timer: threading.Timer | None = None
        if keep_warm:
            self._timer = threading.Timer(warm_after, self._warm_now)
            self._timer.daemon = True
            self._timer.start()

    def _warm_now(self) -> None:
        """Start the warm workers, unless a comparison or a cancel came first."""
        with self._lock:
            if self._pool is None and self._timer is not None:
                self._pool = self._warm_pool()
            self._timer = None

    def _warm_pool(self):
        """A pool of :attr:`workers` processes, each starting to load the compiled desk now."""
        from sim.studies.executors import LocalPool

        pool = LocalPool(self.workers, warm=True)
        pool.start_all()
        return pool

    def compare(self, as_is: Scenario, to_be: Scenario,
                on_progress: Callable[[int, int], None] | None = None) -> Outcome:
        """Run both scenarios' replications and compare them (as ``pmosim compare`` does).

        Parameters
        ----------
        as_is, to_be
            Aligned scenarios (see :func:`build`).
        on_progress
            Called with (runs done, runs in all) after each run.

        Raises
        ------
        Cancelled
            If :meth:`cancel` was called before the comparison finished.
        """
        from sim.studies.executors import LocalPool

        self._cancelled.clear()
        started = time.perf_counter()
        scenarios = [as_is, to_be]
        tasks = comparison_tasks(scenarios)
        results: list[RunResult] = []
        with self._lock:
            self._timer = None  # a comparison asked for now starts the workers itself
            pool = self._pool
            if pool is None:
                self._pool = pool = (self._warm_pool() if self.keep_warm
                                     else LocalPool(min(self.workers, len(tasks))))
        try:
            for result in pool.imap(run_task, tasks):
                results.append(result)
                if on_progress is not None:
                    on_progress(len(results), len(tasks))
                if self._cancelled.is_set():
                    break
        except Exception:
            if not self._cancelled.is_set():
                raise
        finally:
            if len(results) < len(tasks) or not self.keep_warm:
                self._close(cancel=len(results) < len(tasks))
        if self._cancelled.is_set():
            logger.info("comparison cancelled after %d of %d runs", len(results), len(tasks))
            raise Cancelled(f"cancelled after {len(results)} of {len(tasks)} runs")
        logger.info("compared %s with %s: %d runs on %d workers in %.2f s", to_be.name,
                    as_is.name, len(tasks), min(self.workers, len(tasks)),
                    time.perf_counter() - started)
        tables, comparison = compare_results(scenarios, results)
        return Outcome(as_is, to_be, (tables[0], tables[1]), comparison)

    def cancel(self) -> None:
        """Stop the comparison in progress and end its workers now (from any thread)."""
        self._cancelled.set()
        self._close(cancel=True)

    def _close(self, cancel: bool) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        if pool is not None:
            pool.close(cancel=cancel)

    def pids(self) -> list[int]:
        """Process ids of the workers now (between comparisons: none, unless kept warm)."""
        with self._lock:
            return [] if self._pool is None else self._pool.pids()
