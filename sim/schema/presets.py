"""Governance presets that change nothing, found before a run so that they can be reported.

A governance preset (``levers.governance``) only fills in the levers it sets
where a scenario leaves them unset: a lever stated in the file, in a parent
file named by ``extends`` or by an override keeps its own value. A preset whose
levers are all stated therefore changes nothing; when levers stated with it or
before it (a TO-BE naming the preset over an AS-IS that states the levers) hold
other values, the scenario does not run the governance the preset names. This
module finds such presets and says which file, or which override, stated each
lever; the command line prints what it finds as warnings.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from sim.errors import excerpt
from sim.schema.extends import Origins
from sim.schema.keypaths import format_path, key_parts, set_key_path
from sim.schema.organisation import GOVERNANCE_PRESETS

GOVERNANCE = ("levers", "governance")
"""The key path of the preset's name."""


def preset_warnings(document: Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
                    origins: Origins | None = None, source: str | None = None,
                    files: Sequence[str] | None = None) -> list[str]:
    """Say when the governance preset of a scenario is defeated by levers stated with it.

    The preset is reported when every lever it sets is stated (after
    ``extends`` is resolved and overrides are applied), and at least one of
    them has a value other than the preset's and was stated no later than the
    preset: in the same file, in a file that file extends, or in the file when
    the preset comes from an override (or an earlier override). A lever changed
    later (in a file that extends the one naming the preset, or by a later
    override) departs from the preset on purpose and is not reported; nor is a
    preset whose levers are all stated with its own values.

    Parameters
    ----------
    document
        The scenario document with its ``extends`` chain merged (see
        :func:`~sim.schema.extends.read_layered`), before overrides.
    overrides
        Key paths mapped to values, as given to
        :func:`~sim.schema.loading.scenario_with`, in the order they apply;
        they are expected to load.
    origins
        Where each key path of ``document`` was written, from
        :func:`~sim.schema.extends.read_layered`.
    source
        The file ``document`` was read from, named where ``origins`` says nothing.
    files
        The files of the ``extends`` chain as ``origins`` names them, first
        parent first (from :func:`~sim.schema.extends.read_layered`); without
        them, every file counts as stated together.

    Returns
    -------
    list of str
        One warning naming the preset, each lever it would set, the value
        stated for it and the file or override that stated it, and what the
        preset would set; empty when there is nothing to report.
    """
    overrides = dict(overrides or {})
    levers = _levers_after(document, overrides)
    name = levers.get("governance")
    if not isinstance(name, str) or name not in GOVERNANCE_PRESETS:
        return []
    stated = []
    for key, preset_value in GOVERNANCE_PRESETS[name].items():
        if key not in levers:
            return []  # the preset fills this lever in
        stated.append(_deepest(("levers", key), levers[key], preset_value))

    chain = list(files) if files else [source or ""]

    def origin(path: tuple) -> tuple[int, str]:
        return _origin(path, overrides, origins or {}, source, chain)

    preset_rank, preset_from = origin(GOVERNANCE)
    if not any(value != preset_value and origin(path)[0] <= preset_rank
               for path, value, preset_value in stated):
        return []
    stated_as = ", ".join(f"{format_path(path)}={excerpt(value)} ({origin(path)[1]})"
                          for path, value, _ in stated)
    preset_as = ", ".join(f"{format_path(path)}={excerpt(preset_value)}"
                          for path, _, preset_value in stated)
    return [f"{format_path(GOVERNANCE)}={excerpt(name)} ({preset_from}) changes nothing: a "
            f"preset only fills in levers left unset, and every lever it sets is stated: "
            f"{stated_as}; for the preset's governance, state {preset_as}"]


def _levers_after(document: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The ``levers`` section of ``document`` once the overrides that reach it are applied."""
    data = {"levers": copy.deepcopy(document.get("levers"))}
    for key, value in overrides.items():
        if key_parts(key)[0] == "levers":
            set_key_path(data, key, copy.deepcopy(value))
    levers = data["levers"]
    return levers if isinstance(levers, dict) else {}


def _deepest(path: tuple, value: Any, preset_value: Any) -> tuple[tuple, Any, Any]:
    """The deepest key path of a preset's lever that is stated, with both values there.

    The preset's ``rewards`` lever is ``{scheme: ...}``: a file that states
    ``rewards.scheme`` is named by that path, one that states only ``rewards``
    (which replaces the preset's whole mapping) by ``levers.rewards``.
    """
    while isinstance(preset_value, dict) and isinstance(value, dict) and len(preset_value) == 1:
        (key, inner), = preset_value.items()
        if key not in value:
            break
        path, value, preset_value = (*path, key), value[key], inner
    return path, value, preset_value


def _origin(path: tuple, overrides: Mapping[str, Any], origins: Origins,
            source: str | None, files: list[str]) -> tuple[int, str]:
    """Who stated ``path``, and when: the last override that reaches it, else its file.

    Files rank by their place in ``files`` (the first parent 0; a file not
    listed as the last); overrides rank after every file, in their order.
    """
    for i, key in reversed(list(enumerate(overrides))):
        parts = key_parts(key)
        common = min(len(parts), len(path))
        if parts[:common] == path[:common]:
            return len(files) + i, f"from the override {key}={excerpt(overrides[key])}"
    for end in range(len(path), 0, -1):
        if path[:end] in origins:
            shown = origins[path[:end]]
            return files.index(shown) if shown in files else len(files) - 1, f"set in {shown}"
    return len(files) - 1, f"set in {source}" if source else "stated"
