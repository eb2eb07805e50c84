"""The day's rules, compiled.

Each working day the components apply some forty rules to arrays of a few dozen
people: plans, stress, rewards, project work, money. In NumPy every one of them
is a handful of calls on tiny arrays, and the calls, not the arithmetic, were
most of a run's time. This module holds those rules as plain functions that loop
over people, compiled to machine code by Numba (``cache=True``, as the desk's
loop in :mod:`sim.model.desk_kernel`): one call a rule instead of one call an
operation. :func:`ready`, which the organisation calls when it is created,
compiles them (or loads them from the on-disk cache), so a process that only
reads scenarios never loads the compiler. With ``NUMBA_DISABLE_JIT=1`` the very
same functions run as ordinary Python; ``tests/test_day_kernel.py`` checks that
both give the same numbers, and the golden files that they give the numbers the
NumPy rules gave, to the last bit.

That last bit is why the rules do their arithmetic as NumPy did:

* every element-wise step is the same IEEE operation in the same order (Numba
  does not fuse a multiplication and an addition, and ``math.exp`` is the C
  library's, as :mod:`sim.model.arith` asks);
* a sum is NumPy's pairwise sum (:func:`total`), whose order depends only on
  the length of the array, never a running sum;
* a maximum or a minimum of two equal numbers is the second one, as NumPy's
  (so that the sign of a zero comes out as it did), and :func:`interpolate` is
  ``np.interp`` step by step.

Components own their arrays and pass them in; a rule writes its results into
arrays it is given (``out``) or returns numbers. Nothing here draws a random
number or keeps state between calls.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

_BLOCK = 128
"""NumPy's pairwise sum adds blocks of up to this many numbers with eight accumulators."""


# -- NumPy's arithmetic, one number at a time ----------------------------------------------


def maximum(a, b):
    """``np.maximum(a, b)``: the larger, ``b`` when they are equal, NaN if either is."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a > b else b


def minimum(a, b):
    """``np.minimum(a, b)``: the smaller, ``b`` when they are equal, NaN if either is."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a < b else b


def clip(x, low, high):
    """``np.clip(x, low, high)``: ``x`` kept when it equals a bound."""
    if x < low:
        x = low
    if x > high:
        x = high
    return x


def larger(a, b):
    """Python's ``max(a, b)``: ``a`` unless ``b`` is greater."""
    return b if b > a else a


def smaller(a, b):
    """Python's ``min(a, b)``: ``a`` unless ``b`` is smaller."""
    return b if b < a else a


def _block_sum(values, start, count):
    """NumPy's sum of a stretch of at most :data:`_BLOCK` numbers of ``values``.

    Fewer than eight are added in turn; otherwise eight running sums take every
    eighth number and are combined as ``((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 +
    s7))``, and the numbers left over (fewer than eight) are added in turn.
    """
    if count < 8:
        result = 0.0
        for i in range(start, start + count):
            result += values[i]
        return result
    s0, s1, s2, s3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    s4, s5, s6, s7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    i = start + 8
    end = start + count - count % 8
    while i < end:
        s0 += values[i]
        s1 += values[i + 1]
        s2 += values[i + 2]
        s3 += values[i + 3]
        s4 += values[i + 4]
        s5 += values[i + 5]
        s6 += values[i + 6]
        s7 += values[i + 7]
        i += 8
    result = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < start + count:
        result += values[i]
        i += 1
    return result


def _pairwise(values, start, count):
    """NumPy's pairwise sum of ``values[start:start + count]``.

    A stretch longer than :data:`_BLOCK` is split in two halves, the first a
    multiple of eight long, whose sums are added; shorter ones are summed by
    :func:`_block_sum`. The halving is NumPy's recursion, kept on an explicit
    stack (Numba cannot cache a recursive function).
    """
    if count <= _BLOCK:
        return _block_sum(values, start, count)
    starts = np.empty(64, dtype=np.int64)
    counts = np.empty(64, dtype=np.int64)
    steps = np.zeros(64, dtype=np.int64)  # 0: left half next, 1: right half next, 2: add
    lefts = np.empty(64)
    top = 0
    starts[0], counts[0] = start, count
    value = 0.0
    while top >= 0:
        half = counts[top] // 2
        half -= half % 8
        if steps[top] == 2:
            value = lefts[top] + value
            top -= 1
            continue
        if steps[top] == 0:
            first, length = starts[top], half
        else:
            lefts[top] = value
            first, length = starts[top] + half, counts[top] - half
        steps[top] += 1
        if length <= _BLOCK:
            value = _block_sum(values, first, length)
        else:
            top += 1
            starts[top], counts[top], steps[top] = first, length, 0
    return value


