"""KPI values in plain units, with one precision rule for every row.

The decision brief and the studio write a comparison's rows with the same
code, so that a figure reads the same on the page and on paper. The rule:

- **Units.** Each row is written in one unit chosen from the larger of its two
  values: money in the currency, in k, M or bn; durations in minutes, hours or
  working days (:func:`sim.units.display_unit`); shares in percent and their
  changes in percentage points; everything else with the word of
  :data:`sim.kpis.UNIT_WORDS`. Every value, change and interval carries it.
- **Precision.** The two values share one decimal place: the one that gives
  the larger of them three significant figures, moved one digit at a time (to
  at most :data:`MOST_FIGURES`) until the two written values differ. When
  they cannot be told apart even then, the row says ``no change`` (and gives
  the interval of the change to two significant figures). Otherwise the change
  and its interval are written to the finer of the values' decimal place and
  the one that gives the change two significant figures.
- **Material.** A change is *material* when the two values differ at three
  significant figures, before any refinement: a change that needs more figures
  to be seen is real but too small to headline.
- **All zero.** A row whose values and interval are all zero says nothing and
  is left out of tables.

Numbers are never in e-notation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.kpis import PERCENT_UNITS, describe
from sim.units import MINUS, display_unit

FIGURES = 3
"""Significant figures of the larger value of a row."""
MOST_FIGURES = 5
"""Most significant figures used to tell two values apart; beyond, they are the same."""
MONEY_SCALES = ((1e9, " bn"), (1e6, " M"), (1e3, " k"))


@dataclass(frozen=True)
class Scale:
    """How one row's numbers are written: multiply by ``factor``, then add a suffix."""

    factor: float
    value: str
    difference: str


def scale(kpi: str, magnitude: float, hours_per_day: float, currency: str = "") -> Scale:
    """The unit of a row of KPI ``kpi`` whose larger value is about ``magnitude``."""
    unit = describe(kpi).unit
    if unit == "money":
        size = abs(magnitude) if math.isfinite(magnitude) else 0.0
        factor, suffix = next(((1.0 / s, word) for s, word in MONEY_SCALES if size >= s),
                              (1.0, ""))
        text = f"{suffix} {currency}".rstrip() if currency else suffix
        return Scale(factor, text, text)
    if unit == "days":
        factor, value, difference = display_unit(unit, magnitude, hours_per_day)
        return Scale(factor, value, difference)
    value, difference = describe(kpi).words
    return Scale(100.0 if unit in PERCENT_UNITS else 1.0, value, difference)


def money(x: float, currency: str = "", signed: bool = False) -> str:
    """An amount in k, M or bn with three significant figures: ``1.23 M GBP``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    size = abs(x)
    factor, suffix = next(((1.0 / s, word) for s, word in MONEY_SCALES if size >= s), (1.0, ""))
    scaled = x * factor
    text = fixed(scaled, first_decimals(scaled), signed) + suffix
    return f"{text} {currency}".rstrip()


def first_decimals(x: float, figures: int = FIGURES) -> int:
    """Decimal places that give ``x`` ``figures`` significant figures (negative: tens...)."""
    if not math.isfinite(x) or x == 0:
        return 0
    return figures - 1 - math.floor(math.log10(abs(x)))


def fixed(x: float, decimals: int, signed: bool = False) -> str:
    """``x`` rounded to ``decimals`` places (negative rounds to tens...), with separators.

    A true minus sign for negatives, a plus for positives if ``signed``, and
    ``0`` for a value that rounds to zero.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    rounded = round(x, decimals)
    if rounded == 0:
        return "0" if decimals <= 0 else f"{0:.{decimals}f}"
    text = f"{abs(rounded):,.{max(decimals, 0)}f}"
    return (MINUS if rounded < 0 else "+" if signed else "") + text


def row_decimals(first: float, second: float) -> tuple[int, int | None]:
    """The decimal places of a row of two (scaled) values.

    Returns
    -------
    tuple
        The places that give the larger value :data:`FIGURES` significant
        figures, and the places at which the two written values first differ
        (None if they do not differ with :data:`MOST_FIGURES`).
    """
    finite = [abs(v) for v in (first, second) if math.isfinite(v)]
    base = first_decimals(max(finite, default=0.0))
    if len(finite) < 2:
        return base, base
    for decimals in range(base, base + MOST_FIGURES - FIGURES + 1):
        if round(first, decimals) != round(second, decimals):
            return base, decimals
    return base, None


