"""The scenario schema: one closed world of validated, immutable values.

A scenario describes an organisation (the *conditions*: demand, effort, staff,
the project pipeline, how benefits behave) and the management *levers* applied
to it. Conditions live in the subsystem sections (``operations``, ``workforce``,
``projects``, ``benefits``, and ``finance`` for prices); every policy choice lives
under ``levers`` so that policies and uncertainties can be varied independently
(the XLRM framing of exploratory modelling).

Every model forbids unknown keys and is frozen: a :class:`Scenario` is a value
that can be hashed into a run identity, pickled to another process and never
changes under a running simulation. Durations accept numbers of working days or
strings such as ``"6 weeks"`` (see :mod:`sim.units`).
"""

from __future__ import annotations

import collections
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.errors import excerpt
from sim.schema import limits
from sim.schema.ai import AiDynamics, AiOwner, AiSolution
from sim.schema.base import (
    CROSS_FIELD_SEPARATOR,
    Delay,
    Duration,
    Factor,
    Fraction,
    Gain,
    Section,
    TimeSpan,
)
from sim.schema.finance import Finance
from sim.schema.keypaths import KeyPathError, get_key_path, set_key_path, split_key_path
from sim.schema.messages import describe_error
from sim.schema.organisation import (
    GOVERNANCE_PRESETS,
    Attrition,
    Behaviour,
    Newcomers,
    Opex,
    Pmo,
    PmoPolicy,
    Rewards,
    StaffingSource,
    Stress,
    TimelineEvent,
)
from sim.units import DAYS_PER_YEAR

_Section = Section

Size = Annotated[float, Field(ge=limits.MIN_SIZE, le=limits.MAX_SIZE)]
"""A project's size in person-days, from 0.01 to 1,000,000."""

Team = Annotated[int, Field(ge=1, le=limits.MAX_HEADCOUNT)]
"""The people assigned to a project, from 1 to 10,000."""


class Seasonality(_Section):
    """Sinusoidal seasonality of value demand."""

    amplitude: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="Relative swing of demand around its mean (0 = none, 0.2 = ±20%).")
    period: TimeSpan = Field(
        DAYS_PER_YEAR, description="Length of one seasonal cycle.")
    peak: Delay = Field(
        0.0, description="Time of the first demand peak.")


class Operations(_Section):
    """The day job: a flow of work items served first come, first served."""

    demand: Annotated[float, Field(ge=0.0, le=limits.MAX_DEMAND)] = Field(
        300.0, description="Value-demand items arriving per working day (Poisson).")
    demand_growth: Annotated[float, Field(gt=-1.0, le=limits.MAX_DEMAND_GROWTH)] = Field(
        0.0, description="Compound growth of value demand per year (0.05 = +5% a year).")
    seasonality: Seasonality = Field(default_factory=Seasonality)
    service: Literal["exponential", "lognormal", "deterministic"] = Field(
        "exponential", description="Distribution of the effort one item needs.")
    service_mean: Annotated[float, Field(ge=limits.MIN_SERVICE, le=limits.MAX_SERVICE)] = Field(
        0.3, description="Mean effort per item in person-days at productivity 1.")
    service_cv: Annotated[float, Field(gt=0.0, le=limits.MAX_SPREAD)] = Field(
        1.0, description="Coefficient of variation of effort (lognormal only).")
    p_defect: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.05, description="Probability that a completed item comes back as failure demand.")
    defect_delay: TimeSpan = Field(
        5.0, description="Mean delay before a defective item returns (exponential).")
    sla: TimeSpan = Field(
        2.0, description="Service-level target: an item should be finished within this time.")
    patience: TimeSpan | None = Field(
        None, description=("Mean patience of a customer (exponential): a value-demand item "
                            "still waiting this long on average leaves unserved. None: "
                            "nobody gives up."))
    backlog_limit: Annotated[float, Field(gt=0.0, le=limits.MAX_BACKLOG_DAYS)] = Field(
        limits.DEFAULT_BACKLOG_LIMIT, description=(
            "The run stops as collapsed when the items in system pass this many days of "
            "value demand (the desk can no longer keep up)."))