def total(values):
    """``float(values.sum())`` of a 1-D float array, to the last bit (pairwise, from 0.0)."""
    return 0.0 + _pairwise(values, 0, values.shape[0])


def total_of_products(a, b):
    """``float((a * b).sum())``: :func:`sim.model.arith.dot`, to the last bit."""
    products = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        products[i] = a[i] * b[i]
    return total(products)


def kept(values, keep):
    """``values[keep]``: the kept values, in order (a new array)."""
    out = np.empty(values.shape[0])
    count = 0
    for i in range(values.shape[0]):
        if keep[i]:
            out[count] = values[i]
            count += 1
    return out[:count]


def total_where(values, keep):
    """``float(values[keep].sum())``: the pairwise sum of the kept values, in order."""
    return total(kept(values, keep))


def mean_where(values, keep):
    """Mean of the kept values (one sum over the count, as ``values[keep].mean()``); 0 if none."""
    count = 0
    for i in range(keep.shape[0]):
        if keep[i]:
            count += 1
    return total_where(values, keep) / count if count else 0.0


def slopes_of(xs, ys):
    """Each segment's slope ``(y_{j+1} - y_j) / (x_{j+1} - x_j)`` of a curve, as ``np.interp``'s."""
    out = np.empty(max(xs.shape[0] - 1, 0))
    for j in range(out.shape[0]):
        out[j] = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    return out


def interpolate(x, xs, ys, slopes):
    """``np.interp(x, xs, ys)`` for one ``x`` (``xs`` increasing; flat beyond its ends).

    Between two points it is ``slope (x - x_j) + y_j``, ``slopes`` being
    :func:`slopes_of` the curve, where ``x_j <= x < x_{j+1}``; at a point it is that
    point's value.
    """
    last = xs.shape[0] - 1
    if last == 0:
        return ys[0]
    if x != x:
        return x
    if x < xs[0]:
        return ys[0]
    if x > xs[last]:
        return ys[last]
    j = 0
    while j < last and xs[j + 1] <= x:
        j += 1
    if j == last or xs[j] == x:
        return ys[j]
    slope = slopes[j]
    value = slope * (x - xs[j]) + ys[j]
    if value != value:
        value = slope * (x - xs[j + 1]) + ys[j + 1]
        if value != value and ys[j] == ys[j + 1]:
            value = ys[j]
    return value


def interpolate_each(x, xs, ys, out):
    """``out[:] = np.interp(x, xs, ys)``."""
    slopes = slopes_of(xs, ys)
    for i in range(x.shape[0]):
        out[i] = interpolate(x[i], xs, ys, slopes)


def nearest_rank_90(values, keep):
    """The 90th percentile of the kept values by nearest rank (0 if none)."""
    chosen = kept(values, keep)
    count = chosen.shape[0]
    if count == 0:
        return 0.0
    rank = min(math.ceil(0.9 * count) - 1, count - 1)
    return np.sort(chosen)[rank]


# -- wellbeing: stress, productivity, defects ------------------------------------------------


def target(load, gain, ceiling):
    """Level a kind of stress heads for: ``min(gain * max(load, 0), ceiling)``."""
    return minimum(gain * maximum(load, 0.0), ceiling)


def relax(stress, goal, decay):
    """One day towards ``goal`` with time constant tau: ``goal + (stress - goal) e^(-1/tau)``.

    ``decay`` is ``e^(-1/tau)``.
    """
    return goal + (stress - goal) * decay


