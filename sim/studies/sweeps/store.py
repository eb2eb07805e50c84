"""The sweep folder: streaming Parquet parts, a manifest of sessions, and a lock.

Layout of ``<out>/<sweep name>/``::

    sweep.yaml       the sweep as last run (earlier versions move to history/)
    scenario.yaml    the base scenario, resolved
    design.csv       the design: row, point, one column per parameter
    plan.csv         every run of the sweep: point, replication, run_key
    manifest.json    versions, seeds, and one entry per session (timings, failures)
    runs/            part-*.parquet: one row per finished run
    weekly/          part-*.parquet: weekly series, when the sweep keeps them
    damaged/         part files set aside because they cannot be read (see below)

Rows are buffered briefly and written as new part files under a temporary
name, then renamed: a part is either complete or absent. The weekly part of a
batch is renamed before its runs part, and a weekly part without its runs part
is discarded on the next start, so a run's row is the single record that it is
done. Nothing already written is ever rewritten.

A part that cannot be read (cut short by a full disk, overwritten, not Parquet
at all) stops every reader with :class:`DamagedPart`, naming the file; running
the sweep again with ``--set-aside-damaged`` (:func:`set_aside_damaged`) moves
it, and the weekly or runs part of the same name, into ``damaged/``, so that its
runs are run again.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.errors import OutputError
from sim.studies.folders import (
    lock_folder,
    package_version,
    platform_info,
    scenario_document,
    write_atomically,
    write_text,
)

MANIFEST = "manifest.json"

DAMAGED = "damaged"
"""The folder, inside a sweep's, where unreadable part files are set aside."""

SWEEP_ENTRIES = {MANIFEST, ".lock", "runs", "weekly", "history", DAMAGED, "sweep.yaml",
                 "scenario.yaml",
                 "design.csv", "plan.csv", ".manifest.json.partial", ".sweep.yaml.partial",
                 ".scenario.yaml.partial", ".design.csv.partial", ".plan.csv.partial"}
"""What a sweep folder may hold before its first manifest is written."""


