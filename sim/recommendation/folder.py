"""The recommendation's folder: its runs, its answer files and a manifest of sessions.

Layout of ``<out>/<name>/``::

    recommend.yaml         the recommendation as last run, defaults filled in
    manifest.json          versions, seed, budget, and one entry per session
    runs/                  part-*.parquet: one row per finished run (the store)
    candidates.csv         every candidate of the search with its search means
    finalists.csv          the finalists: replications, means, constraints, P(best)
    comparison.csv         the answer against the base, KPI by KPI
    stress.csv             the stress test: one row per condition and finalist
    as_is.yaml             the base with the file's set and seed, when it has them
    recommendation.yaml    a TO-BE scenario that extends the base (or as_is.yaml) and
                           states only the chosen levers (closest.yaml instead when no
                           candidate met the constraints)
    recommendation.html    the answer on one page

The folder is the recommendation's, found again by its name: running the same
file again reuses every run already in ``runs/`` (the whole procedure replays
with the same seed, and asks the simulator only for runs it does not have), so a
stopped recommendation resumes. The answer files are written when it finishes,
replacing those of an earlier finish.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import OutputError
from sim.recommendation.engine import Outcome, solve
from sim.recommendation.page import page
from sim.recommendation.problem import Problem
from sim.recommendation.store import Evaluator, RunStore
from sim.studies.executors import Execution
from sim.studies.folders import (
    lock_folder,
    package_version,
    platform_info,
    scenario_document,
    write_atomically,
    write_text,
)

MANIFEST = "manifest.json"
AS_IS = "as_is.yaml"
KIND = "recommendation"
ENTRIES = {MANIFEST, ".lock", "runs", "recommend.yaml", "candidates.csv", "finalists.csv",
           "comparison.csv", "stress.csv", "recommendation.yaml", "closest.yaml", AS_IS,
           "recommendation.html"}
"""What a recommendation folder may hold."""


def recommend_to_folder(problem: Problem, out: str | Path, *, workers: int = 1,
                        execution: Execution | None = None, command: list[str] | None = None,
                        progress: bool | None = None,
                        notebook: bool = False) -> tuple[Path, Outcome]:
    """Run ``problem`` in its folder ``out/<name>`` (resuming it) and write the answer.

    Parameters
    ----------
    problem
        The validated recommendation.
    out
        Parent of the recommendation's folder.
    workers
        Worker processes (without ``execution``).
    execution
        Where the runs execute (see :class:`~sim.studies.executors.Execution`);
        None: ``workers`` local processes. The answer does not depend on it.
    command
        The command line, for the manifest.
    progress
        Show a progress bar: True, False, or None for "only on a terminal".
    notebook
        Use ``tqdm.auto`` (a widget in Jupyter).

    Returns
    -------
    tuple
        The folder and the outcome.
    """
    folder = Path(out) / problem.name
    _check(folder)
    try:
        (folder / "runs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    lock = lock_folder(folder, "recommendation")
    try:
        manifest = _read_manifest(folder)
        session = _start(folder, manifest, problem, command or [])
        store = RunStore(folder, session["id"])
        bar = _bar(problem, progress, notebook)
        evaluator = Evaluator(store, workers, progress=bar.update, execution=execution)
        try:
            outcome = solve(problem, evaluator,
                            progress=lambda stage: bar.set_description(
                                f"{problem.name}: {stage}"))
        except BaseException as exc:
            evaluator.close(cancel=True)
            bar.close()
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            _close(folder, manifest, session, status, evaluator, error=repr(exc))
            raise
        evaluator.close()
        bar.close()
        write_answer(folder, outcome)
        _close(folder, manifest, session, "completed", evaluator)
    finally:
        if lock is not None:
            lock.close()
    return folder, outcome


def saved_runs(folder: Path) -> int:
    """How many finished runs a recommendation folder holds."""
    return len(RunStore(folder).known)


def write_answer(folder: Path, outcome: Outcome) -> list[str]:
    """Write the answer files of ``outcome`` into ``folder``; return their names."""
    files = {"candidates.csv": candidates_table(outcome),
             "finalists.csv": finalists_table(outcome),
             "comparison.csv": outcome.comparison}
    if outcome.stress is not None:
        files["stress.csv"] = outcome.stress.table
    for name, table in files.items():
        write_atomically(folder / name, lambda p, t=table: t.to_csv(p, index=False),
                         replace=True)
    chosen = outcome.confirmation.chosen or outcome.confirmation.closest
    name = _to_be_name(outcome.feasible)
    as_is = _as_is_name(outcome.problem)
    for stale in ("recommendation.yaml", "closest.yaml", "stress.csv", AS_IS):
        if stale not in (name, as_is) and stale not in files and (folder / stale).exists():
            os.unlink(folder / stale)
    if as_is:
        write_text(folder / as_is, as_is_text(outcome.problem, folder), replace=True)
    write_text(folder / name, to_be_text(outcome, chosen.candidate.assignment, folder,
                                         feasible=outcome.feasible), replace=True)
    write_text(folder / "recommendation.html", page(outcome), replace=True)
    return [*files, *([as_is] if as_is else []), name, "recommendation.html"]


def to_be_text(outcome: Outcome, assignment: dict[str, Any], folder: Path,
               feasible: bool = True) -> str:
    """A TO-BE scenario file that extends the AS-IS and states only the chosen levers."""
    problem = outcome.problem
    parent = _as_is_name(problem) or os.path.relpath(problem.base_path.resolve(),
                                                     Path(folder).resolve())
    chosen = scenario_document(problem.scenario(assignment))
    what = "Recommended" if feasible else "Closest to the constraints (none met them)"
    spec = problem.spec
    head = {"extends": Path(parent).as_posix(),
            "name": f"{problem.name}-{'recommended' if feasible else 'closest'}",
            "description": f"{what}: {spec.objective.goal} {spec.objective.kpi}"
                           + (" subject to " + ", ".join(c.text() for c in spec.constraints)
                              if spec.constraints else "")}
    comment = [f"# {what} levers of the recommendation {problem.name} ({problem.source}).",
               f"# Compare it with the base: pmosim compare {parent} {_to_be_name(feasible)}"]
    body = yaml.safe_dump({**head, **partial_document(chosen, list(assignment))},
                          sort_keys=False, allow_unicode=True)
    return "\n".join(comment) + "\n" + body


def as_is_text(problem: Problem, folder: Path) -> str:
    """The AS-IS the answer is compared with: the base with the file's ``set`` and seed."""
    parent = os.path.relpath(problem.base_path.resolve(), Path(folder).resolve())
    document = scenario_document(problem.base_scenario())
    head = {"extends": Path(parent).as_posix(), "name": f"{problem.name}-base",
            "description": f"The base of the recommendation {problem.name}, with the "
                           "changes it makes to every run"}
    comment = [f"# The AS-IS of the recommendation {problem.name} ({problem.source}): the "
               "base scenario with the file's set and seed."]
    body = yaml.safe_dump({**head, **partial_document(document, [*problem.spec.set, "seed"])},
                          sort_keys=False, allow_unicode=True)
    return "\n".join(comment) + "\n" + body


