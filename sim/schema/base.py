"""Building blocks shared by every part of the scenario schema."""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from sim.schema.limits import MAX_DURATION_DAYS, MAX_GAIN, MIN_DURATION_DAYS, MIN_FACTOR
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

TimeSpan = Annotated[Duration, Field(ge=MIN_DURATION_DAYS, le=MAX_DURATION_DAYS)]
"""A positive duration or time constant, from 0.001 working days to 1,000 years."""

Delay = Annotated[Duration, Field(ge=0.0, le=MAX_DURATION_DAYS)]
"""A duration that may be zero, up to 1,000 years."""

Gain = Annotated[float, Field(ge=0.0, le=MAX_GAIN)]
"""A gain, weight or threshold that may be zero, up to 100."""

Factor = Annotated[float, Field(ge=MIN_FACTOR, le=MAX_GAIN)]
"""A multiplier that must stay positive, from 0.001 to 100."""

CROSS_FIELD_SEPARATOR = "\n"
"""Separates the problems of one cross-field check inside a validation error."""


class Section(BaseModel):
    """Base of every schema section: closed, frozen, defaults validated, numbers finite.

    Infinity and NaN are refused everywhere, and so is ``true`` or ``false``
    where a number is expected (pydantic would read them as 1 and 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True,
                              allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in numeric_fields(cls) and _holds_boolean(value):
            raise ValueError("true and false are not numbers; give a number")
        return value


@functools.cache
def numeric_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that hold only numbers (alone, or in lists and mappings)."""
    return frozenset(name for name, field in model.model_fields.items()
                     if _only_numbers(field.annotation))


def _only_numbers(annotation: Any) -> bool:
    """Whether every value an annotation allows is a number (None aside)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _only_numbers(args[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return bool(options) and all(_only_numbers(a) for a in options)
    if origin is tuple:
        return all(_only_numbers(a) for a in args if a is not Ellipsis)
    if origin is dict:
        return _only_numbers(args[1])
    return annotation in (int, float)


def _holds_boolean(value: Any) -> bool:
    """Whether ``value`` is a boolean or a list or mapping with one inside (a few levels)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, list | tuple):
        return any(isinstance(v, bool) or (isinstance(v, list | tuple)
                                           and any(isinstance(w, bool) for w in v))
                   for v in value)
    if isinstance(value, dict):
        return any(isinstance(v, bool) for v in value.values())
    return False
