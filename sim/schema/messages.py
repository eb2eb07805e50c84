"""Validation errors rewritten as sentences a user can act on.

Each pydantic error becomes one line naming the key path, the bad value and
what is allowed; an unknown key gets the nearest valid key, or the section it
belongs under, and a plain value given where a section is expected gets the
key it was probably meant for (``pmo: controlling`` means
``levers.pmo.type: controlling``). The functions take the model that was
validated (a scenario, a sweep, a claim) and import none of them.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from sim.errors import excerpt
from sim.schema.keypaths import format_path


def describe_error(err: dict, model: type[BaseModel]) -> str:
    """Turn one pydantic error into a sentence naming path, value and what is allowed.

    Parameters
    ----------
    err
        One entry of ``pydantic.ValidationError.errors()``.
    model
        The model that was validated, for the list of allowed keys.

    Returns
    -------
    str
        The sentence.
    """
    kind = err["type"]
    raw = tuple(err["loc"])
    # The last part of an unknown key's location is the key itself, whatever it looks like.
    keep = raw[-1:] if kind == "extra_forbidden" else ()
    loc = tuple(p for p in raw[:len(raw) - len(keep)] if not _is_union_tag(p)) + keep
    path = format_path(loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        home = _home_of(model, str(loc[-1])) if len(loc) == 1 else None
        if home:
            return (f"{path}: unknown key here; {loc[-1]} belongs under {home}: write "
                    f"{home}.{loc[-1]}")
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.5)
        hint = f" Did you mean '{_join(loc[:-1], near[0])}'?" if near else ""
        return (f"{path}: unknown key.{hint} Allowed keys here: {', '.join(allowed)}")
    if kind in ("model_type", "model_attributes_type", "dict_type") and loc:
        shorthand = _shorthand(model, loc, value)
        if shorthand:
            return f"{path} = {excerpt(value)}: {path} is a section, not a value; write {shorthand}"
    message = err["msg"].removeprefix("Value error, ")
    if kind == "missing":
        return f"{path}: required key is missing"
    if not loc:
        return message
    return f"{path} = {excerpt(value)}: {message}"


def _home_of(model: type[BaseModel], key: str) -> str | None:
    """The section of ``model`` that has a key ``key`` (levers first), if any."""
    sections = [name for name, field in _by_key(model).items()
                if _is_model(_unwrap(field.annotation))]
    sections.sort(key=lambda name: name != "levers")
    for name in sections:
        if key in _fields_at(model, (name,)):
            return name
    return None


def _shorthand(model: type[BaseModel], loc: tuple, value: Any) -> str | None:
    """What to write when a section was given a plain value, e.g. ``levers.pmo.type: x``.

    The value is meant for the section's key whose allowed values include it;
    at the top level the lever of the same name is tried too (``pmo:
    controlling`` means ``levers.pmo.type: controlling``).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    places = [loc]
    if len(loc) == 1 and str(loc[0]) in _fields_at(model, ("levers",)):
        places.append(("levers", loc[0]))
    for place in places:
        node = _model_at(model, place)
        if node is None:
            if place[0] == "levers" and len(place) == 2:
                return f"{format_path(place)}: {value}"
            continue
        for key, field in _by_key(node).items():
            if value in _choices(field.annotation):
                return f"{_join(place, key)}: {value}"
        named = {key: _choices(field.annotation) for key, field in _by_key(node).items()}
        named = {key: choices for key, choices in named.items() if choices}
        if len(named) == 1:  # one key takes names: say which names it takes
            key, choices = next(iter(named.items()))
            return f"{_join(place, key)}: one of {', '.join(map(str, choices))}"
    return None


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The section model at ``loc``, or None if ``loc`` is not a section."""
    node: Any = model
    for part in loc:
        fields = _by_key(node) if _is_model(node) else {}
        if part not in fields:
            return None
        node = _unwrap(fields[part].annotation)
    return node if _is_model(node) else None


def _choices(annotation: Any) -> tuple:
    """The values a ``Literal`` annotation (possibly wrapped) allows; () for others."""
    node = annotation
    while typing.get_origin(node) in (typing.Annotated, typing.Union, types.UnionType):
        args = typing.get_args(node)
        if typing.get_origin(node) is typing.Annotated:
            node = args[0]
        else:
            return tuple(v for a in args for v in _choices(a))
    return typing.get_args(node) if typing.get_origin(node) is typing.Literal else ()


def _is_model(node: Any) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)


def _is_union_tag(part: Any) -> bool:
    """Tell whether a location part is a type name pydantic adds inside unions.

    Such parts (``float``, ``literal[...]``, a model's class name) are not keys.
    """
    return isinstance(part, str) and (
        part in {"float", "int", "str", "none", "bool"}
        or part.startswith(("function-", "constrained-", "literal[", "tuple[", "dict["))
        or (part[:1].isupper() and part.isidentifier()))


def _join(prefix: tuple, key: str) -> str:
    return format_path((*prefix, key))


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Names of the keys allowed at ``loc`` inside ``model``."""
    node: Any = model
    for part in loc:
        node = _unwrap(node)
        if isinstance(part, int):
            args = typing.get_args(node)
            node = args[0] if args else node
            continue
        if typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
            continue
        fields = _by_key(node) if isinstance(node, type) and issubclass(node, BaseModel) \
            else {}
        if part not in fields:
            return []
        node = fields[part].annotation
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(_by_key(node))
    return []


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a file may give for ``model`` (aliases where a field has one)."""
    return list(_by_key(model))


def _by_key(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key a file uses (the alias where there is one)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the model or container type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in options
                      if isinstance(_unwrap(a), type) and issubclass(_unwrap(a), BaseModel)]
            annotation = (models or options)[0]
        else:
            return annotation