def onboarding(now, hired_at, ramp_days, start):
    """Productivity from tenure: ``start + (1 - start) min(max((now - hired) / ramp, 0), 1)``."""
    progress = minimum(maximum((now - hired_at) / ramp_days, 0.0), 1.0)
    return start + (1.0 - start) * progress


def stress_step(active, plan, pressure, schedule, misaligned, overload_gain,
                misalignment_gain, ceiling, tau, move_challenge, move_hindrance, hired_at, now,
                ramp_days, start, challenge_xs, challenge_ys, hindrance_xs, hindrance_ys,
                defect_xs, defect_ys, challenge, hindrance, stress, productivity, defects):
    """Move each person's stress one day towards its targets; refresh its effects.

    For each person in a seat (an empty seat carries none):

    * demanded = ops share x pressure + project share x schedule pressure
      + improvement + sustainment + overhead (``plan`` rows, see :data:`PLAN_ROWS`);
    * challenge C relaxes towards ``target(demanded - 1, overload_gain, ceiling)``,
      hindrance H towards ``target(misaligned, misalignment_gain, ceiling)``, each
      only when ``move_challenge`` / ``move_hindrance`` (its gain is on, or it is
      not yet at rest);
    * stress S = C + H; productivity = challenge curve(C) x hindrance curve(H) x
      onboarding; defect factor = defect curve(S).

    Returns True when nobody is stressed.
    """
    decay = math.exp(-1.0 / tau)
    challenge_slopes = slopes_of(challenge_xs, challenge_ys)
    hindrance_slopes = slopes_of(hindrance_xs, hindrance_ys)
    defect_slopes = slopes_of(defect_xs, defect_ys)
    calm = True
    for i in range(active.shape[0]):
        if move_challenge:
            demanded = (plan[OPS, i] * pressure + plan[PROJECT, i] * schedule[i]
                        + plan[IMPROVEMENT, i] + plan[SUSTAINMENT, i] + plan[OVERHEAD, i])
            goal = target(demanded - 1.0, overload_gain, ceiling)
            challenge[i] = relax(challenge[i], goal, decay) if active[i] else 0.0
        if move_hindrance:
            goal = target(misaligned[i], misalignment_gain, ceiling)
            hindrance[i] = relax(hindrance[i], goal, decay) if active[i] else 0.0
        stress[i] = challenge[i] + hindrance[i]
        ramp = onboarding(now, hired_at[i], ramp_days, start)
        productivity[i] = (interpolate(challenge[i], challenge_xs, challenge_ys,
                                       challenge_slopes)
                           * interpolate(hindrance[i], hindrance_xs, hindrance_ys,
                                         hindrance_slopes)) * ramp
        defects[i] = interpolate(stress[i], defect_xs, defect_ys, defect_slopes)
        if stress[i] != 0.0:
            calm = False
    return calm


def improvement_effort(improvement, skill, productivity):
    """Improvement done today: ``sum(improvement time x skill x productivity)``; NaN if none."""
    if not improvement.any():
        return np.nan
    effective = np.empty(skill.shape[0])
    for i in range(skill.shape[0]):
        effective[i] = skill[i] * productivity[i]
    return total_of_products(improvement, effective)


def server_rates(skill, productivity, capability, effort, p_defect, defect_factor, speed,
                 defects):
    """Each server's speed and probability of a defect, into ``speed`` and ``defects``.

    Speed is ``skill x productivity x (capability / effort)``, the probability
    ``min(p_defect x defect factor, 1)``.
    """
    scale = capability / effort
    for i in range(skill.shape[0]):
        speed[i] = skill[i] * productivity[i] * scale
        defects[i] = minimum(p_defect * defect_factor[i], 1.0)


def project_productivity(skill, productivity, group, assignments, operations, table, out):
    """Productivity on project work: skill x productivity x multitasking efficiency.

    A person's work streams are their projects plus one for the day job (group
    ``operations``); ``table`` gives the efficiency for 1, 2, 3... streams, its last
    entry for more.
    """
    last = table.shape[0] - 1
    for i in range(skill.shape[0]):
        streams = assignments[i] + (1 if group[i] == operations else 0)
        efficiency = table[min(max(streams - 1, 0), last)]
        out[i] = skill[i] * productivity[i] * efficiency


