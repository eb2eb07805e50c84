"""What-if comparisons in plain words: move levers on a base scenario, compare, explain.

This is the small public layer the studio (``pmosim studio``) and teaching
notebooks share. It knows nothing about any user interface:

- :data:`~sim.teaching.controls.CONTROLS` lists the levers and conditions a
  person may move, each with its label, a plain-language help text, the
  scenario key it sets, its kind and range, and how its current value is read
  from a scenario (see :mod:`sim.teaching.controls`).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim.kpis import HEADLINE
from sim.reports.comparison import report_markdown
from sim.reports.figures import overlay_figure
from sim.reports.plain import plain_row
from sim.run import RunResult
from sim.schema.loading import display_path, read_document, scenario_with
from sim.schema.scenario import Scenario
from sim.studies.comparison import align, compare_results, comparison_tasks
from sim.studies.folders import scenario_document
from sim.studies.replications import Replications
from sim.studies.statistics import scenario_differences
from sim.studies.workers import run_task
from sim.teaching.controls import CONTROLS, QUICK_RUN, Control, control, run_settings
from sim.units import display_unit, format_days, parse_duration, plain_number  # noqa: F401

logger = logging.getLogger(__name__)

SCENARIO_FOLDERS = (".", "examples", "claims/bases", "reference")
"""Folders of a scenarios folder that hold scenario files (claim and sweep files are not)."""


def shipped_scenarios(root: str | Path = "scenarios") -> list[Path]:
    """The scenario files in ``root`` and its :data:`SCENARIO_FOLDERS`, folder by folder."""
    root = Path(root)
    return [path for folder in SCENARIO_FOLDERS for path in sorted((root / folder).glob("*.yaml"))]


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
    responsive, and :meth:`cancel` from any other thread to stop it. A page that
    starts that thread when a button is pressed takes a :meth:`ticket` first, in
    the button's handler, and hands it to :meth:`compare`: a cancel then stops
    the comparison even if it comes before the thread has started it. A cancel
    ends the workers at once, warm or not; the next comparison starts new ones.
    Results do not depend on the number of workers or on whether they were warm.
    """

    def __init__(self, workers: int | None = None, keep_warm: bool = False,
                 warm_after: float = 0.0):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.keep_warm = keep_warm
        self._lock = threading.Lock()
        self._pool = None
        self._asked = 0  # tickets given so far
        self._cancelled_upto = 0  # every ticket up to this one is cancelled
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

    def ticket(self) -> int:
        """A number for a comparison about to be asked for; a cancel from now on stops it.

        Taken when the comparison is asked for (a button pressed), before the thread
        that runs it starts, so that a cancel in between is not lost.
        """
        with self._lock:
            self._asked += 1
            return self._asked

    def _is_cancelled(self, ticket: int) -> bool:
        return ticket <= self._cancelled_upto

    def compare(self, as_is: Scenario, to_be: Scenario,
                on_progress: Callable[[int, int], None] | None = None,
                ticket: int | None = None) -> Outcome:
        """Run both scenarios' replications and compare them (as ``pmosim compare`` does).

        Parameters
        ----------
        as_is, to_be
            Aligned scenarios (see :func:`build`).
        on_progress
            Called with (runs done, runs in all) after each run.
        ticket
            From :meth:`ticket`, taken when the comparison was asked for (by
            default, one is taken now).

        Raises
        ------
        Cancelled
            If :meth:`cancel` was called after the ticket was taken and before the
            comparison finished.
        """
        from sim.studies.executors import LocalPool

        ticket = self.ticket() if ticket is None else ticket
        started = time.perf_counter()
        scenarios = [as_is, to_be]
        tasks = comparison_tasks(scenarios)
        results: list[RunResult] = []
        with self._lock:
            if self._is_cancelled(ticket):
                raise Cancelled(f"cancelled before the first of {len(tasks)} runs")
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
                if self._is_cancelled(ticket):
                    break
        except Exception:
            if not self._is_cancelled(ticket):
                raise
        finally:
            if len(results) < len(tasks) or not self.keep_warm:
                self._close(cancel=len(results) < len(tasks))
        if self._is_cancelled(ticket):
            logger.info("comparison cancelled after %d of %d runs", len(results), len(tasks))
            raise Cancelled(f"cancelled after {len(results)} of {len(tasks)} runs")
        logger.info("compared %s with %s: %d runs on %d workers in %.2f s", to_be.name,
                    as_is.name, len(tasks), min(self.workers, len(tasks)),
                    time.perf_counter() - started)
        tables, comparison = compare_results(scenarios, results)
        return Outcome(as_is, to_be, (tables[0], tables[1]), comparison)

    def cancel(self) -> None:
        """Stop every comparison asked for so far and end the workers now (from any thread)."""
        with self._lock:
            self._cancelled_upto = self._asked
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