class SweepStore:
    """Write access to one sweep folder, held by one process at a time.

    Parameters
    ----------
    folder
        The sweep's folder (created if missing).
    flush_rows, flush_seconds
        Write a part file once this many rows are waiting or this long has
        passed since the last write, whichever comes first.
    """

    def __init__(self, folder: Path, *, flush_rows: int = 20, flush_seconds: float = 5.0):
        self.folder = Path(folder)
        self.flush_rows = max(1, flush_rows)
        self.flush_seconds = flush_seconds
        self._rows: list[dict[str, Any]] = []
        self._weekly: list[pd.DataFrame] = []
        self._last_flush = time.monotonic()
        self._parts = 0
        self._lock = None
        self.manifest: dict[str, Any] = {}
        self.session: dict[str, Any] = {}

    # -- opening -----------------------------------------------------------------------

    def check(self) -> None:
        """Refuse, before touching anything, a folder that is not a sweep's.

        Raises
        ------
        OutputError
            If the path is a file, or a folder holding anything but a sweep.
        """
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder")
        if not folder.is_dir():
            return
        if (folder / MANIFEST).is_file():
            kind = self._read_manifest().get("kind")
            if kind != "sweep":
                raise OutputError(f"{folder}: exists and is not a sweep folder (its "
                                  f"{MANIFEST} is another command's); choose another --out "
                                  "or sweep name")
        elif {p.name for p in folder.iterdir()} - SWEEP_ENTRIES:
            raise OutputError(f"{folder}: exists and is not a sweep folder (no {MANIFEST}); "
                              "choose another --out or sweep name")

    def open(self, spec, plan, *, command: list[str]) -> None:
        """Claim the folder, record the sweep and start a session.

        Raises
        ------
        OutputError
            If the folder holds something other than a sweep, or another
            process is writing to it.
        """
        folder = self.folder
        self.check()
        try:
            (folder / "runs").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
        self._claim()
        self._discard_orphans()
        self.manifest = self._read_manifest()
        design = spec.design
        self._record_definition(spec, plan)
        planned = plan.count
        stamp = datetime.now(UTC)
        taken = {s.get("id") for s in self.manifest.get("sessions", [])}
        session_id = f"{stamp:%Y%m%d-%H%M%S}-{os.getpid()}"
        n = 2
        while session_id in taken:  # the same process, again within the same second
            session_id = f"{stamp:%Y%m%d-%H%M%S}-{os.getpid()}-{n}"
            n += 1
        self.session = {
            "id": session_id,
            "status": "running", "command": command, "version": package_version("pmosim"),
            "started": stamp.isoformat(timespec="seconds"), "finished": None,
            "wall_seconds": None, "planned": planned, "skipped": 0, "ran": 0, "failed": 0,
            "collapsed": 0, "executor": None, "workers": None, "platform": platform_info(),
            "failures": []}
        earlier = self.manifest.get("sessions", [])
        for session in earlier:
            if session.get("status") == "running":  # its process died without closing
                session["status"] = "killed"
        sessions = [*earlier, self.session]
        self.manifest = {
            "tool": "pmosim", "kind": "sweep", "name": spec.name, "source": spec.source,
            "status": "running", "design": spec.sweep.design.kind,
            "parameters": list(design.parameters),
            "points": int(design.table["point"].nunique()),
            "replications": spec.replications, "runs": planned, "seed": spec.seed,
            "replication_seeds": "replication r of every point draws from child r of the "
                                 "root seed's SeedSequence (common random numbers)",
            "sessions": sessions}
        self._started = time.perf_counter()
        self._save()

    def _claim(self) -> None:
        self._lock = lock_folder(self.folder, "sweep")

    def _discard_orphans(self) -> None:
        """Remove temporary files and weekly parts whose runs part never landed."""
        for path in self.folder.rglob(".*.partial"):
            path.unlink()
        done = {p.name for p in (self.folder / "runs").glob("part-*.parquet")}
        for path in (self.folder / "weekly").glob("part-*.parquet"):
            if path.name not in done:
                path.unlink()

    def _read_manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        return read_manifest(path) if path.is_file() else {}

    def _record_definition(self, spec, plan) -> None:
        """Write sweep.yaml, scenario.yaml, design.csv and plan.csv; keep an earlier sweep.yaml.

        plan.csv is written as its runs are generated, never all in memory at once.
        """
        text = yaml.safe_dump(spec.document(), sort_keys=False)
        current = self.folder / "sweep.yaml"
        if current.is_file() and current.read_text(encoding="utf-8") != text:
            history = self.folder / "history"
            history.mkdir(exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            target = history / f"sweep-{stamp}.yaml"
            n = 2
            while target.exists():
                target = history / f"sweep-{stamp}-{n}.yaml"
                n += 1
            os.replace(current, target)
        write_text(current, text, replace=True)
        base = spec.scenario({})
        write_text(self.folder / "scenario.yaml",
                   yaml.safe_dump(scenario_document(base), sort_keys=False), replace=True)
        write_atomically(self.folder / "design.csv",
                         lambda p: spec.design.table.to_csv(p, index=False), replace=True)
        write_atomically(self.folder / "plan.csv", lambda p: _write_plan(p, plan.runs()),
                         replace=True)

    # -- during the sweep --------------------------------------------------------------

    def done_keys(self) -> set[str]:
        """The keys of every run already in the folder (none if it does not exist yet)."""
        return done_keys(self.folder)

    def describe_session(self, **info: Any) -> None:
        """Add facts to this session's record (executor, workers, skipped runs...)."""
        self.session.update(info)
        self._save()

    def add(self, row: dict[str, Any], weekly: pd.DataFrame | None = None) -> None:
        """Buffer a finished run's row (and weekly rows); write a part when due."""
        self._rows.append(row)
        if weekly is not None and len(weekly):
            self._weekly.append(weekly)
        self.session["ran"] += 1
        self.flush(force=False)

    def fail(self, failure: dict[str, Any]) -> None:
        """Record a run that raised; the sweep goes on and a rerun retries it."""
        self.session["failed"] += 1
        self.session["failures"].append(failure)
        self._save()

    def flush(self, force: bool = True) -> None:
        """Write the buffered rows as new part files (if any, and if due or forced)."""
        if not self._rows:
            return
        due = (len(self._rows) >= self.flush_rows
               or time.monotonic() - self._last_flush >= self.flush_seconds)
        if not (force or due):
            return
        self._parts += 1
        name = f"part-{self.session['id']}-{self._parts:05d}.parquet"
        if self._weekly:
            (self.folder / "weekly").mkdir(exist_ok=True)
            _write_parquet(self.folder / "weekly" / name,
                           pa.Table.from_pandas(pd.concat(self._weekly, ignore_index=True),
                                                preserve_index=False))
        _write_parquet(self.folder / "runs" / name, pa.Table.from_pylist(self._rows))
        self._rows, self._weekly = [], []
        self._last_flush = time.monotonic()
        self._save()

    def close(self, status: str, *, complete: bool, error: str | None = None) -> None:
        """Write what is buffered, close the session and release the folder."""
        try:
            self.flush(force=True)
        finally:
            self.session.update(
                status=status, error=error,
                finished=datetime.now(UTC).isoformat(timespec="seconds"),
                wall_seconds=round(time.perf_counter() - self._started, 3))
            self.manifest["status"] = "complete" if complete else "incomplete"
            self._save()
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def _save(self) -> None:
        write_text(self.folder / MANIFEST, json.dumps(self.manifest, indent=2,
                                                      default=str) + "\n", replace=True)


def _write_plan(path: Path, runs) -> None:
    """Write ``point, replication, run_key`` for each run, streaming."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["point", "replication", "run_key"])
        writer.writerows((r.point, r.replication, r.key) for r in runs)


def _write_parquet(path: Path, table: pa.Table) -> None:
    """Write a new part file; a part is never replaced (see :meth:`SweepStore.open`)."""
    write_atomically(path, lambda p: pq.write_table(table, p))


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a sweep's ``manifest.json``, with a clear error if it is damaged."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not valid JSON"
        raise OutputError(f"{path}: cannot read the sweep's manifest ({reason})") from None
    if not isinstance(data, dict):
        raise OutputError(f"{path}: cannot read the sweep's manifest (not a JSON object)")
    return data


class DamagedPart(OutputError):
    """A part file of a sweep folder that cannot be read.

    Attributes
    ----------
    path
        The part file.
    """

    def __init__(self, path: Path, reason: str):
        self.path = Path(path)
        sweep = self.path.parent.parent
        super().__init__(
            f"{path}: a damaged part file ({reason}); the runs it holds cannot be read. Run "
            f"the sweep again with --set-aside-damaged to move it into {sweep / DAMAGED} and "
            "run its runs again (or move it away yourself)")


def done_keys(folder: Path) -> set[str]:
    """The keys of the runs stored in sweep folder ``folder`` (none if it does not exist)."""
    return set(read_parts(Path(folder) / "runs", columns=["run_key"]).get("run_key", []))


def read_parts(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read every complete part file in ``folder`` into one table (empty if none).

    Raises
    ------
    DamagedPart
        Naming the first part that cannot be read.
    """
    frames = [read_part(path, columns) for path in sorted(Path(folder).glob("part-*.parquet"))]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns or [])
    return pd.concat(frames, ignore_index=True)


