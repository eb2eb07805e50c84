"""``extends`` chains: a scenario file stated as the differences from another.

A TO-BE scenario may say ``extends: as_is.yaml`` and state only what differs;
the parent is resolved relative to the child's folder, dictionaries merge key
by key and lists are replaced whole. The reader also records which file wrote
each key path, so that a bad value from a parent file can name the parent.

A chain has at most :data:`~sim.schema.limits.MAX_EXTENDS_CHAIN` files and is
read in a loop, not by recursion. A parent that cannot be used (a path with a
NUL byte or too long, a loop of symbolic links, a folder, a FIFO, a device, a
file outside the folders a caller allows) is refused with what it is, and a
parent that is not a scenario file is refused without showing its content.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, excerpt
from sim.schema.limits import MAX_EXTENDS_CHAIN
from sim.schema.messages import keys_of
from sim.schema.scenario import Scenario
from sim.schema.yamlfile import (
    NotOfKind,
    UnreadableFile,
    display_path,
    os_problem,
    path_problem,
    read_bytes,
    read_yaml,
)

Origins = dict[tuple, str]
"""Where each key path of a merged document was written (see :func:`read_with_origins`)."""

SCENARIO_KEYS = frozenset({*keys_of(Scenario), "extends"})
"""The top-level keys of a scenario file."""


def read_document(path: str | Path, text: str | bytes | None = None, *,
                  within: Sequence[Path] | None = None) -> dict[str, Any]:
    """Read a scenario file with its ``extends`` chain merged, before validation.

    The ``name`` defaults to the file's name. Use
    :func:`~sim.schema.loading.scenario_with` to build many scenarios from one
    document without reading the file again.

    Parameters
    ----------
    path
        The scenario file.
    text
        The file's contents (bytes are read as UTF-8) when they are already in
        memory, e.g. an uploaded file: ``path`` is then not read, but it still
        names the file in messages and ``extends`` is resolved from its folder.
    within
        If given, the only folders a parent named by ``extends`` may lie in
        (after symbolic links are followed); a parent elsewhere is refused
        before it is opened.
    """
    return read_with_origins(path, text, within=within)[0]


def read_with_origins(path: str | Path, text: str | bytes | None = None, *,
                      within: Sequence[Path] | None = None) -> tuple[dict[str, Any], Origins]:
    """Read a scenario file like :func:`read_document`, and say where each key came from.

    Returns
    -------
    tuple
        The merged document, and a mapping from key paths (tuples of keys) to
        the file that set them, the file itself or one of its parents.
    """
    path = Path(path)
    layers = _read_chain(path, text, within)
    data, origins = {}, {}
    for i, (shown, layer) in enumerate(reversed(layers)):
        if i:  # a parent's name and description are not inherited
            for key in ("name", "description"):
                data.pop(key, None)
            origins = {p: f for p, f in origins.items() if p[0] not in ("name", "description")}
        data = merge(data, layer)
        origins.update(dict.fromkeys(_key_paths(layer), shown))
    data.setdefault("name", path.stem)
    return data, origins


def _read_chain(path: Path, text: str | bytes | None,
                within: Sequence[Path] | None) -> list[tuple[str, dict]]:
    """Read ``path`` and its parents, child first: ``(shown name, document)`` per file."""
    layers: list[tuple[str, dict]] = []
    chain: list[Path] = []
    named_by: tuple[str, str] | None = None  # a parent: the child's extends, and the child
    while True:
        shown = display_path(path)
        try:
            data = read_yaml(path, text=text, keys=SCENARIO_KEYS)
        except NotOfKind as exc:
            if named_by is None:
                raise
            raise ScenarioError(f"extends = {excerpt(named_by[0])}: "
                                f"{exc.problems[0]}", named_by[1]) from None
        parent = data.pop("extends", None)
        layers.append((shown, data))
        if parent is None:
            return layers
        if not isinstance(parent, str):
            raise ScenarioError(f"extends = {excerpt(parent)}: must be the path of another "
                                "scenario file, relative to this one", shown)
        chain.append(_resolved(path))
        parent_path = resolve_reference(parent, path.parent, "extends", shown, within)
        if parent_path in chain:
            cycle = " -> ".join(display_path(p) for p in (*chain, parent_path))
            raise ScenarioError(f"extends = {excerpt(parent)} makes a cycle: {cycle}", shown)
        if len(chain) >= MAX_EXTENDS_CHAIN:
            raise ScenarioError(f"extends = {excerpt(parent)}: the chain of parent files from "
                                f"{display_path(chain[0])} is longer than {MAX_EXTENDS_CHAIN} "
                                "files (the limit); merge some of them", shown)
        try:
            text = read_bytes(parent_path, "scenario file")
        except UnreadableFile as exc:
            raise ScenarioError(f"extends = {excerpt(parent)}: {exc.problems[0]}", shown) from None
        path, named_by = parent_path, (parent, shown)


def resolve_reference(value: str, folder: Path, key: str, source: str,
                      within: Sequence[Path] | None = None) -> Path:
    """The absolute path of a file named by ``key`` (``extends``, ``scenario``) in a file.

    Relative paths are taken from ``folder``; symbolic links are followed. With
    ``within``, the path must lie in one of those folders, both as written
    (checked before the file system is asked anything, so that nothing about
    other files can be learnt) and once its links are followed.

    Raises
    ------
    ScenarioError
        Naming ``key``, the value and what is wrong with it: a NUL byte, a path
        too long, outside the allowed folders, a loop of symbolic links, nothing
        there, or something other than a file (a folder, a FIFO, a device).
    """
    problem = path_problem(value)
    if problem:
        raise ScenarioError(f"{key} = {excerpt(value)}: {problem}", source)
    target = folder / value
    if within is not None:
        _check_within(key, value, Path(os.path.abspath(target)),
                      [Path(os.path.abspath(f)) for f in within], source)
    try:
        resolved = target.resolve()
    except RuntimeError:  # pathlib's word for a loop of symbolic links
        raise ScenarioError(f"{key} = {excerpt(value)}: the path goes round a loop of "
                            "symbolic links", source) from None
    except OSError as exc:
        raise ScenarioError(f"{key} = {excerpt(value)}: cannot be resolved "
                            f"({exc.strerror})", source) from None
    if within is not None:
        _check_within(key, value, resolved, [_resolved(Path(f)) for f in within], source)
    try:
        resolved.stat()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ScenarioError(f"{key} = {excerpt(value)}: no such file (looked for "
                                f"{display_path(target)})", source) from None
        raise ScenarioError(f"{key} = {excerpt(value)}: {os_problem(exc)}", source) from None
    return resolved


def _check_within(key: str, value: str, path: Path, folders: list[Path], source: str) -> None:
    """Refuse a path outside ``folders``, before it is opened."""
    if not any(path.is_relative_to(f) for f in folders):
        raise ScenarioError(f"{key} = {excerpt(value)}: outside the allowed folders; here a "
                            "scenario may only extend the scenario files in those", source)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _key_paths(data: dict, prefix: tuple = ()):
    """Every key path of nested mappings (lists are values: they are replaced whole)."""
    for key, value in data.items():
        path = (*prefix, key)
        yield path
        if isinstance(value, dict):
            yield from _key_paths(value, path)


def merge(base: dict, child: dict) -> dict:
    """Merge ``child`` over ``base``: dictionaries key by key, anything else replaced."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out
