"""The core benchmark's clocks time what they say, change no figure and leave nothing behind."""

from __future__ import annotations

import importlib.util

from conftest import ROOT, load, same_summary

import sim
from sim.model import finance
from sim.model.operations import ServiceDesk


def _bench():
    spec = importlib.util.spec_from_file_location("bench_core", ROOT / "bench" / "bench_core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_desk_and_rate_clocks_time_part_of_a_run_and_put_the_functions_back():
    bench = _bench()
    scenario = load(ROOT / "scenarios" / "baseline.yaml", {"horizon": "6 months"})
    plain = sim.run(scenario, 0)
    advance, rate = ServiceDesk.advance, finance.annual_irr
    started = bench.time.perf_counter()
    with bench._desk_clock() as desk, bench._rate_of_return_clock() as irr:
        timed = sim.run(scenario, 0)
    whole = bench.time.perf_counter() - started
    assert ServiceDesk.advance is advance and finance.annual_irr is rate
    assert same_summary(timed.summary, plain.summary)
    assert 0.0 < desk.seconds < whole
    assert 0.0 < irr.seconds < whole
    assert desk.seconds + irr.seconds < whole


def test_a_clock_puts_the_function_back_when_the_run_fails():
    bench = _bench()

    class Owner:
        @staticmethod
        def work(x):
            raise ValueError(x)

    original = Owner.work
    clock = bench._Clock(Owner, "work")
    try:
        with clock:
            Owner.work(1)
    except ValueError:
        pass
    assert Owner.work is original
    assert clock.seconds > 0.0


def test_the_claims_lines_give_the_floor_under_the_suite():
    bench = _bench()
    row = {"claim": "C1", "base": "baseline", "horizon_days": 504.0, "arms": 2, "knockouts": 3,
           "seconds_per_run": 0.2, "desk_seconds_per_run": 0.05, "runs": 1000,
           "core_seconds": 200.0, "core_seconds_to_cap": 300.0}
    claims = {"repeats": 1, "claims": [row], "suite_runs": 1000, "suite_runs_to_cap": 1500,
              "seconds_per_run": 0.2, "suite_cores": 2, "suite_minutes": 30.0,
              "suite_minutes_to_cap": 45.0, "target_minutes": 10.0, "target_met": False,
              "suite_desk_minutes": 8.5, "suite_fixed_minutes": 1.9}
    text = "\n".join(bench._claims_lines(claims))
    assert "desk's items alone: 8.5 min (28%)" in text
    assert "leaves 1.5 min for everything else (now 21.5 min)" in text
    assert "the rate of return): 1.9 min" in text