class StaffGroup(_Section):
    """A named group of staff; every member is an individual in the model."""

    headcount: Annotated[int, Field(ge=0, le=limits.MAX_HEADCOUNT)] = Field(
        0, description="Number of people.")
    skill: Factor = Field(
        1.0, description="Productivity multiplier of the group's members.")


class OperationsStaff(StaffGroup):
    """The day-job staff; projects borrow their time."""

    headcount: Annotated[int, Field(ge=0, le=limits.MAX_HEADCOUNT)] = Field(
        120, description="Number of people.")


class Workforce(_Section):
    """Who works here and how well they juggle work streams."""

    operations: OperationsStaff = Field(
        default_factory=OperationsStaff,
        description="Day-job staff; projects borrow their time.")
    projects: StaffGroup = Field(
        default_factory=StaffGroup,
        description="Dedicated project staff (used when levers.staffing_source is 'projects').")
    opex: StaffGroup = Field(
        default_factory=StaffGroup,
        description="The continuous-improvement (OpEx) team.")
    attrition: Attrition = Field(default_factory=Attrition)
    max_assignments: Annotated[int, Field(ge=1, le=limits.MAX_WIP)] = Field(
        2, description="Most projects one person may be assigned to at once.")
    multitasking: tuple[Annotated[float, Field(gt=0.0, le=1.0)], ...] = Field(
        (1.0, 1.0, 0.75, 0.60, 0.25), min_length=1,
        description=("Efficiency of project work by number of concurrent work streams "
                     "(1, 2, 3, ...; the day job counts as one; the last entry applies "
                     "to all larger numbers). Adapted from Wheelwright & Clark (1992): "
                     "no loss up to the 2-stream peak, then falling."))


BenefitKind = Literal["demand_reduction", "failure_reduction", "productivity", "revenue",
                      "capability"]


class Benefit(_Section):
    """One benefit a project hands over to operations on completion."""

    kind: BenefitKind = Field(description=(
        "demand_reduction: value demand x (1-b); failure_reduction: defect probability "
        "x (1-b); productivity: effort per item x (1-b); revenue: revenue index x (1+b); "
        "capability: adds b to operations capability."))
    magnitude: Annotated[float, Field(ge=0.0, le=limits.MAX_BENEFIT)] = Field(
        description="The benefit b at full realisation.")
    within: TimeSpan = Field(
        63.0, description="Time after handover by which 95% of b is realised.")
    demand_coupling: Annotated[float, Field(ge=0.0, le=limits.MAX_BENEFIT)] = Field(
        0.0, description=("Revenue only: extra value demand per unit of revenue gain "
                          "(1.0 = demand grows as much as revenue)."))

    @model_validator(mode="after")
    def _check_kind(self) -> Benefit:
        if self.kind in ("demand_reduction", "failure_reduction", "productivity") \
                and self.magnitude >= 1.0:
            raise ValueError(f"magnitude={self.magnitude} must be < 1 for a {self.kind} "
                             "benefit (it is a fractional reduction)")
        if self.demand_coupling and self.kind != "revenue":
            raise ValueError(f"demand_coupling={self.demand_coupling} only applies to "
                             f"revenue benefits, not {self.kind}")
        return self


class ProjectTemplate(_Section):
    """A kind of project whose proposals arrive at random (Poisson)."""

    name: str = Field(min_length=1)
    per_year: Annotated[float, Field(ge=0.0, le=limits.MAX_PROPOSALS)] = Field(
        description="Proposals per year.")
    size: Size = Field(description="Mean true size in person-days.")
    size_cv: Annotated[float, Field(ge=0.0, le=limits.MAX_SPREAD)] | None = Field(
        None, description="Coefficient of variation of size; default projects.size_cv.")
    team: Team = Field(4, description="People assigned to the project.")
    benefits: tuple[Benefit, ...] = ()
    ai: AiSolution | None = Field(None, description="The AI solution the project delivers.")