def leaving_multiplier(challenge, hindrance, seats, challenge_weight, hindrance_weight, out):
    """Factor stress puts on the hazard of leaving of ``seats``: ``1 + k_C C + k_H H``."""
    for j in range(seats.shape[0]):
        i = seats[j]
        out[j] = 1.0 + challenge_weight * challenge[i] + hindrance_weight * hindrance[i]


def stress_gauges(active, stress, challenge, hindrance, gated, out):
    """Mean stress, its 90th percentile, mean challenge and mean hindrance, into ``out``.

    Over the people in a seat; with ``gated`` the first two are 0 when nobody is
    stressed (as the day's gauges are).
    """
    stressed = not gated
    for i in range(active.shape[0]):
        if active[i] and stress[i] != 0.0:
            stressed = True
    out[0] = mean_where(stress, active) if stressed else 0.0
    out[1] = nearest_rank_90(stress, active) if stressed else 0.0
    out[2] = mean_where(challenge, active)
    out[3] = mean_where(hindrance, active)


# -- the workforce: who leaves ---------------------------------------------------------------


def leavers(seats, multiplier, rate, days_per_year, draws, out):
    """The ``seats`` whose draw falls below today's probability of leaving, in order.

    The probability is ``1 - exp(-rate x multiplier / days_per_year)`` (a yearly
    hazard over one working day), ``multiplier`` the factor stress puts on each.
    They go to the start of ``out``; returns how many.
    """
    count = 0
    for j in range(seats.shape[0]):
        if draws[j] < -math.expm1(-rate * multiplier[j] / days_per_year):
            out[count] = seats[j]
            count += 1
    return count


def headcounts(group, active, groups, out):
    """People in a seat in each of ``groups`` groups, into ``out`` (as floats)."""
    for g in range(groups):
        out[g] = 0.0
    for i in range(group.shape[0]):
        if active[i]:
            out[group[i]] += 1.0


# -- benefits ---------------------------------------------------------------------------------

DEMAND_REDUCTION, FAILURE_REDUCTION, PRODUCTIVITY, REVENUE, CAPABILITY = range(5)
"""The benefit kinds, in the order of :data:`sim.model.benefits.KINDS`."""


def benefit_levels(kind, realised, coupling, out):
    """The combined effect of the benefits of each kind, and the factor on demand.

    ``out[k]`` is ``1 - prod(1 - R)`` for a reduction kind, ``prod(1 + R) - 1`` for
    revenue and ``sum(R)`` for capability (the products in hand-over order, the sum
    pairwise); ``out[5]`` is the factor on value demand,
    ``(1 - demand reduction) x prod(1 + coupling x R)``.
    """
    kept = np.ones(3)
    revenue = 1.0
    coupled = 1.0
    for i in range(kind.shape[0]):
        k = kind[i]
        if k < REVENUE:
            kept[k] *= 1.0 - realised[i]
        elif k == REVENUE:
            revenue *= 1.0 + realised[i]
        coupled *= 1.0 + coupling[i] * realised[i]
    for k in range(3):
        out[k] = 1.0 - kept[k]
    out[REVENUE] = revenue - 1.0
    out[CAPABILITY] = total_where(realised, kind == CAPABILITY)
    out[5] = (1.0 - out[DEMAND_REDUCTION]) * coupled


def realise(kind, realised, potential, tau, days, coverage, erosion, realised_days):
    """Realise and erode every benefit for ``days`` at sustainment ``coverage``.

    The realised levels in force are integrated first (``realised_days`` by kind);
    then the potential erodes, ``P e^(-(1 - coverage) days / erosion)``, and the
    realised level closes on it, ``P + (R - P) e^(-days / tau)``.
    """
    by_kind = np.zeros(realised_days.shape[0])
    for i in range(kind.shape[0]):
        by_kind[kind[i]] += realised[i] * days
    for k in range(realised_days.shape[0]):
        realised_days[k] += by_kind[k]
    fade = math.exp(-(1.0 - coverage) * days / erosion)
    for i in range(kind.shape[0]):
        potential[i] = potential[i] * fade
        realised[i] = potential[i] + (realised[i] - potential[i]) * math.exp(-days / tau[i])


