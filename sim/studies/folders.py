"""Result folders on disk: new folders, atomic and exclusive writes, the scenario as data.

The primitives every folder the package writes is made with, whether a study
keeps it (a sweep's resumable folder) or a report writes it (a run's, a
comparison's, the claims report). A folder is new and never reused
(``<parent>/<name>-<YYYYMMDD-HHMMSS>``, with a suffix ``-2``, ``-3``... rather
than touching an existing one); the name is a label, made a safe file name by
:func:`sim.schema.limits.safe_label`. Files are written to temporary names and
published only once complete, with exclusive creation: a folder never holds a
half-written file, and a result never replaces a file that was there before.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from contextlib import suppress
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sim.errors import OutputError
from sim.schema.limits import safe_label
from sim.schema.scenario import Scenario

try:  # POSIX only; elsewhere folders are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LIBRARIES = ("numpy", "scipy", "simpy", "pydantic", "pandas", "pyarrow", "matplotlib", "SALib",
             "dask", "distributed")


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """Return the resolved scenario as plain data (every default filled in)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_digest(scenario: Scenario) -> str:
    """Return a SHA-256 of the resolved scenario: equal digests, equal inputs."""
    text = json.dumps(scenario_document(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def new_folder(parent: str | Path, name: str, now: datetime | None = None) -> Path:
    """Create and return a folder for one run that did not exist before.

    Parameters
    ----------
    parent
        Where result folders live (created if missing).
    name
        The scenario name, used as the folder's prefix.
    now
        Time stamp of the folder name; defaults to the current UTC time.

    Raises
    ------
    OutputError
        If ``parent`` exists but is not a folder, or cannot be written.
    """
    parent = Path(parent)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    safe = safe_label(name)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"--out {parent}: exists and is not a folder") from None
    except OSError as exc:
        raise OutputError(f"--out {parent}: cannot create the folder ({exc.strerror})") from None
    for attempt in range(1, 1000):
        folder = parent / (f"{safe}-{stamp}" if attempt == 1 else f"{safe}-{stamp}-{attempt}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"--out {parent}: cannot write there ({exc.strerror})") from None
        return folder
    raise OutputError(f"--out {parent}: too many result folders named {safe}-{stamp}")


def unique_labels(names: list[str]) -> list[str]:
    """Safe file names for ``names`` (:func:`~sim.schema.limits.safe_label`), made distinct."""
    out: list[str] = []
    for name in names:
        stem = safe_label(name)
        label, n = stem, 2
        while label in out:
            label, n = f"{stem}-{n}", n + 1
        out.append(label)
    return out


def write_text(path: Path, text: str, *, replace: bool = False) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`write_atomically`)."""
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"), replace=replace)


def write_atomically(path: Path, writer, *, replace: bool = False) -> None:
    """Call ``writer(tmp_path)`` and publish the result at ``path`` only if it succeeds.

    Parameters
    ----------
    path
        The file to create.
    writer
        Writes the whole file at the temporary path it is given.
    replace
        Replace ``path`` if it exists (for a record that a command keeps up to
        date, such as a manifest). By default the file is created exclusively:
        an existing ``path`` is never touched.

    Raises
    ------
    OutputError
        If ``path`` exists and ``replace`` is false.
    """
    tmp = path.with_name(f".{path.name}.partial")
    try:
        writer(tmp)
        if replace:
            os.replace(tmp, path)
        else:
            _publish_new(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _publish_new(tmp: Path, path: Path) -> None:
    """Give the complete file ``tmp`` the name ``path``, which must not exist yet."""
    try:
        os.link(tmp, path)  # atomic, and fails if path exists
    except FileExistsError:
        raise OutputError(f"{path}: exists already; results never replace a file") from None
    except OSError:  # a file system without hard links: claim the name, then fill it
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            raise OutputError(f"{path}: exists already; results never replace a "
                              "file") from None
        os.replace(tmp, path)


def write_png(path: Path, figure, dpi: int = 100) -> None:
    """Save a matplotlib figure as a new PNG at ``path``, atomically."""
    write_atomically(path, lambda p: figure.savefig(p, format="png", dpi=dpi))


def package_version(package: str) -> str:
    """The installed version of ``package``, or ``"unknown"``."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def platform_info() -> dict[str, str]:
    """Python, operating system and library versions, for manifests."""
    info = {"python": sys.version.split()[0], "system": platform.system(),
            "release": platform.release(), "machine": platform.machine()}
    info.update({lib: package_version(lib) for lib in LIBRARIES})
    return info


def lock_folder(folder: str | Path, what: str):
    """Take a result folder's lock (POSIX); the returned handle holds it until closed.

    Parameters
    ----------
    folder
        The folder another process may be writing to.
    what
        What writes such folders ("sweep", "recommendation"), for the message.

    Returns
    -------
    The open lock file (``None`` where locks are not available).

    Raises
    ------
    OutputError
        If another process holds the lock.
    """
    if fcntl is None:
        return None
    handle = open(Path(folder) / ".lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise OutputError(f"{folder}: another {what} is writing to this folder; wait "
                          "for it to finish or stop it") from None
    return handle
