"""The service desk's inner loop, compiled.

Every work item passes through the desk twice (it arrives, it is finished), so
the loop that runs the desk's calendar between two day boundaries sets the
model's speed. This module holds that loop as plain functions over NumPy arrays,
compiled to machine code by Numba (``cache=True``: the compiled code is kept on
disk and reused by later processes). Numba is imported, and the functions
compiled, by :func:`ready`, which the desk calls when it is created, so that a
process that only reads or checks scenarios never loads the compiler. With the
environment variable ``NUMBA_DISABLE_JIT=1`` the very same functions run as
ordinary Python, which is how the tests check that compiling changes no number.

The rules are those of :class:`sim.model.operations.ServiceDesk`, which owns the
state and documents the mechanics; this module only knows array layouts:

- the calendar is a binary heap of entries ``(time, key)`` in two arrays, where
  the key packs the entry's sequence, kind and server into one integer
  (:func:`entry`) and orders entries as their sequences do; entries run in
  ``(time, sequence)`` order, and sequences are unique, so that order does not
  depend on how the heap is laid out;
- the queue is a ring buffer of ``(arrival, effort, gives up)`` in three arrays;
- the idle servers are a stack (the last to become idle is the first to serve);
- the desk's scalar state sits in one float and one integer array, indexed by the
  constants below;
- each random source is a block of draws and an index into it. A draw is taken
  only once everything the event needs is at hand: if a block runs out, or the
  calendar, the queue or the item records are full, :func:`advance` returns a
  code saying which, before it changes anything for that event, and the caller
  refills or grows and calls again;
- when the desk keeps item records, ``rec`` is an array with a row per item, and
  every item gets an id, its arrival number (value and failure items alike): the
  queue keeps each waiting item's id, each server the id of the item in hand, a
  failure item's calendar entry the id of the item it returns for (in the server
  field, unused by failure entries) or :data:`NO_PARENT`, and row ``id`` holds the
  item's arrival, start of service, completion, the moment its patience runs out
  and the id of the item it returns for (:data:`VALUE` for value demand). Without
  records ``rec`` is None: Numba compiles each function for that case with every
  line about records pruned away, so the desk runs the same code as without the
  feature. Records draw nothing and change no other state.
"""

from __future__ import annotations

import numpy as np

INF = np.inf
IDLE = -1.0

DONE, ON_DUTY, OFF_DUTY, FAILURE = 0, 1, 2, 3
SEQUENCE_SHIFT, KIND_SHIFT = 30, 28
SERVER_MASK = (1 << KIND_SHIFT) - 1
"""Layout of a calendar key (see :func:`entry`)."""

# float state
NOW, RATE, DAY_END, SLA, NEXT, PENDING, TIME_IN_SYSTEM, WAIT, QUEUED_SINCE, ABANDONED_TIME = (
    range(10))
FLOATS = 10
# integer state
CALENDAR_SIZE, SEQUENCE, QUEUE_HEAD, QUEUE_LENGTH, IDLE_COUNT, COMPLETED, WITHIN_SLA, DEFECTS, \
    FAILURES, ABANDONED, PATIENT, ITEMS = range(12)
INTS = 12
# columns of the item records
ARRIVED, STARTED, FINISHED_AT, GIVES_UP, PARENT = range(5)
RECORD_COLUMNS = 5
VALUE = -1.0
"""Parent of a value-demand item in the records."""
NO_PARENT = -2
"""Parent of a failure item that returns for no item of the desk (e.g. an incident)."""
# random sources, in the order of the index array and of the codes below
GAPS, EFFORTS, PATIENCE, FAILURE_EFFORTS, DEFECT_DRAWS, DEFECT_DELAYS = range(6)
SOURCES = 6

FINISHED = -1
"""Return code of :func:`advance`: the desk stands at ``until``."""
CALENDAR_FULL, QUEUE_FULL, RECORDS_FULL = SOURCES, SOURCES + 1, SOURCES + 2
"""Return codes: the calendar, the queue or the item records need more room (0..5 name a
source to refill)."""


