"""Challenge and hindrance stress (MODEL.md §3.6): each checked on its own.

Challenge stress comes from overload, hindrance stress from misalignment (role
conflict). Productivity is the challenge curve times a never-rising hindrance
curve; attrition rises with both, more with hindrance. The checks: both
components relax exactly with ``tau`` once their source is switched off; with
the misalignment gain at zero the hindrance side has no effect at all; and,
paired over replications, misalignment stress on its own slows projects and
drives people out.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import paired_pvalue_less, run_many, same_summary, scenario_from

import sim

ALPHA = 0.001


def shared_staff(**sections):
    """Twelve day-job staff lending four to each of two projects, half their time."""
    base = {
        "horizon": 200,
        "operations": {"demand": 35, "service_mean": 0.2, "p_defect": 0.0},
        "workforce": {"operations": {"headcount": 12}},
        "projects": {"portfolio": [{"name": "a", "size": 300, "team": 4},
                                   {"name": "b", "size": 300, "team": 4}]},
        "levers": {"rewards": {"scheme": "operations_only"}},
    }
    base.update(sections)
    return base


def test_hindrance_relaxes_with_tau_once_misalignment_stops_counting():
    """Operations-only reviews make the half-time project members misaligned (m = 0.5),
    so hindrance builds towards 0.6 x 0.5; at day 60 the gain is switched off and from
    then on every person's hindrance, so its mean, decays exactly as exp(-t / tau)."""
    tau = 20.0
    scenario = scenario_from(shared_staff(
        stress={"misalignment_gain": 0.6, "tau": tau},
        timeline=[{"at": 60, "set": {"stress.misalignment_gain": 0.0}}]))
    weekly = sim.run(scenario, 0).weekly.set_index("day")
    h = weekly["stress_hindrance_mean"]
    assert h.loc[60] > 0.05, "hindrance should have built up before the switch"
    later = h.loc[65:150]
    ratios = (later.iloc[1:].to_numpy() / later.iloc[:-1].to_numpy())
    np.testing.assert_allclose(ratios, math.exp(-5.0 / tau), rtol=1e-9)
    assert (weekly["stress_challenge_mean"] == 0.0).all(), "no overload stress was switched on"


def test_challenge_relaxes_with_tau_once_overload_stops_counting():
    """A demand surge overloads the day job (challenge stress); when the overload gain
    is switched off, mean challenge stress decays exactly as exp(-t / tau)."""
    tau = 10.0
    scenario = scenario_from(shared_staff(
        operations={"demand": 35, "service_mean": 0.2, "p_defect": 0.0,
                    "backlog_limit": 1000},  # the surge may pile up work: keep running
        levers={"rewards": {"scheme": "balanced"}},
        stress={"overload_gain": 1.0, "tau": tau},
        timeline=[{"at": 20, "scale": {"operations.demand": 1.8}},
                  {"at": 80, "set": {"stress.overload_gain": 0.0}}]))
    weekly = sim.run(scenario, 0).weekly.set_index("day")
    c = weekly["stress_challenge_mean"]
    assert c.loc[80] > 0.05, "the surge should have built challenge stress"
    later = c.loc[85:150]
    ratios = later.iloc[1:].to_numpy() / later.iloc[:-1].to_numpy()
    np.testing.assert_allclose(ratios, math.exp(-5.0 / tau), rtol=1e-9)
    assert (weekly["stress_hindrance_mean"] == 0.0).all(), "balanced reviews: no misalignment"


def test_without_misalignment_gain_the_hindrance_side_has_no_effect():
    """With misalignment_gain 0 hindrance stays 0, the strain is the challenge stress
    and the hindrance curve and attrition gain change nothing, to the last bit."""
    busy = "scenarios/claims/bases/busy_season.yaml"
    plain = sim.load_scenario(busy, {"horizon": 150, "stress.misalignment_gain": 0.0})
    other = sim.load_scenario(busy, {
        "horizon": 150, "stress.misalignment_gain": 0.0,
        "stress.hindrance_productivity": [[0.0, 1.0], [0.2, 0.3]],
        "stress.hindrance_attrition": 7.0})
    for replication in (0, 1):
        a, b = sim.run(plain, replication), sim.run(other, replication)
        assert same_summary(a.summary, b.summary)
        assert a.weekly.equals(b.weekly)
        assert a.summary["stress_hindrance_mean"] == 0.0
        assert a.summary["stress_mean"] == a.summary["stress_challenge_mean"] > 0.0


@pytest.fixture(scope="module")
def misalignment_effect():
    """Shared staff under operations-only reviews, overload stress off; misalignment
    stress off vs on (gain 1), same replications, with attrition on."""
    def scenario(gain: float):
        return scenario_from(shared_staff(
            horizon=400,
            workforce={"operations": {"headcount": 12},
                       "attrition": {"rate": 0.5, "hiring_delay": 20}},
            stress={"overload_gain": 0.0, "misalignment_gain": gain}))
    return run_many(scenario(0.0), 12), run_many(scenario(1.0), 12)


def test_misalignment_stress_slows_projects(misalignment_effect):
    """H (LePine et al. 2005): hindrance stressors lower performance, so the same
    projects take longer when misalignment stresses their members."""
    calm, stressed = misalignment_effect
    p = paired_pvalue_less(calm["project_duration_mean"], stressed["project_duration_mean"])
    assert p < ALPHA, (calm["project_duration_mean"].mean(),
                       stressed["project_duration_mean"].mean(), p)


def test_misalignment_stress_drives_people_out(misalignment_effect):
    """H (Podsakoff et al. 2007): hindrance stressors raise turnover."""
    calm, stressed = misalignment_effect
    p = paired_pvalue_less(calm["attrition_count"], stressed["attrition_count"])
    assert p < ALPHA, (calm["attrition_count"].mean(), stressed["attrition_count"].mean(), p)
