"""Load scenario files: YAML, ``extends`` chains, ``--set`` overrides, clear errors.

This is the only place that reads scenario files. A TO-BE scenario may say
``extends: as_is.yaml`` and state only what differs; the parent is resolved
relative to the child's folder, dictionaries merge key by key and lists are
replaced whole. Overrides (``operations.demand=120``) apply last. Validation
errors are rewritten so that each names the file, the key path, the bad value,
what is allowed and, for a typo, the nearest valid key; a bad value that comes
from a parent file names the parent.

YAML is read strictly: a key given twice in one mapping is an error naming the
key and both lines, a file larger than :data:`~sim.schema.limits.MAX_FILE_BYTES`
is refused unread, and so is a file whose aliases expand to more than
:data:`~sim.schema.limits.MAX_YAML_VALUES` values.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError, excerpt
from sim.schema.limits import MAX_FILE_BYTES, MAX_YAML_VALUES
from sim.schema.scenario import CROSS_FIELD_SEPARATOR, Scenario

_INDEX = re.compile(r"\[(\d+)\]")
_KEY_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.\w+|\[\d+\])*")

Origins = dict[tuple, str]
"""Where each key path of a merged document was written (see :func:`read_with_origins`)."""


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
    document, origins = read_with_origins(path)
    return scenario_with(document, overrides, source=display_path(path), origins=origins)


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
    return read_with_origins(path, text)[0]


def read_with_origins(path: str | Path,
                      text: str | bytes | None = None) -> tuple[dict[str, Any], Origins]:
    """Read a scenario file like :func:`read_document`, and say where each key came from.

    Returns
    -------
    tuple
        The merged document, and a mapping from key paths (tuples of keys) to
        the file that set them, the file itself or one of its parents.
    """
    path = Path(path)
    data, origins = _read_with_parents(path, seen=(), text=text)
    data.setdefault("name", path.stem)
    return data, origins


def scenario_with(document: Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
                  source: str | None = None, origins: Origins | None = None) -> Scenario:
    """Validate a copy of ``document`` with ``overrides`` applied (``document`` is untouched).

    Problems caused by an override say so, e.g. ``(from the override
    operations.demand=-1)``; with ``origins`` (from :func:`read_with_origins`),
    problems with a value set in a parent file name that file, e.g. ``(set in
    as_is.yaml)``.
    """
    data = copy.deepcopy(dict(document))
    overrides = dict(overrides or {})
    resolved: dict | None = None
    for key, value in overrides.items():
        if _through_missing_list(data, key):
            if resolved is None:  # the defaults, for lists the file does not state
                resolved = validate_scenario(data, source=source).model_dump(
                    mode="json", by_alias=True)
            _copy_lists(data, key, resolved)
        set_key_path(data, key, value, source=source)
    try:
        return validate_scenario(data, source=source)
    except ScenarioError as exc:
        problems = [_blame_override(p, overrides) for p in exc.problems]
        problems = [p if p != q else _blame_parent(p, origins or {}, source)
                    for p, q in zip(problems, exc.problems, strict=True)]
        raise ScenarioError(problems, exc.source) from None


def _through_missing_list(data: dict, key: str) -> bool:
    """Whether ``key`` indexes into a list that ``data`` does not state (a default)."""
    node: Any = data
    for part, after in itertools.pairwise(_parts(key)):
        if not isinstance(node, dict):
            return False
        if part not in node:
            return isinstance(after, int)
        node = node[part]
    return False


def _copy_lists(data: dict, key: str, resolved: dict) -> None:
    """Copy into ``data`` the default lists that ``key`` indexes into, from ``resolved``.

    This lets an override such as ``stress.challenge_productivity.1.1=1.2`` change
    one point of a default curve, as ``robustness.vary`` in a claim does.
    """
    node: Any = data
    source: Any = resolved
    for part, after in itertools.pairwise(_parts(key)):
        if not isinstance(node, dict) or not isinstance(source, dict) or part not in source:
            return
        if part not in node:
            if not isinstance(after, int):
                node[part] = {}
            else:
                node[part] = copy.deepcopy(source[part])
                return
        node, source = node[part], source[part]


def _blame_override(problem: str, overrides: Mapping[str, Any]) -> str:
    """Say when a problem comes from an override rather than from the file."""
    named = re.split(r"[ :=]", problem, maxsplit=1)[0]  # the key path the problem names
    for key in overrides:
        path = format_path(_parts(key))
        inside = named and path.startswith((f"{named}.", f"{named}["))  # e.g. a curve point
        if inside or problem.startswith((f"{path}:", f"{path} ", f"{path}=", f"{path}.",
                                         f"{path}[")):
            return f"{problem} (from the override {key}={excerpt(overrides[key])})"
    return problem


def _blame_parent(problem: str, origins: Origins, source: str | None) -> str:
    """Say when the key path a problem starts with was written in a parent file."""
    match = _KEY_PATH.match(problem)
    if not match:
        return problem
    parts = _parts(match.group(0))
    for end in range(len(parts), 0, -1):
        origin = origins.get(parts[:end])
        if origin is not None:
            return problem if origin == source else f"{problem} (set in {origin})"
    return problem


def _parts(key: str) -> tuple:
    """A dotted key path (``a.b[0].c`` or ``a.b.0.c``) as a tuple of keys and indices."""
    return tuple(int(p) if _is_index(p) else p for p in _INDEX.sub(r".\1", key).split(".") if p)


def _is_index(part: str) -> bool:
    """Whether a key-path part is a list index (ASCII digits only: '²' is a digit too)."""
    return part.isascii() and part.isdigit()


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
        value = load_yaml(raw) if raw.strip() else ""
    except YamlRefused as exc:
        raise ScenarioError(f"override {key.strip()}: {exc}") from None
    except ScenarioError:  # not YAML: the text itself is the value
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
            if not _is_index(part) or int(part) >= len(node):
                raise ScenarioError(f"override {key}: {here} is not an element of a list "
                                    f"with {len(node)} entries (indices 0..{len(node) - 1})",
                                    source)
            part = int(part)
        elif not isinstance(node, dict):
            raise ScenarioError(f"override {key}: {'.'.join(parts[:depth])} holds a value "
                                f"({excerpt(node)}), not a section", source)
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
        if isinstance(node, list) and _is_index(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"{key}: no such key")
    return node


def _read_with_parents(path: Path, seen: tuple[Path, ...],
                       text: str | bytes | None = None) -> tuple[dict, Origins]:
    """Read one file (or its ``text``) and merge it over the parents named by ``extends``."""
    data = read_yaml(path, text=text)
    shown = display_path(path)
    parent = data.pop("extends", None)
    written = dict.fromkeys(_key_paths(data), shown)
    if parent is None:
        return data, written
    if not isinstance(parent, str):
        raise ScenarioError(f"extends = {excerpt(parent)}: must be the path of another "
                            "scenario file, relative to this one", shown)
    parent_path = (path.parent / parent).resolve()
    chain = (*seen, path.resolve())
    if parent_path in chain:
        cycle = " -> ".join(display_path(p) for p in (*chain, parent_path))
        raise ScenarioError(f"extends = {excerpt(parent)} makes a cycle: {cycle}", shown)
    if not parent_path.is_file():
        raise ScenarioError(f"extends = {excerpt(parent)}: no such file (looked for "
                            f"{display_path(path.parent / parent)})", display_path(path))
    base, origins = _read_with_parents(parent_path, chain)
    for key in ("name", "description"):
        base.pop(key, None)
        origins = {p: f for p, f in origins.items() if p[0] != key}
    return merge(base, data), {**origins, **written}


def _key_paths(data: dict, prefix: tuple = ()):
    """Every key path of nested mappings (lists are values: they are replaced whole)."""
    for key, value in data.items():
        path = (*prefix, key)
        yield path
        if isinstance(value, dict):
            yield from _key_paths(value, path)


class YamlRefused(ScenarioError):
    """YAML that parses but is refused: a key given twice, or aliases that expand too far."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice."""


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            lines: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # '<<: *base' merges may be overridden, by design
                key = self.construct_object(key_node, deep=True)
                try:
                    first = lines.get(key)
                except TypeError:
                    continue  # an unhashable key: the constructor reports it
                if first is not None:
                    raise _DuplicateKey(
                        None, None, f"key {excerpt(key)} is given twice in one mapping (first "
                        f"at line {first + 1}); keep one", key_node.start_mark)
                lines[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Parse YAML text strictly (see the module's notes); errors are :class:`ScenarioError`.

    Parameters
    ----------
    text
        The YAML document.

    Returns
    -------
    Any
        The document as plain Python values (None for an empty document).
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        values = _expanded_size(node, {})
        if values > MAX_YAML_VALUES:
            raise YamlRefused(f"its anchors and aliases (&name, *name) expand to {values:.3g} "
                                f"values; the limit is {MAX_YAML_VALUES:,}: write the values "
                                "out, or use fewer aliases")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        refused = YamlRefused if isinstance(exc, _DuplicateKey) else ScenarioError
        raise refused(f"not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ScenarioError("not valid YAML: nested too deeply") from None
    except ValueError as exc:  # a date that does not exist, an integer of 5,000 digits...
        problem = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise ScenarioError(f"not valid YAML: {problem[:120]}") from None
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for with every alias written out (linear time)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, sizes) for v in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


def read_yaml(path: Path, what: str = "scenario file", text: str | bytes | None = None) -> dict:
    """Read a YAML mapping, turning every failure into a :class:`ScenarioError`.

    ``what`` names the kind of file in messages (``scenario file``, ``sweep file``);
    ``text``, if given, is the file's contents (bytes are read as UTF-8), and
    ``path`` is then not read.
    """
    shown = display_path(path)
    if text is None:
        if path.is_dir():
            raise ScenarioError(f"{what} {shown} is a folder, not a file")
        if not path.is_file():
            raise ScenarioError(f"no such {what}: {shown}")
    try:
        if text is None:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ScenarioError(f"the file has {size:,} bytes; a {what} may have at most "
                                    f"{MAX_FILE_BYTES:,}", shown)
            raw = path.read_bytes()
        else:
            raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
            if len(raw) > MAX_FILE_BYTES:
                raise ScenarioError(f"the file has {len(raw):,} bytes; a {what} may have at "
                                    f"most {MAX_FILE_BYTES:,}", shown)
        if b"\x00" in raw:
            raise ScenarioError(f"not a text file (it holds NUL bytes); a {what} is YAML text",
                                shown)
        data = load_yaml(raw.decode("utf-8"))
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", shown) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"a {what} must be a mapping of sections, not a "
                            f"{type(data).__name__}", shown)
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ScenarioError(f"{excerpt(bad[0])}: keys must be text, not "
                            f"{type(bad[0]).__name__}", shown)
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