def entry(sequence, kind, server):
    """The calendar key of an entry: its sequence, kind and server in one integer.

    Keys order entries as their sequences do (the sequence fills the high bits and
    is unique), so a heap ordered by ``(time, key)`` runs them in ``(time,
    sequence)`` order. The bounds hold within the scenario limits: sequences
    below 2^33, servers (or, for a failure, item ids) from -2 to below 2^28 - 2.
    """
    return (sequence << SEQUENCE_SHIFT) | (kind << KIND_SHIFT) | (server + 2)


def kind_of(key):
    """The kind of the entry with calendar key ``key``."""
    return (key >> KIND_SHIFT) & 3


def server_of(key):
    """The server (or parent item) of the entry with calendar key ``key``."""
    return (key & SERVER_MASK) - 2


def heap_push(ct, ckey, size, time, key):
    """Add an entry to a heap of ``size`` entries (with room for it); return the new size."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        pt = ct[parent]
        if pt < time or (pt == time and ckey[parent] < key):
            break
        ct[pos], ckey[pos] = pt, ckey[parent]
        pos = parent
    ct[pos], ckey[pos] = time, key
    return size + 1


def _sift_down(ct, ckey, size, time, key):
    """Put an entry at the root of a heap of ``size`` entries and sift it down to its place."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        right = child + 1
        if right < size and (ct[right] < ct[child]
                             or (ct[right] == ct[child] and ckey[right] < ckey[child])):
            child = right
        tc = ct[child]
        if time < tc or (time == tc and key < ckey[child]):
            break
        ct[pos], ckey[pos] = tc, ckey[child]
        pos = child
    ct[pos], ckey[pos] = time, key


def _heap_pop(ct, ckey, size):
    """Remove the root of a heap of ``size`` entries; return the new size."""
    size -= 1
    if size > 0:
        _sift_down(ct, ckey, size, ct[size], ckey[size])
    return size


def schedule(ct, ckey, si, time, kind, server):
    """Add an entry to the calendar with the next sequence number (room for it must exist)."""
    si[SEQUENCE] += 1
    si[CALENDAR_SIZE] = heap_push(ct, ckey, si[CALENDAR_SIZE], time,
                                  entry(si[SEQUENCE], kind, server))


def _pop_waiting(now, sf, si, qa, qg):
    """Take the first item still waiting off the queue; return its slot, or -1 if none.

    Items whose patience ran out by ``now`` leave on the way (they abandon). The
    slot's arrival and effort stay readable until the next item joins the queue.
    """
    capacity = qa.shape[0]
    while si[QUEUE_LENGTH] > 0:
        slot = si[QUEUE_HEAD]
        si[QUEUE_HEAD] = (slot + 1) % capacity
        si[QUEUE_LENGTH] -= 1
        sf[QUEUED_SINCE] -= qa[slot]
        if qg[slot] <= now:  # left before anybody could serve it
            si[ABANDONED] += 1
            sf[ABANDONED_TIME] += qg[slot] - qa[slot]
            continue
        sf[WAIT] += now - qa[slot]
        return slot
    return -1


def _enter(now, effort, gives_up, sf, si, ct, ckey, qa, qe, qg, idle, busy_since,
           item_arrival, speed):
    """An item arrives: the last server to become idle takes it, or it joins the queue."""
    if si[IDLE_COUNT] > 0:
        si[IDLE_COUNT] -= 1
        server = idle[si[IDLE_COUNT]]
        busy_since[server] = now
        item_arrival[server] = now
        schedule(ct, ckey, si, now + effort / speed[server], DONE, server)
    else:
        slot = (si[QUEUE_HEAD] + si[QUEUE_LENGTH]) % qa.shape[0]
        qa[slot], qe[slot], qg[slot] = now, effort, gives_up
        si[QUEUE_LENGTH] += 1
        sf[QUEUED_SINCE] += now


