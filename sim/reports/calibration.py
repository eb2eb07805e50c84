"""Write a calibration: the calibrated scenario, the fit report and its tables.

:func:`calibration_to_folder` writes ``DIR/calibrated.yaml`` (a scenario that
``extends`` the base file and sets only what the exports determine, each value with
a comment giving its estimate, interval and the number of observations), the fit
report (``report.md`` and a single-file ``report.html`` with the figures inline),
the figures (``plots/``), the tables behind the report (CSV) and a manifest.
Everything is written into a hidden sibling folder first and published under
``DIR`` in one rename at the end, so an error leaves nothing behind, and an
existing non-empty ``DIR`` is refused before any work.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.calibrate import Calibration
from sim.calibration.series import LABELS
from sim.errors import OutputError
from sim.studies.folders import package_version, platform_info, write_png, write_text

SECTIONS = ("operations", "workforce", "projects", "stress", "behaviour", "opex")


def check_output(out: Path) -> None:
    """Refuse an output folder that exists and is not empty (before any work is done)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(f"--out {out}: exists and is not an empty folder; calibration "
                          "never overwrites results (choose a new folder)")


def calibration_to_folder(cal: Calibration, out: Path, command: list[str]) -> Path:
    """Write everything into ``out`` (created; must not exist or be empty)."""
    out = Path(out)
    check_output(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create its parent folder ({exc.strerror})"
                          ) from None
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write there ({exc.strerror})") from None
    try:
        files = _write_all(cal, staging, out, command)
        _check_loads(staging / "calibrated.yaml")
        if out.exists():
            out.rmdir()  # empty, checked above
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    del files
    return out


def _check_loads(path: Path) -> None:
    from sim.schema import load_scenario

    load_scenario(path)


def _write_all(cal: Calibration, folder: Path, final: Path, command: list[str]) -> list[str]:
    extends = Path(os.path.relpath(cal.base_path.resolve(), final.resolve())).as_posix()
    write_text(folder / "calibrated.yaml", calibrated_yaml(cal, extends))
    plots = _write_plots(cal, folder)
    tables = _write_tables(cal, folder)
    text = report(cal, plots)
    write_text(folder / "report.md", text)
    from sim.reports.claims import to_html

    write_text(folder / "report.html", to_html(text, folder, title="Calibration report"))
    files = ["calibrated.yaml", "report.md", "report.html", *plots.values(), *tables,
             "manifest.json"]
    manifest = {"tool": "pmosim", "version": package_version("pmosim"), "command": command,
                "base": str(cal.base_path), "files_read": cal.data.reading.files,
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": {k: round(v, 3) for k, v in cal.seconds.items()},
                "platform": {**platform_info(), "pyabc": package_version("pyabc"),
                             "lifelines": package_version("lifelines")},
                "files": files}
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return files


def _write_plots(cal: Calibration, folder: Path) -> dict[str, str]:
    from sim.calibration import figures

    (folder / "plots").mkdir()
    written = {}
    for fit in cal.fits:
        draw = figures.FIGURES.get(fit.name)
        if draw is None or not fit.figure or (fit.name == "defects" and "delays" not in
                                              fit.figure):
            continue
        name = f"plots/{fit.name}.png"
        write_png(folder / name, draw(fit), dpi=90)
        written[fit.name] = name
    if cal.posterior is not None:
        write_png(folder / "plots/posterior.png",
                  figures.posterior_figure(cal.posterior.particles, cal.posterior.table), dpi=90)
        written["posterior"] = "plots/posterior.png"
    if cal.check is not None:
        write_png(folder / "plots/holdout.png",
                  figures.holdout_figure(cal.check.data, cal.check.simulated,
                                         cal.check.first_holdout), dpi=90)
        written["holdout"] = "plots/holdout.png"
    return written


def _write_tables(cal: Calibration, folder: Path) -> list[str]:
    rows = [{"fit": f.name, "estimate": e.label, "value": e.value, "low": e.low,
             "high": e.high, "level": e.level, "n": e.n, "of": e.n_label, "unit": e.unit,
             "key": e.key or "", "set": e.key in cal.sets, "method": e.method}
            for f in cal.fits for e in f.estimates]
    tables = {"estimates.csv": pd.DataFrame(rows), "series.csv": cal.observed}
    if cal.posterior is not None:
        tables["posterior.csv"] = cal.posterior.table
        tables["particles.csv"] = cal.posterior.particles
    if cal.check is not None:
        tables["holdout.csv"] = cal.check.scores
    for name, frame in tables.items():
        write_text(folder / name, frame.to_csv(index=False))
    return list(tables)


