"""Key paths: ``operations.demand``, ``projects.portfolio[0].size``, and ``--set`` overrides.

A key path names one value inside nested mappings and lists; list elements are
addressed by index, either ``portfolio.0`` or ``portfolio[0]``. One parser,
:func:`split_key_path`, reads every key path; the rest of the package sets, gets
and prints paths through the functions here.
"""

from __future__ import annotations

import re
from typing import Any

from sim.errors import ScenarioError, excerpt
from sim.schema.yamlfile import YamlRefused, load_yaml

_INDEX = re.compile(r"\[(\d+)\]")

KEY_PATH_PREFIX = re.compile(r"^[A-Za-z_]\w*(?:\.\w+|\[\d+\])*")
"""The key path a problem's message starts with (see :mod:`sim.schema.messages`)."""


def split_key_path(key: str) -> list[str]:
    """The parts of a dotted key path, as written (``a.b[0].c`` gives a, b, 0, c)."""
    return [p for p in _INDEX.sub(r".\1", key).split(".") if p]


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
    """
    parts = split_key_path(key)
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
    node = data
    for part in split_key_path(key):
        if isinstance(node, list) and is_index(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"{key}: no such key")
    return node
