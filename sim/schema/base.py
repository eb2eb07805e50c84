"""Building blocks shared by every part of the scenario schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from sim.units import UNITS, parse_duration

_DURATION_SCHEMA = {"anyOf": [
    {"type": "number"},
    {"type": "string",
     "pattern": r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*(" + "|".join(sorted(UNITS)) + r")\s*$"},
], "description": "Working days, or a string such as '6 weeks', '3 months', '2 years'."}

Duration = Annotated[float, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]
"""A duration in working days; accepts numbers or strings like ``"3 months"``."""

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share between 0 and 1."""

CROSS_FIELD_SEPARATOR = "\n"
"""Separates the problems of one cross-field check inside a validation error."""


class Section(BaseModel):
    """Base of every schema section: closed, frozen, defaults validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
