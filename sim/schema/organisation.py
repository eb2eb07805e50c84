"""Schema of the organisational dynamics: people, rewards, OpEx, PMO, timeline.

Conditions (how people and the organisation respond) are the sections
``stress``, ``behaviour``, ``workforce.attrition``, ``opex`` and ``pmo``; the
policies (reward scheme, PMO type, sustainment owner, improvement time,
protected time, governance preset) are levers and live in
:class:`sim.schema.scenario.Levers`. Every default below is documented with its
source, or as a modelling choice, in ``docs/model.md``; the neutral value that
switches each mechanism off is listed there too.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.schema.base import Delay, Duration, Factor, Fraction, Gain, Section, TimeSpan
from sim.schema.limits import (
    MAX_CURVE_POINTS,
    MAX_GAIN,
    MAX_HEADCOUNT,
    MAX_HORIZON_DAYS,
    MAX_RATE_PER_YEAR,
    MAX_REDUCTION,
    MAX_SCALE,
    MAX_WIP,
    MIN_FACTOR,
    MIN_SCALE,
)
from sim.units import DAYS_PER_MONTH, DAYS_PER_WEEK, DAYS_PER_YEAR

CurveValue = Annotated[float, Field(ge=0.0, le=MAX_GAIN)]
"""An x or y value of a curve: stress levels and multipliers, from 0 to 100."""

Curve = Annotated[tuple[tuple[CurveValue, CurveValue], ...], Field(max_length=MAX_CURVE_POINTS)]
"""A lookup table of (x, y) points, interpolated linearly and flat beyond its ends."""


def _check_curve(points: Curve) -> Curve:
    xs = [x for x, _ in points]
    if len(points) < 1:
        raise ValueError("a curve needs at least one (x, y) point")
    if any(b <= a for a, b in itertools.pairwise(xs)):
        raise ValueError(f"curve x values must increase strictly, got {xs}")
    return points


_RENAMED_STRESS_KEYS = {
    "productivity": "stress.productivity is now two curves: stress.challenge_productivity "
                    "(by challenge stress) and stress.hindrance_productivity (by hindrance "
                    "stress); the productivity multiplier is their product",
    "attrition": "stress.attrition is now two gains: stress.challenge_attrition and "
                 "stress.hindrance_attrition; the hazard multiplier is "
                 "1 + challenge_attrition x C + hindrance_attrition x H",
}


class Stress(Section):
    """Two kinds of stress, challenge and hindrance, and what each does.

    *Challenge* stress C comes from overload (more work demanded than there is
    time for, a queue above its target, late projects); *hindrance* stress H
    comes from misalignment (being reviewed on one thing while assigned to
    another: role conflict). Both move towards their targets with time constant
    ``tau``. Productivity is the product of a challenge curve (an inverted U: a
    little time pressure helps) and a hindrance curve that never rises; defects
    respond to the strain S = C + H; the hazard of leaving rises with both,
    more steeply with hindrance (the challenge-hindrance framework).
    """

    tau: TimeSpan = Field(
        4 * DAYS_PER_WEEK, description="Time constant with which both kinds of stress move "
                                       "to their targets.")
    overload_gain: Gain = Field(
        1.0, description="Challenge stress target per unit of overload (demanded / available "
                         "hours - 1).")
    misalignment_gain: Gain = Field(
        0.6, description="Hindrance stress target per unit of misalignment.")
    ceiling: Factor = Field(
        2.0, description="Highest target of either kind of stress: beyond it people cannot "
                         "get more stressed (the default curves are flat from about here).")
    challenge_productivity: Curve = Field(
        ((0.0, 1.0), (0.3, 1.05), (0.6, 1.0), (1.0, 0.75), (1.5, 0.5)),
        description="Productivity multiplier by challenge stress C (an inverted U: mild time "
                    "pressure helps a little, more hurts).")
    hindrance_productivity: Curve = Field(
        ((0.0, 1.0), (0.5, 0.9), (1.0, 0.75)),
        description="Productivity multiplier by hindrance stress H; it must never rise "
                    "(role conflict does not make people faster).")
    defects: Curve = Field(
        ((0.0, 1.0), (2.0, 2.0)),
        description="Defect-probability multiplier by strain S = C + H (1 + 0.5 S up to "
                    "S = 2).")
    challenge_attrition: Gain = Field(
        0.5, description="Rise of the hazard of leaving per unit of challenge stress.")
    hindrance_attrition: Gain = Field(
        1.5, description="Rise of the hazard of leaving per unit of hindrance stress.")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, advice in _RENAMED_STRESS_KEYS.items():
                if key in data:
                    raise ValueError(advice)
        return data

    @field_validator("challenge_productivity", "hindrance_productivity", "defects")
    @classmethod
    def _curves(cls, value: Curve) -> Curve:
        return _check_curve(value)

    @field_validator("challenge_productivity", "hindrance_productivity")
    @classmethod
    def _productive(cls, value: Curve) -> Curve:
        low = min(y for _, y in value)
        if low < MIN_FACTOR:
            raise ValueError(f"a productivity curve's y values must be at least {MIN_FACTOR:g} "
                             f"(nobody works at zero speed), got {low:g}")
        return value

    @field_validator("hindrance_productivity")
    @classmethod
    def _never_rising(cls, value: Curve) -> Curve:
        ys = [y for _, y in value]
        rises = [(a, b) for (a, b) in itertools.pairwise(value) if b[1] > a[1]]
        if rises:
            (x0, y0), (x1, y1) = rises[0]
            raise ValueError(f"the hindrance curve must not rise, but it goes from {y0:g} at "
                             f"H={x0:g} to {y1:g} at H={x1:g} (points {ys}); hindrance "
                             "stressors lower performance (LePine, Podsakoff & LePine 2005)")
        return value


class Behaviour(Section):
    """How people split their day under pressure ("current work first")."""

    divert_gain: Gain = Field(
        1.0, description="Share of planned project and improvement time diverted per unit of "
                         "ops pressure above 1, for someone rewarded only on operations.")
    divert_max: Fraction = Field(0.8, description="Most of that time anyone diverts.")
    unrewarded_ops_share: Fraction = Field(
        1.0, description="Reward share on the day job of someone whose own work carries no "
                         "reward weight while the day job does (e.g. the OpEx team under "
                         "operations-only reviews): 1 = reviewed on the day job alone.")


class Attrition(Section):
    """Leavers, backfill and the productivity of new hires."""

    rate: Annotated[float, Field(ge=0.0, le=MAX_RATE_PER_YEAR)] = Field(
        0.12, description="Base hazard of leaving, per person per year (at zero stress).")
    backfill: bool = Field(True, description="Refill a leaver's seat after the hiring delay.")
    hiring_delay: Delay = Field(
        3 * DAYS_PER_MONTH, description="Time from a departure to the replacement's first day.")
    onboarding: TimeSpan = Field(
        80.0, description="Time for a new hire to ramp up to full productivity.")
    new_hire_productivity: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.5, description="Productivity of a new hire on their first day.")


class Opex(Section):
    """Operations capability: built by improvement time, eroded by neglect."""

    capability_initial: Factor = Field(
        1.0, description="Capability at the start (1 = baseline).")
    capability_max: Factor = Field(
        1.5, description="Capability that improvement approaches with diminishing returns.")
    capability_min: Factor = Field(
        0.7, description="Capability that neglect erodes towards.")
    erosion: TimeSpan = Field(
        DAYS_PER_YEAR, description="Time constant of erosion towards capability_min.")
    kaizen_cycle: TimeSpan = Field(
        4 * DAYS_PER_WEEK, description="Improvement gains land at the end of each cycle.")
    improvement_yield: Fraction = Field(
        0.0006, description="Share of the gap to capability_max closed per person-day "
                            "of improvement (for small efforts).")

    @model_validator(mode="after")
    def _order(self) -> Opex:
        if not self.capability_min <= self.capability_initial <= self.capability_max:
            raise ValueError(
                f"capability_min={self.capability_min} <= capability_initial="
                f"{self.capability_initial} <= capability_max={self.capability_max} must hold")
        return self


class PmoBundle(Section):
    """What one type of PMO does."""

    standardisation: Fraction = Field(
        0.0, description="Reduction of estimate error and of rework (share).")
    monitoring: Annotated[float, Field(ge=0.0, le=MAX_REDUCTION)] = Field(
        0.0, description="Reduction of rework discovery delay (share, below 1: rework is never "
                         "found instantly).")
    wip_limit: Annotated[int, Field(ge=1, le=MAX_WIP)] | None = Field(
        None, description="WIP limit the PMO enforces (none: the lever's).")
    stage_gates: bool = Field(False, description="Review projects at every gate interval.")
    protected_time: Fraction = Field(
        0.0, description="Share of project and improvement time nobody may divert.")
    headcount: Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)] = Field(
        0, description="PMO staff (overhead).")


def _default_bundles() -> dict[str, PmoBundle]:
    return {
        "none": PmoBundle(),
        "supportive": PmoBundle(standardisation=0.2, monitoring=0.1, headcount=2),
        "controlling": PmoBundle(standardisation=0.35, monitoring=0.3, stage_gates=True,
                                 headcount=3),
        "directive": PmoBundle(standardisation=0.5, monitoring=0.4, stage_gates=True,
                               protected_time=0.5, headcount=4),
    }


PmoType = Literal["none", "supportive", "controlling", "directive"]


class Pmo(Section):
    """What PMO types do and how organisational project maturity moves."""

    bundles: dict[PmoType, PmoBundle] = Field(
        default_factory=_default_bundles,
        description="What each PMO type does; give only the types and fields to change.")
    maturity_initial: Annotated[float, Field(ge=1.0, le=5.0)] = Field(
        1.0, description="Organisational project maturity at the start (1..5).")
    learning_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.05, description="Share of the gap to maturity 5 closed by each completed project.")
    forgetting: TimeSpan = Field(
        2 * DAYS_PER_YEAR, description="Time constant of maturity decay without a PMO.")
    maturity_effect: Annotated[float, Field(ge=0.0, le=MAX_REDUCTION)] = Field(
        0.5, description="At maturity 5, further reduction of estimate error, rework and "
                         "discovery delay (scaled linearly from 0 at maturity 1).")
    gate_interval: TimeSpan = Field(
        3 * DAYS_PER_MONTH, description="Time between stage-gate reviews.")
    cancel_slip: Factor | None = Field(
        None, description="At a gate, cancel a project whose forecast slip exceeds this "
                          "(none: gates never cancel).")

    @field_validator("bundles", mode="before")
    @classmethod
    def _merge_bundles(cls, value: Any) -> Any:
        """Let a scenario change single fields of single types."""
        if not isinstance(value, dict):
            return value
        merged = {name: bundle.model_dump() for name, bundle in _default_bundles().items()}
        for name, fields in value.items():
            if isinstance(fields, dict) and name in merged:
                merged[name] = {**merged[name], **fields}
            else:
                merged[name] = fields
        return merged


class RewardWeights(Section):
    """What performance reviews count, per unit of time assigned to each activity."""

    operations: Gain = 1.0
    projects: Gain = 0.0
    improvement: Gain = 0.0
    benefits: Gain = Field(
        0.0, description="Extra weight on benefit-creating work (projects, improvement, "
                         "sustainment).")


REWARD_PRESETS: dict[str, RewardWeights] = {
    "operations_only": RewardWeights(operations=1, projects=0, improvement=0, benefits=0),
    "balanced": RewardWeights(operations=1, projects=1, improvement=1, benefits=0),
    "project_bonus": RewardWeights(operations=1, projects=2, improvement=1, benefits=0),
    "outcome_based": RewardWeights(operations=1, projects=1, improvement=1, benefits=2),
}

RewardScheme = Literal["operations_only", "balanced", "project_bonus", "outcome_based"]


class Rewards(Section):
    """The reward scheme: a preset name or explicit weights."""

    scheme: RewardScheme | RewardWeights = Field(
        "balanced", description="operations_only, balanced, project_bonus, outcome_based, "
                                "or a mapping of weights.")

    @property
    def weights(self) -> RewardWeights:
        """The scheme's weights."""
        return REWARD_PRESETS[self.scheme] if isinstance(self.scheme, str) else self.scheme


