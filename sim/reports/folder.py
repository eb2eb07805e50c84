"""Result folders: the only place that writes a run's results to disk.

A run gets a new folder ``<parent>/<scenario>-<YYYYMMDD-HHMMSS>`` (a suffix
``-2``, ``-3``... is added rather than touching an existing folder); the
scenario's name is a label, made a safe file name by
:func:`sim.schema.limits.safe_label`. The resolved scenario and a manifest are
written first, so even a run that fails leaves a record of what was attempted
and why it stopped. Data files are written to temporary names and published
only once complete, with exclusive creation: a folder never holds a half-written
table, and a result file never replaces a file that was there before.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

from sim.errors import OutputError
from sim.schema.limits import safe_label
from sim.schema.scenario import Scenario

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


class RunRecord:
    """The manifest of one run, kept up to date on disk as the run proceeds.

    Parameters
    ----------
    folder
        The run's folder (from :func:`new_folder`).
    scenario
        The resolved scenario.
    source
        The scenario file the run came from.
    command
        The command line, for the record.
    replications
        How many replications will run.
    """

    def __init__(self, folder: Path, scenario: Scenario | list[Scenario], *,
                 source: str | list[str | None] | None, command: list[str],
                 replications: int):
        self.folder = folder
        self._started = time.perf_counter()
        scenarios = scenario if isinstance(scenario, list) else [scenario]
        sources = source if isinstance(source, list) else [source]
        first = scenarios[0] if scenarios else None
        self.manifest: dict[str, Any] = {
            "tool": "pmosim",
            "version": package_version("pmosim"),
            "status": "running",
            "command": command,
            "scenario": first.name if first else None,
            "source": sources[0] if sources else None,
            "scenario_sha256": scenario_digest(first) if first else None,
            "seed": first.seed if first else None,
            "replications": replications,
            "replication_seeds": [{"replication": r, "entropy": first.seed, "spawn_key": [r]}
                                  for r in range(replications)] if first else [],
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "finished": None,
            "wall_seconds": None,
            "platform": platform_info(),
            "files": [],
            "collapsed": [],
            "error": None,
        }
        self._records = ["scenario.yaml", "manifest.json"]
        self._saved = False
        if not scenarios:
            self._records = ["manifest.json"]
            self.manifest["inputs"] = list(sources)
        elif len(scenarios) == 1:
            write_text(folder / "scenario.yaml",
                       yaml.safe_dump(scenario_document(first), sort_keys=False))
        else:
            (folder / "scenarios").mkdir()
            self._records = ["manifest.json"]
            self.manifest["scenarios"] = []
            for s, src, stem in zip(scenarios, sources, unique_labels([s.name for s in scenarios]),
                                    strict=True):
                name = f"scenarios/{stem}.yaml"
                write_text(folder / name, yaml.safe_dump(scenario_document(s), sort_keys=False))
                self._records.append(name)
                self.manifest["scenarios"].append(
                    {"name": s.name, "source": src, "sha256": scenario_digest(s), "file": name})
        self._save()

    def finish(self, files: list[str], collapsed: list[dict[str, Any]] | None = None) -> None:
        """Record a successful run, the data files it wrote and the runs that collapsed."""
        self.manifest["files"] = [*self._records, *files]
        self.manifest["collapsed"] = list(collapsed or [])
        self._close("completed", None)

    @contextmanager
    def failures(self) -> Iterator[RunRecord]:
        """Record any failure inside the ``with`` block in the folder, then re-raise it.

        The data files written so far are removed (the resolved scenarios and the
        manifest stay), and the manifest says the run failed or was interrupted,
        and why. Every writer of a result folder wraps its work in this block.
        """
        try:
            yield self
        except BaseException as exc:
            discard_data(self.folder)
            self.fail(exc)
            raise

    def fail(self, error: BaseException) -> None:
        """Record that the run stopped, and why."""
        status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if isinstance(error, MemoryError):
            # The traceback holds the frames that filled the memory: let them go first,
            # so that the failure can still be recorded.
            traceback.clear_frames(error.__traceback__)
            gc.collect()
        self.manifest["files"] = list(self._records)
        self._close(status, message)

    def _close(self, status: str, error: str | None) -> None:
        self.manifest.update(status=status, error=error,
                             finished=datetime.now(UTC).isoformat(timespec="seconds"),
                             wall_seconds=round(time.perf_counter() - self._started, 3))
        self._save()

    def _save(self) -> None:
        # Created exclusively the first time; from then on the manifest is this run's own.
        write_text(self.folder / "manifest.json", json.dumps(self.manifest, indent=2) + "\n",
                   replace=self._saved)
        self._saved = True


def discard_data(folder: Path) -> None:
    """Remove every data file of a run that did not finish; keep its record."""
    for path in sorted(folder.rglob("*"), reverse=True):
        kept = path.parent == folder and path.name in ("scenario.yaml", "manifest.json",
                                                        "scenarios")
        if kept or (path.parent.name == "scenarios" and path.parent.parent == folder):
            continue
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


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
