"""Claims as data: a declarative experiment per claim about PMOs and OpEx.

A claim file names a base scenario, the *arms* of the experiment (each a set of
key changes to the base), and *checks*: what the claim says should happen,
each comparing two arms (higher, lower, or not worse within a margin) or
testing one arm against a value, on a summary KPI, a weekly series over a time
window, a trend or spread over the projects, or a series read after a project's
handover. Conditions to sample for robustness are ranges of keys. Users add a
claim by adding a file.
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

    A check has one *measure* per run: ``kpi`` (a summary column), ``series`` (a
    weekly column averaged over ``window``), ``trend`` (the slope, per year, of a
    project column against the projects' start days, over the due projects) or
    ``spread`` (the standard deviation of a project column over the due projects);
    for the last two, ``window`` keeps the projects whose on-time deadline falls in
    it. Or, with ``after_handover`` and ``within``, the ``series`` read a time
    ``within`` after a project's handover.

    ``compare: [A, B]`` tests B - A with paired replications: ``higher`` or
    ``lower``, or ``not_worse`` within ``margin`` (non-inferiority: B is at most
    ``margin`` worse than A, in the measure's good direction, ``good`` or the
    KPI's). ``arm`` alone tests that measure in one arm against ``value``:
    ``at_least`` or ``at_most`` in most replications (an exact binomial test).
    ``along`` (arms mapped to the value of a swept key) with ``expect: threshold``
    looks for a change of regime of the measure along that key (see
    :mod:`sim.studies.sweeps.thresholds`).
    """

    compare: tuple[str, str] | None = Field(None, description="Arms A and B: B - A is tested.")
    arm: str | None = Field(None, description="The arm a value check looks at.")
    along: dict[str, Annotated[float, Field(allow_inf_nan=False)]] | None = Field(
        None, description="expect: threshold: arms mapped to the value of the swept key in "
                          "each (at least five distinct values).")
    kpi: str | None = Field(None, description="A summary KPI.")
    series: str | None = Field(None, description="A weekly column.")
    trend: str | None = Field(None, description="A project column whose slope per year over "
                                                "the projects' start days is the measure.")
    spread: str | None = Field(None, description="A project column whose standard deviation "
                                                 "over the due projects is the measure.")
    window: tuple[Duration, Duration] | None = Field(
        None, description="Time window [from, to): weeks a series is averaged over, or the "
                          "deadlines of the projects a trend or spread is taken over.")
    after_handover: str | None = Field(None, description="Project whose handover starts T.")
    within: Annotated[Duration, Field(gt=0)] | None = Field(None, description="T.")
    expect: Literal["higher", "lower", "not_worse", "at_least", "at_most", "threshold"] = Field(
        description="higher / lower / not_worse for comparisons; at_least / at_most for a "
                    "value in one arm; threshold along arms.")
    margin: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = Field(
        None, description="not_worse: how much worse B may be, in the measure's unit.")
    good: Literal["higher", "lower"] | None = Field(
        None, description="not_worse: which way is better (default: the KPI's direction).")
    value: float | None = Field(None, description="The value to reach.")
    label: str = Field("", description="What this check means, in plain words.")
    decides: bool = Field(
        True, description="Whether the claim's verdict rests on this check (false: a "
                          "check that describes the experiment, e.g. that a spike is felt).")

    @property
    def measure(self) -> str:
        """The column the measure is taken from."""
        return self.kpi or self.series or self.trend or self.spread or ""

    @property
    def kind(self) -> str:
        """``kpi``, ``series``, ``trend``, ``spread`` or ``handover``."""
        if self.after_handover is not None:
            return "handover"
        for kind in ("kpi", "series", "trend", "spread"):
            if getattr(self, kind) is not None:
                return kind
        return ""

    @model_validator(mode="after")
    def _shape(self) -> Check:
        measures = [k for k in ("kpi", "series", "trend", "spread") if getattr(self, k)]
        if len(measures) != 1:
            raise ValueError("a check needs exactly one of kpi, series, trend or spread")
        if sum(x is not None for x in (self.compare, self.arm, self.along)) != 1:
            raise ValueError("a check needs one of compare: [A, B], arm, or along")
        if self.along is not None:
            if self.expect != "threshold" or self.kind not in ("kpi", "series"):
                raise ValueError("along goes with expect: threshold, on a kpi or a series")
            if len(set(self.along.values())) < 5:
                raise ValueError("along needs at least five distinct values to locate a "
                                 "threshold")
            return self
        if self.expect == "threshold":
            raise ValueError("expect: threshold needs along (arms and their values)")
        if self.window is not None and not self.window[0] < self.window[1]:
            raise ValueError(f"window = [{self.window[0]:g}, {self.window[1]:g}]: "
                             "from must be before to")
        handover = self.after_handover is not None or self.within is not None
        if handover:
            if self.after_handover is None or self.within is None or self.series is None:
                raise ValueError("reading a series after a handover needs series, "
                                 "after_handover and within")
            if self.compare is not None:
                raise ValueError("after_handover goes with a value check on one arm")
        elif self.series is not None and self.window is None:
            raise ValueError("a series needs a window [from, to)")
        if self.compare is not None:
            if self.expect not in ("higher", "lower", "not_worse"):
                raise ValueError("a comparison expects higher, lower or not_worse")
            if (self.expect == "not_worse") != (self.margin is not None):
                raise ValueError("margin goes with expect: not_worse, and not_worse needs one")
        else:
            if self.expect not in ("at_least", "at_most") or self.value is None:
                raise ValueError("a value check on one arm expects at_least or at_most a value")
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
    construction: str = Field(
        "", description="If the claim holds largely by construction of the model, why; the "
                        "verdict line says so.")

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
            named = list(check.compare or ()) + ([check.arm] if check.arm else []) \
                + list(check.along or ())
            for arm in named:
                if arm not in self.arms:
                    raise ValueError(f"checks[{i}] names arm {arm!r}; arms are "
                                     f"{', '.join(self.arms)}")
        return self