def _record_arrival(now, gives_up, parent, si, qa, qi, idle, item_id, rec):
    """Give an arriving item the next id and open its row, where :func:`_enter` will put it.

    Called just before :func:`_enter` (with room for the row): the item goes to the
    last idle server, or to the queue's next slot.
    """
    item = si[ITEMS]
    si[ITEMS] += 1
    rec[item, ARRIVED] = now
    rec[item, STARTED] = np.nan
    rec[item, FINISHED_AT] = np.nan
    rec[item, GIVES_UP] = gives_up
    rec[item, PARENT] = parent
    if si[IDLE_COUNT] > 0:
        item_id[idle[si[IDLE_COUNT] - 1]] = item
        rec[item, STARTED] = now
    else:
        qi[(si[QUEUE_HEAD] + si[QUEUE_LENGTH]) % qa.shape[0]] = item


def advance(until, sf, si, ct, ckey, qa, qe, qg, qi, idle, on_duty, busy_since, busy_on,
            overrun, item_arrival, item_id, speed, p_defect, gaps, efforts, patience,
            failure_efforts, defect_draws, defect_delays, drawn, rec):
    """Run the calendar's entries and the value arrivals due before ``until``, in time order.

    Returns :data:`FINISHED` once the desk stands at ``until``, or the code of what
    it needs first (a source to refill, more calendar or queue room) before it
    changes anything for that event, so that a second call carries on.
    """
    patient = si[PATIENT] != 0
    while True:
        if si[CALENDAR_SIZE] + 2 > ct.shape[0]:
            return CALENDAR_FULL
        if si[QUEUE_LENGTH] + 1 > qa.shape[0]:
            return QUEUE_FULL
        if rec is not None and si[ITEMS] >= rec.shape[0]:
            return RECORDS_FULL
        nxt, due = sf[NEXT], ct[0]  # the calendar is never empty: its entry at infinity stays
        if nxt < due:  # a value item arrives
            if nxt >= until:
                break
            if drawn[GAPS] >= gaps.shape[0]:
                return GAPS
            if drawn[EFFORTS] >= efforts.shape[0]:
                return EFFORTS
            if patient and drawn[PATIENCE] >= patience.shape[0]:
                return PATIENCE
            gives_up = INF
            if patient:
                gives_up = nxt + patience[drawn[PATIENCE]]
                drawn[PATIENCE] += 1
            effort = efforts[drawn[EFFORTS]]
            drawn[EFFORTS] += 1
            draw = gaps[drawn[GAPS]]
            drawn[GAPS] += 1
            rate, day_end = sf[RATE], sf[DAY_END]
            sf[NEXT] = nxt + draw / rate
            if sf[NEXT] >= day_end:  # tomorrow's rate converts what is left of the draw
                sf[NEXT] = INF
                sf[PENDING] = max(0.0, draw - rate * (day_end - nxt))
            if rec is not None:
                _record_arrival(nxt, gives_up, VALUE, si, qa, qi, idle, item_id, rec)
            _enter(nxt, effort, gives_up, sf, si, ct, ckey, qa, qe, qg, idle, busy_since,
                   item_arrival, speed)
            continue
        if due >= until:
            break
        now, key = due, ckey[0]
        kind, server = kind_of(key), server_of(key)
        if kind == DONE:
            p = p_defect[server]
            defective = False
            if p > 0.0:
                if drawn[DEFECT_DRAWS] >= defect_draws.shape[0]:
                    return DEFECT_DRAWS
                if defect_draws[drawn[DEFECT_DRAWS]] < p:
                    if drawn[DEFECT_DELAYS] >= defect_delays.shape[0]:
                        return DEFECT_DELAYS
                    defective = True
                drawn[DEFECT_DRAWS] += 1
            if on_duty[server]:
                busy_on[server] += now - busy_since[server]
            else:
                overrun[server] += now - busy_since[server]
            stay = now - item_arrival[server]
            if rec is not None:
                rec[item_id[server], FINISHED_AT] = now
            si[COMPLETED] += 1
            sf[TIME_IN_SYSTEM] += stay
            if stay <= sf[SLA]:
                si[WITHIN_SLA] += 1
            if defective:  # returns later than the entry on top, so that entry stays on top
                si[DEFECTS] += 1
                parent = NO_PARENT
                if rec is not None:
                    parent = item_id[server]
                schedule(ct, ckey, si, now + defect_delays[drawn[DEFECT_DELAYS]], FAILURE,
                         parent)
                drawn[DEFECT_DELAYS] += 1
            if on_duty[server]:
                slot = _pop_waiting(now, sf, si, qa, qg)
                if slot >= 0:  # the finished entry on top makes way for the next one
                    busy_since[server] = now
                    item_arrival[server] = qa[slot]
                    if rec is not None:
                        item_id[server] = qi[slot]
                        rec[qi[slot], STARTED] = now
                    si[SEQUENCE] += 1
                    _sift_down(ct, ckey, si[CALENDAR_SIZE], now + qe[slot] / speed[server],
                               entry(si[SEQUENCE], DONE, server))
                    continue
                idle[si[IDLE_COUNT]] = server
                si[IDLE_COUNT] += 1
            busy_since[server] = IDLE
            si[CALENDAR_SIZE] = _heap_pop(ct, ckey, si[CALENDAR_SIZE])
        elif kind == ON_DUTY:
            si[CALENDAR_SIZE] = _heap_pop(ct, ckey, si[CALENDAR_SIZE])
            was_idle = busy_since[server] == IDLE
            go_on(server, now, sf, si, ct, ckey, qa, qe, qg, idle, on_duty, busy_since,
                  overrun, item_arrival, speed)
            if rec is not None:
                record_take(server, was_idle, now, si, qa, qi, busy_since, item_id, rec)
        elif kind == OFF_DUTY:
            si[CALENDAR_SIZE] = _heap_pop(ct, ckey, si[CALENDAR_SIZE])
            go_off(server, now, si, idle, on_duty, busy_since, busy_on)
        else:  # FAILURE: a failure item enters (it waits however long it takes)
            if drawn[FAILURE_EFFORTS] >= failure_efforts.shape[0]:
                return FAILURE_EFFORTS
            si[CALENDAR_SIZE] = _heap_pop(ct, ckey, si[CALENDAR_SIZE])
            si[FAILURES] += 1
            effort = failure_efforts[drawn[FAILURE_EFFORTS]]
            drawn[FAILURE_EFFORTS] += 1
            if rec is not None:
                _record_arrival(now, INF, float(server), si, qa, qi, idle, item_id, rec)
            _enter(now, effort, INF, sf, si, ct, ckey, qa, qe, qg, idle, busy_since,
                   item_arrival, speed)
    sf[NOW] = until
    return FINISHED