# -- money ------------------------------------------------------------------------------------


def price_day(rate, hired_at, now, ramp_days, start, times, unassigned, overhead, out):
    """Staff cost of the working day that ends at ``now``, by activity, into ``out``.

    Each seat costs ``rate`` a day; while someone ramps up (hired within
    ``ramp_days`` before the day) the part ``rate x (1 - onboarding)`` of their day
    is onboarding, and the rest (*worked*) is split as their day was. ``out`` gets
    worked x (project time + unassigned), x improvement time, x sustainment time,
    x overhead, the total worked and the onboarding (NaN when nobody ramps up).
    ``times`` holds project, improvement and sustainment time in its rows.
    """
    size = rate.shape[0]
    newest = -np.inf
    for i in range(size):
        newest = maximum(newest, hired_at[i])
    ramping = size > 0 and now - 1.0 - newest < ramp_days
    worked = np.empty(size)
    lost = np.empty(size)
    for i in range(size):
        if ramping:
            lost[i] = rate[i] * (1.0 - onboarding(now - 1.0, hired_at[i], ramp_days, start))
            worked[i] = rate[i] - lost[i]
        else:
            worked[i] = rate[i]
    projects = np.empty(size)
    for i in range(size):
        projects[i] = times[0, i] + unassigned[i]
    out[0] = total_of_products(worked, projects)
    out[1] = total_of_products(worked, times[1])
    out[2] = total_of_products(worked, times[2])
    out[3] = total_of_products(worked, overhead)
    out[4] = total(worked)
    out[5] = total(lost) if ramping else np.nan


# -- the desk's books -------------------------------------------------------------------------


def close_service(now, busy_since, on_duty, busy_on, overrun, busy):
    """Bring every server busy with an item up to ``now``; put who is busy first in ``busy``.

    Time in service so far goes to ``busy_on`` for those on duty and to
    ``overrun`` for the others, and their service restarts its clock at ``now``.
    Returns how many are busy.
    """
    count = 0
    for i in range(busy_since.shape[0]):
        if busy_since[i] != -1.0:
            if on_duty[i]:
                busy_on[i] += now - busy_since[i]
            else:
                overrun[i] += now - busy_since[i]
            busy[count] = i
            count += 1
    for j in range(count):
        busy_since[busy[j]] = now
    return count


def day_hours(busy_on, overrun):
    """Busy time on duty and overrun, each summed in seat order (as Python's ``sum``)."""
    busy, over = 0.0, 0.0
    for i in range(busy_on.shape[0]):
        busy += busy_on[i]
    for i in range(overrun.shape[0]):
        over += overrun[i]
    return busy, over


# -- the day plan ---------------------------------------------------------------------------

OPS, PROJECT, IMPROVEMENT, SUSTAINMENT, OVERHEAD, UNASSIGNED, ASSIGNED_OPS, \
    ASSIGNED_PROJECT, ASSIGNED_IMPROVEMENT, ASSIGNED_SUSTAINMENT, DIVERTED = range(11)
PLAN_ROWS = 11
"""Rows of a day plan's array, one share of the day per person in each (see ``DayPlan``)."""


