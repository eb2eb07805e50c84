"""Plain names and units of scenario keys, read from the schema's own field metadata.

A sweep varies scenario keys by key path (``operations.demand``,
``workforce.operations.headcount``); figures and readings show them by name and
unit instead. Both come from the schema, so that they follow it when a field is
reworded or moved:

- the **name** is the first clause of the field's ``description`` (the text
  before a full stop, colon, semicolon or parenthesis). A description that
  lists values rather than naming the field (it starts with a lower-case word,
  such as ``"none, supportive, controlling or directive."``) gives way to the
  first clause of the docstring of the section it belongs to. A section used in
  several places (every staff group is one) would give its fields the same
  name at each, so those are qualified with the name of the section they sit
  in, as its field describes it: ``Number of people (day-job staff)``.
- the **unit** is what the schema declares: a duration field is in working days
  (:data:`sim.schema.base.Duration`); a number bounded by 0 and 1, or a
  description that starts "Share" or "Fraction", is a share; a description
  that says "per working day" or "per year" gives a rate of the noun it counts
  (``items/day``, ``proposals/year``); "in person-days" gives person-days; a
  whole number counting people, projects or items is in those.

Key paths the schema does not have (a sweep may be analysed without its
scenario) get their own path as name and no unit.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.units import parse_duration

COUNTED_NOUNS = ("people", "projects", "items", "proposals", "seats", "benefits")
"""Nouns a whole-number field may count; the first one its name mentions is its unit."""

_INDEX = re.compile(r"\[\d+\]")
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_CLAUSE_END = re.compile(r"[.;:]\s|[.;:]$|, and ")

LONG_NAME = 60
"""A first clause longer than this many characters is cut at its first comma."""
_RATE = re.compile(r"\b(items|people|projects|proposals|person-days|hours)\b[^.;]*?"
                   r"\bper (working day|day|week|year)\b", re.IGNORECASE)
_PERIOD = {"working day": "day", "day": "day", "week": "week", "year": "year"}


@dataclass(frozen=True)
class FactorLabel:
    """How to show one scenario key to people.

    Attributes
    ----------
    path
        The key path, e.g. ``operations.demand``.
    name
        A plain name, capitalised, e.g. ``Value-demand items arriving per working day``.
    unit
        The unit, e.g. ``items/day``, ``share`` or ``working days``; empty when
        the schema declares none.
    description
        The field's whole description (empty when it has none).
    """

    path: str
    name: str
    unit: str = ""
    description: str = ""

    @property
    def axis(self) -> str:
        """The name with its unit, for an axis or a column: ``Name (unit)``."""
        return f"{self.name} ({self.unit})" if self.unit else self.name

    @property
    def lower(self) -> str:
        """The name with a lower-case first letter, for use inside a sentence."""
        if len(self.name) > 1 and self.name[1].isupper():  # an acronym such as "WIP"
            return self.name
        return self.name[:1].lower() + self.name[1:]


@functools.cache
def factor_label(path: str) -> FactorLabel:
    """Return the plain name and unit of scenario key ``path``.

    Parameters
    ----------
    path
        A key path, e.g. ``levers.wip_limit`` or ``projects.portfolio[0].size``.

    Returns
    -------
    FactorLabel
        Name, unit and description from the schema's field metadata; the path
        itself as the name when the schema has no such key.
    """
    found = _find(path)
    if found is None:
        return FactorLabel(path=path, name=path)
    container, name, field, parent = found
    clause = _own_clause(container, field)
    if _uses()[_family(container)] > 1 and parent is not None and parent[1].description:
        qualifier = _clause(parent[1].description)
        if qualifier and qualifier != clause:
            clause = f"{clause} ({_lower(qualifier)})"
    description = field.description or ""
    return FactorLabel(path=path, name=clause or name.replace("_", " ").capitalize(),
                       unit=_unit(field, description or clause), description=description)


def _find(path: str) -> tuple[type[BaseModel], str, FieldInfo,
                              tuple[type[BaseModel], FieldInfo] | None] | None:
    """The section, key, field and parent (section, field) of a key path, or None."""
    from sim.schema.scenario import Scenario

    model: type[BaseModel] | None = Scenario
    parent = None
    parts = _INDEX.sub("", path).split(".")
    keyed = False  # the previous field is a mapping: this part is one of its keys
    for i, part in enumerate(parts):
        if keyed:
            keyed = False
            continue
        field = _field(model, part) if model is not None else None
        if field is None or i == len(parts) - 1:
            return None if field is None else (model, part, field, parent)
        parent = (model, field)
        model = _submodel(field.annotation)
        keyed = _is_mapping(field.annotation)
    return None


def _is_mapping(annotation: Any) -> bool:
    """Whether an annotation is a mapping (also inside Annotated or Optional)."""
    if typing.get_origin(annotation) is dict:
        return True
    return any(_is_mapping(a) for a in typing.get_args(annotation)
               if typing.get_origin(annotation) in (typing.Annotated, typing.Union,
                                                    types.UnionType))


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    """The field of ``model`` named ``key`` (or with that alias)."""
    fields = model.model_fields
    if key in fields:
        return fields[key]
    return next((f for f in fields.values() if f.alias == key), None)


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The section type inside an annotation (through Annotated, unions and tuples)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _family(model: type[BaseModel]) -> type[BaseModel]:
    """The most general class of ``model`` that declares fields (subclasses share it)."""
    return [c for c in model.__mro__
            if isinstance(c, type) and issubclass(c, BaseModel) and c.model_fields][-1]


def _own_clause(container: type[BaseModel], field: FieldInfo) -> str:
    """The name a field's description gives it, else its section's docstring."""
    text = (field.description or "").strip()
    if not text or text[0].islower():
        text = (container.__doc__ or "").strip().splitlines()[0] if container.__doc__ else ""
    return _clause(text)


def _clause(text: str) -> str:
    """The first clause of ``text``, without a leading article, capitalised."""
    text = _PARENTHESES.sub("", text)
    match = _CLAUSE_END.search(text)
    clause = (text[:match.start()] if match else text).strip().rstrip(".")
    if len(clause) > LONG_NAME and ", " in clause:
        clause = clause.split(", ")[0]
    clause = re.sub(r"^(The|A|An) ", "", clause)
    return clause[:1].upper() + clause[1:]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text


def _unit(field: FieldInfo, text: str) -> str:
    """The unit the schema declares for a field (see the module documentation)."""
    metadata = list(_metadata(field))
    if any(getattr(m, "func", None) is parse_duration for m in metadata):
        return "working days"
    if re.search(r"\bper unit of\b", text):
        return ""  # a gain: a response per unit of something else
    low = _bound(metadata, ("ge", "gt"))
    high = _bound(metadata, ("le", "lt"))
    if (low == 0.0 and high == 1.0) or re.match(r"(Share|Fraction)\b", text):
        return "share"
    rate = _RATE.search(text)
    if rate:
        return f"{rate.group(1).lower()}/{_PERIOD[rate.group(2).lower()]}"
    if re.search(r"\bper person per year\b", text):
        return "per person-year"
    if re.match(r"\w[\w-]* per year\b", text):
        return f"{text.split()[0].lower()}/year"
    if re.search(r"\bin person-days\b", text):
        return "person-days"
    if _is_whole_number(field.annotation):
        words = re.findall(r"[a-z-]+", text.lower())
        return next((w for w in words if w in COUNTED_NOUNS), "")
    return ""


def _metadata(field: FieldInfo) -> Iterator[Any]:
    """Every constraint and validator of a field, also inside Annotated and Optional."""
    yield from field.metadata
    stack = [field.annotation]
    while stack:
        annotation = stack.pop()
        for arg in typing.get_args(annotation):
            if isinstance(arg, FieldInfo):
                yield from arg.metadata
            elif typing.get_origin(annotation) is typing.Annotated and not isinstance(arg, type):
                yield arg
            stack.append(arg)


def _bound(metadata: list[Any], names: tuple[str, ...]) -> float | None:
    for item in metadata:
        for name in names:
            value = getattr(item, name, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
    return None


def _is_whole_number(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_whole_number(a) for a in typing.get_args(annotation)
                   if a is not type(None))
    return False


@functools.cache
def _uses() -> Counter:
    """How many fields of the schema hold each family of section types (:func:`_family`).

    A section type held in several places (every staff group is a ``StaffGroup``,
    or a subclass of it) gives its fields the same name at each, so
    :func:`factor_label` qualifies them with the section's own name. Two different
    fields that happen to share a description are left alone: telling those apart
    is the descriptions' job.
    """
    from sim.schema.scenario import Scenario

    uses: Counter = Counter()
    seen: set[type[BaseModel]] = set()

    def walk(model: type[BaseModel]) -> None:
        for field in model.model_fields.values():
            sub = _submodel(field.annotation)
            if sub is not None:
                uses[_family(sub)] += 1
                if sub not in seen:
                    seen.add(sub)
                    walk(sub)

    walk(Scenario)
    return uses


def format_value(label: FactorLabel, value: Any) -> str:
    """A factor's value with its unit, in plain numbers: ``318 items/day``, ``15%``.

    Parameters
    ----------
    label
        The factor's label.
    value
        A number or a choice.

    Returns
    -------
    str
        Shares as percentages, other numbers with three significant digits (never
        in e-notation) and the unit; choices as they are.
    """
    from sim.units import plain_number

    if hasattr(value, "item") and not isinstance(value, str):  # a NumPy scalar
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if label.unit == "share":
        return f"{plain_number(100.0 * float(value))}%"
    text = plain_number(float(value)) if not isinstance(value, int) else f"{value:,}"
    unit = singular(label.unit) if value == 1 else label.unit
    return f"{text} {unit}" if unit else text


SINGULAR = {"people": "person", "items": "item", "projects": "project",
            "working days": "working day", "person-days": "person-day", "seats": "seat",
            "proposals": "proposal", "days": "day", "benefits": "benefit"}
"""The singular of plural units, for one of them (``1 project``, ``per item/day``)."""


def singular(unit: str) -> str:
    """A unit for one of it: ``person`` for people, ``item/day`` for items/day."""
    head, slash, tail = unit.partition("/")
    return SINGULAR.get(head, head) + slash + tail
