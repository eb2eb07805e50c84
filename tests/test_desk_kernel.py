"""The compiled service desk does exactly what the desk did when its loop ran in Python.

Two checks. (1) Random programs of desk operations (rosters, duty changes now and
later, failures, speeds and defect rates, hires, rates from zero to far above capacity,
patience or none, advances inside a day) drive the compiled desk and the Python
desk of ``tests/reference_desk.py`` side by side from the same draws; every
counter, every server's state and the queue must be equal as floats, not just
close. The programs make queues and calendars outgrow their first arrays and make
every source refill its block. A third desk, compiled and keeping item records,
must do the same, and its records must add up to its counters. (2) A model run
with the compiler switched off (``NUMBA_DISABLE_JIT=1``, the same functions as plain
Python) gives the same results, bit for bit, as the compiled run.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
from conftest import run_interpreted
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model.operations import ServiceDesk
from tests.reference_desk import ServiceDesk as ReferenceDesk
from tests.reference_desk import duty_windows

ROOT = Path(__file__).resolve().parents[1]


def _sources(rng: np.random.Generator, patience: bool) -> dict:
    """Finite lists of draws, cycled, for both desks (each gets its own iterators)."""
    n = 5000  # more than one block of the compiled desk's sources
    lists = {"arrivals": rng.standard_exponential(n).tolist(),
             "value_effort": (rng.standard_exponential(n) * rng.uniform(0.01, 0.5)).tolist(),
             "failure_effort": (rng.standard_exponential(n) * 0.2).tolist(),
             "defect_draws": rng.random(n).tolist(),
             "defect_delays": (rng.standard_exponential(n) * 0.7).tolist()}
    if patience:
        lists["patience"] = (rng.standard_exponential(n) * rng.uniform(0.05, 2.0)).tolist()
    return lists


def _desks(servers: int, lists: dict, sla: float, records: bool = False):
    made = []
    kinds = [(ServiceDesk, {}), (ReferenceDesk, {})]
    if records:
        kinds.append((ServiceDesk, {"records": True}))
    for cls, extra in kinds:
        made.append(cls(servers, sla=sla, **extra, **{name: itertools.cycle(values)
                                                      for name, values in lists.items()}))
    return made


def _records_add_up(desk: ServiceDesk) -> None:
    """Every item's record agrees with the desk's running sums and its queue."""
    items = desk.item_records()
    arrived, started, finished, gives_up, parent = items.T
    assert np.array_equal(arrived, np.sort(arrived))  # ids in order of arrival
    done = ~np.isnan(finished)
    assert desk.completed == done.sum()
    assert desk.within_sla == np.count_nonzero(finished[done] - arrived[done] <= desk.sla)
    assert desk.failure_arrivals == np.count_nonzero(parent != -1)
    assert (parent[parent >= 0] < np.flatnonzero(parent >= 0)).all()  # returns come later
    served = ~np.isnan(started)
    assert np.allclose(desk.wait_sum, np.sum(started[served] - arrived[served]), atol=1e-9)
    assert np.allclose(desk.time_in_system_sum, np.sum(finished[done] - arrived[done]),
                       atol=1e-9)
    left = ~served & (gives_up <= desk.now)
    assert desk.abandoned == left.sum()
    waiting = ~served & ~left
    assert [a for a, _, _ in desk.queue] == arrived[waiting].tolist()
    assert desk.servers_busy() == np.count_nonzero(served & ~done)


def _reference_roster(desk: ReferenceDesk, people, phases, shares, eps: float) -> None:
    """The roster as it was written against the Python desk, person by person."""
    for person, phase, share in zip(people, phases, shares, strict=True):
        windows = duty_windows(phase, share)
        if windows and windows[0][0] <= eps:
            desk.go_on_duty(person)
        else:
            desk.go_off_duty(person)
        for start, end in windows:
            if start > eps:
                desk.duty_change(start, person, on=True)
            if end < 1.0 - eps:
                desk.duty_change(end, person, on=False)


def _same(new: ServiceDesk, old: ReferenceDesk) -> None:
    assert new.now == old.now
    assert new.on_duty.tolist() == old.on_duty
    assert new.busy_since.tolist() == old.busy_since
    assert new.busy_on.tolist() == old.busy_on
    assert new.overrun.tolist() == old.overrun
    assert new.idle == old.idle
    assert new.queue == list(old.queue)
    assert new.in_system == old.in_system


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), servers=st.integers(1, 6),
       patience=st.booleans(), days=st.integers(1, 8))
def test_compiled_desk_matches_the_python_desk(seed, servers, patience, days):
    rng = np.random.default_rng(seed)
    new, old, recorded = _desks(servers, _sources(rng, patience),
                                sla=float(rng.uniform(0.1, 3.0)), records=True)
    both = (new, old, recorded)
    for day in range(days):
        if rng.random() < 0.2:  # hires
            count = int(rng.integers(1, 3))
            for desk in both:
                desk.add_servers(count)
            servers += count
        speed = rng.uniform(0.3, 2.0, servers).tolist()
        p_defect = np.where(rng.random(servers) < 0.5, 0.0, rng.uniform(0, 0.6, servers)).tolist()
        for desk in both:
            desk.set_servers(speed, p_defect)
        for _ in range(int(rng.integers(0, 4 * servers + 80))):  # the roster, now and later
            action, server = int(rng.integers(0, 4)), int(rng.integers(0, servers))
            delay = float(rng.uniform(0.0, 1.0))
            for desk in both:
                if action == 0:
                    desk.go_on_duty(server)
                elif action == 1:
                    desk.go_off_duty(server)
                elif action == 2:
                    desk.duty_change(delay, server, on=bool(server % 2 == day % 2))
                else:
                    desk.add_failure(delay)
        _same(new, old)
        _same(recorded, old)
        if rng.random() < 0.7:  # the day's duty blocks: whole, none, or parts that may wrap
            people = np.flatnonzero(rng.random(servers) < 0.8)
            shares = rng.choice([0.0, 1.0, 0.3, 0.5, 0.9], size=len(people))
            shares = np.where(rng.random(len(people)) < 0.5, rng.random(len(people)), shares)
            phases = rng.random(len(people)) * (rng.random(len(people)) < 0.8)
            new.roster(people, phases, shares, 1e-12)
            recorded.roster(people, phases, shares, 1e-12)
            _reference_roster(old, people.tolist(), phases.tolist(), shares.tolist(), 1e-12)
            _same(new, old)
            _same(recorded, old)
        rate = float(rng.choice([0.0, rng.uniform(1, 30), rng.uniform(100, 600)]))
        for desk in both:
            desk.start_day(day + 1.0, rate)
        if rng.random() < 0.5:
            middle = day + float(rng.uniform(0, 1))
            for desk in both:
                desk.advance(middle)
            _same(new, old)
        for desk in both:
            desk.close_books(day + 1.0)
        _same(new, old)
        _same(recorded, old)
        assert new.counters() == old.counters() == recorded.counters()
        hours = old.take_day_hours()
        assert new.take_day_hours() == hours == recorded.take_day_hours()
        _records_add_up(recorded)


def test_queue_and_calendar_outgrow_their_first_arrays_in_order():
    """One server, 600 items at once, 300 duty changes: all served first come, first served."""
    gaps, efforts = [0.001] * 600 + [1e9], [0.01 * (i + 1) for i in range(600)]
    new, old = (cls(1, arrivals=iter(gaps), value_effort=iter(efforts), failure_effort=iter([]),
                    defect_draws=itertools.repeat(1.0), defect_delays=iter([]), sla=1.0)
                for cls in (ServiceDesk, ReferenceDesk))
    for desk in (new, old):
        desk.go_on_duty(0)
        for j in range(300):
            desk.duty_change(0.5 + j / 1000, 0, on=True)
        desk.start_day(1.0, 1.0)
        desk.close_books(0.9)
    assert new.queue_length > 256  # past the first ring buffer
    assert [a for a, _, _ in new.queue] == sorted(a for a, _, _ in new.queue)
    _same(new, old)
    for day in range(1, 2000):
        for desk in (new, old):
            desk.start_day(day + 1.0, 1.0)
            desk.close_books(day + 1.0)
        if new.in_system == 0:
            break
    _same(new, old)
    assert new.completed == 600 and new.counters() == old.counters()


def _records_digest(result) -> str:
    """A digest of a run's tickets, people and projects, every float to its last bit."""
    import hashlib

    text = "".join(getattr(result.records, t).to_csv(float_format="%r")
                   for t in ("tickets", "people", "projects"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_model_gives_the_same_numbers_compiled_and_interpreted():
    """A short run with patience (queue purges), defects and AI incidents, both ways.

    The interpreted side keeps item records, the compiled side runs once without
    (the figures must not move) and once with them (the records must be the same).
    """
    cases = {"scenarios/claims/bases/near_capacity.yaml": {"horizon": 42,
                                                          "operations.patience": 0.5},
             "scenarios/claims/bases/ai_desk.yaml": {"horizon": 42}}
    script = (
        "import json, sys\n"
        "from sim.schema.loading import read_document, scenario_with\n"
        "import sim\n"
        "from tests.test_desk_kernel import _records_digest\n"
        "out = {}\n"
        "for path, overrides in json.loads(sys.argv[1]).items():\n"
        "    s = scenario_with(read_document(path), overrides, source=path)\n"
        "    result = sim.run(s, 1, records=True)\n"
        "    out[path] = [result.summary, _records_digest(result)]\n"
        "print(json.dumps(out))\n")
    interpreted = run_interpreted(script, cases, timeout=600)
    from sim.schema.loading import read_document, scenario_with

    for path, overrides in cases.items():
        scenario = scenario_with(read_document(ROOT / path), overrides, source=path)
        compiled = sim.run(scenario, 1).summary
        expected = json.loads(json.dumps(compiled))  # the same round trip as the other side
        assert interpreted[path][0] == expected
        assert interpreted[path][1] == _records_digest(sim.run(scenario, 1, records=True))


def test_entries_due_at_the_same_time_run_in_the_order_they_were_scheduled():
    """Up to 60 duty changes for the same moment: the last one scheduled decides."""
    for count in range(1, 61):
        desk = ServiceDesk(2, arrivals=iter([1e9]), value_effort=iter([]),
                           failure_effort=iter([]), defect_draws=iter([]),
                           defect_delays=iter([]), sla=1.0)
        desk.duty_change(0.7, 1, on=True)  # later entries stay in the heap meanwhile
        for j in range(count):
            desk.duty_change(0.5, 0, on=j % 2 == 0)
            desk.duty_change(0.5 + j / 1e3, 1, on=j % 2 == 1)
        desk.advance(0.55)
        assert desk.on_duty[0] == (count % 2 == 1), count


_ENTRIES = st.tuples(st.integers(0, 2**33 - 1), st.integers(0, 3), st.integers(-2, 2**28 - 3))


@given(st.lists(_ENTRIES, min_size=2, max_size=20, unique_by=lambda e: e[0]))
@settings(max_examples=200, deadline=None)
def test_a_calendar_key_keeps_its_parts_and_orders_entries_by_sequence(entries):
    """Sequence, kind and server (or parent item) come back out of the compiled key."""
    from sim.model import desk_kernel as k

    k.ready()
    keys = [k.entry(sequence, kind, server) for sequence, kind, server in entries]
    assert [(k.kind_of(key), k.server_of(key)) for key in keys] == [e[1:] for e in entries]
    assert all(0 <= key < 2**63 for key in keys)
    by_key = [entries[i] for i in np.argsort(keys, kind="stable")]
    assert by_key == sorted(entries)