def plan_day(group, active, allocated, on_hold, asked, wanted, improvement_share, protected,
             operations, opex, projects, pmo, rows):
    """Plan each person's day into ``rows`` (see :func:`sim.model.workforce.plan_day`).

    With p = min(max(allocated - on hold, 0), 1), an operations person plans the
    day job for the rest r = 1 - p less improvement ``improvement_share x r`` and the
    sustainment asked (at most what is left); the OpEx team plans sustainment (at
    most 1) and improvement for the rest; dedicated project staff plan sustainment
    out of what projects leave and are otherwise unassigned; the PMO plans
    overhead. Diversion d = min(wanted, 1 - protected) (operations and OpEx only)
    moves d of project (operations only), improvement and sustainment time to the
    day job. Empty seats plan nothing.
    """
    for i in range(group.shape[0]):
        g = group[i]
        in_ops, in_opex, in_projects = g == operations, g == opex, g == projects
        project = minimum(maximum(allocated[i] - on_hold[i], 0.0), 1.0)
        rest = 1.0 - project if in_ops else 0.0
        own_improvement = improvement_share * rest
        if in_ops:
            sustain = minimum(asked[i], rest - own_improvement)
        elif in_opex:
            sustain = minimum(asked[i], 1.0)
        elif in_projects:
            sustain = minimum(asked[i], 1.0 - project)
        else:
            sustain = 0.0
        improvement = own_improvement + (1.0 - sustain if in_opex else 0.0)
        ops = rest - (own_improvement + sustain if in_ops else 0.0)
        divert = minimum(wanted[i], 1.0 - protected) if in_ops or in_opex else 0.0
        moved_project = project * (divert if in_ops else 0.0)
        moved_other = (improvement + sustain) * divert
        rows[OPS, i] = ops + moved_project + moved_other
        rows[PROJECT, i] = project - moved_project
        rows[IMPROVEMENT, i] = improvement - improvement * divert
        rows[SUSTAINMENT, i] = sustain - sustain * divert
        rows[OVERHEAD, i] = 1.0 if g == pmo else 0.0
        rows[UNASSIGNED, i] = 1.0 - project - sustain if in_projects else 0.0
        rows[ASSIGNED_OPS, i] = ops
        rows[ASSIGNED_PROJECT, i] = project
        rows[ASSIGNED_IMPROVEMENT, i] = improvement
        rows[ASSIGNED_SUSTAINMENT, i] = sustain
        rows[DIVERTED, i] = moved_project + moved_other
        if not active[i]:
            for row in range(PLAN_ROWS):
                rows[row, i] = 0.0


def row_totals(rows, which, out):
    """``out[j] = float(rows[which[j]].sum())``: person-days of each of the rows ``which``."""
    for j in range(which.shape[0]):
        out[j] = total(rows[which[j]])


def duty_shares(rows, time_debt, leaving, eps, duty):
    """Each person's duty block today: the planned day job less time owed back.

    Debt is forgiven where there is no off-duty work (project, improvement and
    sustainment, at most ``eps``) or no day job to repay it from; elsewhere the
    block repays ``min(debt, day job)``. The ``leaving`` seats (finishing an item
    before they go) get no block. Returns whether anybody still owes time and the
    person-days on duty.
    """
    in_debt = False
    for i in range(time_debt.shape[0]):
        off_duty = rows[PROJECT, i] + rows[IMPROVEMENT, i] + rows[SUSTAINMENT, i]
        if off_duty <= eps or rows[OPS, i] <= eps:
            time_debt[i] = 0.0
        payback = minimum(time_debt[i], rows[OPS, i])
        time_debt[i] -= payback
        if time_debt[i] != 0.0:
            in_debt = True
        duty[i] = rows[OPS, i] - payback
    for seat in leaving:
        duty[seat] = 0.0
    return in_debt, total(duty)


def rostered(shares, on_duty, phase, eps, people, phases, blocks):
    """The people whose duty must be set today, with their phase and block, in seat order.

    Everybody with a block that is neither the whole day nor nothing, plus whoever
    is off duty with a whole-day block or on duty with none. Returns how many
    (the first entries of ``people``, ``phases`` and ``blocks``) and whether anyone
    has a block that is neither.
    """
    count = 0
    splits = False
    for i in range(shares.shape[0]):
        full, none = shares[i] >= 1.0 - eps, shares[i] <= eps
        split = not (full or none)
        splits = splits or split
        if split or (full and not on_duty[i]) or (none and on_duty[i]):
            people[count], phases[count], blocks[count] = i, phase[i], shares[i]
            count += 1
    return count, splits


