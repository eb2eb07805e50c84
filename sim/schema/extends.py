"""``extends`` chains: a scenario file stated as the differences from another.

A TO-BE scenario may say ``extends: as_is.yaml`` and state only what differs;
the parent is resolved relative to the child's folder, dictionaries merge key
by key and lists are replaced whole. The reader also records which file wrote
each key path, so that a bad value from a parent file can name the parent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, excerpt
from sim.schema.yamlfile import display_path, read_yaml

Origins = dict[tuple, str]
"""Where each key path of a merged document was written (see :func:`read_with_origins`)."""


def read_document(path: str | Path, text: str | bytes | None = None) -> dict[str, Any]:
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


def merge(base: dict, child: dict) -> dict:
    """Merge ``child`` over ``base``: dictionaries key by key, anything else replaced."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out