def take_next(server, now, sf, si, ct, ckey, qa, qe, qg, idle, busy_since, item_arrival,
              speed):
    """Give a newly available ``server`` the first item still waiting, or make them idle."""
    slot = _pop_waiting(now, sf, si, qa, qg)
    if slot >= 0:
        busy_since[server] = now
        item_arrival[server] = qa[slot]
        schedule(ct, ckey, si, now + qe[slot] / speed[server], DONE, server)
    else:
        idle[si[IDLE_COUNT]] = server
        si[IDLE_COUNT] += 1


def go_on(server, now, sf, si, ct, ckey, qa, qe, qg, idle, on_duty, busy_since, overrun,
          item_arrival, speed):
    """Put ``server`` on duty now; a free server takes the next item if any waits."""
    if on_duty[server]:
        return
    if busy_since[server] != IDLE:  # still finishing an item from before: overrun so far
        overrun[server] += now - busy_since[server]
        busy_since[server] = now
        on_duty[server] = True
    else:
        on_duty[server] = True
        take_next(server, now, sf, si, ct, ckey, qa, qe, qg, idle, busy_since,
                  item_arrival, speed)


def go_off(server, now, si, idle, on_duty, busy_since, busy_on):
    """Take ``server`` off duty now; an item in hand is finished first (non-preemptive)."""
    if not on_duty[server]:
        return
    if busy_since[server] != IDLE:
        busy_on[server] += now - busy_since[server]
        busy_since[server] = now
    else:
        remove_idle(idle, si[IDLE_COUNT], server)
        si[IDLE_COUNT] -= 1
    on_duty[server] = False


