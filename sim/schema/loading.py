"""Load scenario files: YAML, ``extends`` chains, ``--set`` overrides, clear errors.

This is the only place that reads scenario files. A TO-BE scenario may say
``extends: as_is.yaml`` and state only what differs; the parent is resolved
relative to the child's folder, dictionaries merge key by key and lists are
replaced whole. Overrides (``operations.demand=120``) apply last. Validation
errors are rewritten so that each names the file, the key path, the bad value,
what is allowed and, for a typo, the nearest valid key.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.schema.scenario import CROSS_FIELD_SEPARATOR, Scenario

_INDEX = re.compile(r"\[(\d+)\]")


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path
        A YAML scenario file.
    overrides
        Key paths mapped to values, applied after ``extends`` is resolved, e.g.
        ``{"operations.demand": 120, "horizon": "2 years"}``. Values are used as
        given and validated like values in the file (the command line's
        ``--set`` reads its text as YAML first, see :func:`parse_override`).

    Returns
    -------
    Scenario
        The validated, immutable scenario.

    Raises
    ------
    ScenarioError
        If the file cannot be read or the result is not a valid scenario.
    """
    path = Path(path)
    return scenario_with(read_document(path), overrides, source=display_path(path))


def read_document(path: str | Path, text: str | bytes | None = None) -> dict[str, Any]:
    """Read a scenario file with its ``extends`` chain merged, before validation.

    The ``name`` defaults to the file's name. Use :func:`scenario_with` to build
    many scenarios from one document without reading the file again.

    Parameters
    ----------
    path
        The scenario file.
    text
        The file's contents (bytes are read as UTF-8) when they are already in
        memory, e.g. an uploaded file: ``path`` is then not read, but it still
        names the file in messages and ``extends`` is resolved from its folder.
    """
    path = Path(path)
    data = _read_with_parents(path, seen=(), text=text)
    data.setdefault("name", path.stem)
    return data


def scenario_with(document: Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
                  source: str | None = None) -> Scenario:
    """Validate a copy of ``document`` with ``overrides`` applied (``document`` is untouched).

    Problems caused by an override say so, e.g. ``(from the override
    operations.demand=-1)``.
    """
    data = copy.deepcopy(dict(document))
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        set_key_path(data, key, value, source=source)
    try:
        return validate_scenario(data, source=source)
    except ScenarioError as exc:
        raise ScenarioError([_blame_override(p, overrides) for p in exc.problems],
                            exc.source) from None


def _blame_override(problem: str, overrides: Mapping[str, Any]) -> str:
    """Say when a problem comes from an override rather than from the file."""
    for key in overrides:
        path = format_path(tuple(int(p) if p.isdigit() else p
                                 for p in _INDEX.sub(r".\1", key).split(".") if p))
        if problem.startswith((f"{path}:", f"{path} ", f"{path}=", f"{path}.", f"{path}[")):
            return f"{problem} (from the override {key}={overrides[key]!r})"
    return problem


def validate_scenario(data: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Validate a plain mapping as a scenario, with readable errors.

    Parameters
    ----------
    data
        The scenario as nested dictionaries and lists.
    source
        Where the data came from, named in error messages.

    Returns
    -------
    Scenario
        The validated scenario.
    """
    if "extends" in data:
        raise ScenarioError("extends: only scenario files can extend another file; use "
                            "sim.load_scenario(path) to resolve it", source)
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        problems = [line for err in exc.errors() for line in describe_error(err).split(
            CROSS_FIELD_SEPARATOR)]
        raise ScenarioError(problems, source) from None


def parse_override(text: str) -> tuple[str, Any]:
    """Split a ``path=value`` override and read the value as a YAML scalar.

    Parameters
    ----------
    text
        For example ``"operations.demand=120"``.

    Returns
    -------
    tuple
        The key path and the parsed value.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(f"override {text!r} must look like key.path=value, "
                            "e.g. operations.demand=120")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def set_key_path(data: dict, key: str, value: Any, source: str | None = None) -> None:
    """Set ``value`` at a dotted key path inside nested dictionaries and lists.

    Missing dictionaries are created so that any schema key can be overridden;
    unknown keys are caught afterwards by validation, which suggests the nearest
    valid one. List elements are addressed by index: ``projects.portfolio.0.size``
    or ``projects.portfolio[0].size``.
    """
    parts = [p for p in _INDEX.sub(r".\1", key).split(".") if p]
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"override {key}: {here} is not an element of a list "
                                    f"with {len(node)} entries (indices 0..{len(node) - 1})",
                                    source)
            part = int(part)
        elif not isinstance(node, dict):
            raise ScenarioError(f"override {key}: {'.'.join(parts[:depth])} holds a value "
                                f"({node!r}), not a section", source)
        if last:
            node[part] = value
        else:
            child = node.get(part) if isinstance(node, dict) else node[part]
            if child is None:
                child = {}
                node[part] = child
            node = child


def get_key_path(data: Any, key: str) -> Any:
    """Return the value at a dotted key path (``KeyError`` naming the path if absent)."""
    node = data
    for part in (p for p in _INDEX.sub(r".\1", key).split(".") if p):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"{key}: no such key")
    return node


def _read_with_parents(path: Path, seen: tuple[Path, ...],
                       text: str | bytes | None = None) -> dict:
    """Read one file and merge it over the parents named by ``extends``."""
    data = read_yaml(path, text=text)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"extends = {parent!r}: must be the path of another scenario "
                            "file, relative to this one", display_path(path))
    parent_path = (path.parent / parent).resolve()
    chain = (*seen, path.resolve())
    if parent_path in chain:
        cycle = " -> ".join(display_path(p) for p in (*chain, parent_path))
        raise ScenarioError(f"extends = {parent!r} makes a cycle: {cycle}", display_path(path))
    if not parent_path.is_file():
        raise ScenarioError(f"extends = {parent!r}: no such file (looked for "
                            f"{display_path(path.parent / parent)})", display_path(path))
    base = _read_with_parents(parent_path, chain)
    base.pop("name", None)
    base.pop("description", None)
    return merge(base, data)


def read_yaml(path: Path, what: str = "scenario file", text: str | bytes | None = None) -> dict:
    """Read a YAML mapping, turning every failure into a :class:`ScenarioError`.

    ``what`` names the kind of file in messages (``scenario file``, ``sweep file``);
    ``text``, if given, is the file's contents (bytes are read as UTF-8), and
    ``path`` is then not read.
    """
    shown = display_path(path)
    if text is None and not path.is_file():
        raise ScenarioError(f"no such {what}: {shown}")
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text.decode("utf-8") if isinstance(text, bytes) else text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"not valid YAML{where}: {problem}", shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", shown) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"a {what} must be a mapping of sections, not a "
                            f"{type(data).__name__}", shown)
    return data


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def merge(base: dict, child: dict) -> dict:
    """Merge ``child`` over ``base``: dictionaries key by key, anything else replaced."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def format_path(loc: tuple) -> str:
    """Render a pydantic location as a key path: ``projects.templates[0].team``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def describe_error(err: dict, model: type[BaseModel] = Scenario) -> str:
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
    loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
    path = format_path(loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.5)
        hint = f" Did you mean '{_join(loc[:-1], near[0])}'?" if near else ""
        return (f"{path}: unknown key.{hint} Allowed keys here: {', '.join(allowed)}")
    message = err["msg"].removeprefix("Value error, ")
    if kind == "missing":
        return f"{path}: required key is missing"
    if not loc:
        return message
    return f"{path} = {_short(value)}: {message}"


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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