# -- the calibrated scenario ----------------------------------------------------------


def calibrated_yaml(cal: Calibration, extends: str) -> str:
    """The calibrated scenario file: ``extends`` the base and sets the fitted keys."""
    files = ", ".join(f"{kind} {Path(path).name}" for kind, path in
                      cal.data.reading.files.items())
    start = np.datetime_as_string(cal.data.calendar.origin)
    lines = [f"# Calibrated by pmosim calibrate from {files}.",
             f"# Exports from {start} over {cal.data.end:g} working days; fitted on the first "
             f"{cal.cut:g}" + ("" if cal.cut >= cal.data.end else
                               f" (the last {cal.data.end - cal.cut:g} held out)") + ".",
             "# Every value below comes from the data: estimate [interval] (level), n = how "
             "many observations;",
             "# everything else is the base scenario's. The fit report (report.md) explains "
             "each fit.",
             f"extends: {_yaml_text(extends)}",
             f"name: {_yaml_text(cal.base.name + '-calibrated')}", ""]
    tree: dict[str, Any] = {}
    for key in sorted(cal.sets, key=_order):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = key
    lines += _emit(tree, cal, 0)
    return "\n".join(lines) + "\n"


def _order(key: str) -> tuple:
    head = key.split(".")[0]
    return (SECTIONS.index(head) if head in SECTIONS else len(SECTIONS), key)


def _emit(tree: dict[str, Any], cal: Calibration, depth: int) -> list[str]:
    lines = []
    pad = "  " * depth
    for name, node in tree.items():
        if isinstance(node, dict):
            lines.append(f"{pad}{name}:")
            lines += _emit(node, cal, depth + 1)
        else:
            value = _yaml_value(cal.sets[node])
            entry = f"{pad}{name}: {value}"
            lines.append(f"{entry:<40} # {cal.notes.get(node, '')}".rstrip())
    return lines


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return _yaml_text(str(value))


def _yaml_text(text: str) -> str:
    return json.dumps(text)


# -- the report -----------------------------------------------------------------------


def report(cal: Calibration, plots: dict[str, str]) -> str:
    """The fit report in Markdown."""
    data, reading = cal.data, cal.data.reading
    start = np.datetime_as_string(data.calendar.origin)
    lines = [f"# Calibration of `{cal.base.name}` from the organisation's exports", "",
             "What the exports determine is set in `calibrated.yaml`; everything else keeps "
             f"the base scenario's value (`{cal.base_path}`). Intervals are 95% confidence "
             "intervals for the direct fits and 90% credible intervals for the indirect fits; "
             "n is the number of observations an estimate rests on.", ""]
    lines += ["## What was set", "", "| key | base | calibrated | how |", "|---|---:|---:|---|"]
    base_doc = cal.base.model_dump(mode="json")
    for key in sorted(cal.sets, key=_order):
        before = base_doc
        for part in key.split("."):
            before = before.get(part) if isinstance(before, dict) else None
        lines.append(f"| `{key}` | {_cell(before)} | {_cell(cal.sets[key])} | "
                     f"{cal.notes.get(key, '').replace('|', '/')} |")
    lines += ["", *_not_set(cal), ""]
    lines += ["## The data", "",
              f"Working calendar: {data.calendar.describe()}. The exports run over "
              f"{data.end:g} working days from {start}; "
              + (f"the last {data.end - cal.cut:g} working days are held out of every fit "
                 f"(the fits see the exports as they stood at working day {cal.cut:g})."
                 if cal.cut < data.end else "no hold-out window: every fit uses all of it."),
              "", "| file | rows read |", "|---|---:|"]
    for kind, path in reading.files.items():
        lines.append(f"| {kind}: `{Path(path).name}` | {reading.rows.get(kind, 0):,} |")
    if reading.dropped:
        lines += ["", "Rows dropped:", ""]
        lines += [f"- {kind}: {count:,} rows, {reason}" for (kind, reason), count
                  in reading.dropped.items()]
    else:
        lines += ["", "No row was dropped."]
    if reading.notes:
        lines += ["", "Rows kept with a note:", ""]
        lines += [f"- {kind}: {count:,} rows {note}" for (kind, note), count
                  in reading.notes.items()]
    lines += ["", "## Direct fits", ""]
    for fit in cal.fits:
        lines += [f"### {fit.title}", ""]
        lines += [f"- {finding}" for finding in fit.findings]
        if fit.estimates:
            lines += ["", "| estimate | value | 95% interval | n | scenario key |",
                      "|---|---:|---|---:|---|"]
            for e in fit.estimates:
                interval = "" if math.isnan(e.low) else f"{_g(e.low)} to {_g(e.high)}"
                lines.append(f"| {e.label} | {_g(e.value)} {e.unit} | {interval} | "
                             f"{e.n:,} {e.n_label} | {'`' + e.key + '`' if e.key else ''} |")
        if fit.name in plots:
            lines += ["", f"![{fit.title}]({plots[fit.name]})"]
        lines.append("")
    lines += _indirect_section(cal, plots)
    lines += _holdout_section(cal, plots)
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in cal.seconds.items())
    lines += ["## Run", "", f"Wall time: {timing}.", ""]
    return "\n".join(lines)


