"""Money: what the hours booked, the hires and the benefits realised are worth.

Nothing here changes the simulation: :class:`MoneyBook` reads what the other
components publish (each person's split of the day, each benefit's realised
level, the AI solutions' benefits in force, the projects handed over) and hears
of every hire, and prices it with the scenario's ``finance`` section. It draws
no random number, so switching prices changes no other figure.

Staff cost. Every filled seat costs its group's loaded rate for every working
day, split by what the person's day was spent on:

* ``day_job``: duty on the service desk, idle duty time and overrun;
* ``projects``: project time, whether it found work or not, and dedicated
  project staff waiting for a project;
* ``opex``: improvement time (the OpEx team's and any protected improvement
  share of operations staff);
* ``sustainment``: upkeep of delivered benefits;
* ``pmo``: PMO staff (overhead);
* ``onboarding``: the part of a new hire's day not yet productive while they ramp
  up (1 - their onboarding factor), taken pro rata out of the activities above.

The activities add up to the staff cost exactly: a seat's day is split, never
added to. The cost of change is projects + PMO + OpEx + sustainment.

Value of benefits. A realised level R of one benefit is worth, per working day,
R times the base volume it acts on, priced (base volumes are those of
``operations``: ``demand`` value items a day, ``demand x p/(1-p)`` failure
items, ``demand/(1-p)`` items handled):

* ``demand_reduction``: items avoided, ``R x demand x cost_per_item``;
* ``failure_reduction``: failure items avoided, ``R x failure items x cost_per_item``;
* ``productivity``: effort saved, ``R x items handled x cost_per_item``;
* ``revenue``: extra revenue, ``R x demand x value_per_item``;
* ``capability``: not priced (its effect on effort is not a benefit handed over).

An AI solution in use (:mod:`~sim.model.ai`) is priced the same way, at the rate
of the kind it acts on, with its benefit in force (realised level times quality)
as R; its value is the ``value_ai`` column, part of ``value_benefits``.

The same rates value each project's own benefits (its ``benefit_value``) and the
value a week of delay forgoes at full magnitude (``cost_of_delay_per_week``,
Reinertsen 2009).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy_financial as npf

from sim.model import day_kernel as k
from sim.model.arith import dot
from sim.model.benefits import KINDS
from sim.model.component import Component, Day
from sim.model.workforce import GROUPS, DayPlan, Staff
from sim.schema.scenario import Scenario
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

ACTIVITIES = ("day_job", "projects", "opex", "sustainment", "pmo", "onboarding")
"""What staff cost is split by (``cost_<activity>`` columns)."""

CHANGE = ("projects", "opex", "sustainment", "pmo")
"""The activities whose cost is the cost of change (``cost_change``)."""

PRICED_KINDS = ("demand_reduction", "failure_reduction", "productivity", "revenue")
"""Benefit kinds that have a money value (``value_<kind>`` columns)."""


@dataclass(frozen=True)
class Prices:
    """The scenario's prices, ready to multiply.

    Attributes
    ----------
    per_day
        Loaded cost of a person-day by group index (see :data:`GROUPS`).
    per_hire
        Recruitment cost of one hire.
    benefit
        Money per working day of one unit of realised level, by benefit kind
        (see :data:`KINDS`).
    weekly_rate
        The annual discount rate converted to one week of five working days.
    """

    per_day: np.ndarray
    per_hire: float
    benefit: np.ndarray
    weekly_rate: float

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> Prices:
        """Read the prices from ``scenario.finance`` and its base volumes."""
        f = scenario.finance
        per_day = np.array([getattr(f.cost_per_day, g) for g in GROUPS])
        return cls(per_day=per_day, per_hire=f.cost_per_hire,
                   benefit=benefit_rates(scenario), weekly_rate=weekly_rate(f.discount_rate))


def cost_per_item(scenario: Scenario) -> float:
    """Cost of handling one item: given, or the operations day rate x effort per item."""
    f = scenario.finance
    if f.cost_per_item is not None:
        return f.cost_per_item
    return f.cost_per_day.operations * scenario.operations.service_mean


def benefit_rates(scenario: Scenario) -> np.ndarray:
    """Money per working day of a realised level of 1, by benefit kind (see the module)."""
    ops = scenario.operations
    per_item = cost_per_item(scenario)
    failure = ops.demand * ops.p_defect / (1.0 - ops.p_defect)
    handled = ops.demand / (1.0 - ops.p_defect)
    rates = {"demand_reduction": ops.demand * per_item, "failure_reduction": failure * per_item,
             "productivity": handled * per_item,
             "revenue": ops.demand * scenario.finance.value_per_item, "capability": 0.0}
    return np.array([rates[k] for k in KINDS])


def weekly_rate(annual: float) -> float:
    """The discount rate of one week (5 of the year's 252 working days), compounding."""
    return (1.0 + annual) ** (DAYS_PER_WEEK / DAYS_PER_YEAR) - 1.0


def present_value(flows: np.ndarray, rate: float) -> float:
    """Discounted sum of ``flows``, the first discounted one period.

    Week 1's flow is discounted once, week 2's twice, and so on (the convention
    of ``numpy_financial.npv`` with a zero put in front). It is evaluated by
    Horner's rule in plain floats, which gives the same last bit on every
    processor; ``npv`` raises ``1 + rate`` to an array of powers, and NumPy's
    vectorised power differs between processors.
    """
    x = 1.0 / (1.0 + rate)
    return x * _polynomial(np.asarray(flows, dtype=float).tolist(), x)


def _polynomial(coefficients: list[float], x: float) -> float:
    """``sum(c_t x^t)`` for t from 0, by Horner's rule."""
    total = 0.0
    for value in reversed(coefficients):
        total = total * x + value
    return total


def payback_week(net: np.ndarray) -> float:
    """First week (from 1) from which the cumulative net flow stays >= 0; NaN if never."""
    if not len(net):
        return math.nan
    negative = np.flatnonzero(np.cumsum(net) < 0.0)
    if not len(negative):
        return 1.0
    last = int(negative[-1])
    return float(last + 2) if last + 1 < len(net) else math.nan


def annual_irr(net: np.ndarray) -> float:
    """Internal rate of return of weekly ``net`` flows, as an annual rate; NaN if none.

    ``numpy_financial.irr`` treats the first flow as time 0, the convention for
    a rate (unlike :func:`present_value`, shifting every flow by one period does
    not change it).
    """
    if not len(net) or not (np.any(net > 0) and np.any(net < 0)):
        return math.nan
    weekly = npf.irr(net) if len(net) < LONG_SERIES else _stoppable(npf.irr, net)
    if weekly is None or not np.isfinite(weekly) or weekly <= -1.0:
        return math.nan
    weekly = _refine_rate(net.tolist(), float(weekly))
    return float((1.0 + weekly) ** (DAYS_PER_YEAR / DAYS_PER_WEEK) - 1.0)


LONG_SERIES = 260
"""Weeks of flows from which the rate of return is found in a helper thread (see below)."""

_GIVEN_UP: list[threading.Event] = []
"""When each helper given up on a signal ends (set then): they belong to the process."""


def given_up_work_running() -> bool:
    """Whether a rate of return given up on a signal is still being computed.

    Such a helper is inside LAPACK and cannot be stopped. If the interpreter then
    shuts down as usual, the numerical library frees its buffers and threads under
    the helper, and the process may crash (SIGSEGV) or hang instead of exiting: a
    program that catches the signal ends the process at once instead (the command
    line does, see :func:`sim.cli.finish`).
    """
    return not all(ended.is_set() for ended in _GIVEN_UP)


def _stoppable(function, *args):
    """``function(*args)`` in a helper thread, so that the main thread still answers signals.

    ``numpy_financial.irr`` finds the eigenvalues of an n x n matrix in one call
    to LAPACK, which takes minutes for the weeks of a century and cannot be
    interrupted; meanwhile the main thread waits in short steps, so that Ctrl-C
    or SIGTERM stops the command at once (the helper, a daemon thread, is
    given up: see :func:`given_up_work_running`). The result is the same: only
    where the call runs changes.
    """
    if threading.current_thread() is not threading.main_thread():
        return function(*args)
    outcome: dict[str, Any] = {}
    ended = threading.Event()

    def call() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc
        finally:
            ended.set()

    helper = threading.Thread(target=call, name="pmosim-rate-of-return", daemon=True)
    helper.start()
    # Waiting on an event rather than joining the thread: in Python 3.11 a join
    # interrupted by a signal marks a thread that is still running as stopped.
    try:
        while not ended.wait(0.05):
            pass
    except BaseException:  # a signal: leave the helper to itself, and say so
        _GIVEN_UP.append(ended)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _refine_rate(net: list[float], rate: float) -> float:
    """The root of the NPV of ``net`` near ``rate``, found the same way on every machine.

    ``numpy_financial.irr`` chooses the root (the one closest to zero) from the
    eigenvalues of a companion matrix; LAPACK's kernels differ between
    processors, so that value's last bits do too. Here the root is bracketed by
    halving a fixed interval, [-1, 2^k] with 2^k above ``rate``, always keeping
    the half that holds ``rate`` until it is 2^-20 wide (a bracket that depends
    only on which dyadic cell ``rate`` lies in), and then bisected on the sign of
    the NPV, evaluated by Horner's rule in plain floats, down to adjacent floats.
    Where the NPV does not change sign across the bracket (a double root) the
    library's value is kept.
    """
    def npv(r: float) -> float:
        return _polynomial(net, 1.0 / (1.0 + r))

    low, high = -1.0, 2.0 ** max(math.ceil(math.log2(rate + 1.0)), 0)
    while high - low > 2.0 ** -20:
        middle = 0.5 * (low + high)
        low, high = (low, middle) if rate < middle else (middle, high)
    if low <= -1.0:
        return rate
    f_low, f_high = npv(low), npv(high)
    if not (math.isfinite(f_low) and math.isfinite(f_high)) or f_low * f_high > 0.0:
        return rate
    while True:
        if f_low == 0.0:
            return low
        middle = 0.5 * (low + high)
        if middle in (low, high):
            return high if abs(f_high) < abs(f_low) else low
        f_middle = npv(middle)
        if (f_middle < 0.0) == (f_low < 0.0):
            low, f_low = middle, f_middle
        else:
            high, f_high = middle, f_middle


class MoneyBook(Component):
    """Prices one run's staff time, hires and benefits as the run goes.

    Parameters
    ----------
    scenario
        The scenario at the start of the run (``finance`` cannot change during it).
    """

    def __init__(self, scenario: Scenario):
        self.prices = Prices.for_scenario(scenario)
        attrition = scenario.workforce.attrition
        self._onboarding = (attrition.onboarding, attrition.new_hire_productivity)
        self._warmup, self._horizon = scenario.warmup, scenario.horizon
        self.spent = dict.fromkeys(ACTIVITIES, 0.0)
        self.benefit_days = np.zeros(0)
        """Each benefit handed over: realised level integrated over working days."""
        self.benefit_kind = np.zeros(0, dtype=np.int64)
        self.benefit_project = np.zeros(0, dtype=np.int64)
        self._rate_version, self._rate = -1, np.zeros(0)
        self._day = np.zeros(6)  # the day's cost by activity (see day_kernel.price_day)
        self.hires = 0
        """Hires so far (new seats and refilled ones)."""
        self.ai_value = 0.0
        """Money value of the AI solutions' benefits in force so far."""
        self._periods: list[tuple[float, dict[str, float]]] = []
        self._window: tuple[float, dict[str, float]] | None = None
        if scenario.warmup == 0:
            self._window = (0.0, self.money_so_far())

    # -- the component protocol ---------------------------------------------------------

    def seats_added(self, ids: np.ndarray, now: float) -> None:
        """Each new seat is a hire."""
        self.hires += len(ids)

    def seat_filled(self, seat: int, now: float) -> None:
        """A refilled seat is a hire."""
        self.hires += 1

    def end_day(self, day: Day) -> None:
        """Price the day: AI solutions in use, everybody's time, benefits, hand-overs."""
        self.book_ai(day.priced_effects)
        self.book_day(day.now, day.seats, day.plan, day.split, day.realised)
        for project in day.completed:
            self.hand_over(project.id, [b.kind for b in project.benefits])

    def counts(self) -> dict[str, float]:
        """Cumulative money so far, by column (weekly rows are their differences)."""
        return self.money_so_far()

    # -- during the run ---------------------------------------------------------------

    def book_day(self, now: float, staff: Staff, plan: DayPlan, split: dict,
                 realised: np.ndarray) -> None:
        """Price the working day that ends at ``now``.

        Parameters
        ----------
        now
            The end of the day.
        staff, plan
            The seats and their plan for the day.
        split
            Each person's off-duty time (``People.split_working_time``).
        realised
            Each benefit's realised level during the day (in hand-over order).
        """
        if self._rate_version != staff.plan_version:  # seats or who fills them changed
            self._rate_version = staff.plan_version
            self._rate = self.prices.per_day[staff.group] * staff.active
        onboarding, start = self._onboarding
        k.price_day(self._rate, staff.hired_at, now, onboarding, start, split["times"],
                    plan.unassigned, plan.overhead, self._day)
        projects, opex, sustainment, pmo, total, lost = self._day.tolist()
        spent = self.spent
        spent["projects"] += projects
        spent["opex"] += opex
        spent["sustainment"] += sustainment
        spent["pmo"] += pmo
        spent["day_job"] += total - projects - opex - sustainment - pmo
        if lost == lost:  # someone ramped up (NaN: nobody did)
            spent["onboarding"] += lost
        if len(realised):
            self.benefit_days[:len(realised)] += realised

    def book_ai(self, effects: list[tuple[str, float]]) -> None:
        """Price a working day of AI solutions in use: ``(kind, benefit in force)`` pairs."""
        benefit = self.prices.benefit
        for kind, effect in effects:
            self.ai_value += float(benefit[KINDS.index(kind)]) * effect

    def hand_over(self, project: int, kinds: list[str]) -> None:
        """Start valuing the benefits of ``kinds`` of project ``project`` (in ledger order)."""
        if not kinds:
            return
        n = len(kinds)
        self.benefit_days = np.concatenate([self.benefit_days, np.zeros(n)])
        self.benefit_kind = np.concatenate([self.benefit_kind,
                                            [KINDS.index(k) for k in kinds]])
        self.benefit_project = np.concatenate([self.benefit_project, np.full(n, project)])

    def money_so_far(self) -> dict[str, float]:
        """Cumulative money so far, by column."""
        out = {f"cost_{a}": v for a, v in self.spent.items()}
        staff = sum(self.spent.values())
        hiring = self.hires * self.prices.per_hire
        change = sum(self.spent[a] for a in CHANGE)
        value = self.prices.benefit[self.benefit_kind] * self.benefit_days
        by_kind = np.bincount(self.benefit_kind, value, len(KINDS))
        out.update({"cost_staff": staff, "cost_hiring": hiring, "cost_total": staff + hiring,
                    "cost_change": change})
        out.update({f"value_{k}": float(by_kind[KINDS.index(k)]) for k in PRICED_KINDS})
        out["value_ai"] = self.ai_value
        out["value_benefits"] = float(by_kind.sum()) + self.ai_value
        out["net_change"] = out["value_benefits"] - change
        return out

    def close_day(self, day: Day) -> None:
        """Record the cumulative money at the end of a week or of the warm-up."""
        now = day.now
        if now == self._warmup:
            self._window = (now, self.money_so_far())
        if self._window is not None and (now % DAYS_PER_WEEK == 0 or now == self._horizon) \
                and now > self._window[0]:
            self._periods.append((now, self.money_so_far()))

    # -- at the end -------------------------------------------------------------------

    def summary(self, now: float) -> dict[str, float]:
        """Money KPIs over the window after the warm-up (weekly flows for NPV and payback)."""
        if self._window is None:
            return dict.fromkeys(SUMMARY, math.nan)
        marks = [self._window, *self._periods]
        if marks[-1][0] < now:
            marks.append((now, self.money_so_far()))
        flows = {name: np.diff([m[1][name] for m in marks])
                 for name in ("cost_total", "cost_change", "value_benefits")}
        rate = self.prices.weekly_rate
        value, change = flows["value_benefits"], flows["cost_change"]
        # NPV is linear: the net flow's NPV is the difference of the two NPVs, so
        # that with a zero rate it is value_benefits - cost_change to the last bit.
        npv = present_value(value, rate) - present_value(change, rate)
        return {
            "cost_total": present_value(flows["cost_total"], 0.0),
            "cost_change": present_value(change, 0.0),
            "value_benefits": present_value(value, 0.0),
            "npv_change": npv,
            "payback_weeks": payback_week(value - change),
            "irr_change": annual_irr(value - change),
        }

    def project_money(self, project: int, effort: float, group: str, benefits: tuple,
                      slip_days: float) -> dict[str, float]:
        """One project's money columns (see ``docs/results.md``)."""
        prices = self.prices
        mine = self.benefit_project == project
        value = dot(prices.benefit[self.benefit_kind[mine]], self.benefit_days[mine])
        delay = float(sum(prices.benefit[KINDS.index(b.kind)] * b.magnitude
                          for b in benefits)) * DAYS_PER_WEEK
        slip = delay * max(slip_days, 0.0) / DAYS_PER_WEEK if slip_days == slip_days \
            else math.nan
        return {"cost": effort * float(prices.per_day[GROUPS.index(group)]),
                "benefit_value": value, "cost_of_delay_per_week": delay, "slip_cost": slip}


SUMMARY = ("cost_total", "cost_change", "value_benefits", "npv_change", "payback_weeks",
           "irr_change")
"""The money KPIs of the run summary."""

