"""A lazy handle over a sweep folder, for notebooks and scripts.

Nothing is read until asked for: :meth:`SweepResults.runs` reads the Parquet
parts into a pandas DataFrame, restricted to the runs of the sweep as last
defined (a folder may also hold runs of points since removed).
"""

from __future__ import annotations

import shutil
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim.errors import OutputError, ScenarioError, UserError
from sim.schema.loading import describe_error, display_path, read_yaml
from sim.schema.messages import keys_of
from sim.schema.sweep import Sweep
from sim.studies.sweeps.design import Design, build_design
from sim.studies.sweeps.store import MANIFEST, done_keys, read_manifest, read_parts


class SweepResults:
    """The results of a sweep, read from its folder on demand.

    Parameters
    ----------
    folder
        A folder written by ``pmosim sweep`` or :func:`sim.sweep`.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        if not (self.folder / MANIFEST).is_file() or not (self.folder / "plan.csv").is_file():
            raise OutputError(f"{self.folder}: not a sweep folder (no {MANIFEST} and plan.csv)")

    def __repr__(self) -> str:
        done, total = self.progress()
        return (f"SweepResults({self.name!r}: {done} of {total} runs done, "
                f"folder={str(self.folder)!r})")

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest: versions, seeds and one record per session."""
        return read_manifest(self.folder / MANIFEST)

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.sweep.name or self.folder.name

    @cached_property
    def sweep(self) -> Sweep:
        """The sweep as last run in this folder (read like a sweep file, as strictly)."""
        path = self.folder / "sweep.yaml"
        data = read_yaml(path, "sweep file", keys=keys_of(Sweep))
        try:
            return Sweep.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError([describe_error(e, Sweep) for e in exc.errors()],
                                display_path(path)) from None

    @cached_property
    def design(self) -> Design:
        """The design (points, and the unit-cube sample of sampler designs)."""
        return build_design(self.sweep)

    @cached_property
    def plan(self) -> pd.DataFrame:
        """Every run of the sweep: ``point, replication, run_key``."""
        path = self.folder / "plan.csv"
        try:
            plan = pd.read_csv(path, dtype={"point": str, "run_key": str})
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise OutputError(f"{path}: cannot read the sweep's plan "
                              f"({str(exc).splitlines()[0][:120]})") from None
        if "run_key" not in plan.columns:
            raise OutputError(f"{path}: cannot read the sweep's plan (no run_key column)")
        return plan

    def progress(self) -> tuple[int, int]:
        """How many runs of the sweep are done, and how many it has."""
        return int(self.plan["run_key"].isin(done_keys(self.folder)).sum()), len(self.plan)

    def runs(self, all_runs: bool = False) -> pd.DataFrame:
        """One row per finished run: identity, parameter values, KPIs, wall time.

        Parameters
        ----------
        all_runs
            Also return runs of points no longer in the sweep (their rows as written).
        """
        stored = read_parts(self.folder / "runs").drop_duplicates("run_key", keep="first")
        if all_runs or stored.empty:
            return stored.reset_index(drop=True)
        parameters = list(self.design.parameters)
        values = self.design.table.drop_duplicates("point")[["point", *parameters]]
        kept = stored.drop(columns=[c for c in ("point", "replication", *parameters)
                                    if c in stored.columns])
        table = (self.plan.merge(kept, on="run_key", how="inner")
                 .merge(values, on="point", how="left"))
        first = ["run_key", "point", "replication", "seed", *parameters]
        return table[first + [c for c in table.columns if c not in first]].reset_index(
            drop=True)

    def pending(self) -> pd.DataFrame:
        """The runs of the sweep that have no result yet."""
        done = done_keys(self.folder)
        return self.plan[~self.plan["run_key"].isin(done)].reset_index(drop=True)

    def weekly(self) -> pd.DataFrame:
        """The weekly series of the finished runs (if the sweep keeps them)."""
        weekly = read_parts(self.folder / "weekly")
        if weekly.empty:
            return weekly
        weekly = weekly.drop_duplicates(["run_key", "week"], keep="first")
        keys = self.plan[["run_key", "point", "replication"]]
        weekly = weekly.drop(columns=[c for c in ("point", "replication") if c in weekly])
        return keys.merge(weekly, on="run_key", how="inner")

    def failures(self) -> pd.DataFrame:
        """Runs that failed in the latest session and still have no result."""
        sessions = self.manifest.get("sessions", [])
        failures = pd.DataFrame(sessions[-1]["failures"] if sessions else [],
                                columns=["run_key", "point", "replication", "seed", "error"])
        return failures[failures["run_key"].isin(self.pending()["run_key"])].reset_index(
            drop=True)

    def analyze(self, kpis: list[str] | None = None, *, level: float = 0.95,
                xlsx: bool = False):
        """Analyse the sweep into a new ``analysis-<time>`` folder inside it.

        Parameters
        ----------
        kpis
            The KPIs to analyse (default: the sweep's ``outputs.kpis``, else the
            headline KPIs).
        level
            Confidence level of every interval.
        xlsx
            Also write the tables as an Excel workbook, ``analysis.xlsx``.

        Returns
        -------
        tuple
            The analysis folder and the
            :class:`~sim.studies.sweeps.analysis_folder.Analysis`.
        """
        from sim.kpis import HEADLINE, KPIS
        from sim.studies.folders import new_folder
        from sim.studies.sweeps.analysis_folder import write_analysis

        kpis = list(kpis or self.sweep.outputs.kpis or HEADLINE)
        unknown = [k for k in kpis if k not in KPIS]
        if unknown:
            raise UserError(f"unknown KPI {', '.join(map(repr, unknown))}; the KPIs are "
                            f"listed in docs/results.md: {', '.join(KPIS)}")
        runs = self.runs()
        if runs.empty:
            raise UserError(f"{self.folder}: no finished runs yet; run the sweep first")
        folder = new_folder(self.folder, "analysis")
        try:
            return folder, write_analysis(folder, self.design, runs, kpis, level=level,
                                          title=f"Sweep analysis: {self.name}", xlsx=xlsx)
        except BaseException:  # a failed or interrupted analysis leaves no folder behind
            shutil.rmtree(folder, ignore_errors=True)
            raise

