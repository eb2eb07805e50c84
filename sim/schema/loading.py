"""Load scenario files: read, resolve ``extends``, apply ``--set`` overrides, validate.

This is the entry point for scenario files; the jobs it puts together live in
their own modules: strict YAML reading (:mod:`sim.schema.yamlfile`), ``extends``
chains (:mod:`sim.schema.extends`), key paths and overrides
(:mod:`sim.schema.keypaths`) and readable validation errors
(:mod:`sim.schema.messages`). Overrides (``operations.demand=120``) apply last.
Validation errors name the file, the key path, the bad value, what is allowed
and, for a typo, the nearest valid key; a bad value that comes from a parent
file names the parent, one that comes from an override names the override.

The names these modules export are importable from here too.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, excerpt
from sim.schema.base import Section
from sim.schema.extends import Origins, merge, read_document, read_with_origins
from sim.schema.keypaths import (
    KEY_PATH_PREFIX,
    KeyPathError,
    check_key_path,
    format_path,
    get_key_path,
    is_index,
    key_parts,
    parse_override,
    set_key_path,
    split_key_path,
)
from sim.schema.messages import describe_error
from sim.schema.scenario import CROSS_FIELD_SEPARATOR, Scenario, with_sections
from sim.schema.yamlfile import YamlRefused, display_path, load_yaml, read_yaml

__all__ = ["Origins", "Variants", "YamlRefused", "describe_error", "display_path", "format_path",
           "get_key_path", "load_scenario", "load_yaml", "merge", "parse_override",
           "read_document", "read_with_origins", "read_yaml", "scenario_with", "set_key_path",
           "validate_scenario"]


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
        check_key_path(key, source)
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


class Variants:
    """Many scenarios that each change a few keys of one document, built quickly.

    ``Variants(document, common).scenario(changes)`` is what
    ``scenario_with(document, {**changes, **common})`` gives, value for value
    and error for error, but only the sections ``changes`` reaches are
    validated again: the others are taken, already validated, from the
    scenario of ``document`` with ``common``. A sweep's points use this, so
    that checking 100,000 of them takes seconds.

    Parameters
    ----------
    document
        The scenario document (never modified).
    common
        Overrides every variant shares, applied after its own changes.
    source
        Names the document in messages.
    """

    KEPT = 256
    """How many validated sections are kept for reuse."""

    def __init__(self, document: Mapping[str, Any], common: Mapping[str, Any] | None = None,
                 source: str | None = None):
        self.document, self.common, self.source = document, dict(common or {}), source
        self.base = scenario_with(document, self.common, source=source)
        self._fields = {field.alias or name: name
                        for name, field in Scenario.model_fields.items()}
        self._shared = {check_key_path(key, source)[0] for key in self.common}
        self._memo: dict[tuple, Section] = {}

    def scenario(self, changes: Mapping[str, Any]) -> Scenario:
        """The variant with ``changes`` (see the class's notes).

        Raises
        ------
        ScenarioError
            Exactly as :func:`scenario_with` does.
        """
        quick = self._quick(changes)
        if quick is not None:
            return quick
        return scenario_with(self.document, {**changes, **self.common}, source=self.source)

    def _quick(self, changes: Mapping[str, Any]) -> Scenario | None:
        """The variant from the base's sections, or None where only the full way can tell."""
        reached: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            try:
                first, *rest = split_key_path(key)
            except KeyPathError:
                return None
            name = self._fields.get(first)
            if not rest or name is None or first in self._shared or \
                    not isinstance(getattr(self.base, name), Section):
                return None
            reached.setdefault(first, {})[".".join(rest)] = value
        sections: dict[str, Section] = {}
        for first, values in reached.items():
            section = self._section(first, values)
            if section is None:
                return None
            sections[self._fields[first]] = section
        try:
            return with_sections(self.base, sections)
        except ValueError:
            return None

    def _section(self, first: str, values: dict[str, Any]) -> Section | None:
        """Section ``first`` of the document with ``values`` set, validated (None if invalid).

        The last few sections built are kept by the values they were given: a
        design's points often share a section (a grid, a Sobol design's rows).
        """
        scalar = all(v is None or isinstance(v, bool | int | float | str)
                     for v in values.values())
        memo = (first, *((k, type(v), repr(v)) for k, v in values.items())) if scalar else None
        if memo in self._memo:
            return self._memo[memo]
        section = self.document.get(first, {})
        if not isinstance(section, dict) or any(_through_missing_list(section, k)
                                                for k in values):
            return None
        section = dict(section)
        try:
            for key, value in values.items():
                set_key_path(_copied_along(section, key), key, value)
            validated = type(getattr(self.base, self._fields[first])).model_validate(section)
        except (ScenarioError, ValidationError):
            return None
        if memo is not None:
            if len(self._memo) >= self.KEPT:
                self._memo.pop(next(iter(self._memo)))
            self._memo[memo] = validated
        return validated


def _copied_along(data: dict, key: str) -> dict:
    """Give ``data`` its own copy of every mapping and list on the way to ``key``.

    Setting ``key`` then changes nothing that ``data`` shares with the
    document it was copied from; what lies off the way stays shared, unchanged.
    """
    node: Any = data
    for part in split_key_path(key)[:-1]:
        child = node.get(part) if isinstance(node, dict) else (
            node[int(part)] if isinstance(node, list) and is_index(part)
            and int(part) < len(node) else None)
        if not isinstance(child, dict | list):
            break
        child = dict(child) if isinstance(child, dict) else list(child)
        if isinstance(node, dict):
            node[part] = child
        else:
            node[int(part)] = child
        node = child
    return data


def _through_missing_list(data: dict, key: str) -> bool:
    """Whether ``key`` indexes into a list that ``data`` does not state (a default)."""
    node: Any = data
    for part, after in itertools.pairwise(key_parts(key)):
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
    for part, after in itertools.pairwise(key_parts(key)):
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
        path = format_path(key_parts(key))
        inside = named and path.startswith((f"{named}.", f"{named}["))  # e.g. a curve point
        if inside or problem.startswith((f"{path}:", f"{path} ", f"{path}=", f"{path}.",
                                         f"{path}[")):
            return f"{problem} (from the override {key}={excerpt(overrides[key])})"
    return problem


def _blame_parent(problem: str, origins: Origins, source: str | None) -> str:
    """Say when the key path a problem starts with was written in a parent file."""
    match = KEY_PATH_PREFIX.match(problem)
    if not match:
        return problem
    parts = key_parts(match.group(0))
    for end in range(len(parts), 0, -1):
        origin = origins.get(parts[:end])
        if origin is not None:
            return problem if origin == source else f"{problem} (set in {origin})"
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
        problems = [line for err in exc.errors() for line in describe_error(err, Scenario).split(
            CROSS_FIELD_SEPARATOR)]
        raise ScenarioError(problems, source) from None
