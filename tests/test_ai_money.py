"""AI solutions in money: their benefit in force is priced like any benefit of its kind."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS, load

import sim
from sim.model.benefits import KINDS
from sim.model.finance import PRICED_KINDS, benefit_rates

AI_EXAMPLE = SCENARIOS / "examples" / "ai_assistant.yaml"
SHORT = {"horizon": "2 years", "replications": 1}


@pytest.fixture(scope="module")
def ai_run():
    scenario = load(AI_EXAMPLE, SHORT)
    return scenario, sim.run(scenario, 0)


def test_ai_value_is_part_of_the_value_of_benefits(ai_run):
    _, result = ai_run
    weekly = result.weekly
    parts = sum(weekly[f"value_{k}"] for k in PRICED_KINDS) + weekly["value_ai"]
    np.testing.assert_allclose(weekly["value_benefits"], parts, rtol=1e-12, atol=1e-6)
    assert weekly["value_ai"].sum() > 0.0


def test_ai_value_is_the_benefit_in_force_priced_at_its_kind(ai_run):
    """value_ai per week = rate of the solution's kind x its benefit in force, day by day.

    The weekly `ai_benefit` column is the benefit in force at the week's end, so
    the identity is checked over the whole run through the KPI that integrates it.
    """
    scenario, result = ai_run
    kinds = {p.ai.kind for p in scenario.projects.portfolio if p.ai is not None}
    assert kinds == {"productivity"}
    weekly = result.weekly
    window = weekly[weekly["day"] > scenario.warmup]
    rates = benefit_rates(scenario)
    integrated = result.summary["ai_benefit_realised"] * 252.0  # benefit-days
    rate = rates[KINDS.index(kinds.pop())]
    assert window["value_ai"].sum() == pytest.approx(rate * integrated, rel=1e-6)


def test_without_ai_projects_value_ai_is_zero():
    result = sim.run(load(SCENARIOS / "baseline.yaml", {"horizon": "1 year"}), 0)
    assert (result.weekly["value_ai"] == 0.0).all()