class PmoPolicy(Section):
    """Which PMO the organisation has, and for how long."""

    type: PmoType = Field("none", description="none, supportive, controlling or directive.")
    disband_at: TimeSpan | None = Field(
        None, description="A temporary PMO disbands at this time (none: permanent).")
    lessons_learned: bool = Field(
        True, description="Completed projects feed maturity while a PMO exists.")


GOVERNANCE_PRESETS: dict[str, dict[str, Any]] = {
    "siloed": {"rewards": {"scheme": "operations_only"}, "sustainment": "none",
               "capacity_aware_intake": False},
    "systems": {"rewards": {"scheme": "outcome_based"}, "sustainment": "opex",
                "capacity_aware_intake": True},
}
"""Levers each governance preset sets; levers given explicitly win."""


StaffingSource = Literal["operations", "projects"]
"""The staff groups project teams may be drawn from."""


class Newcomers(Section):
    """Where people added to a running project come from (a join or a rescue)."""

    from_: StaffingSource | None = Field(
        None, alias="from", description="Group they come from (default: "
                                        "levers.staffing_source).")
    new_hires: bool = Field(
        False, description="Hire them from outside instead (new seats that ramp up).")

    model_config = Section.model_config | {"populate_by_name": True}


class Join(Newcomers):
    """People who join a running project."""

    project: str = Field(min_length=1, description="The project's name (a listed project, or "
                                                   "<template>-<k> for a proposal).")
    people: Annotated[int, Field(ge=1, le=MAX_HEADCOUNT)] = Field(
        description="How many join.")