class PlannedProject(_Section):
    """A project listed explicitly: it enters the funnel at ``start``."""

    name: str = Field(min_length=1)
    start: Delay = Field(
        0.0, description="When the proposal enters the intake funnel.")
    size: Size = Field(description="True size in person-days.")
    team: Team = Field(4, description="People assigned to the project.")
    benefits: tuple[Benefit, ...] = ()
    ai: AiSolution | None = Field(None, description="The AI solution the project delivers.")


class Projects(_Section):
    """The change portfolio and how project work behaves (the rework cycle)."""

    templates: tuple[ProjectTemplate, ...] = ()
    portfolio: tuple[PlannedProject, ...] = ()
    size_cv: Annotated[float, Field(ge=0.0, le=limits.MAX_SPREAD)] = Field(
        0.5, description="Coefficient of variation of template project sizes (lognormal).")
    estimate_error: Annotated[float, Field(ge=0.0, le=limits.MAX_LOG_SIGMA)] = Field(
        0.35, description="Sigma of the lognormal error of size estimates.")
    quality: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.85, description="Fraction of project work done right first time.")
    discovery_delay: TimeSpan = Field(
        21.0, description="Mean time for undiscovered rework to be found.")
    completion_threshold: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.005, description=("A project completes when work to do and undiscovered rework "
                            "are both below this fraction of its size."))
    on_time_tolerance: Gain = Field(
        0.10, description="A project is on time if it finishes within this fraction of plan.")
    onboarding: TimeSpan = Field(
        20.0, description="Time for someone joining a running project to reach full speed.")
    newcomer_productivity: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.5, description="Project productivity of someone joining a running project on their "
                         "first day; it rises linearly to 1 over projects.onboarding.")
    mentoring: Fraction = Field(
        0.25, description="Share of one member's project time each newcomer takes while "
                          "ramping up (Brooks's law).")
    communication_overhead: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0006, description="Share of every member's project time spent communicating, per "
                            "squared team size: a team of n loses min(k n^2, 1) of its "
                            "project time (k = 0.0006 is 0.06 n^2 percent).")


class BenefitDynamics(_Section):
    """How realised benefits fade when nobody sustains them."""

    erosion: TimeSpan = Field(
        DAYS_PER_YEAR, description="Time constant of erosion with zero sustainment coverage.")
    sustain_effort: Annotated[float, Field(ge=0.0, le=limits.MAX_SIZE)] = Field(
        0.5, description="Person-days per week one realised benefit needs to be sustained.")


class RescuePolicy(Newcomers):
    """Add people to projects that are forecast to finish late (a common PMO reflex)."""

    slip_above: Factor = Field(
        description="Rescue a project whose forecast slip (forecast / planned duration - 1, "
                    "at the team's planned rate) exceeds this.")
    people: Annotated[int, Field(ge=1, le=limits.MAX_HEADCOUNT)] = Field(
        4, description="People added at each rescue (fewer if not enough have room).")
    every: TimeSpan = Field(
        21.0, description="Time between the PMO's reviews of the portfolio.")
    times: Annotated[int, Field(ge=1, le=limits.MAX_TIMELINE_EVENTS)] = Field(
        1, description="Most rescues of one project.")


