"""The parameters a claim's robustness samples vary, with their ranges and sources.

A verdict reached in one organisation with the model's default numbers says
little until it has been tried where those numbers are different. Most defaults
of the model's behaviour have no published figure behind them (docs/model.md,
"Parameter table", says which); the few that do come with one quoted value, not a
distribution. So every claim's robustness samples draw, by Latin hypercube, every
parameter listed here, each over a plausible range: for a parameter without a
source, a range around its default wide enough to change what it does; for one
with a source, the range the source gives, or a narrow one around its figure
when the source quotes a single value. Ranges keep the scenario valid (a curve
that must not rise stays non-rising) and are in the key's own unit.

A range is absolute, or relative to the claim's base scenario (``factor``): the
load of the organisation, for example, is varied by ±10% around whatever the
claim's base says. A claim file may add keys of its own (``robustness.vary``),
narrow or widen one of these (the same key in ``vary``), or hold one fixed with
a reason (``robustness.fix``); a key that an arm of the claim sets is the lever
under test and is never sampled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Uncertain:
    """One sampled parameter.

    Attributes
    ----------
    key
        Scenario key path (a point of a curve is ``curve.i.1``: the multiplier of
        its i-th point).
    low, high
        The range, in the key's unit, or as factors of the base value when
        ``relative``.
    relative
        Whether ``low`` and ``high`` multiply the base scenario's value.
    source
        The published figure or range behind it; empty when there is none.
    basis
        Why this range.
    needs
        ``"ai"`` when the parameter acts only on a scenario with an AI project.
    """

    key: str
    low: float
    high: float
    basis: str
    source: str = ""
    relative: bool = False
    needs: str = ""


NO_SOURCE = "no published figure: a modelling choice"

UNCERTAIN: tuple[Uncertain, ...] = (
    # the organisation's load, around each claim's base
    Uncertain("operations.demand", 0.9, 1.1, "±10% of the claim's base load: how close the "
              "desk runs to its capacity", relative=True),
    Uncertain("operations.p_defect", 0.02, 0.10, "half to twice the default 5% failure demand"),
    Uncertain("operations.defect_delay", 2, 10, "half to twice the default of 5 days"),
    # people
    Uncertain("workforce.attrition.rate", 0.06, 0.24, "half to twice the default 12% a year"),
    Uncertain("workforce.attrition.hiring_delay", 21, 126, "1 to 6 months to refill a seat"),
    Uncertain("workforce.attrition.onboarding", 60, 100, "±25% around the quoted figure",
              source="Abdel-Hamid & Madnick (1991): about 80 days, commonly quoted"),
    Uncertain("workforce.attrition.new_hire_productivity", 0.4, 0.6,
              "±0.1 around the quoted figure",
              source="Abdel-Hamid & Madnick (1991): about 50%, commonly quoted"),
    # projects
    Uncertain("projects.estimate_error", 0.2, 0.5, "σ of the log estimate error around 0.35"),
    Uncertain("projects.quality", 0.75, 0.95, "share right first time around 0.85"),
    Uncertain("projects.discovery_delay", 10, 42, "2 weeks to 2 months for rework to surface"),
    Uncertain("projects.size_cv", 0.3, 0.7, "spread of project sizes around 0.5"),
    Uncertain("projects.onboarding", 10, 40, "half to twice the quoted figure",
              source="Madachy's Brooks's-law model: about 20 days"),
    Uncertain("projects.newcomer_productivity", 0.3, 0.7, "±0.2 around the quoted figure",
              source="Abdel-Hamid & Madnick (1991): about 50%"),
    Uncertain("projects.mentoring", 0.20, 0.25, "the quoted range",
              source="Abdel-Hamid & Madnick (1991): 20-25% of a mentor's time"),
    Uncertain("projects.communication_overhead", 0.0003, 0.0009,
              "half to 1.5 times the quoted figure",
              source="Abdel-Hamid & Madnick (1991): 0.06 n² percent, commonly quoted"),
    # benefits
    Uncertain("benefits.erosion", 126, 504, "6 months to 2 years without sustainment"),
    Uncertain("benefits.sustain_effort", 0.25, 1.0, "a quarter to a full person-day a week"),
    # stress (the sources give directions and correlations, not curves)
    Uncertain("stress.tau", 10, 40, "2 to 8 weeks for stress to follow its causes"),
    Uncertain("stress.overload_gain", 0.5, 2.0, "half to twice the default"),
    Uncertain("stress.misalignment_gain", 0.2, 1.0, "a third to 1.7 times the default 0.6"),
    Uncertain("stress.challenge_productivity.1.1", 1.0, 1.1,
              "the inverted U's peak: from no gain to +10% at moderate challenge"),
    Uncertain("stress.hindrance_productivity.1.1", 0.8, 1.0,
              "hindrance curve at H = 0.5 (kept above its value at H = 1, so never rising)"),
    Uncertain("stress.hindrance_productivity.2.1", 0.6, 0.8,
              "hindrance curve at H = 1 (kept below its value at H = 0.5)"),
    Uncertain("stress.defects.1.1", 1.5, 3.0, "defects at strain 2: +50% to three times"),
    Uncertain("stress.challenge_attrition", 0.0, 0.75,
              "kept below the hindrance effect, which the source finds much stronger"),
    Uncertain("stress.hindrance_attrition", 0.75, 3.0, "kept above the challenge effect",
              source="Podsakoff, LePine & LePine (2007): hindrance stress raises turnover "
                     "much more than challenge stress (direction only)"),
    # behaviour
    Uncertain("behaviour.divert_gain", 0.5, 2.0, "half to twice the default pull of the queue"),
    Uncertain("behaviour.divert_max", 0.5, 1.0, "at most half to all movable time diverted"),
    Uncertain("behaviour.unrewarded_ops_share", 0.0, 1.0,
              "someone whose own work is not rewarded counts as rewarded on nothing (0) "
              "up to on the day job alone (1, the default)"),
    # OpEx
    Uncertain("opex.erosion", 126, 504, "6 months to 2 years"),
    Uncertain("opex.improvement_yield", 0.0003, 0.0012, "half to twice the default"),
    Uncertain("opex.capability_min", 0.5, 0.9, "what neglect erodes capability towards"),
    Uncertain("opex.capability_max", 1.25, 2.0, "what improvement approaches"),
    # PMO
    Uncertain("pmo.learning_rate", 0.02, 0.10, "share of the gap to maturity 5 per project"),
    Uncertain("pmo.forgetting", 252, 1008, "1 to 4 years"),
    Uncertain("pmo.maturity_effect", 0.25, 0.75, "effect of full maturity on practices"),
    # AI solutions (docs/model.md: none has a published number)
    Uncertain("ai.quality_evaluated", 0.8, 0.98, "quality at go-live after the gate", needs="ai"),
    Uncertain("ai.quality_unevaluated", 0.4, 0.78, "quality at go-live without it", needs="ai"),
    Uncertain("ai.quality_floor", 0.0, 0.35, "what gradual drift tends to", needs="ai"),
    Uncertain("ai.drift_time", 126, 756, "6 months to 3 years", needs="ai"),
    Uncertain("ai.shocks_per_year", 0.0, 3.0, "sudden drift events a year", needs="ai"),
    Uncertain("ai.shock_size", 0.1, 0.5, "share of quality a shock takes", needs="ai"),
    Uncertain("ai.degradation_tolerance", 0.05, 0.2, "drop that counts as degraded",
              needs="ai"),
    Uncertain("ai.detection_delay", 5, 60, "working days at full monitoring", needs="ai"),
    Uncertain("ai.monitor_effort", 0.25, 2.0, "person-days a week per solution", needs="ai"),
    Uncertain("ai.retrain_effort", 5, 40, "person-days per retraining", needs="ai"),
    Uncertain("ai.retrain_time", 10, 60, "working days per retraining", needs="ai"),
    Uncertain("ai.incidents_per_year", 4, 36, "incident rate at zero quality", needs="ai"),
    Uncertain("ai.incident_propensity_unevaluated", 1.0, 4.0, "without the gate", needs="ai"),
    Uncertain("ai.items_per_incident", 5, 50, "failure demand per incident", needs="ai"),
)
"""Every parameter the robustness samples vary (see the module docstring)."""

BY_KEY: dict[str, Uncertain] = {u.key: u for u in UNCERTAIN}
