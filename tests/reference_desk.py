"""The service desk as it was when its loop ran in Python: an oracle for the compiled desk.

The same rules, on lists, a deque and ``heapq``, and :func:`duty_windows`, the cut of a
person's duty block that the roster once asked for person by person;
``tests/test_desk_kernel.py`` drives this desk and :class:`sim.model.operations.ServiceDesk`
through the same operations and compares them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from heapq import heappop, heappush, heapreplace

INF = float("inf")
IDLE = -1.0
"""Value of ``busy_since`` for a person who is not serving an item."""

DONE, ON_DUTY, OFF_DUTY, FAILURE = range(4)
"""Kinds of calendar entry: a server finishes an item, goes on duty, goes off duty; a
failure-demand item arrives."""


class ServiceDesk:
    """The operations queue, its pool of on-duty servers and their calendar.

    Parameters
    ----------
    servers
        Number of people who may be on operations duty (person ids 0..servers-1).
    arrivals
        Unit exponentials that drive value-demand arrivals.
    value_effort, failure_effort
        Efforts (person-days at speed 1) of value and failure items.
    defect_draws
        Uniforms deciding whether a completed item is defective.
    defect_delays
        Delays (days) before a defective item returns.
    sla
        Service-level target in days.
    patience
        Patience (days) of each value-demand item in arrival order, or None when
        nobody abandons.
    """

    def __init__(self, servers: int, *, arrivals: Iterator[float],
                 value_effort: Iterator[float], failure_effort: Iterator[float],
                 defect_draws: Iterator[float], defect_delays: Iterator[float], sla: float,
                 patience: Iterator[float] | None = None):
        self.sla = sla
        self.now = 0.0
        # time, sequence, kind, server; an entry at infinity keeps the heap from emptying
        self._calendar: list[tuple[float, int, int, int]] = [(INF, 0, FAILURE, -1)]
        self._sequence = 0  # entries scheduled so far: ties run in that order
        self._patience = patience
        self._arrivals = arrivals
        self._value_effort = value_effort
        self._failure_effort = failure_effort
        self._defect_draws = defect_draws
        self._defect_delays = defect_delays
        self.rate = 0.0
        self.p_defect = [0.0] * servers  # per server: stress makes some people err more
        self._day_end = 0.0
        self._pending: float | None = next(arrivals)
        self._next = INF  # time of the next value arrival (INF: none before the day ends)
        self.queue: deque[tuple[float, float, float]] = deque()  # arrival, effort, gives up
        self.idle: list[int] = []
        self.on_duty = [False] * servers
        self.busy_since = [IDLE] * servers
        self.busy_on = [0.0] * servers
        self.overrun = [0.0] * servers
        self.speed = [1.0] * servers
        self.item_arrival = [0.0] * servers
        self.failure_arrivals = self.completed = self.within_sla = self.defects = 0
        self.abandoned = 0
        self._in_service: list[int] = []  # servers busy when the books last closed
        self.wait_sum = self.time_in_system_sum = self.busy_time = 0.0
        self.abandoned_time_sum = 0.0  # stays of the items that abandoned
        self.queued_since_sum = 0.0  # arrival times of the items waiting, summed

    # -- the calendar -------------------------------------------------------------

    def duty_change(self, delay: float, server: int, on: bool) -> None:
        """Put ``server`` on (or take them off) duty ``delay`` days from now."""
        self._sequence += 1
        heappush(self._calendar,
                 (self.now + delay, self._sequence, ON_DUTY if on else OFF_DUTY, server))

    def add_failure(self, delay: float = 0.0) -> None:
        """Raise a failure-demand item ``delay`` days from now (e.g. an incident).

        It is served like a returning defect.
        """
        self._sequence += 1
        heappush(self._calendar, (self.now + delay, self._sequence, FAILURE, -1))

    def advance(self, until: float) -> None:
        """Run the desk's events due before ``until``, in time order; then stand at ``until``.

        Value arrivals and calendar entries are merged by time; entries due at the
        same time run in the order they were scheduled. Every item passes through
        here twice (arriving, then finishing), so this loop sets the model's speed:
        it keeps the desk's state in local variables and handles each kind of entry
        in place rather than through a call per event (the rules are those of the
        methods that handle the same cases between days: :meth:`go_on_duty`,
        :meth:`go_off_duty`, :meth:`_take_next`).
        """
        cal = self._calendar
        nxt = self._next
        if nxt >= until and cal[0][0] >= until:
            self.now = until
            return
        push, pop, replace = heappush, heappop, heapreplace
        queue, idle, on_duty = self.queue, self.idle, self.on_duty
        busy_since, busy_on, overrun = self.busy_since, self.busy_on, self.overrun
        item_arrival, speed, p_defect = self.item_arrival, self.speed, self.p_defect
        # bound methods of the random streams: one C call per draw
        draw_gap, draw_effort = self._arrivals.__next__, self._value_effort.__next__
        draw_patience = None if self._patience is None else self._patience.__next__
        draw_failure_effort = self._failure_effort.__next__
        draw_defect, draw_delay = self._defect_draws.__next__, self._defect_delays.__next__
        sequence = self._sequence
        rate, day_end, sla = self.rate, self._day_end, self.sla
        completed, within, defects = self.completed, self.within_sla, self.defects
        time_in_system, wait_sum = self.time_in_system_sum, self.wait_sum
        queued_since = self.queued_since_sum
        failures = self.failure_arrivals
        abandoned, abandoned_time = self.abandoned, self.abandoned_time_sum
        pending = self._pending
        while True:
            due = cal[0][0]  # never empty: the entry at INF stays at the bottom
            if nxt < due:  # a value item arrives
                if nxt >= until:
                    break
                now = nxt
                gives_up = now + draw_patience() if draw_patience is not None else INF
                if idle:
                    server = idle.pop()
                    busy_since[server] = now
                    item_arrival[server] = now
                    sequence += 1
                    push(cal, (now + draw_effort() / speed[server], sequence, DONE, server))
                else:
                    queue.append((now, draw_effort(), gives_up))
                    queued_since += now
                draw = draw_gap()
                nxt = now + draw / rate
                if nxt >= day_end:  # tomorrow's rate converts what is left of the draw
                    nxt = INF
                    pending = max(0.0, draw - rate * (day_end - now))
                continue
            if due >= until:
                break
            # Peek rather than pop: a server that finishes an item and takes the next
            # one replaces its own entry (one heap operation instead of two). Keys are
            # unique (time, sequence) pairs, so the order of events is the same.
            now, _, kind, server = cal[0]
            if kind == DONE or kind == ON_DUTY:
                if kind == DONE:
                    duty = on_duty[server]
                    if duty:
                        busy_on[server] += now - busy_since[server]
                    else:
                        overrun[server] += now - busy_since[server]
                    stay = now - item_arrival[server]
                    completed += 1
                    time_in_system += stay
                    if stay <= sla:
                        within += 1
                    p = p_defect[server]
                    if p > 0.0 and draw_defect() < p:
                        defects += 1
                        sequence += 1
                        # later than the entry on top, so that entry stays on top
                        push(cal, (now + draw_delay(), sequence, FAILURE, -1))
                    if not duty:
                        busy_since[server] = IDLE
                        pop(cal)
                        continue
                elif on_duty[server]:
                    pop(cal)
                    continue
                elif busy_since[server] != IDLE:  # on duty again while finishing an item
                    overrun[server] += now - busy_since[server]
                    busy_since[server] = now
                    on_duty[server] = True
                    pop(cal)
                    continue
                else:
                    on_duty[server] = True
                # the server is free and on duty: the first item still waiting, if any
                while queue:
                    arrived, effort, gives_up = queue.popleft()
                    queued_since -= arrived
                    if gives_up <= now:  # left before anybody could serve it
                        abandoned += 1
                        abandoned_time += gives_up - arrived
                        continue
                    wait_sum += now - arrived
                    busy_since[server] = now
                    item_arrival[server] = arrived
                    sequence += 1
                    replace(cal, (now + effort / speed[server], sequence, DONE, server))
                    break
                else:
                    idle.append(server)
                    busy_since[server] = IDLE
                    pop(cal)
            elif kind == OFF_DUTY:
                pop(cal)
                if on_duty[server]:
                    if busy_since[server] != IDLE:
                        busy_on[server] += now - busy_since[server]
                        busy_since[server] = now
                    else:
                        idle.remove(server)
                    on_duty[server] = False
            else:  # FAILURE: a failure item enters (it waits however long it takes)
                pop(cal)
                failures += 1
                effort = draw_failure_effort()
                if idle:
                    server = idle.pop()
                    busy_since[server] = now
                    item_arrival[server] = now
                    sequence += 1
                    push(cal, (now + effort / speed[server], sequence, DONE, server))
                else:
                    queue.append((now, effort, INF))
                    queued_since += now
        self.completed, self.within_sla, self.defects = completed, within, defects
        self.time_in_system_sum, self.wait_sum = time_in_system, wait_sum
        self.queued_since_sum = queued_since
        self.failure_arrivals = failures
        self.abandoned, self.abandoned_time_sum = abandoned, abandoned_time
        self._next, self._pending, self._sequence = nxt, pending, sequence
        self.now = until

    # -- servers ------------------------------------------------------------------

    def set_servers(self, speed: list[float], p_defect: list[float]) -> None:
        """Set each server's speed and probability of a defect for the day ahead."""
        self.speed[:] = speed
        self.p_defect[:] = p_defect

    def levels(self) -> dict[str, float]:
        """The items in system and waiting when the books last closed."""
        return {"backlog": float(self.in_system), "queue": float(len(self.queue))}

    @property
    def in_system(self) -> int:
        """Items waiting or in service when the books last closed (see :meth:`close_books`)."""
        return len(self.queue) + self.servers_busy()

    def add_servers(self, count: int) -> None:
        """Add ``count`` seats to the pool (off duty until rostered)."""
        for values, fill in ((self.on_duty, False), (self.busy_since, IDLE),
                             (self.busy_on, 0.0), (self.overrun, 0.0), (self.speed, 1.0),
                             (self.item_arrival, 0.0), (self.p_defect, 0.0)):
            values.extend([fill] * count)

    def servers_busy(self) -> int:
        """Return how many people were serving an item when the books last closed."""
        return len(self._in_service)

    # -- arrivals ---------------------------------------------------------------

    def start_day(self, day_end: float, rate: float) -> None:
        """Set the value-demand rate (items per day) in force until ``day_end``."""
        self.rate = rate
        self._day_end = day_end
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if rate <= 0.0:
            self._pending = pending
            return
        self._next = self._next_arrival(self.now, pending)

    def _next_arrival(self, after: float, draw: float) -> float:
        """Return the time of the arrival that a unit exponential gives after ``after``.

        If it falls beyond today, keep what is left of the draw for tomorrow's
        rate (time rescaling) and return infinity.
        """
        rate = self.rate
        when = after + draw / rate
        if when < self._day_end:
            return when
        self._pending = max(0.0, draw - rate * (self._day_end - after))
        return INF

    # -- service ----------------------------------------------------------------

    def _close_busy(self, server: int, now: float) -> None:
        """Book the busy time since ``busy_since`` as on-duty work or overrun."""
        spent = now - self.busy_since[server]
        if self.on_duty[server]:
            self.busy_on[server] += spent
        else:
            self.overrun[server] += spent
        self.busy_since[server] = now

    def _take_next(self, server: int, now: float) -> None:
        """Give a newly available ``server`` the first item still waiting, or make them idle."""
        queue = self.queue
        while queue:
            arrived, effort, gives_up = queue.popleft()
            self.queued_since_sum -= arrived
            if gives_up <= now:
                self._abandon(arrived, gives_up)
                continue
            self.wait_sum += now - arrived
            self.busy_since[server] = now
            self.item_arrival[server] = arrived
            self._sequence += 1
            heappush(self._calendar, (now + effort / self.speed[server], self._sequence,
                                      DONE, server))
            return
        self.idle.append(server)

    def _abandon(self, arrived: float, gives_up: float) -> None:
        """Book an item that left unserved when its patience ran out at ``gives_up``."""
        self.abandoned += 1
        self.abandoned_time_sum += gives_up - arrived

    def _purge(self, now: float) -> None:
        """Take every item whose patience has run out by ``now`` out of the queue."""
        queue = self.queue
        if self._patience is None or not queue:
            return
        kept = []
        for item in queue:
            if item[2] <= now:
                self.queued_since_sum -= item[0]
                self._abandon(item[0], item[2])
            else:
                kept.append(item)
        if len(kept) < len(queue):
            queue.clear()  # in place: the per-item callbacks hold this deque
            queue.extend(kept)

    # -- duty roster ------------------------------------------------------------

    def go_on_duty(self, server: int) -> None:
        """Put ``server`` on operations duty; they take the next item if any waits."""
        if self.on_duty[server]:
            return
        now = self.now
        if self.busy_since[server] != IDLE:
            self._close_busy(server, now)
            self.on_duty[server] = True
        else:
            self.on_duty[server] = True
            self._take_next(server, now)

    def go_off_duty(self, server: int) -> None:
        """Take ``server`` off duty; an item in hand is finished first (non-preemptive)."""
        if not self.on_duty[server]:
            return
        if self.busy_since[server] != IDLE:
            self._close_busy(server, self.now)
        else:
            self.idle.remove(server)
        self.on_duty[server] = False

    # -- books ------------------------------------------------------------------

    def close_books(self, now: float) -> None:
        """Run the desk up to ``now`` and bring its sums there (call before reading counters)."""
        self.advance(now)
        self._purge(now)
        busy_since, on_duty, busy_on, overrun = (self.busy_since, self.on_duty, self.busy_on,
                                                 self.overrun)
        in_service = []
        for server, since in enumerate(busy_since):  # as _close_busy, for everyone busy
            if since != IDLE:
                in_service.append(server)
                if on_duty[server]:
                    busy_on[server] += now - since
                else:
                    overrun[server] += now - since
                busy_since[server] = now
        self._in_service = in_service

    def counters(self) -> dict[str, float]:
        """Return the running sums now; a period's figures are differences of two calls.

        Some sums are derived here rather than counted per item: value arrivals
        are completions plus items inside minus failure arrivals; items that
        started service are completions plus items in service; and the area under
        the items-in-system curve is the completed time in system plus the time
        spent so far by every item still inside (for the queue, from a running sum
        of arrival times, so the cost does not grow with the backlog).
        """
        now = self.now
        in_service = self._in_service
        inside = len(self.queue) + len(in_service)
        area = (self.time_in_system_sum + self.abandoned_time_sum
                + len(self.queue) * now - self.queued_since_sum
                + sum(now - self.item_arrival[i] for i in in_service))
        return {
            "value_arrivals": self.completed + self.abandoned + inside - self.failure_arrivals,
            "abandoned": self.abandoned, "abandoned_time_sum": self.abandoned_time_sum,
            "failure_arrivals": self.failure_arrivals, "wait_sum": self.wait_sum,
            "completed": self.completed, "time_in_system_sum": self.time_in_system_sum,
            "within_sla": self.within_sla, "busy_time": self.busy_time,
            "defects": self.defects, "started": self.completed + len(in_service),
            "area": area,
        }

    def take_day_hours(self) -> tuple[float, float, list[float] | None]:
        """Return and reset the busy time since the last call.

        Call :meth:`close_books` first so that items in service are included.

        Returns
        -------
        tuple
            Total busy time on duty, total overrun, and each server's overrun
            (None when nobody overran).
        """
        n = len(self.busy_on)
        busy, overrun = sum(self.busy_on), sum(self.overrun)
        per_server = self.overrun[:] if overrun else None
        self.busy_time += busy + overrun
        self.busy_on[:] = [0.0] * n
        if overrun:
            self.overrun[:] = [0.0] * n
        return busy, overrun, per_server


def duty_windows(phase: float, share: float) -> tuple[tuple[float, float], ...]:
    """Return the parts of the day ``[0, 1)`` a person spends on operations duty.

    Parameters
    ----------
    phase
        Where the person's day-job block starts, as a fraction of the day.
    share
        Length of the block as a fraction of the day.

    Returns
    -------
    tuple of (start, end)
        One window, or two when the block wraps past the end of the day.
    """
    if share <= 0.0:
        return ()
    if share >= 1.0:
        return ((0.0, 1.0),)
    end = phase + share
    if end <= 1.0:
        return ((phase, end),)
    return ((0.0, end - 1.0), (phase, 1.0))