class Levers(_Section):
    """Management policies: what a strategy team can decide."""

    wip_limit: Annotated[int, Field(ge=1, le=limits.MAX_WIP)] = Field(
        5, description="Most projects in progress at once.")
    allocation: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.5, description="Share of an assigned person's time planned for one project.")
    intake_order: Literal["value", "fifo"] = Field(
        "value", description="Funnel order: strategic value (benefit per person-day) or FIFO.")
    capacity_aware_intake: bool = Field(
        False, description="Start projects only while ops pressure < intake_pressure_max.")
    intake_pressure_max: Factor = Field(
        1.0, description="Ops pressure above which capacity-aware intake holds new starts.")
    staffing_source: StaffingSource = Field(
        "operations", description="Which staff group project teams are drawn from.")
    rescue_late_projects: RescuePolicy | None = Field(
        None, description="Add people to projects forecast to finish late (none: never).")
    rewards: Rewards = Field(default_factory=Rewards)
    pmo: PmoPolicy = Field(default_factory=PmoPolicy)
    improvement_share: Fraction = Field(
        0.0, description="Share of operations staff's day-job time set aside for improvement.")
    protected_time: Fraction = Field(
        0.0, description="Share of project and improvement time nobody may divert (a PMO "
                         "may protect more).")
    sustainment: Literal["none", "opex", "project"] = Field(
        "none", description="Who sustains benefits after handover: nobody, the OpEx team, "
                            "or the project's former team.")
    ai_gate: Fraction = Field(
        1.0, description="Share of an AI project's planned evaluation gate that is done "
                         "(1 = the full gate, 0 = skipped).")
    ai_gate_cut_slip: Gain | None = Field(
        None, description="Drop the rest of an AI project's evaluation gate when its "
                          "forecast slip passes this (schedule pressure; none: never).")
    ai_operations: AiOwner = Field(
        "none", description="Who monitors and retrains AI solutions in use: nobody, the "
                            "OpEx team, the former project team, the day-job staff or the "
                            "dedicated project staff.")
    governance: Literal["siloed", "systems"] | None = Field(
        None, description="A preset that sets rewards, sustainment and intake at once; "
                          "levers given explicitly win.")

    @model_validator(mode="before")
    @classmethod
    def _apply_governance(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("governance") not in GOVERNANCE_PRESETS:
            return data
        preset = GOVERNANCE_PRESETS[data["governance"]]
        return {**preset, **data}


class Scenario(_Section):
    """A complete, validated scenario: conditions, levers and run settings."""

    name: str = Field("scenario", min_length=1, description="Short name used in results.")
    description: str = Field("", description="What this scenario represents.")
    horizon: Annotated[Duration, Field(gt=0, le=limits.MAX_HORIZON_DAYS)] = Field(
        DAYS_PER_YEAR, description="Simulated time.")
    warmup: Annotated[Duration, Field(ge=0, le=limits.MAX_HORIZON_DAYS)] = Field(
        0.0, description="Initial time excluded from summary statistics.")
    seed: Annotated[int, Field(ge=0, le=limits.MAX_SEED)] = Field(
        1, description="Root seed of all randomness.")
    replications: Annotated[int, Field(ge=1, le=limits.MAX_REPLICATIONS)] = Field(
        10, description="Independent runs.")
    hours_per_day: Annotated[float, Field(gt=0.0, le=limits.MAX_HOURS_PER_DAY)] = Field(
        7.5, description="Hours in one working day (for reporting hours).")
    operations: Operations = Field(default_factory=Operations)
    workforce: Workforce = Field(default_factory=Workforce)
    projects: Projects = Field(default_factory=Projects)
    benefits: BenefitDynamics = Field(default_factory=BenefitDynamics)
    ai: AiDynamics = Field(default_factory=AiDynamics)
    stress: Stress = Field(default_factory=Stress)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    opex: Opex = Field(default_factory=Opex)
    pmo: Pmo = Field(default_factory=Pmo)
    finance: Finance = Field(default_factory=Finance)
    levers: Levers = Field(default_factory=Levers)
    timeline: tuple[TimelineEvent, ...] = Field(
        (), max_length=limits.MAX_TIMELINE_EVENTS,
        description="Changes at points in time (AS-IS to TO-BE transitions, shocks).")

    def __hash__(self) -> int:
        # Some sections hold mappings, so hash the canonical JSON form instead.
        return hash(self.model_dump_json())

    @model_validator(mode="after")
    def _check_cross_fields(self) -> Scenario:
        problems = list(_cross_field_problems(self))
        if problems:
            raise ValueError(CROSS_FIELD_SEPARATOR.join(problems))
        return self


def with_sections(scenario: Scenario, sections: dict[str, Section]) -> Scenario:
    """``scenario`` with whole top-level sections replaced by other validated ones.

    Only the rules that span sections are checked again (each section was
    validated on its own), which is what validating the whole would add: the
    scenario's only model-level rule is :func:`_cross_field_problems`, and its
    field rule (no booleans for numbers) concerns run settings, which stay as
    they were (``tests/test_variants.py`` checks both).

    Raises
    ------
    ValueError
        Listing the broken cross-field rules.
    """
    values = {name: sections.get(name, getattr(scenario, name))
              for name in type(scenario).model_fields}
    changed = type(scenario).model_construct(
        _fields_set=scenario.model_fields_set | set(sections), **values)
    problems = list(_cross_field_problems(changed))
    if problems:
        raise ValueError(CROSS_FIELD_SEPARATOR.join(problems))
    return changed


def _cross_field_problems(s: Scenario):
    """Yield each rule that spans several sections and is broken."""
    for key in ("horizon", "warmup"):
        value = getattr(s, key)
        if value != round(value):
            yield (f"{key}={value:g} days must be a whole number of working days "
                   "(the model advances its stocks once per day)")
    if s.warmup >= s.horizon:
        yield f"warmup={s.warmup:g} days must be shorter than horizon={s.horizon:g} days"
    source = s.levers.staffing_source
    pool = getattr(s.workforce, source).headcount
    for section in ("templates", "portfolio"):
        listed = getattr(s.projects, section)
        if max((p.team for p in listed), default=0) <= pool:
            continue
        for i, p in enumerate(listed):
            if p.team > pool:
                yield (f"projects.{section}[{i}].team={p.team} cannot be staffed: "
                       f"workforce.{source}.headcount is {pool} (levers.staffing_source="
                       f"'{source}'); use a team of at most {pool}")
    names = [p.name for p in (*s.projects.templates, *s.projects.portfolio)]
    duplicated = sorted(n for n, count in collections.Counter(names).items() if count > 1)
    if duplicated:
        yield f"project names must be unique; repeated: {', '.join(duplicated)}"
    yield from _timeline_problems(s)
    yield from _join_problems(s, names)
    if s.operations.demand > 0 and s.workforce.operations.headcount == 0:
        yield ("operations.demand > 0 but workforce.operations.headcount=0: "
               "nobody serves the day job")
    yield from _size_problems(s)


def _size_problems(s: Scenario):
    """Yield the limits on the work one replication may take (:mod:`sim.schema.limits`)."""
    ops = s.operations
    items = limits.expected_items(ops.demand, ops.demand_growth, s.horizon, ops.p_defect)
    if items > limits.MAX_ITEMS:
        yield (f"operations.demand={ops.demand:g} a day over horizon={s.horizon:g} days "
               f"(growth {ops.demand_growth:g} a year, p_defect {ops.p_defect:g}) means about "
               f"{items:.3g} day-job items a replication; the limit is {limits.MAX_ITEMS:,} "
               f"({limits.LIMITS_DOC}): lower the demand or the horizon")
    backlog = ops.backlog_limit * ops.demand
    if backlog > limits.MAX_BACKLOG_ITEMS:
        yield (f"operations.backlog_limit={ops.backlog_limit:g} days x operations.demand="
               f"{ops.demand:g} lets {backlog:.3g} items pile up before a run collapses; the "
               f"limit is {limits.MAX_BACKLOG_ITEMS:,} items ({limits.LIMITS_DOC})")
    proposals = sum(t.per_year for t in s.projects.templates) * s.horizon / DAYS_PER_YEAR
    if proposals > limits.MAX_PROPOSALS:
        yield (f"projects.templates: {proposals:.3g} proposals expected over horizon="
               f"{s.horizon:g} days (per_year adds up to "
               f"{sum(t.per_year for t in s.projects.templates):g}); the limit is "
               f"{limits.MAX_PROPOSALS:,} ({limits.LIMITS_DOC})")


TIMELINE_KEYS = ("levers.", "operations.demand", "operations.demand_growth",
                 "operations.seasonality.", "operations.p_defect", "projects.quality",
                 "projects.discovery_delay", "projects.estimate_error", "projects.mentoring",
                 "projects.onboarding", "projects.newcomer_productivity",
                 "projects.communication_overhead", "benefits.", "ai.", "stress.", "behaviour.",
                 "workforce.attrition.", "workforce.max_assignments", "workforce.multitasking",
                 "opex.capability_max", "opex.capability_min", "opex.erosion",
                 "opex.improvement_yield", "pmo.")
"""Key paths (or prefixes ending in a dot) a timeline event may change while running."""


def timeline_key_allowed(path: str) -> bool:
    """Return True if a timeline event may change ``path`` during a run."""
    return any(path == key or (key.endswith(".") and path.startswith(key))
               for key in TIMELINE_KEYS)


def apply_changes(scenario: Scenario, values: dict[str, Any] | None = None,
                  factors: dict[str, float] | None = None) -> Scenario:
    """Return a copy of ``scenario`` with keys set to ``values`` and scaled by ``factors``.

    Parameters
    ----------
    scenario
        The scenario in force.
    values
        Key paths and their new values.
    factors
        Key paths of numbers and the factors to multiply them by.

    Returns
    -------
    Scenario
        A new, validated scenario (its timeline is kept as it was).

    Raises
    ------
    ValueError
        If a key is unknown, not a number (for a factor) or the result is invalid.
    """
    values = dict(values or {})
    preset = GOVERNANCE_PRESETS.get(values.get("levers.governance"), {})
    for key, value in _flatten(preset, "levers.").items():
        values.setdefault(key, value)  # a preset set mid-run sets its levers too
    data = _open_for(scenario, [*values, *(factors or {})])
    for key, value in values.items():
        set_key_path(data, key, value)
    for key, factor in (factors or {}).items():
        current = get_key_path(data, key)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise ValueError(f"{key} is {current!r}, not a number that can be scaled")
        set_key_path(data, key, current * factor)
    changed = Scenario.model_validate(data)
    return changed.model_copy(update={"timeline": scenario.timeline})


def _open_for(scenario: Scenario, keys: list[str]) -> dict[str, Any]:
    """The scenario as data to change at ``keys``: only what they reach is written out.

    Sections no key reaches stay the validated objects they are, and so do lists
    of projects (templates, portfolio) no key reaches, so that a change costs the
    same whatever the size of the portfolio; validating the result accepts the
    unchanged objects as they are. The timeline is left out.
    """
    reached: dict[str, set] = {}
    for key in keys:
        parts = split_key_path(key)
        reached.setdefault(parts[0], set()).update(parts[1:2])
    data: dict[str, Any] = {}
    for name, field in type(scenario).model_fields.items():
        key, value = field.alias or name, getattr(scenario, name)
        if key == "timeline":
            continue
        if key not in reached or not isinstance(value, Section):
            data[key] = value if key not in reached else \
                scenario.model_dump(mode="json", by_alias=True, include={name})[key]
            continue
        kept = {inner: getattr(value, inner) for inner, f in type(value).model_fields.items()
                if (f.alias or inner) not in reached[key]
                and _holds_sections(getattr(value, inner))}
        data[key] = {**value.model_dump(mode="json", by_alias=True, exclude=set(kept)), **kept}
    return data


def _holds_sections(value: Any) -> bool:
    """Whether ``value`` is a non-empty tuple of validated sections (a project list)."""
    return isinstance(value, tuple) and bool(value) and all(isinstance(v, Section)
                                                           for v in value)


def _flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """Key paths of every leaf value in nested dictionaries."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _timeline_problems(s: Scenario):
    """Yield what is wrong with the timeline, replaying it in order as a run would."""
    import difflib

    if not s.timeline:
        return
    known = list(_flatten(s.model_dump(mode="json", by_alias=True, exclude={"timeline"})))
    steps = sorted((e.at, i, False) for i, e in enumerate(s.timeline))
    for i, event in enumerate(s.timeline):
        if event.for_ is not None:
            steps.append((event.at + event.for_, i, True))
            if event.for_ != round(event.for_):
                yield (f"timeline[{i}].for={event.for_:g} days must be a whole number of "
                       "working days")
    steps.sort()
    state, undo = s, {}
    headcount = {g: getattr(s.workforce, g).headcount for g in ("operations", "projects",
                                                                 "opex")}
    for at, i, ending in steps:
        event, where = s.timeline[i], f"timeline[{i}]"
        if at >= s.horizon:
            if not ending:
                yield f"{where}.at={at:g} days is not before the horizon ({s.horizon:g} days)"
            continue
        bad = False
        for key in ([] if ending else [*event.set, *event.scale]):
            try:
                split_key_path(key)
            except KeyPathError as exc:
                bad = True
                yield f"{where}: {excerpt(key)}: {exc}"
                continue
            if timeline_key_allowed(key):
                continue
            bad = True
            if key in known or any(k.startswith(key + ".") for k in known):
                yield (f"{where}: {key} cannot change during a run; allowed: "
                       f"{', '.join(k + '*' if k.endswith('.') else k for k in TIMELINE_KEYS)}")
            else:
                near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                yield f"{where}: {key}: unknown key.{hint}"
        if bad:
            continue
        try:
            if ending:
                factors = {k: 1.0 / f for k, f in event.scale.items()}
                state = apply_changes(state, undo.pop(i, {}), factors)
            else:
                if event.for_ is not None:
                    document = _open_for(state, list(event.set))
                    undo[i] = {k: get_key_path(document, k) for k in event.set}
                state = apply_changes(state, event.set, event.scale)
        except ValidationError as exc:
            for err in exc.errors():
                yield (f"{where}: after the change at day {at:g}, "
                       f"{describe_error(err, Scenario)}")
            return
        except (ValueError, KeyError) as exc:
            yield f"{where}: {str(exc).strip(chr(39))}"
            return
        for group, change in ([] if ending else event.staff.items()):
            before = headcount[group]
            headcount[group] += change
            if headcount[group] > limits.MAX_HEADCOUNT:
                yield (f"{where}.staff.{group}={change} brings workforce.{group} to "
                       f"{headcount[group]} people at day {at:g}; the limit is "
                       f"{limits.MAX_HEADCOUNT:,} ({limits.LIMITS_DOC})")
            if headcount[group] < 0:
                start = getattr(s.workforce, group).headcount
                yield (f"{where}.staff.{group}={change} removes more people than the "
                       f"{before} in workforce.{group} at day {at:g} "
                       f"(workforce.{group}.headcount={start} at the start)")


def _join_problems(s: Scenario, listed: list[str]):
    """Yield each ``join`` event that names no project the run can have."""
    templates = [t.name for t in s.projects.templates]
    for i, event in enumerate(s.timeline):
        if event.join is None:
            continue
        name = event.join.project
        stem, _, number = name.rpartition("-")
        if name in listed or (stem in templates and number.isdigit() and int(number) >= 1):
            continue
        known = ", ".join(listed) or "none"
        example = f", e.g. {templates[0]}-1" if templates else ""
        yield (f"timeline[{i}].join.project={name!r}: no such project. Listed projects: "
               f"{known}; proposals from a template are named <template>-<k>{example}")


def scenario_warnings(s: Scenario) -> list[str]:
    """Return advice about a valid scenario that is likely to behave badly.

    Parameters
    ----------
    s
        A validated scenario.

    Returns
    -------
    list of str
        Human-readable warnings; empty when nothing looks suspicious.
    """
    out = []
    ops = s.operations
    staff = s.workforce.operations.headcount * s.workforce.operations.skill
    if staff > 0:
        load = ops.demand / (1.0 - ops.p_defect) * ops.service_mean / staff
        if load >= 1.0:
            out.append(f"offered load {load:.2f} >= 1 even with every operations person on "
                       "the day job full time: the backlog will grow without bound")
    return out
