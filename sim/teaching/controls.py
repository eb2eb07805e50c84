"""The controls a person moves on a scenario: one type for the studio and the lessons.

A :class:`Control` is one thing a person may change: a lever or condition of
the TO-BE, or a run setting both scenarios share. :data:`CONTROLS` lists the
levers, conditions and run settings the studio shows (a lever added there
appears in the studio and may be offered by any lesson); :func:`lever` offers
one of them in a lesson at the lesson's own starting value, and
:func:`setting`, :func:`shift` and :func:`spike` make the few controls lessons
need beyond them (a key the studio does not show, a change from a date on, a
temporary rise in demand). A control may apply only to some scenarios (the AI
levers act only where a project delivers an AI solution): :meth:`Control.active`
says whether it does, and :attr:`Control.inactive` why not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sim.model.ai import has_ai
from sim.schema.loading import get_key_path
from sim.schema.organisation import GOVERNANCE_PRESETS
from sim.schema.scenario import Scenario
from sim.studies.folders import scenario_document
from sim.units import format_days

Kind = Literal["choice", "toggle", "integer", "number", "duration"]
Group = Literal["levers", "conditions", "run"]


@dataclass(frozen=True)
class Control:
    """One thing a person may change on a scenario, in the studio or in a lesson.

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
    default
        In a lesson: the value the control has when the lesson opens.
    apply
        How a value changes a scenario, when it is more than setting ``path``
        (e.g. a timeline event); see :meth:`changes`.
    both
        In a lesson: whether it changes both sides (a condition of the
        experiment, such as the load) instead of the TO-BE only.
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
    default: Any = None
    apply: Callable[[Any], dict[str, Any]] | None = None
    both: bool = False

    def changes(self, value: Any) -> dict[str, Any]:
        """The scenario changes of ``value``: key paths (or ``timeline``) and values."""
        return self.apply(value) if self.apply is not None else {self.path: value}

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


def control(name: str) -> Control:
    """Return the control called ``name``."""
    for c in CONTROLS:
        if c.name == name:
            return c
    raise KeyError(f"no control named {name!r}; controls: {', '.join(c.name for c in CONTROLS)}")


def run_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The run settings both scenarios share, as key paths and values."""
    return {c.path: values[c.name] for c in CONTROLS if c.group == "run"}


def lever(name: str, default: Any, both: bool = False) -> Control:
    """The control ``name`` of :data:`CONTROLS` for a lesson, at ``default``."""
    return replace(control(name), default=default, both=both)


def setting(name: str, path: str, label: str, help: str, kind: str, default: Any,
            low: float | None = None, high: float | None = None, step: float | None = None,
            choices: tuple[tuple[Any, str], ...] = (), both: bool = False) -> Control:
    """A control that sets one scenario key, for keys :data:`CONTROLS` do not offer."""
    return Control(name, label, help, path, kind, choices=choices, low=low, high=high,
                   step=step, default=default, both=both)


def shift(default: float, at: str, label: str) -> Control:
    """A control for the improvement share operations staff keep from ``at`` on."""
    def apply(share: float) -> dict[str, Any]:
        return {"timeline": [{"at": at, "set": {"levers.improvement_share": share},
                              "label": label}]}
    return Control("shift", "Improvement share from the change on",
                   f"Share of operations staff's time, after projects, kept for improvement "
                   f"from {at} on (before it: as in the base).", "timeline", "number",
                   low=0.0, high=0.4, step=0.05, default=default, apply=apply)


def spike(default: float = 0.3, at: str = "1 year", length: str = "2 months") -> Control:
    """A control for the size of a temporary rise in value demand (0: none), at ``at``."""
    def apply(size: float) -> dict[str, Any]:
        if not size:
            return {"timeline": []}
        return {"timeline": [{"at": at, "for": length, "scale": {"operations.demand": 1 + size},
                              "label": "demand spike"}]}
    return Control("spike", "Demand spike", f"A temporary rise of value demand for {length} "
                   f"from {at}, as a share of normal demand (0: no spike).", "timeline",
                   "number", low=0.0, high=0.6, step=0.05, default=default, apply=apply)