class TimelineEvent(Section):
    """A change at a point in time: set or scale keys, add or remove staff, or join a project."""

    at: Annotated[Duration, Field(ge=0, le=MAX_HORIZON_DAYS)] = Field(
        description="When, from the start.")
    set: dict[str, Any] = Field(
        default_factory=dict, description="Key paths and their new values, e.g. "
                                          "{levers.rewards.scheme: balanced}.")
    scale: dict[str, Annotated[float, Field(ge=MIN_SCALE, le=MAX_SCALE)]] = Field(
        default_factory=dict, description="Numeric key paths and factors, e.g. "
                                          "{operations.demand: 1.3}.")
    for_: TimeSpan | None = Field(
        None, alias="for", description="Undo set/scale after this long (a pulse).")
    staff: dict[Literal["operations", "projects", "opex"],
                Annotated[int, Field(ge=-MAX_HEADCOUNT, le=MAX_HEADCOUNT)]] = Field(
        default_factory=dict, description="People to add (positive) or remove (negative) "
                                          "per group.")
    join: Join | None = Field(
        None, description="People who join a running project, e.g. {project: crm, people: 4}.")
    label: str = Field("", description="A name for the event in results.")

    model_config = Section.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _something(self) -> TimelineEvent:
        if not (self.set or self.scale or self.staff or self.join):
            raise ValueError("a timeline event needs at least one of set, scale, staff or join")
        if self.for_ is not None and (self.staff or self.join):
            raise ValueError("'for' undoes set and scale; staff changes and people joining a "
                             "project are permanent")
        if self.at != round(self.at):
            raise ValueError(f"at={self.at:g} days must be a whole number of working days")
        return self