def _not_set(cal: Calibration) -> list[str]:
    from sim.calibration.priors import PRIORS

    missing = []
    for fit in cal.fits:
        if not fit.sets:
            missing.append(f"- {fit.title}: {fit.findings[0] if fit.findings else 'not fitted'}")
    if cal.posterior is None:
        missing.append(f"- Indirect fits ({', '.join(f'`{k}`' for k in PRIORS)}): not made "
                       "(`--direct`); they keep the base's values.")
    if not missing:
        return ["Every fit set its keys."]
    return ["Left at the base's values:", "", *missing]


def _indirect_section(cal: Calibration, plots: dict[str, str]) -> list[str]:
    if cal.posterior is None:
        return []
    post = cal.posterior
    budget = cal.options.budget
    lines = ["## Indirect fits", "",
             f"ABC-SMC (pyABC) over {post.months} months of the fitting window: "
             f"{post.generations} generations of {budget.population} particles, "
             f"{post.simulations:,} simulations (budget {budget.simulations:,}), every "
             "candidate simulated with the same random numbers (common random numbers), "
             "distance an adaptive Euclidean distance over the monthly series scaled by their "
             "median absolute deviation. Priors are uniform over the ranges the claims vary "
             "these parameters in (docs/claims.md). A parameter whose posterior 90% interval is "
             "at least half as wide as its prior's is one the data cannot pin down.", "",
             "| key | what | prior | posterior median | 90% interval | pinned down? |",
             "|---|---|---|---:|---|---|"]
    for row in post.table.itertuples():
        lines.append(f"| `{row.key}` | {row.meaning} | [{row.prior_low:g}, {row.prior_high:g}]"
                     f" | {_g(row.median)} | {_g(row.low)} to {_g(row.high)} | "
                     f"{'yes' if row.pinned else '**no**'} |")
    loose = post.table.loc[~post.table["pinned"], "key"].tolist()
    lines += ["", ("The data cannot pin down " + ", ".join(f"`{k}`" for k in loose)
                   + ": the calibrated scenario uses the posterior median, but a study should "
                   "vary it over its interval.") if loose else
              "The data pin down every indirectly fitted parameter.", ""]
    if "posterior" in plots:
        lines += [f"![posterior]({plots['posterior']})", ""]
    return lines


def _holdout_section(cal: Calibration, plots: dict[str, str]) -> list[str]:
    if cal.check is None:
        return ["## Hold-out check", "", "No hold-out window (`--holdout`): not checked.", ""]
    c = cal.check
    months = len(c.data) - c.first_holdout
    lines = ["## Hold-out check", "",
             f"The last {months} months (from month {c.first_holdout}) were not used in "
             f"fitting. Both scenarios were simulated over the exports' whole period, "
             f"{c.replications} replications each. *Inside*: hold-out months whose data fall "
             "in the 90% predictive band (5th to 95th percentile of the replications). RMSE "
             "of the data against the replications' mean; Theil's split of the mean square "
             "error over all months into bias (U_M), unequal variation (U_S) and unequal "
             "covariation (U_C).", "",
             "| series | scenario | inside | RMSE hold-out | RMSE all | U_M | U_S | U_C |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in c.scores.sort_values(["series", "scenario"]).itertuples():
        lines.append(f"| {LABELS[row.series]} | {row.scenario} | {row.inside} of {row.months}"
                     f" | {_g(row.rmse_holdout)} | {_g(row.rmse_all)} | {_f(row.u_m)} | "
                     f"{_f(row.u_s)} | {_f(row.u_c)} |")
    lines.append("")
    if "holdout" in plots:
        lines += [f"![hold-out]({plots['holdout']})", ""]
    return lines


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return _g(value)
    return f"{value}"


def _g(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.4g}"


def _f(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f}"
