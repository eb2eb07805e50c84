"""Schema of money: what time, hires and served items are worth (a condition).

Money is read from what the model already measures, so this section changes no
simulated figure: it only prices the hours booked by activity, the hires and
the benefits realised. Its amounts are conditions (uncertainties), not levers.
The appraisal conventions (a real discount rate, prices of one base year)
follow HM Treasury's Green Book; the default amounts are illustrative round
numbers with no published source and are meant to be replaced by an
organisation's own figures or varied in a robustness sweep (``docs/model.md``,
section *Money*).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.schema.base import Section

MAX_AMOUNT = 1e9
"""Largest amount accepted for one person-day, one hire or one item (a typo guard)."""

Amount = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT)]
"""A non-negative amount of money in the scenario's currency, at base-year prices."""


class CostPerDay(Section):
    """Loaded cost of one person-day by staff group (salary, on-costs and overheads)."""

    operations: Amount = Field(
        250.0, description="Day-job staff, per person-day (illustrative, no source).")
    projects: Amount = Field(
        350.0, description="Dedicated project staff, per person-day (illustrative).")
    opex: Amount = Field(
        350.0, description="The OpEx team, per person-day (illustrative).")
    pmo: Amount = Field(
        400.0, description="PMO staff, per person-day (illustrative).")


class Finance(Section):
    """Prices, the discount rate and the price base of the money figures."""

    currency: str = Field(
        "GBP", min_length=1, max_length=8, pattern=r"^[A-Za-z$€£¥]+$",
        description="Label of the currency every amount is in (no conversion is done).")
    price_base_year: Annotated[int, Field(ge=1900, le=2200)] = Field(
        2025, description="Year whose prices all amounts are in (real terms).")
    discount_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.035, description="Annual real discount rate (HM Treasury Green Book: 3.5%).")
    cost_per_day: CostPerDay = Field(default_factory=CostPerDay)
    cost_per_hire: Amount = Field(
        3000.0, description="Recruitment cost of one hire (advertising, agency, interviews); "
                            "the ramp-up is priced separately as onboarding time.")
    value_per_item: Amount = Field(
        100.0, description="Value (contribution to revenue) of one value-demand item served "
                           "at the start; a revenue benefit raises it.")
    cost_per_item: Amount | None = Field(
        None, description="Cost of handling one day-job item; none: the operations cost "
                          "per person-day x operations.service_mean.")
