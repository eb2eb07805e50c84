"""Units of the simulation clock.

The clock counts working days: 1.0 is one working day of one person. Nights and
weekends do not exist on the clock, so calendar words map to fixed numbers of
working days (a week is 5 days, a month 21, a year 252). Scenario files may give
any duration either as a number of working days or as a string such as
``"6 weeks"``; :func:`parse_duration` turns both into days.

Reports show numbers in plain units: :func:`display_unit` picks hours or
minutes for short durations and percentages for shares, and
:func:`plain_number` writes three significant digits without e-notation.
"""

from __future__ import annotations

import math
import re

DAYS_PER_WEEK = 5.0
DAYS_PER_MONTH = 21.0
DAYS_PER_YEAR = 252.0

UNITS: dict[str, float] = {
    "day": 1.0,
    "days": 1.0,
    "d": 1.0,
    "week": DAYS_PER_WEEK,
    "weeks": DAYS_PER_WEEK,
    "w": DAYS_PER_WEEK,
    "month": DAYS_PER_MONTH,
    "months": DAYS_PER_MONTH,
    "mo": DAYS_PER_MONTH,
    "year": DAYS_PER_YEAR,
    "years": DAYS_PER_YEAR,
    "y": DAYS_PER_YEAR,
}

_DURATION = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*([a-zA-Z]+)\s*$")

DURATION_HELP = (
    "a number of working days or '<number> <unit>' with unit day(s), week(s), month(s) "
    "or year(s), e.g. '6 weeks' (1 week = 5 days, 1 month = 21, 1 year = 252)"
)


def parse_duration(value: object) -> float:
    """Return a duration in working days.

    Parameters
    ----------
    value
        A number of working days, or a string ``"<number> <unit>"``.

    Returns
    -------
    float
        The duration in working days.

    Raises
    ------
    ValueError
        If the value is neither a number nor a recognised duration string.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; use {DURATION_HELP}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        match = _DURATION.match(text)
        if match and match.group(2).lower() in UNITS:
            return float(match.group(1)) * UNITS[match.group(2).lower()]
    raise ValueError(f"{value!r} is not a duration; use {DURATION_HELP}")


def format_days(days: float) -> str:
    """Return a short human label for a number of working days, e.g. ``'3 months'``."""
    for unit, size in (("years", DAYS_PER_YEAR), ("months", DAYS_PER_MONTH),
                       ("weeks", DAYS_PER_WEEK)):
        if days >= size and abs(days / size - round(days / size)) < 1e-9:
            count = round(days / size)
            return f"{count} {unit[:-1] if count == 1 else unit}"
    return f"{days:g} days"


COUNTED = ("items", "items/day", "projects", "people", "seats", "person-days",
           "benefit-years", "benefits")
"""KPI units shown as a number followed by the unit."""

MINUS = "\N{MINUS SIGN}"


def plain_number(x: float, signed: bool = False) -> str:
    """Three significant digits, never in e-notation: ``0.000412``, ``16.7``, ``1,235``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{abs(x):,.{decimals}f}"
    return (MINUS if x < 0 else "+" if signed else "") + text


def display_unit(unit: str, magnitude: float, hours_per_day: float) -> tuple[float, str, str]:
    """How to show a KPI in ``unit`` whose values are about ``magnitude``.

    Returns
    -------
    tuple
        The factor to multiply values by, the suffix of values and the suffix
        of differences. Durations in days become minutes or hours (with
        ``hours_per_day``) when shorter than a working day; shares become
        percentages, and their differences percentage points.
    """
    if unit == "days":
        hours = abs(magnitude) * hours_per_day
        if hours < 1.0:
            return hours_per_day * 60.0, " min", " min"
        if hours < hours_per_day:
            return hours_per_day, " h", " h"
        return 1.0, " days", " days"
    if unit in ("share", "share of plan"):
        return 100.0, "%", " pp"
    if unit in COUNTED:
        return 1.0, f" {unit}", f" {unit}"
    return 1.0, "", ""
