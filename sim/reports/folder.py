"""The record of a result folder: its scenario files and manifest, kept up to date.

A report's folder (made with :func:`sim.studies.folders.new_folder`) gets the
resolved scenario and a manifest first, so even a run that fails leaves a
record of what was attempted and why it stopped; the manifest is rewritten as
the run proceeds and closes with its status. Data files are written with the
atomic, exclusive writes of :mod:`sim.studies.folders`.
"""

from __future__ import annotations

import gc
import json
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sim.schema.scenario import Scenario
from sim.studies.folders import (
    package_version,
    platform_info,
    scenario_digest,
    scenario_document,
    unique_labels,
    write_text,
)


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
    warnings
        What loading the scenario files warned of (see
        :func:`sim.schema.load_with_warnings`), each as ``{"source", "warning"}``;
        the manifest keeps them, so the folder says what its command printed.
    """

    def __init__(self, folder: Path, scenario: Scenario | list[Scenario], *,
                 source: str | list[str | None] | None, command: list[str],
                 replications: int, warnings: list[dict[str, str]] | None = None):
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
            "warnings": list(warnings or []),
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