def split_off_duty(rows, duty, overrun, out):
    """Split each person's time off duty between projects, improvement and sustainment.

    The time left, ``max(1 - duty - rest - overrun, 0)`` with rest the unplanned
    share ``1 - ops - project - improvement - sustainment``, goes to project work
    in its planned share ``project / (project + improvement + sustainment)`` (all
    of it when nothing is planned), and the remainder to improvement and
    sustainment in their planned shares (all sustainment when neither is planned).
    ``out`` gets project, improvement and sustainment time in its three rows;
    returns their totals.
    """
    for i in range(duty.shape[0]):
        ops, project = rows[OPS, i], rows[PROJECT, i]
        improvement, sustainment = rows[IMPROVEMENT, i], rows[SUSTAINMENT, i]
        rest = 1.0 - ops - project - improvement - sustainment
        work = maximum(1.0 - duty[i] - rest - overrun[i], 0.0)
        other = improvement + sustainment
        planned = project + other
        project_time = work * (project / planned if planned > 0.0 else 1.0)
        other_time = work - project_time
        improvement_time = other_time * (improvement / other if other > 0.0 else 0.0)
        out[0, i] = project_time
        out[1, i] = improvement_time
        out[2, i] = other_time - improvement_time
    return total(out[0]), total(out[1]), total(out[2])


# -- delivery: team capacity, project time, schedule pressure -------------------------------


def communication_overhead(team_size, coefficient):
    """Share of each member's project time spent communicating: ``min(k n^2, 1)``."""
    return smaller(coefficient * team_size * team_size, 1.0)


def team_capacity(time, productivity, tenure, newcomers, ramp_days, newcomer_start,
                  mentoring, overhead):
    """Work a project team can do today (see :mod:`sim.model.teams`).

    Without ``newcomers`` it is ``sum(time x productivity)``. Otherwise each member
    ramps up on the project from ``newcomer_start`` over ``ramp_days`` of ``tenure``
    (p = min(tenure / ramp_days, 1); ramp = start + (1 - start) p while p < 1), and
    each newcomer still ramping costs ``mentoring`` times the mean effective work of
    the established members: ``max(sum(effective) - cost, 0)``. Communication
    overhead then takes ``min(overhead n^2, 1)`` of it (n the team's size).
    """
    size = time.shape[0]
    if not newcomers:
        capacity = total_of_products(time, productivity)
    else:
        effective = np.empty(size)
        established = np.empty(size)
        mentors = 0
        ramping = 0
        for m in range(size):
            progress = minimum(tenure[m] / ramp_days, 1.0)
            ramp = newcomer_start + (1.0 - newcomer_start) * progress if progress < 1.0 \
                else 1.0
            effective[m] = time[m] * productivity[m] * ramp
            if progress >= 1.0:
                established[mentors] = effective[m]
                mentors += 1
            if progress < 1.0:
                ramping += 1
        mean = total(established[:mentors]) / mentors if mentors else 0.0
        capacity = larger(total(effective) - mentoring * ramping * mean, 0.0)
    if overhead:
        capacity *= 1.0 - communication_overhead(size, overhead)
    return capacity


def teams_at_work(members, first, allocation, held, newcomers, tenure, project_time, working,
                  productivity, ramp_days, newcomer_start, mentoring, overhead, time, capacity,
                  hours):
    """Each running project's time and capacity today.

    Project j's team is ``members[first[j]:first[j + 1]]``. Each member gives it
    ``project_time x allocation / working`` (their project time shared among the
    projects not on hold in proportion to allocation; nothing to a project on hold),
    written to ``time``; ``hours[j]`` is the team's total and ``capacity[j]`` what
    :func:`team_capacity` makes of it.
    """
    own = np.empty(members.shape[0])
    for j in range(allocation.shape[0]):
        low, high = first[j], first[j + 1]
        for m in range(low, high):
            i = members[m]
            time[m] = 0.0 if held[j] else project_time[i] * allocation[j] / working[i]
            own[m] = productivity[i]
        hours[j] = total(time[low:high])
        capacity[j] = team_capacity(time[low:high], own[low:high], tenure[low:high],
                                    newcomers[j], ramp_days, newcomer_start, mentoring, overhead)


def time_used(members, first, time, share, used):
    """Each person's project time that found work (time x the share of capacity used).

    ``used`` (one entry per seat, zero) collects it project by project; returns
    the total.
    """
    for j in range(share.shape[0]):
        for m in range(first[j], first[j + 1]):
            used[members[m]] += time[m] * share[j]
    return total(used)