def partial_document(document: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The parts of a resolved scenario ``document`` that hold ``keys`` (nested mappings).

    A key path through a list (``projects.portfolio[0].size``) takes the whole list,
    since a file that extends another replaces lists whole.
    """
    out: dict[str, Any] = {}
    for key in keys:
        parts = [p for p in re.sub(r"\[(\d+)\]", r".\1", key).split(".") if p]
        node, source = out, document
        for i, part in enumerate(parts):
            value = source[part]
            last = i == len(parts) - 1 or isinstance(value, list)
            if last:
                node[part] = value
                break
            node = node.setdefault(part, {})
            source = value
    return out


def _as_is_name(problem: Problem) -> str | None:
    """``as_is.yaml`` when the answer needs its own AS-IS (a ``set`` or another seed)."""
    if problem.spec.set or problem.spec.seed is not None:
        return AS_IS
    return None


def _to_be_name(feasible: bool) -> str:
    return "recommendation.yaml" if feasible else "closest.yaml"


def candidates_table(outcome: Outcome) -> pd.DataFrame:
    """Every candidate of the search: levers and the means of the objective and constraints."""
    spec = outcome.problem.spec
    reps = range(spec.search.replications)
    kpis = list(dict.fromkeys([spec.objective.kpi, *(c.kpi for c in spec.constraints)]))
    rows = [{"candidate": c.number, **c.assignment, **{k: c.mean(k, reps) for k in kpis}}
            for c in outcome.search.candidates]
    return pd.DataFrame(rows)


def finalists_table(outcome: Outcome) -> pd.DataFrame:
    """The finalists: replications, objective, each constraint's check, P(best), fate."""
    spec = outcome.problem.spec
    c = outcome.confirmation
    first = c.indices(c.first)
    rows = []
    for f in c.finalists:
        row = {"candidate": f.candidate.number, **f.candidate.assignment,
               "replications": f.replications,
               f"{spec.objective.kpi}_mean": f.candidate.mean(spec.objective.kpi, first),
               "allowed": f.allowed, "eliminated_at": f.eliminated_at, "p_best": f.p_best,
               "chosen": f is c.chosen, "runner_up": f is c.runner_up}
        for k, check in zip(spec.constraints, f.checks, strict=True):
            row[f"{k.kpi}_{k.side}_mean"] = check.mean
            row[f"{k.kpi}_{k.side}_bound"] = check.bound
            row[f"{k.kpi}_{k.side}_met"] = check.met
        rows.append(row)
    return pd.DataFrame(rows)


# -- the folder's record ----------------------------------------------------------------

def _check(folder: Path) -> None:
    """Refuse, before touching anything, a folder that is not a recommendation's."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder")
    if not folder.is_dir():
        return
    if (folder / MANIFEST).is_file():
        if _read_manifest(folder).get("kind") != KIND:
            raise OutputError(f"{folder}: exists and is not a recommendation folder (its "
                              f"{MANIFEST} is another command's); choose another --out or "
                              "name")
        return
    strangers = {p.name for p in folder.iterdir()} - ENTRIES
    strangers = {n for n in strangers if not n.endswith(".partial")}
    if strangers:
        raise OutputError(f"{folder}: exists and is not a recommendation folder (no "
                          f"{MANIFEST}); choose another --out or name")


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise OutputError(f"{path}: cannot read the manifest ({exc})") from None


def _start(folder: Path, manifest: dict[str, Any], problem: Problem,
           command: list[str]) -> dict[str, Any]:
    stamp = datetime.now(UTC)
    sessions = manifest.get("sessions", [])
    for old in sessions:
        if old.get("status") == "running":  # its process died without closing
            old["status"] = "killed"
    taken = {s.get("id") for s in sessions}
    session_id, n = f"{stamp:%Y%m%d-%H%M%S}-{os.getpid()}", 2
    while session_id in taken:
        session_id, n = f"{stamp:%Y%m%d-%H%M%S}-{os.getpid()}-{n}", n + 1
    session = {"id": session_id, "status": "running", "command": command,
               "version": package_version("pmosim"),
               "started": stamp.isoformat(timespec="seconds"), "finished": None,
               "requested": 0, "ran": 0, "platform": platform_info()}
    manifest.clear()
    manifest.update({"tool": "pmosim", "kind": KIND, "name": problem.name,
                     "source": problem.source, "status": "running", "seed": problem.seed,
                     "budget": problem.allocation.budget,
                     "allocation": vars(problem.allocation),
                     "replication_seeds": "replication r of every candidate draws from "
                                          "child r of the root seed's SeedSequence (common "
                                          "random numbers)",
                     "sessions": [*sessions, session]})
    write_text(folder / "recommend.yaml", yaml.safe_dump(problem.document(), sort_keys=False,
                                                         allow_unicode=True), replace=True)
    _save(folder, manifest)
    session["_started"] = datetime.now(UTC)
    return session


def _close(folder: Path, manifest: dict[str, Any], session: dict[str, Any], status: str,
           evaluator: Evaluator, error: str | None = None) -> None:
    started = session.pop("_started")
    now = datetime.now(UTC)
    session.update(status=status, finished=now.isoformat(timespec="seconds"),
                   wall_seconds=round((now - started).total_seconds(), 3),
                   requested=evaluator.requested, ran=evaluator.ran, error=error)
    manifest["status"] = "complete" if status == "completed" else "incomplete"
    _save(folder, manifest)


def _save(folder: Path, manifest: dict[str, Any]) -> None:
    shown = {**manifest, "sessions": [{k: v for k, v in s.items() if not k.startswith("_")}
                                      for s in manifest.get("sessions", [])]}
    write_text(folder / MANIFEST, json.dumps(shown, indent=2, default=str) + "\n",
               replace=True)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_description(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(problem: Problem, show: bool | None, notebook: bool) -> Any:
    """A tqdm bar over the budget's runs (runs found in the store count as done)."""
    if show is False:
        return _NoBar()
    if notebook:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=problem.allocation.budget, unit="run", desc=f"{problem.name}: search",
                disable=None if show is None else False, smoothing=0.05)

