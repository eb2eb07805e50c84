"""Where the scenarios shipped with the package are, wherever the command runs.

The scenario files (the baseline, the examples, the claims and their bases,
the sweeps) live in the project's ``scenarios/`` folder. A source checkout or
an editable install finds them beside the package; a regular install carries a
copy under ``<prefix>/share/pmosim/scenarios`` (the ``data-files`` of
``pyproject.toml``). A ``scenarios/`` folder in the working directory is not
consulted here: commands look there first themselves.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

SHARE = Path("share") / "pmosim" / "scenarios"
"""Where a regular install puts the scenario files, below its prefix."""


def candidates() -> list[Path]:
    """The folders that may hold the shipped scenarios, most specific first."""
    beside = Path(__file__).resolve().parent.parent / "scenarios"
    prefixes = dict.fromkeys([sysconfig.get_path("data"), sys.prefix, sys.base_prefix])
    return [beside, *(Path(p) / SHARE for p in prefixes if p)]


def shipped_folder() -> Path | None:
    """The folder of shipped scenarios (with ``claims/`` inside), or None if there is none."""
    for folder in candidates():
        if (folder / "claims").is_dir():
            return folder
    return None


def relative(path: Path, start: Path | None = None) -> str:
    """``path`` relative to ``start`` (the working directory), with ``..`` if need be.

    Falls back to the absolute path when there is no relative one (another
    drive on Windows).
    """
    try:
        return os.path.relpath(path, start or Path.cwd())
    except ValueError:
        return str(path)
