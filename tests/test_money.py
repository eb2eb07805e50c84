"""Money: identities of the accounts, prices that change nothing else, directions.

Money is priced from what the model books (hours by activity, hires, realised
benefits), so its identities hold exactly or to rounding, doubling every
price doubles every cost without touching a simulated figure, and the
directions follow the mechanisms: a PMO with more staff costs more, sustained
benefits are worth more.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import BASELINE, HOURS, SCENARIOS, load, same_figure

import sim
from sim.model.finance import (
    ACTIVITIES,
    PRICED_KINDS,
    annual_irr,
    payback_week,
    present_value,
    weekly_rate,
)

ONE_YEAR = {"horizon": "1 year", "replications": 2}
MONEY_KPIS = ("cost_total", "cost_change", "value_benefits", "npv_change", "payback_weeks",
              "irr_change")


@pytest.fixture(scope="module")
def baseline_run():
    return sim.run(load(BASELINE, ONE_YEAR), 0)


def test_with_a_zero_discount_rate_npv_is_value_minus_change_cost_exactly():
    for replication in (0, 1):
        s = sim.run(load(BASELINE, {**ONE_YEAR, "finance.discount_rate": 0.0}),
                    replication).summary
        assert s["npv_change"] == s["value_benefits"] - s["cost_change"]


def test_discounting_lowers_a_positive_npv_and_the_weekly_rate_compounds_to_the_annual():
    assert (1.0 + weekly_rate(0.035)) ** (252 / 5) == pytest.approx(1.035, rel=1e-12)
    flows = np.array([100.0, 100.0])
    assert present_value(flows, 0.1) == pytest.approx(100 / 1.1 + 100 / 1.21, rel=1e-12)
    s = sim.run(load(BASELINE, ONE_YEAR), 0).summary
    zero = sim.run(load(BASELINE, {**ONE_YEAR, "finance.discount_rate": 0.0}), 0).summary
    assert s["value_benefits"] == zero["value_benefits"]
    assert abs(s["npv_change"]) < abs(zero["npv_change"])


def test_the_summary_totals_are_the_weekly_flows_summed(baseline_run):
    weekly, s = baseline_run.weekly, baseline_run.summary
    for name in ("cost_total", "cost_change", "value_benefits"):
        assert s[name] == pytest.approx(weekly[name].sum(), rel=1e-12)


def test_the_weekly_accounts_add_up(baseline_run):
    w = baseline_run.weekly
    staff = sum(w[f"cost_{a}"] for a in ACTIVITIES)
    np.testing.assert_allclose(staff, w["cost_staff"], rtol=1e-12)
    np.testing.assert_allclose(w["cost_staff"] + w["cost_hiring"], w["cost_total"], rtol=1e-12)
    change = w["cost_projects"] + w["cost_opex"] + w["cost_sustainment"] + w["cost_pmo"]
    np.testing.assert_allclose(change, w["cost_change"], rtol=1e-12)
    value = sum(w[f"value_{k}"] for k in PRICED_KINDS)
    np.testing.assert_allclose(value, w["value_benefits"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(w["value_benefits"] - w["cost_change"], w["net_change"],
                               rtol=1e-12, atol=1e-6)
    assert (w["cost_hiring"] == w["hires"] * 3000.0).all()


def test_staff_cost_is_hours_times_the_rate_activity_by_activity():
    rate, hpd = 200.0, 7.5
    s = load(BASELINE, {**ONE_YEAR, "workforce.attrition.new_hire_productivity": 1.0,
                        "finance.cost_per_day": {g: rate for g in
                                                 ("operations", "projects", "opex", "pmo")}})
    w = sim.run(s, 0).weekly
    person_days = {h: w[f"hours_{h}"] / hpd for h in HOURS}
    expected = {
        "day_job": person_days["ops_busy"] + person_days["ops_idle"] + person_days["overrun"],
        "projects": person_days["project_work"] + person_days["project_idle"]
        + person_days["unassigned"],
        "opex": person_days["improvement"], "sustainment": person_days["sustainment"],
        "pmo": person_days["overhead"]}
    for activity, days in expected.items():
        np.testing.assert_allclose(w[f"cost_{activity}"], rate * days, rtol=1e-9, atol=1e-6,
                                   err_msg=activity)
    assert (w["cost_onboarding"] == 0.0).all()
    np.testing.assert_allclose(w["cost_staff"], rate * w["hours_available"] / hpd, rtol=1e-9)


def test_new_hires_ramping_up_cost_onboarding_time(baseline_run):
    w = baseline_run.weekly
    assert w["cost_onboarding"].sum() > 0.0
    assert (w.loc[w["hires"].cumsum() == 0, "cost_onboarding"] == 0.0).all()


def test_same_figure_tells_undefined_from_defined():
    assert same_figure(1.5, 1.5) and same_figure(math.nan, math.nan)
    assert not same_figure(1.5, math.nan) and not same_figure(math.nan, 1.5)
    assert not same_figure(0.0, 1.0)


def test_doubling_every_rate_doubles_costs_and_changes_nothing_else():
    prices = {"finance.cost_per_item": 80.0}
    base = load(BASELINE, {**ONE_YEAR, **prices})
    f = base.finance
    doubled = load(BASELINE, {**ONE_YEAR, **prices, "finance.cost_per_hire": 2 * f.cost_per_hire,
                              "finance.cost_per_day": {g: 2 * getattr(f.cost_per_day, g) for g in
                                                       ("operations", "projects", "opex",
                                                        "pmo")}})
    a, b = sim.run(base, 1), sim.run(doubled, 1)
    for name in ("cost_total", "cost_change"):
        assert b.summary[name] == 2 * a.summary[name]
    assert b.summary["value_benefits"] == a.summary["value_benefits"]
    for name, value in a.summary.items():
        if name not in MONEY_KPIS:
            assert same_figure(b.summary[name], value), (name, b.summary[name], value)
    assert (b.projects["cost"] == 2 * a.projects["cost"]).all()
    assert b.projects["benefit_value"].equals(a.projects["benefit_value"])


def test_prices_change_no_simulated_figure():
    a = sim.run(load(BASELINE, ONE_YEAR), 0)
    b = sim.run(load(BASELINE, {**ONE_YEAR, "finance.value_per_item": 7.0,
                                "finance.discount_rate": 0.1}), 0)
    simulated = [c for c in a.weekly.columns if not c.startswith(("cost_", "value_", "net_"))]
    assert a.weekly[simulated].equals(b.weekly[simulated])


def test_a_controlling_pmo_costs_its_extra_overhead():
    common = {**ONE_YEAR, "workforce.attrition.rate": 0.0,
              "workforce.attrition.new_hire_productivity": 1.0}
    supportive = sim.run(load(BASELINE, {**common, "levers.pmo.type": "supportive"}), 0)
    controlling = sim.run(load(BASELINE, {**common, "levers.pmo.type": "controlling"}), 0)
    extra = 3 - 2  # PMO headcount of the controlling and the supportive bundles
    rate = load(BASELINE).finance.cost_per_day.pmo
    days = 252
    pmo = (controlling.weekly["cost_pmo"].sum() - supportive.weekly["cost_pmo"].sum())
    assert pmo == pytest.approx(extra * rate * days, rel=1e-12)
    others = sum(controlling.weekly[f"cost_{a}"].sum() - supportive.weekly[f"cost_{a}"].sum()
                 for a in ("projects", "opex", "sustainment"))
    change = controlling.summary["cost_change"] - supportive.summary["cost_change"]
    assert change == pytest.approx(pmo + others, rel=1e-9)


def test_sustainment_raises_the_value_of_benefits():
    overrides = {"horizon": "2 years", "replications": 3}
    as_is = load(BASELINE, overrides)
    to_be = load(SCENARIOS / "examples" / "to_be_sustained.yaml", overrides)
    for replication in range(3):
        before, after = sim.run(as_is, replication), sim.run(to_be, replication)
        assert after.summary["value_benefits"] > before.summary["value_benefits"]
        assert after.weekly["cost_sustainment"].sum() > 0.0
        assert before.weekly["cost_sustainment"].sum() == 0.0


def test_a_project_costs_its_effort_and_its_delay_is_priced(baseline_run):
    p = baseline_run.projects
    rate = load(BASELINE).finance.cost_per_day.operations
    np.testing.assert_allclose(p["cost"], p["effort"] * rate)
    done = p[p["status"] == "completed"]
    late = done["finished"] - done["planned_finish"]
    np.testing.assert_allclose(done["slip_cost"],
                               done["cost_of_delay_per_week"] * late.clip(lower=0) / 5)
    assert p.loc[p["status"] != "completed", "slip_cost"].isna().all()
    assert (done["benefit_value"] > 0).all()
    # a 15% productivity benefit forgoes 15% of a week's items handled, at the cost per item
    lean = p.set_index("project").loc["lean-order-handling", "cost_of_delay_per_week"]
    assert lean == pytest.approx(0.15 * 300 / 0.95 * 5 * 250 * 0.3)


def test_payback_and_irr_on_small_cases():
    assert payback_week(np.array([-10.0, 5.0, 5.0, 1.0])) == 3.0
    assert math.isnan(payback_week(np.array([-10.0, 5.0, 4.0])))
    assert payback_week(np.array([1.0, -0.5])) == 1.0
    assert payback_week(np.array([1.0, -2.0, 3.0])) == 3.0
    assert math.isnan(annual_irr(np.array([-1.0, -1.0])))
    weekly = annual_irr(np.array([-100.0, 110.0]))
    assert weekly == pytest.approx(1.1 ** (252 / 5) - 1.0, rel=1e-9)


def test_a_bad_price_is_refused_with_its_key_path(tmp_path):
    from sim.errors import ScenarioError

    path = tmp_path / "bad.yaml"
    path.write_text("extends: " + str(BASELINE) + "\nfinance:\n  discount_rate: 1.5\n")
    with pytest.raises(ScenarioError, match=r"finance\.discount_rate"):
        sim.load_scenario(path)
