"""Claims as data: a declarative experiment per claim about PMOs and OpEx.

A claim file names a base scenario, the *arms* of the experiment (each a set of
key changes to the base), and *checks*: what the claim says should happen,
each comparing two arms on a summary KPI or on a weekly series over a time
window, or testing one arm's series after a project's handover. Conditions to
sample for robustness are ranges of keys. Users add a claim by adding a file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import excerpt
from sim.schema import limits
from sim.schema.base import Duration, Section


class Arm(Section):
    """One arm of the experiment: the base scenario with these keys changed."""

    label: str = Field("", description="A short description for reports.")
    set: dict[str, Any] = Field(default_factory=dict, description="Key paths and values.")


class Check(Section):
    """One thing the claim says should happen.

    ``compare: [A, B]`` checks that arm B minus arm A moves ``kpi`` (a summary
    column) or ``series`` (a weekly column, averaged over ``window``) in the
    ``expect`` direction, with paired replications. ``arm`` with
    ``after_handover`` checks that ``series`` in that arm has reached ``value``
    within ``within`` of the handover of ``project`` in every replication.
    """

    compare: tuple[str, str] | None = Field(None, description="Arms A and B: B - A is tested.")
    kpi: str | None = Field(None, description="A summary KPI.")
    series: str | None = Field(None, description="A weekly column.")
    window: tuple[Duration, Duration] | None = Field(
        None, description="Time window [from, to) over which the series is averaged.")
    expect: Literal["higher", "lower", "at_least", "at_most"] = Field(
        description="higher / lower for comparisons; at_least / at_most for a value.")
    arm: str | None = Field(None, description="The arm a value check looks at.")
    after_handover: str | None = Field(None, description="Project whose handover starts T.")
    within: Annotated[Duration, Field(gt=0)] | None = Field(None, description="T.")
    value: float | None = Field(None, description="The value to reach.")
    label: str = Field("", description="What this check means, in plain words.")
    decides: bool = Field(
        True, description="Whether the claim's verdict rests on this check (false: a "
                          "check that describes the experiment, e.g. that a spike is felt).")

    @model_validator(mode="after")
    def _shape(self) -> Check:
        if self.compare is not None:
            if (self.kpi is None) == (self.series is None):
                raise ValueError("a comparison check needs exactly one of kpi or series")
            if self.series is not None and self.window is None:
                raise ValueError("a series comparison needs a window [from, to)")
            if self.expect not in ("higher", "lower"):
                raise ValueError("a comparison expects higher or lower")
            if self.window is not None and not self.window[0] < self.window[1]:
                raise ValueError(f"window = [{self.window[0]:g}, {self.window[1]:g}]: "
                                 "from must be before to")
        else:
            missing = [k for k in ("arm", "series", "after_handover", "within", "value")
                       if getattr(self, k) is None]
            if missing:
                raise ValueError("a check without compare is a value check and needs "
                                 + ", ".join(missing))
            if self.expect not in ("at_least", "at_most"):
                raise ValueError("a value check expects at_least or at_most")
        return self


class Robustness(Section):
    """Sampled organisations in which the claim's deciding checks are re-examined.

    Every parameter of :data:`sim.studies.uncertainty.UNCERTAIN` is sampled unless
    an arm sets it or ``fix`` holds it; ``vary`` adds keys or replaces a range.
    """

    samples: Annotated[int, Field(ge=0, le=limits.MAX_ROBUSTNESS_SAMPLES)] = Field(
        200, description="Sampled organisations (Latin hypercube).")
    replications: Annotated[int, Field(ge=1, le=limits.MAX_REPLICATIONS)] = Field(
        2, description="Per sample and arm.")
    vary: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Key paths and [low, high] ranges, added to or "
                                          "replacing those sampled for every claim.")
    fix: dict[str, str] = Field(
        default_factory=dict, description="Keys sampled for every claim that this claim "
                                          "holds at the base value, each with the reason.")

    @model_validator(mode="after")
    def _ranges(self) -> Robustness:
        for key, (low, high) in self.vary.items():
            if not low < high:
                raise ValueError(f"vary.{key}: low={low} must be below high={high}")
        return self


class Tipping(Section):
    """When a run counts as tipped (firefighting at the end), for the regime statistics."""

    series: str = Field("pressure", description="A weekly column.")
    above: float = Field(1.0, description="The run tipped if the column's mean over the last "
                                          "weeks is above this.")
    last: Annotated[Duration, Field(gt=0)] = Field(
        63.0, description="How long before the end the mean is taken (default 3 months).")


class Claim(Section):
    """A claim and the experiment that tests it."""

    id: str = Field(min_length=1, description="Short identifier, e.g. C4.")
    title: str = Field(min_length=1)
    claim: str = Field(min_length=1, description="The claim in plain words.")
    source: str = Field("", description="Where the claim comes from.")
    scenario: str = Field(description="Base scenario file, relative to the claim file.")
    set: dict[str, Any] = Field(default_factory=dict, description="Changes for every arm.")
    arms: dict[str, Arm] = Field(min_length=1)
    checks: tuple[Check, ...] = Field(min_length=1)
    replications: Annotated[int, Field(ge=2, le=limits.MAX_REPLICATIONS)] = Field(
        10, description="Replications per arm at the first look.")
    max_replications: Annotated[int, Field(ge=2, le=limits.MAX_REPLICATIONS)] | None = Field(
        None, description="Most replications per arm: while a deciding check is inconclusive "
                          "the replications are doubled up to this (default 4 x "
                          "replications).")
    tipping: Tipping = Field(default_factory=Tipping)
    robustness: Robustness = Field(default_factory=Robustness)
    caveats: str = Field("", description="What the experiment does not show.")

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        problem = limits.name_problem(value)
        if problem:
            raise ValueError(f"a claim's id names its plot file and {problem}")
        return value

    @field_validator("arms")
    @classmethod
    def _safe_arm_names(cls, arms: dict[str, Arm]) -> dict[str, Arm]:
        for name in arms:
            problem = limits.name_problem(name)
            if problem:
                raise ValueError(f"arm {excerpt(name)}: an arm's name labels its runs and "
                                 f"{problem}")
        return arms

    @property
    def replication_cap(self) -> int:
        """The most replications per arm (``max_replications`` or 4 x ``replications``)."""
        return max(self.max_replications or 4 * self.replications, self.replications)

    @model_validator(mode="after")
    def _arms_exist(self) -> Claim:
        for name, arm in self.arms.items():
            clash = sorted(set(arm.set) & set(self.robustness.vary))
            if clash:
                raise ValueError(f"arms.{name} sets {', '.join(clash)}, which robustness.vary "
                                 "also samples; a sample would override the arm")
        for i, check in enumerate(self.checks):
            named = list(check.compare or ()) + ([check.arm] if check.arm else [])
            for arm in named:
                if arm not in self.arms:
                    raise ValueError(f"checks[{i}] names arm {arm!r}; arms are "
                                     f"{', '.join(self.arms)}")
        return self
