"""The service desk's mechanics, traced event by event."""

from __future__ import annotations

import itertools

from sim.model.operations import IDLE, ServiceDesk


def test_calendar_runs_entries_in_time_order_and_ties_in_scheduling_order():
    """Duty changes scheduled for the same moment run in the order they were made, as
    SimPy runs equal-time events; the desk stands at the time it was advanced to."""
    desk = desk_with(2, [100.0], [])
    desk.duty_change(0.5, 1, on=True)
    desk.duty_change(0.5, 0, on=True)
    desk.duty_change(0.5, 1, on=False)
    desk.duty_change(0.2, 0, on=True)
    desk.advance(0.4)
    assert desk.on_duty.tolist() == [True, False] and desk.now == 0.4
    desk.advance(1.0)
    assert desk.on_duty.tolist() == [True, False] and desk.idle == [0]


def desk_with(servers, gaps, efforts, sla=10.0):
    """A desk whose arrivals and efforts are given lists (rate 1 per day)."""
    return ServiceDesk(servers, arrivals=iter(gaps), value_effort=iter(efforts),
                       failure_effort=iter([]), defect_draws=itertools.repeat(1.0),
                       defect_delays=iter([]), sla=sla)


def test_fcfs_non_preemptive_trace():
    """Two servers; the second goes off duty mid-service and finishes its item."""
    # Unit exponentials become gaps at rate 1: arrivals at 0.1, 0.2, 0.3, 0.4.
    desk = desk_with(2, [0.1, 0.1, 0.1, 0.1, 100.0], [1.0, 1.0, 1.0, 1.0])
    desk.go_on_duty(0)
    desk.go_on_duty(1)
    desk.start_day(10.0, 1.0)
    desk.duty_change(0.5, 1, on=False)
    desk.close_books(10.0)
    # Idle servers form a stack: server 1 takes item 1 (0.1 -> 1.1), server 0
    # item 2 (0.2 -> 1.2). Server 1 goes off duty at 0.5 but finishes its item
    # (overrun 0.6) and takes no more. Items 3 and 4 wait for server 0:
    # 0.3 -> starts 1.2, 0.4 -> starts 2.2.
    assert desk.completed == 4
    assert desk.busy_since.tolist() == [IDLE, IDLE]
    waits = (1.2 - 0.3) + (2.2 - 0.4)
    assert abs(desk.wait_sum - waits) < 1e-12
    busy_on, overrun = desk.busy_on.tolist(), desk.overrun.tolist()
    assert abs(busy_on[0] - 3.0) < 1e-12 and overrun[0] == 0.0
    assert abs(busy_on[1] - 0.4) < 1e-12 and abs(overrun[1] - 0.6) < 1e-12
    busy, overrun_total, per_server = desk.take_day_hours()
    assert abs(busy - 3.4) < 1e-12 and abs(overrun_total - 0.6) < 1e-12
    assert per_server == overrun
    assert desk.busy_on.tolist() == [0.0, 0.0] and desk.overrun.tolist() == [0.0, 0.0]
    assert abs(desk.time_in_system_sum - (1.0 + 1.0 + 1.9 + 2.8)) < 1e-12
    assert desk.counters()["value_arrivals"] == 4
