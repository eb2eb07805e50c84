"""Benefits: realisation, erosion, combination, and their effect on operations (§3.4).

A benefit of magnitude b handed over at t = 0 has a potential P (starts at b)
and a realised level R that closes the gap to P with time constant τ = T/3, so
that with full sustainment R(T) = b(1 − e⁻³) = 95.02% of b. With sustainment
coverage κ the potential erodes with time constant erosion / (1 − κ). Benefits
of one kind combine multiplicatively.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_from

import sim
from sim.model.benefits import BenefitLedger
from sim.schema import Benefit

REL = 1e-12
YEAR = 252.0


def ledger_with(*benefits: tuple[str, float, float], erosion: float = YEAR,
                **extra) -> BenefitLedger:
    ledger = BenefitLedger(erosion)
    ledger.hand_over(tuple(Benefit(kind=k, magnitude=b, within=t, **extra)
                           for k, b, t in benefits))
    return ledger


def step_days(ledger: BenefitLedger, days: int, coverage: float) -> None:
    for _ in range(days):
        ledger.step(1.0, coverage)


# -- realisation and erosion ------------------------------------------------------------

@pytest.mark.parametrize(("kind", "b", "within"), [
    ("failure_reduction", 0.20, 21),   # support calls −20% within 1 month
    ("productivity", 0.15, 63),        # cost per item −15% within 3 months
    ("revenue", 0.30, 126),            # sales +30% within 6 months
    ("demand_reduction", 0.5, 7),
])
def test_95_percent_realised_exactly_within_T(kind, b, within):
    ledger = ledger_with((kind, b, within))
    step_days(ledger, within - 1, coverage=1.0)
    assert ledger.realised[0] < 0.95 * b  # 95% is crossed at T ln(20)/3 = 0.9986 T
    ledger.step(1.0, 1.0)
    assert ledger.realised[0] == pytest.approx(b * (1.0 - math.exp(-3.0)), rel=REL)
    assert ledger.realised[0] >= 0.95 * b
    assert ledger.potential[0] == b  # full coverage: nothing erodes


def test_realisation_does_not_depend_on_step_size_when_sustained():
    daily = ledger_with(("productivity", 0.3, 40))
    step_days(daily, 40, coverage=1.0)
    once = ledger_with(("productivity", 0.3, 40))
    once.step(40.0, 1.0)
    assert daily.realised[0] == pytest.approx(once.realised[0], rel=REL)


@pytest.mark.parametrize(("coverage", "erosion"), [(0.0, YEAR), (0.0, 100.0), (0.5, YEAR)])
def test_potential_erodes_with_the_erosion_time_constant(coverage, erosion):
    b = 0.2
    ledger = ledger_with(("failure_reduction", b, 21), erosion=erosion)
    effective = erosion / (1.0 - coverage)
    step_days(ledger, int(erosion), coverage)
    assert ledger.potential[0] == pytest.approx(b * math.exp(-erosion / effective), rel=1e-9)
    if coverage == 0.0:
        assert ledger.potential[0] == pytest.approx(b / math.e, rel=1e-9)


def test_unsustained_realised_level_follows_the_two_time_constant_solution():
    """R' = (P − R)/τ with P = b e^{−t/E} gives R = b E/(E − τ) (e^{−t/E} − e^{−t/τ}).

    Daily steps erode the potential before R relaxes toward it, a lag of about
    half a step in the erosion: a relative error of about Δt/(2E) = 0.2%. We
    allow Δt/E.
    """
    b, within, erosion = 0.2, 21.0, YEAR
    tau = within / 3.0
    ledger = ledger_with(("failure_reduction", b, within), erosion=erosion)
    for t in range(1, 3 * int(YEAR)):
        ledger.step(1.0, 0.0)
        exact = b * erosion / (erosion - tau) * (math.exp(-t / erosion) - math.exp(-t / tau))
        assert ledger.realised[0] == pytest.approx(exact, rel=1.0 / erosion), t
    # long after the peak, the realised benefit has mostly gone
    assert ledger.level("failure_reduction") < b * math.exp(-2.0)


# -- combination ------------------------------------------------------------------------

def test_benefits_of_one_kind_combine_multiplicatively():
    ledger = ledger_with(("failure_reduction", 0.2, 10), ("failure_reduction", 0.3, 30),
                         ("revenue", 0.1, 10), ("revenue", 0.2, 20),
                         ("capability", 0.1, 10), ("capability", 0.05, 10),
                         ("demand_reduction", 0.25, 5))
    step_days(ledger, 12, coverage=1.0)
    r = ledger.realised
    assert 0.0 < r.min() and (r < ledger.magnitude).all()  # mid-realisation
    assert ledger.level("failure_reduction") == pytest.approx(1 - (1 - r[0]) * (1 - r[1]), rel=REL)
    assert ledger.level("revenue") == pytest.approx((1 + r[2]) * (1 + r[3]) - 1, rel=REL)
    assert ledger.level("capability") == pytest.approx(r[4] + r[5], rel=REL)
    assert ledger.level("demand_reduction") == pytest.approx(r[6], rel=REL)
    assert ledger.level("productivity") == 0.0
    # fully realised: −20% and −30% make −44%, not −50%
    step_days(ledger, 2000, coverage=1.0)
    assert ledger.level("failure_reduction") == pytest.approx(0.44, rel=1e-9)
    assert ledger.level("revenue") == pytest.approx(0.32, rel=1e-9)


def test_demand_factor_combines_reductions_and_revenue_coupling():
    ledger = BenefitLedger(YEAR)
    ledger.hand_over((Benefit(kind="demand_reduction", magnitude=0.2, within=5),
                      Benefit(kind="revenue", magnitude=0.3, within=5, demand_coupling=0.5)))
    assert ledger.demand_factor() == 1.0  # nothing realised at handover
    step_days(ledger, 500, coverage=1.0)
    assert ledger.demand_factor() == pytest.approx(0.8 * 1.15, rel=1e-9)


def test_empty_ledger_is_neutral():
    ledger = BenefitLedger(YEAR)
    ledger.hand_over(())
    ledger.step(1.0, 0.0)
    assert len(ledger) == 0
    assert ledger.demand_factor() == 1.0
    assert all(ledger.level(k) == 0.0 for k in ("demand_reduction", "revenue", "capability"))


# -- end to end -------------------------------------------------------------------------

DEMAND, P_DEFECT, WITHIN = 50.0, 0.1, 21


def benefit_scenario(benefits: list[dict], coverage: float = 1.0):
    """A small desk and one quick project whose benefits are handed over mid-run.

    Full coverage: a one-person OpEx team (whose improvement work is switched
    off) sustains the benefits; zero coverage: nobody does.
    """
    return scenario_from({
        "horizon": 200, "seed": 5,
        "operations": {"demand": DEMAND, "p_defect": P_DEFECT, "service_mean": 0.3},
        "workforce": {"operations": {"headcount": 20}, "opex": {"headcount": 1}},
        "opex": {"improvement_yield": 0.0},
        "projects": {"portfolio": [{"name": "p", "size": 20, "team": 2,
                                    "benefits": benefits}]},
        "levers": {"sustainment": "opex" if coverage >= 1.0 else "none"},
    })


def realised_share(weekly: pd.DataFrame, handover: float) -> np.ndarray:
    """Share of b in force on the last day of each weekly row, with full coverage.

    A row at day d reports the rate set at the start of day d − 1. Benefits
    handed over at the end of day t_h are first stepped at the end of day
    t_h + 1, so on the day that starts k days after handover R = b(1 − e^{−3k/T}).
    """
    k = np.clip(weekly["day"].to_numpy() - 1.0 - handover, 0.0, None)
    return 1.0 - np.exp(-3.0 * k / WITHIN)


def test_demand_reduction_lowers_demand_after_handover():
    b = 0.3
    with_benefit = sim.run(benefit_scenario([{"kind": "demand_reduction", "magnitude": b,
                                              "within": WITHIN}]))
    without = sim.run(benefit_scenario([]))
    handover = with_benefit.projects.loc[0, "finished"]
    assert 0 < handover < 150
    w, w0 = with_benefit.weekly, without.weekly
    before, after = w["day"] <= handover + 1, w["day"] > handover + 1

    assert (w.loc[before, "demand_rate"] == DEMAND).all()
    assert (w.loc[after, "demand_rate"] < DEMAND).all()
    expected = DEMAND * (1.0 - b * realised_share(w, handover))
    np.testing.assert_allclose(w["demand_rate"], expected, rtol=1e-9)
    # same seed: identical weeks until the handover, then fewer value items
    # (arrivals come from one stream of unit exponentials rescaled by the rate)
    # (the benefit's own state columns show it from the handover day on)
    own = ["benefits_sustained", "sustainment_coverage"]
    pd.testing.assert_frame_equal(w.loc[before & (w["day"] <= handover)].drop(columns=own),
                                  w0.loc[before & (w0["day"] <= handover)].drop(columns=own))
    assert (w["value_arrivals"].cumsum() <= w0["value_arrivals"].cumsum()).all()
    assert w.loc[after, "value_arrivals"].sum() < w0.loc[after, "value_arrivals"].sum()
    assert (w0["demand_rate"] == DEMAND).all()


def test_failure_reduction_lowers_defect_probability_after_handover():
    b = 0.4
    result = sim.run(benefit_scenario([{"kind": "failure_reduction", "magnitude": b,
                                        "within": WITHIN}]))
    handover = result.projects.loc[0, "finished"]
    w = result.weekly
    after = w["day"] > handover + 1
    assert (w.loc[~after, "p_defect"] == P_DEFECT).all()
    assert (w.loc[after, "p_defect"] < P_DEFECT).all()
    expected = P_DEFECT * (1.0 - b * realised_share(w, handover))
    np.testing.assert_allclose(w["p_defect"], expected, rtol=1e-9)
    assert (w["demand_rate"] == DEMAND).all()  # a failure reduction leaves value demand alone


def test_productivity_benefit_lowers_effort_per_item():
    b = 0.15
    result = sim.run(benefit_scenario([{"kind": "productivity", "magnitude": b,
                                        "within": WITHIN}]))
    w = result.weekly
    expected = 1.0 - b * realised_share(w, result.projects.loc[0, "finished"])
    np.testing.assert_allclose(w["effort_multiplier"], expected, rtol=1e-9)


def test_unsustained_benefit_erodes_after_its_peak():
    result = sim.run(benefit_scenario(
        [{"kind": "failure_reduction", "magnitude": 0.4, "within": 5}], coverage=0.0))
    level = result.weekly["benefit_failure_reduction"]
    peak = int(level.to_numpy().argmax())
    assert level.iloc[peak] > 0.3
    assert (np.diff(level.iloc[peak + 1:].to_numpy()) < 0).all()