def roster(now, eps, people, phases, shares, sf, si, ct, ckey, qa, qe, qg, qi, idle,
           on_duty, busy_since, busy_on, overrun, item_arrival, item_id, speed, rec):
    """Put each of ``people`` on today's duty block of length ``share`` from ``phase``.

    A block that would run past the end of the day wraps to its start, so a
    person has one or two windows of duty. Whoever is on duty at the start of the
    day goes on now, everybody else off; each window's start and end (unless at
    the day's edges, within ``eps``) become duty changes in the calendar, person by
    person in the order given. The calendar must have room for three entries a
    person.
    """
    for j in range(people.shape[0]):
        person, phase, share = people[j], phases[j], shares[j]
        count = 0
        start1, end1, start2, end2 = 0.0, 0.0, 0.0, 0.0
        if share >= 1.0:
            count, start1, end1 = 1, 0.0, 1.0
        elif share > 0.0:
            end = phase + share
            if end <= 1.0:
                count, start1, end1 = 1, phase, end
            else:
                count, start1, end1, start2, end2 = 2, 0.0, end - 1.0, phase, 1.0
        if count and start1 <= eps:
            was_idle = busy_since[person] == IDLE
            go_on(person, now, sf, si, ct, ckey, qa, qe, qg, idle, on_duty, busy_since,
                  overrun, item_arrival, speed)
            if rec is not None:
                record_take(person, was_idle, now, si, qa, qi, busy_since, item_id, rec)
        else:
            go_off(person, now, si, idle, on_duty, busy_since, busy_on)
        for w in range(count):
            start, end = (start1, end1) if w == 0 else (start2, end2)
            if start > eps:
                schedule(ct, ckey, si, now + start, ON_DUTY, person)
            if end < 1.0 - eps:
                schedule(ct, ckey, si, now + end, OFF_DUTY, person)


def record_take(server, was_idle, now, si, qa, qi, busy_since, item_id, rec):
    """Record that ``server``, idle before a call to :func:`go_on`, took an item from the queue.

    :func:`take_next` leaves the queue's head just past the slot of the item it
    took, and that slot keeps the item's id until a later arrival reuses it.
    """
    if was_idle and busy_since[server] != IDLE:
        item = qi[(si[QUEUE_HEAD] - 1 + qa.shape[0]) % qa.shape[0]]
        item_id[server] = item
        rec[item, STARTED] = now


def remove_idle(idle, n_idle, server):
    """Take ``server`` out of the first ``n_idle`` entries of the idle stack, keeping the order."""
    found = False
    for j in range(n_idle):
        if found:
            idle[j - 1] = idle[j]
        elif idle[j] == server:
            found = True


def purge(now, sf, si, qa, qe, qg, qi):
    """Take every waiting item whose patience ran out by ``now`` out of the queue, in order."""
    head, length, capacity = si[QUEUE_HEAD], si[QUEUE_LENGTH], qa.shape[0]
    queued_since, abandoned_time = sf[QUEUED_SINCE], sf[ABANDONED_TIME]
    abandoned = si[ABANDONED]
    kept = 0
    for k in range(length):
        slot = (head + k) % capacity
        if qg[slot] <= now:
            queued_since -= qa[slot]
            abandoned += 1
            abandoned_time += qg[slot] - qa[slot]
        else:
            target = (head + kept) % capacity
            qa[target], qe[target], qg[target] = qa[slot], qe[slot], qg[slot]
            if qi is not None:
                qi[target] = qi[slot]
            kept += 1
    si[QUEUE_LENGTH], si[ABANDONED] = kept, abandoned
    sf[QUEUED_SINCE], sf[ABANDONED_TIME] = queued_since, abandoned_time


_KERNELS = ("entry", "kind_of", "server_of", "heap_push", "_sift_down", "_heap_pop",
            "schedule", "_pop_waiting", "_enter", "_record_arrival", "record_take",
            "remove_idle", "take_next", "go_on", "go_off", "roster", "advance", "purge")
_ready = False


def ready() -> None:
    """Replace this module's functions by their compiled versions (once per process).

    The helpers come first, so that a function calling them is compiled against
    their compiled versions; compiling itself happens on each one's first call,
    from the on-disk cache when it holds them.
    """
    global _ready
    if _ready:
        return
    from numba import njit

    space = globals()
    for name in _KERNELS:
        space[name] = njit(cache=True)(space[name])
    _ready = True