@dataclass(frozen=True)
class PlainRow:
    """One KPI of a comparison, written in plain units.

    Attributes
    ----------
    kpi, label, short
        The KPI and its names (:mod:`sim.kpis`).
    as_is, to_be
        The two means, e.g. ``"3.68 min"``.
    change
        The mean paired difference, e.g. ``"+0.08 min"``, or ``"no change"``.
    interval
        Its 95% interval, e.g. ``"−0.26 to +0.41 min"`` (empty if there is none).
    verdict
        ``better``, ``worse`` or ``no clear difference`` (from the comparison).
    told_apart
        The two values differ when written (at most :data:`MOST_FIGURES` figures).
    material
        They differ at :data:`FIGURES` significant figures.
    zero
        Both values and the interval are zero: the row says nothing.
    """

    kpi: str
    label: str
    short: str
    as_is: str
    to_be: str
    change: str
    interval: str
    verdict: str
    told_apart: bool
    material: bool
    zero: bool

    @property
    def clear(self) -> bool:
        """The 95% interval of the change excludes zero (better or worse)."""
        return self.verdict in ("better", "worse")

    @property
    def headline(self) -> bool:
        """Worth a headline: statistically clear and material."""
        return self.clear and self.material


def plain_row(kpi: str, row: Mapping[str, float], hours_per_day: float,
              currency: str = "") -> PlainRow:
    """Write one KPI's row of a comparison table by the rule of this module.

    Parameters
    ----------
    kpi
        The KPI.
    row
        Its ``baseline_mean``, ``scenario_mean``, ``difference``, ``ci_low``,
        ``ci_high`` and ``verdict``, as in ``comparison.csv``.
    hours_per_day
        Hours of a working day (short durations are shown in hours or minutes).
    currency
        Written after every money figure.
    """
    a, b = float(row["baseline_mean"]), float(row["scenario_mean"])
    d, low, high = (float(row[c]) for c in ("difference", "ci_low", "ci_high"))
    finite = [abs(v) for v in (a, b) if math.isfinite(v)]
    unit = scale(kpi, max(finite, default=0.0), hours_per_day, currency)
    f = unit.factor
    base, apart = row_decimals(a * f, b * f)
    decimals = base if apart is None else apart
    zero = all(v == 0.0 for v in (a, b, low, high))
    told_apart = apart is not None and math.isfinite(a) and math.isfinite(b)

    def value(x: float) -> str:
        return "n/a" if not math.isfinite(x) else fixed(x * f, decimals) + unit.value

    has_interval = math.isfinite(low) and math.isfinite(high)
    if not math.isfinite(a) or not math.isfinite(b) or not math.isfinite(d):
        change, places = "n/a", None
    elif not told_apart:
        change = "no change"
        places = first_decimals(max(abs(low * f), abs(high * f)), 2) if has_interval else None
    else:
        places = max(decimals, first_decimals(d * f, 2))
        change = fixed(d * f, places, signed=True) + unit.difference
    interval = "" if places is None or not has_interval or low == high == 0.0 else \
        f"{fixed(low * f, places, True)} to {fixed(high * f, places, True)}{unit.difference}"
    meta = describe(kpi)
    return PlainRow(kpi=kpi, label=meta.label, short=meta.short, as_is=value(a), to_be=value(b),
                    change=change, interval=interval, verdict=str(row["verdict"]),
                    told_apart=told_apart,
                    material=told_apart and round(a * f, base) != round(b * f, base),
                    zero=zero)


def plain_value(kpi: str, x: float, hours_per_day: float, currency: str = "") -> str:
    """One value of KPI ``kpi`` on its own, to three significant figures, with its unit."""
    if x is None or not math.isfinite(x):
        return "n/a"
    unit = scale(kpi, abs(x), hours_per_day, currency)
    return fixed(x * unit.factor, first_decimals(x * unit.factor)) + unit.value