def read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one part file (only ``columns``, if given); :class:`DamagedPart` if it cannot be."""
    if not path.is_file() or path.is_symlink():
        raise DamagedPart(path, "not a regular file")
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = re.sub(r"^Could not open Parquet input source '.*?': ", "",
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:120]
        raise DamagedPart(path, f"not readable as Parquet: {reason}") from None


def set_aside_damaged(folder: Path) -> list[Path]:
    """Move every part of ``folder`` that cannot be read into ``folder/damaged/``.

    A runs part and the weekly part of the same name go together, so that the
    runs they record are run again as a whole. Nothing is deleted.

    Returns
    -------
    list of Path
        The part files moved, at their new place.

    Raises
    ------
    OutputError
        If another process is writing to the folder.
    """
    folder = Path(folder)
    if not (folder / "runs").is_dir():
        return []
    lock = lock_folder(folder, "sweep")
    try:
        names = set()
        for kind in ("runs", "weekly"):
            for path in sorted((folder / kind).glob("part-*.parquet")):
                try:
                    read_part(path)
                except DamagedPart:
                    names.add(path.name)
        moved = []
        for name in sorted(names):
            for kind in ("runs", "weekly"):
                path = folder / kind / name
                if path.exists() or path.is_symlink():
                    target = folder / DAMAGED / kind / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    n = 2
                    while target.exists():
                        target = target.with_name(f"{name}.{n}")
                        n += 1
                    shutil.move(path, target)
                    moved.append(target)
        return moved
    finally:
        if lock is not None:
            lock.close()
