"""Key paths: ``operations.demand``, ``projects.portfolio[0].size``, and ``--set`` overrides.

A key path names one value inside nested mappings and lists; list elements are
addressed by index, either ``portfolio.0`` or ``portfolio[0]``. One parser,
:func:`split_key_path`, reads every key path; the rest of the package sets, gets
and prints paths through the functions here.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sim.errors import ScenarioError, excerpt
from sim.schema.yamlfile import YamlRefused, load_yaml

_INDEX = re.compile(r"\[(\d+)\]")
_PART = re.compile(r"[\w-]+")
_STEP = re.compile(r"\.([\w-]+)|\[(\d+)\]")

KEY_PATH_PREFIX = re.compile(r"^[A-Za-z_]\w*(?:\.\w+|\[\d+\])*")
"""The key path a problem's message starts with (see :mod:`sim.schema.messages`)."""


class KeyPathError(ValueError):
    """A key path that is not well formed (an empty part, a stray bracket...)."""


@functools.lru_cache(maxsize=4096)
def split_key_path(key: str) -> tuple[str, ...]:
    """The parts of a dotted key path, as written (``a.b[0].c`` gives a, b, 0, c).

    Each part is checked: a key is letters, digits, ``_`` or ``-``, an index is
    ``[digits]`` or a part of digits, and parts are separated by single dots.

    Raises
    ------
    KeyPathError
        Naming the first part that is not well formed.
    """
    first = _PART.match(key)
    if first is None:
        raise KeyPathError(_malformed(key, 0))
    parts, at = [first.group(0)], first.end()
    while at < len(key):
        step = _STEP.match(key, at)
        if step is None:
            raise KeyPathError(_malformed(key, at))
        parts.append(step.group(1) or step.group(2))
        at = step.end()
    return tuple(parts)


def _malformed(key: str, at: int) -> str:
    """Say where a key path stops being well formed (the caller names the key path)."""
    if not key:
        return "the key path is empty; write e.g. operations.demand"
    before = f" after {excerpt(key[:at])}" if at else " at its start"
    return (f"the key path has an empty or malformed part{before}; write keys separated by "
            "single dots, e.g. operations.demand or projects.portfolio[0].size")


def check_key_path(key: str, source: str | None = None,
                   what: str = "override") -> tuple[str, ...]:
    """The parts of ``key`` (see :func:`split_key_path`), or a :class:`ScenarioError`.

    The error names ``what`` the key path is (``override``, ``set``,
    ``parameters``) and the key path.
    """
    try:
        return split_key_path(key)
    except KeyPathError as exc:
        raise ScenarioError(f"{what} {excerpt(key)}: {exc}", source) from None


def key_parts(key: str) -> tuple:
    """A dotted key path (``a.b[0].c`` or ``a.b.0.c``) as a tuple of keys and indices."""
    return tuple(int(p) if is_index(p) else p for p in split_key_path(key))


def is_index(part: str) -> bool:
    """Whether a key-path part is a list index (ASCII digits only: '²' is a digit too)."""
    return part.isascii() and part.isdigit()


def format_path(loc: tuple) -> str:
    """Render a location (keys and indices) as a key path: ``projects.templates[0].team``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


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

    Raises
    ------
    ScenarioError
        If the key path is malformed (see :func:`split_key_path`) or leads
        through a value or past the end of a list.
    """
    parts = check_key_path(key, source)
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not is_index(part) or int(part) >= len(node):
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
    try:
        parts = split_key_path(key)
    except KeyPathError as exc:
        raise KeyError(f"{key}: {exc}") from None
    node = data
    for part in parts:
        if isinstance(node, list) and is_index(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"{key}: no such key")
    return node