def schedule_pressure(members, first, weight, allocated, out):
    """Per person, ``sum over their projects of allocation x pressure`` / their allocation.

    ``weight[j]`` is project j's ``allocation x pressure``; a person without
    allocation gets 1.
    """
    weighted = np.zeros(out.shape[0])
    for j in range(weight.shape[0]):
        for m in range(first[j], first[j + 1]):
            weighted[members[m]] += weight[j]
    for i in range(out.shape[0]):
        out[i] = weighted[i] / allocated[i] if allocated[i] > 0 else 1.0


# -- rewards ---------------------------------------------------------------------------------


def judge(rows, w_ops, w_projects, w_other, unrewarded, reward, misaligned):
    """Each person's reward share on the day job and misalignment, from the assigned shares.

    ``r = w_ops a_ops / (w_ops a_ops + w_projects a_proj + w_other (a_imp + a_sus))``
    (``w_projects`` and ``w_other`` include the benefits' weight); someone whose own
    work carries no weight gets ``unrewarded``, nobody without work 0. Misalignment
    ``m = |r - a_ops / (a_ops + a_proj + a_imp + a_sus)|``, 0 without work.
    """
    for i in range(reward.shape[0]):
        ops = rows[ASSIGNED_OPS, i]
        other = rows[ASSIGNED_IMPROVEMENT, i] + rows[ASSIGNED_SUSTAINMENT, i]
        weighted = w_ops * ops
        weight = weighted + w_projects * rows[ASSIGNED_PROJECT, i] + w_other * other
        working = ops + rows[ASSIGNED_PROJECT, i] + other
        if weight > 0.0:
            reward[i] = weighted / weight
        else:
            reward[i] = unrewarded if working > 0.0 else 0.0
        misaligned[i] = misalignment(rows, i, reward[i])


def misalignment(rows, i, share):
    """Misalignment of person ``i`` with reward ``share``: |share - assigned day-job share|.

    The assigned day-job share is ``a_ops / (a_ops + a_proj + a_imp + a_sus)``;
    without work there is none (0).
    """
    ops = rows[ASSIGNED_OPS, i]
    working = ops + rows[ASSIGNED_PROJECT, i] + (rows[ASSIGNED_IMPROVEMENT, i]
                                                 + rows[ASSIGNED_SUSTAINMENT, i])
    return abs(share - ops / working) if working > 0.0 else 0.0


def misalignments(rows, share, out):
    """``out[i] = misalignment(rows, i, share[i])`` for everybody."""
    for i in range(out.shape[0]):
        out[i] = misalignment(rows, i, share[i])


def divert(pressure, reward, gain, limit, diversion):
    """Today's diversion ``clip(gain (pressure - 1) r, 0, limit)``, 0 at pressure <= 1.

    ``diversion`` is overwritten only when some value changed. Returns whether it
    changed and whether anybody diverts.
    """
    factor = gain * (pressure - 1.0)
    calm = pressure <= 1.0 or gain == 0.0
    changed = False
    anyone = False
    for i in range(reward.shape[0]):
        wanted = 0.0 if calm else clip(factor * reward[i], 0.0, limit)
        changed = changed or wanted != diversion[i]
        anyone = anyone or wanted != 0.0
    if changed:
        for i in range(reward.shape[0]):
            diversion[i] = 0.0 if calm else clip(factor * reward[i], 0.0, limit)
    return changed, anyone


_ready = False


def ready() -> None:
    """Replace this module's functions by their compiled versions (once per process).

    Every function is replaced before any is called, so a rule calling a helper is
    compiled against the helper's compiled version; compiling itself happens on
    each one's first call, from the on-disk cache when it holds them.
    """
    global _ready
    if _ready:
        return
    from numba import njit

    space = globals()
    rules = [name for name, value in space.items()
             if inspect.isfunction(value) and value.__module__ == __name__ and name != "ready"]
    for name in rules:
        space[name] = njit(cache=True)(space[name])
    _ready = True
