"""The ``pmosim`` command line: a thin layer over the library.

User errors (bad files, bad keys, refused output folders) print one clear
message and exit with status 2, without a traceback. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from sim.errors import ScenarioError, Terminated, UserError
from sim.kpis import format_number as num
from sim.schema import Scenario, limits, load_scenario, load_with_warnings, parse_override
from sim.studies import executors

EXIT_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process ended by it


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    SIGTERM is handled like Ctrl-C: what is running stops, its manifest says
    so, and the status is 143 (130 for Ctrl-C), without a traceback.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USER_ERROR
    return finish(_command(args))


def _command(args: argparse.Namespace) -> int:
    """Run the chosen command; turn the ways it can stop into exit statuses."""
    with _terminate_on_sigterm():
        try:
            return args.handler(args)
        except UserError as exc:
            print(f"pmosim: error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        except Terminated:
            print("pmosim: terminated (SIGTERM)", file=sys.stderr)
            return EXIT_TERMINATED
        except KeyboardInterrupt:
            print("pmosim: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except MemoryError:
            print("pmosim: error: out of memory; the run stopped and its manifest records "
                  "the failure (see the limits in docs/scenarios.md#limits)", file=sys.stderr)
            return EXIT_FAILED


def finish(status: int) -> int:
    """Return ``status``, or end the process with it now if work was given up on a signal.

    A rate of return stopped by Ctrl-C or SIGTERM leaves its helper thread inside
    LAPACK (see :func:`sim.model.finance.given_up_work_running`); the usual shutdown
    would then crash or hang. Everything the command writes is written by now, so
    the output is flushed and the process ends without that shutdown.
    """
    finance = sys.modules.get("sim.model.finance")  # not imported: nothing to give up
    if finance is not None and finance.given_up_work_running():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


@contextlib.contextmanager
def _terminate_on_sigterm():
    """Turn SIGTERM into :class:`~sim.errors.Terminated` while the command runs."""
    def terminate(signum, frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: let cleanup finish
        raise Terminated("stopped by SIGTERM")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmosim",
        description="Simulate staff shared between the day job and change projects.")
    parser.add_argument("--version", action="version", version=f"pmosim {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and write a result folder",
                              description="Run the replications of a scenario, print the "
                              "KPIs with 95%% confidence intervals and write a result folder.")
    run.add_argument("file", help="scenario file (YAML)")
    run.add_argument("--replications", "-r", type=_replications, metavar="N",
                     help="number of replications (default: the scenario's)")
    run.add_argument("--seed", type=_seed, metavar="S",
                     help="root seed (default: the scenario's)")
    _add_set(run)
    run.add_argument("--out", default="results", metavar="DIR",
                     help="where result folders are created (default: results/)")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    _add_xlsx(run, "results.xlsx")
    run.add_argument("--records", action="store_true",
                     help="also write each replication's tickets, people and projects as "
                          "CSV exports (the formats pmosim calibrate reads)")
    executors.add_options(run, workers=1)
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check a scenario file without running it")
    validate.add_argument("file", help="scenario file (YAML)")
    _add_set(validate)
    validate.add_argument("--show", action="store_true",
                          help="print the resolved scenario with every default filled in")
    validate.set_defaults(handler=_validate)

    compare = commands.add_parser(
        "compare", help="compare scenarios (AS-IS first) with common random numbers",
        description="Run each scenario with the same seeds and report, per KPI, the paired "
                    "difference from the first scenario with a 95%% confidence interval, the "
                    "relative change and a verdict.")
    compare.add_argument("files", nargs="+", metavar="FILE",
                         help="scenario files: the AS-IS first, then one or more TO-BE")
    compare.add_argument("--replications", "-r", type=_replications, metavar="N",
                         help="replications of each (default: the first scenario's)")
    compare.add_argument("--seed", type=_seed, metavar="S",
                         help="root seed shared by all (default: the first scenario's)")
    _add_set(compare)
    executors.add_options(compare, workers=1)
    compare.add_argument("--out", default="results", metavar="DIR",
                         help="where result folders are created (default: results/)")
    compare.add_argument("--no-plots", action="store_true", help="skip the overlay plot")
    _add_xlsx(compare, "results.xlsx")
    compare.set_defaults(handler=_compare)

    claims = commands.add_parser(
        "claims", help="test the claims in scenarios/claims and write the claims report",
        description="Evaluate claims (all, or those named) and write report.md and "
                    "report.html under results/claims/.")
    claims.add_argument("ids", nargs="*", metavar="ID", help="claim ids, e.g. C1 C4")
    claims.add_argument("--list", action="store_true", help="list the claims and stop")
    claims.add_argument("--replications", "-r", type=_replications, metavar="N",
                        help="replications per arm at the first look (default: each claim's)")
    claims.add_argument("--max-replications", type=_replications, metavar="N",
                        help="most replications per arm while a deciding check is "
                             "inconclusive (default: each claim's, 4 x the first look)")
    claims.add_argument("--robustness", "-k", type=_samples, metavar="K",
                        help="sampled organisations per claim (default: each claim's, 200; "
                             "0: none)")
    claims.add_argument("--no-knockouts", action="store_true",
                        help="skip switching each mechanism off in turn")
    claims.add_argument("--docs", default=None, metavar="FILE",
                        help="also write the verdicts into FILE between its markers "
                             "(docs/claims.md)")
    claims.add_argument("--from", dest="source", default=None, metavar="FOLDER", nargs="+",
                        help="with --docs: take the verdicts from earlier claims folders "
                             "instead of running the claims (a claim in several: the last)")
    executors.add_options(claims)
    claims.add_argument("--dir", default=None, metavar="DIR",
                        help="where claim files are (default: scenarios/claims here if it "
                             "exists, else the claims shipped with pmosim)")
    claims.add_argument("--out", default="results/claims", metavar="DIR",
                        help="where report folders are created (default: results/claims)")
    claims.set_defaults(handler=_claims)

    sweep = commands.add_parser(
        "sweep", help="run a sweep file: many points and replications, resumable",
        description="Run every point x replication of a sweep file in parallel, streaming one "
                    "row per run to Parquet under DIR/<sweep name>/. Runs already in that "
                    "folder are skipped, so rerunning after Ctrl-C, a crash or a change to the "
                    "sweep only runs what is missing.")
    sweep.add_argument("file", help="sweep file (YAML), e.g. scenarios/sweeps/*.yaml")
    executors.add_options(sweep)
    sweep.add_argument("--out", default="results/sweeps", metavar="DIR",
                       help="parent of the sweep's folder DIR/<name> (default: results/sweeps)")
    sweep.add_argument("--replications", "-r", type=_replications, metavar="N",
                       help="replications per point (default: the sweep's)")
    sweep.add_argument("--seed", type=_seed, metavar="S",
                       help="root seed (default: the sweep's)")
    sweep.add_argument("--flush-every", type=_flush_every, default=20, metavar="N",
                       help="write results to disk every N runs or 5 seconds, whichever "
                            "comes first (default 20)")
    sweep.add_argument("--dry-run", action="store_true",
                       help="check the sweep and show its plan without running anything")
    sweep.add_argument("--set-aside-damaged", action="store_true",
                       help="move part files that cannot be read into the folder's damaged/ "
                            "and run their runs again")
    sweep.set_defaults(handler=_sweep)

    analyze = commands.add_parser(
        "analyze", help="per-point means and sensitivity indices of a sweep",
        description="Summarise a sweep folder: per-point means with confidence intervals and, "
                    "for sampled designs, sensitivity indices (Sobol, Morris or RBD-FAST) with "
                    "a plain-language reading; writes CSV tables, plots and report.md into a "
                    "new analysis-<time> folder inside the sweep folder.")
    analyze.add_argument("folder", metavar="SWEEP_DIR", help="a folder written by pmosim sweep")
    analyze.add_argument("--kpi", "-k", action="append", default=[], metavar="KPI",
                         dest="kpis", help="a KPI to analyse (repeatable; default: the "
                                           "sweep's outputs.kpis, else the headline KPIs)")
    _add_xlsx(analyze, "analysis.xlsx")
    analyze.set_defaults(handler=_analyze)

    recommend = commands.add_parser(
        "recommend", help="recommend levers: search, confirm and stress-test; resumable",
        description="Search the levers of a recommendation file (Optuna), confirm the best "
                    "candidates with more replications (Kim and Nelson's ranking and "
                    "selection), stress-test them over sampled conditions and write "
                    "recommendation.yaml and recommendation.html under DIR/<name>/. Runs "
                    "already in that folder are reused, so rerunning after Ctrl-C resumes.")
    recommend.add_argument("file", help="recommendation file (YAML), see docs/recommend.md")
    recommend.add_argument("--budget", "-b", type=_budget, metavar="N",
                           help="most simulation runs, all stages together (default: the "
                                "file's, else 400)")
    executors.add_options(recommend)
    recommend.add_argument("--out", default="results/recommend", metavar="DIR",
                           help="parent of the recommendation's folder DIR/<name> (default: "
                                "results/recommend)")
    recommend.set_defaults(handler=_recommend)

    studio = commands.add_parser(
        "studio", help="a what-if studio in the browser (needs the studio extra)",
        description="Serve a local web page to pick a base scenario, move levers and "
                    "conditions, and compare AS-IS with TO-BE as pmosim compare does. It "
                    "listens on 127.0.0.1 only, unless --host says otherwise.")
    studio.add_argument("file", nargs="?", default="scenarios/baseline.yaml",
                        metavar="SCENARIO",
                        help="the base scenario to open first (default: "
                             "scenarios/baseline.yaml)")
    studio.add_argument("--port", type=_port, default=8765, metavar="N",
                        help="port to listen on (default 8765; 0: any free port)")
    studio.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    studio.add_argument("--allow", action="append", default=[], metavar="DIR",
                        help="a folder whose scenario files uploaded files may extend "
                             "(repeatable); the offered and shipped scenarios always may")
    studio.set_defaults(handler=_studio)

    _add_calibrate(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--sweep", action="store_true",
                        help="the schema of sweep files instead")
    schema.set_defaults(handler=_schema)
    return parser


def _add_xlsx(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--xlsx", action="store_true",
                        help=f"also write the tables as an Excel workbook, {name}, with each "
                             "column's unit in its header")
def _add_calibrate(commands) -> None:
    calibrate = commands.add_parser(
        "calibrate", help="fit a scenario to the organisation's ticket, people and project "
                          "exports, with a fit report",
        description="Write DIR/calibrated.yaml (a scenario that extends BASE and sets what the "
                    "exports determine) and a fit report (report.md, report.html). Give at "
                    "least one export; see docs/calibration.md for the file formats.")
    calibrate.add_argument("file", metavar="BASE", help="the base scenario file (YAML)")
    calibrate.add_argument("--tickets", metavar="CSV",
                           help="ticket export: id, created, started, closed, outcome "
                                "[, reopened_from]")
    calibrate.add_argument("--people", metavar="CSV",
                           help="people export: id, start_date, leave_date [, team]")
    calibrate.add_argument("--projects", metavar="CSV",
                           help="project register: name, start, planned_end, actual_end "
                                "[, planned_effort, actual_effort, status]")
    calibrate.add_argument("--holdout", metavar="DURATION", default=None,
                           help="the last stretch kept out of the fits and used to check them, "
                                "e.g. '3 months' (default: 3 months; with --direct: none; "
                                "0: none)")
    calibrate.add_argument("--direct", action="store_true",
                           help="the direct fits only (seconds): no indirect fits")
    calibrate.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                           dest="mapping", help="rename a column of the files, e.g. --map "
                                                "'Ticket ID=id' (repeatable)")
    calibrate.add_argument("--calendar", metavar="SPEC",
                           help="working weekdays and hours, e.g. 'Mon-Fri 08:30-17:00' "
                                "(default: Mon-Fri from 09:00 for the scenario's "
                                "hours_per_day)")
    calibrate.add_argument("--people-since", metavar="DATE",
                           help="the date from which the people file lists leavers (default: "
                                "inferred, see docs/calibration.md)")
    calibrate.add_argument("--seed", type=_seed, metavar="S",
                           help="seed of the simulations (default: the base scenario's)")
    executors.add_options(calibrate)
    calibrate.add_argument("--simulations", type=_count(300, 1_000_000), default=900,
                           metavar="N", help="simulations the indirect fits may spend "
                                             "(default 900)")
    calibrate.add_argument("--out", required=True, metavar="DIR",
                           help="the folder to write (must not exist, or be empty)")
    calibrate.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from sim.calibration.calibrate import Options, calibrate
    from sim.calibration.exports import parse_mapping
    from sim.calibration.priors import Budget
    from sim.reports.calibration import calibration_to_folder, check_output
    from sim.units import parse_duration

    out = Path(args.out)
    check_output(out)
    holdout = args.holdout if args.holdout is not None else ("0" if args.direct else "3 months")
    try:
        holdout_days = parse_duration(holdout)
    except ValueError as exc:
        raise UserError(f"--holdout: {exc}") from None
    options = Options(holdout=holdout_days, direct=args.direct, people_since=args.people_since,
                      calendar=args.calendar, mapping=parse_mapping(args.mapping),
                      seed=args.seed, execution=executors.execution(args),
                      budget=Budget(simulations=args.simulations))
    result = calibrate(args.file, args.tickets, args.people, args.projects, options)
    folder = calibration_to_folder(result, out, ["pmosim", *sys.argv[1:]])
    print(f"calibrated {result.base.name} from {', '.join(result.data.reading.files)}: "
          f"{len(result.sets)} keys set")
    for key in result.sets:
        print(f"  {key} = {result.sets[key]!r:<12} # {result.notes.get(key, '')}")
    if result.posterior is not None:
        loose = result.posterior.table.loc[~result.posterior.table["pinned"], "key"].tolist()
        if loose:
            print(f"not pinned down by the data: {', '.join(loose)}")
    print(f"\nScenario: {folder / 'calibrated.yaml'}\nReport: {folder / 'report.md'} "
          "(and report.html)")
    return 0


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", "-s", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override a key, e.g. --set operations.demand=120 (repeatable)")


def _count(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        value = _int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from {low} to "
                                             f"{high:,}")
        return value
    return parse


_replications = _count(1, limits.MAX_REPLICATIONS)
_seed = _count(0, limits.MAX_SEED)
_samples = _count(0, limits.MAX_ROBUSTNESS_SAMPLES)
_flush_every = _count(1, 1_000_000)
_port = _count(0, 65535)
_budget = _count(1, 100_000)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _load(args: argparse.Namespace, **extra) -> Scenario:
    """Load ``args.file`` with its overrides, printing its warnings to stderr."""
    return _load_warned(args, **extra)[0]


def _load_warned(args: argparse.Namespace, **extra) -> tuple[Scenario, list[str]]:
    """Load ``args.file`` with its overrides; print its warnings and return them too."""
    overrides = dict(parse_override(text) for text in args.overrides)
    overrides.update({k: v for k, v in extra.items() if v is not None})
    scenario, warnings = load_with_warnings(args.file, overrides)
    _warn_scenario(args.file, warnings)
    return scenario, warnings


def _manifest_warnings(path: str, warnings: list[str]) -> list[dict[str, str]]:
    """A file's load warnings as a result folder's manifest keeps them."""
    return [{"source": path, "warning": warning} for warning in warnings]


def _warn_scenario(path: str, warnings: list[str]) -> None:
    """Print a scenario file's warnings (see :func:`load_with_warnings`)."""
    for warning in warnings:
        print(f"pmosim: warning: {path}: {warning}", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    import yaml

    from sim.studies.folders import scenario_document

    scenario = _load(args)
    if args.show:
        print(yaml.safe_dump(scenario_document(scenario), sort_keys=False), end="")
    print(f"ok: {args.file} is a valid scenario ({scenario.name}, horizon "
          f"{scenario.horizon:g} days, {scenario.replications} replications)")
    return 0


def _schema(args: argparse.Namespace) -> int:
    if args.sweep:
        from sim.schema.sweep import Sweep

        model, title = Sweep, "pmosim sweep"
    else:
        model, title = Scenario, "pmosim scenario"
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    if model is Scenario:
        schema["properties"] = {"extends": {
            "type": "string",
            "description": "Another scenario file this one starts from, relative to this "
                           "file; this file states only what differs."}, **schema["properties"]}
    print(json.dumps(schema, indent=2))
    return 0


def _run(args: argparse.Namespace) -> int:
    from sim.reports.runs import run_to_folder

    scenario, warnings = _load_warned(args, seed=args.seed, replications=args.replications)
    where = executors.execution(args)
    folder, kpis = run_to_folder(scenario, out=Path(args.out), source=args.file,
                                 command=["pmosim", *sys.argv[1:]], plots=not args.no_plots,
                                 xlsx=args.xlsx, records=args.records, execution=where,
                                 warnings=_manifest_warnings(args.file, warnings))
    print(format_kpis(kpis, scenario))
    _warn_collapsed(folder, scenario.replications)
    print(f"\nResults: {folder}")
    return 0


def _warn_collapsed(folder: Path, replications: int) -> None:
    """Print the collapsed runs the folder's manifest records, if any."""
    from sim.reports.runs import collapse_warning

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    warning = collapse_warning(manifest.get("collapsed", []), replications)
    if warning:
        print(f"pmosim: warning: {warning}", file=sys.stderr)


def _compare(args: argparse.Namespace) -> int:
    from sim.reports.comparison import compare_to_folder
    from sim.studies.comparison import align

    where = executors.execution(args)
    overrides = dict(parse_override(text) for text in args.overrides)
    loaded = [load_with_warnings(path, overrides) for path in args.files]
    for path, (_, warnings) in zip(args.files, loaded, strict=True):
        _warn_scenario(path, warnings)
    scenarios = align([scenario for scenario, _ in loaded], seed=args.seed,
                      replications=args.replications)
    folder, table = compare_to_folder(scenarios, list(args.files), out=Path(args.out),
                                      command=["pmosim", *sys.argv[1:]],
                                      execution=where, plots=not args.no_plots,
                                      xlsx=args.xlsx,
                                      warnings=[entry for path, (_, found)
                                                in zip(args.files, loaded, strict=True)
                                                for entry in _manifest_warnings(path, found)])
    print(format_comparison(table, scenarios))
    _warn_collapsed(folder, scenarios[0].replications)
    print(f"\nResults: {folder}")
    return 0


def claims_folder(given: str | None) -> Path:
    """The claims to use: ``--dir``, else ``scenarios/claims`` here, else the shipped ones."""
    from sim.shipped import shipped_folder

    if given is not None:
        return Path(given)
    here = Path("scenarios") / "claims"
    if here.is_dir():
        return here
    shipped = shipped_folder()
    if shipped is None:
        raise ScenarioError("no claims here (scenarios/claims) and none shipped with pmosim "
                            "(the installation has no scenarios folder); pass --dir DIR")
    return shipped / "claims"


def _claims(args: argparse.Namespace) -> int:
    from sim.reports.claims import claims_to_folder
    from sim.shipped import relative
    from sim.studies.claims import find_claims

    where = executors.execution(args)
    folder = claims_folder(args.dir)
    if args.list:
        for path, claim in find_claims(folder, args.ids or None):
            print(f"{claim.id:<5} {claim.title}  ({relative(path)})")
        return 0

    def show(result) -> None:
        robust = result.robust
        share = "" if not robust.decided else \
            f"; holds in {robust.holds} of {robust.decided} sampled organisations"
        n = result.looks[-1].replications if result.looks else 0
        collapsed = f"; {result.collapsed_runs} runs collapsed" if result.collapsed_runs else ""
        print(f"{result.claim.id:<5} {result.verdict:<14} {result.claim.title} ({n} per arm"
              f"{share}{collapsed})", flush=True)

    if args.source is not None and args.docs is None:
        raise UserError("--from goes with --docs FILE")
    if args.docs is not None:
        _check_docs_target(Path(args.docs))
    if args.source is not None:
        return _docs_from([Path(f) for f in args.source], Path(args.docs))
    folder, _ = claims_to_folder(folder, args.ids or None, out=Path(args.out),
                                 command=["pmosim", *sys.argv[1:]],
                                 replications=args.replications,
                                 max_replications=args.max_replications,
                                 samples=args.robustness, knock_outs=not args.no_knockouts,
                                 execution=where, progress=show)
    print(f"\nReport: {folder / 'report.md'} (and report.html)")
    if args.docs is not None:
        return _docs_from([folder], Path(args.docs))
    return 0


def _docs_from(folders: list[Path], docs: Path) -> int:
    """Write the verdicts of the claims folders ``folders`` into ``docs``."""
    from sim.reports.claims import docs_block_from_folders, write_docs

    named = " ".join(str(f) for f in folders)
    try:
        block = docs_block_from_folders(folders)
    except (OSError, KeyError) as exc:
        raise UserError(f"--from {named}: not a complete claims folder "
                        f"({exc.__class__.__name__}: {exc})") from None
    except ValueError as exc:
        raise UserError(f"--from {named}: {exc}") from None
    write_docs(docs, block)
    print(f"Verdicts of {named} written into {docs}")
    return 0


def _check_docs_target(path: Path) -> None:
    """Refuse ``--docs FILE`` before anything runs if FILE cannot take the table."""
    from sim.reports.claims import DOCS_BEGIN, DOCS_END

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"--docs {path}: cannot read it ({exc.__class__.__name__})") from None
    if text.count(DOCS_BEGIN) != 1 or text.count(DOCS_END) != 1:
        raise UserError(f"--docs {path}: needs exactly one pair of markers {DOCS_BEGIN!r} "
                        f"... {DOCS_END!r} where the verdict table goes")


def _sweep(args: argparse.Namespace) -> int:
    from sim.studies.sweeps import load_sweep, run_sweep
    from sim.studies.sweeps.engine import prepare
    from sim.studies.sweeps.progress import ProgressBar
    from sim.studies.sweeps.store import done_keys, set_aside_damaged

    where = executors.execution(args)
    spec = load_sweep(args.file, replications=args.replications, seed=args.seed)
    folder = Path(args.out) / spec.name
    if args.set_aside_damaged and not args.dry_run:
        for path in set_aside_damaged(folder):
            print(f"set aside a damaged part file: {path}; its runs will run again")
    the_plan = prepare(spec)
    total = the_plan.count
    done = the_plan.count_done(done_keys(folder))
    design = spec.sweep.design
    rows = len(spec.design.table)
    shared = "" if rows == len(the_plan.points) else f" ({rows} design rows, some coincide)"
    print(f"sweep {spec.name}: {design.kind} over {', '.join(spec.sweep.varied)}; "
          f"{len(the_plan.points)} points{shared} x {spec.replications} replications = "
          f"{total} runs (seed {spec.seed})")
    print(f"folder: {folder} ({done} of {total} runs already done)")
    if args.dry_run:
        return 0
    if done == total:
        print(f"nothing to run: all {total} runs are done\n\nResults: {folder}\n"
              f"Next: pmosim analyze {folder}")
        return 0
    bar = ProgressBar(spec.name)
    try:
        report = run_sweep(spec, folder, workers=where.workers, executor=where.executor,
                           scheduler=where.scheduler, progress=bar,
                           flush_rows=args.flush_every, command=["pmosim", *sys.argv[1:]],
                           prepared=the_plan)
    except KeyboardInterrupt as exc:
        bar.close()
        saved = the_plan.count_done(done_keys(folder))
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"pmosim: {how}; {saved} of {total} runs are saved in {folder}. "
              "Run the same command to finish the rest.", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    bar.close()
    rate = "" if report.ran == 0 else f" ({report.runs_per_second:.2f} runs/s)"
    print(f"ran {report.ran} runs in {report.wall_seconds:.1f} s{rate} on {report.workers} "
          f"{report.executor} worker{'s' if report.workers != 1 else ''}; "
          f"{report.skipped} were already done; {report.failed} failed")
    if report.collapsed:
        print(f"pmosim: warning: {report.collapsed} of the {report.ran} runs collapsed: their "
              "backlog passed operations.backlog_limit days of value demand, so they stopped "
              "early (see the collapsed and collapsed_day columns)", file=sys.stderr)
    for failure in report.failures[:5]:
        print(f"  failed: point {failure['point']}, replication {failure['replication']}: "
              f"{failure['error'].splitlines()[-1]}", file=sys.stderr)
    print(f"\nResults: {folder}\nNext: pmosim analyze {folder}")
    if report.failed:
        print(f"pmosim: {report.failed} runs failed (errors in {folder / 'manifest.json'}); "
              "running the sweep again retries them", file=sys.stderr)
        return 1
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from sim.studies.sweeps import open_sweep

    results = open_sweep(args.folder)
    folder, analysis = results.analyze(args.kpis or None, xlsx=args.xlsx)
    finished, total = results.progress()
    print(f"sweep {results.name}: {finished} of {total} runs done; "
          f"{results.design.kind} design over {', '.join(results.design.parameters)}")
    for warning in analysis.warnings:
        print(f"pmosim: warning: {warning}", file=sys.stderr)
    for line in analysis.reading:
        print(f"- {line}")
    print(f"\nAnalysis: {folder} ({', '.join(_top_level(analysis.files))})")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from sim.recommendation import load_recommendation
    from sim.recommendation.folder import recommend_to_folder, saved_runs
    from sim.recommendation.page import headline_sentences

    problem = load_recommendation(args.file, budget=args.budget)
    spec, share = problem.spec, problem.allocation
    folder = Path(args.out) / problem.name
    limits = "".join(f"; {c.text()}" for c in spec.constraints)
    stress = f", stress test {share.stress}" if share.stress else ""
    print(f"recommend {problem.name}: {spec.objective.goal} {spec.objective.kpi}{limits}; "
          f"{len(spec.levers)} levers ({', '.join(spec.levers)})")
    print(f"budget {share.budget} runs: search up to {share.search}, confirmation "
          f"{share.confirm}{stress} (seed {problem.seed}); folder: {folder} "
          f"({saved_runs(folder)} runs already saved)")
    try:
        folder, outcome = recommend_to_folder(problem, args.out,
                                              execution=executors.execution(args),
                                              command=["pmosim", *sys.argv[1:]])
    except KeyboardInterrupt as exc:
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"pmosim: {how}; {saved_runs(folder)} runs are saved in {folder}. Run the "
              "same command to resume.", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    print()
    for sentence in headline_sentences(outcome):
        print(f"- {sentence}")
    name = "recommendation.yaml" if outcome.feasible else "closest.yaml"
    print(f"\n{outcome.runs} runs. Answer: {folder / 'recommendation.html'} and "
          f"{folder / name}")
    return 0


def _studio(args: argparse.Namespace) -> int:
    from sim.studio import ALLOW_ENV, LOCAL_HOSTS, require_solara, serve

    require_solara()
    load_scenario(args.file)  # a bad file stops here, with the usual message
    if args.host not in LOCAL_HOSTS:
        print(f"pmosim: warning: the studio listens on {args.host}: anyone who can reach "
              "this machine on that address can use it, run simulations and upload files",
              file=sys.stderr)
    print(f"pmosim studio: open http://{args.host}:{args.port} in a browser; Ctrl-C stops it",
          flush=True)
    for folder in args.allow:
        if not Path(folder).is_dir():
            raise UserError(f"--allow {folder}: no such folder")
    if args.allow:  # the page reads it: uploaded files may extend files there
        os.environ[ALLOW_ENV] = os.pathsep.join(str(Path(f).resolve()) for f in args.allow)
    try:
        return serve(args.file, host=args.host, port=args.port)
    except KeyboardInterrupt:
        print("pmosim studio: stopped", file=sys.stderr)
        return 0


def _top_level(files) -> list[str]:
    """File names, with everything under a sub-folder shown once as ``folder/``."""
    return list(dict.fromkeys(f.split("/")[0] + "/" if "/" in f else f for f in files))


def format_comparison(table, scenarios: list[Scenario]) -> str:
    """Render the headline KPIs of a comparison as a plain-text table."""
    from sim.studies.statistics import headline_rows

    base = scenarios[0]
    lines = [f"{len(scenarios)} scenarios, {base.replications} paired replications of "
             f"{base.horizon:g} working days (seed {base.seed}); baseline: {base.name}"]
    for name in table["scenario"].unique():
        lines += ["", f"{name} vs {base.name}",
                  f"{'KPI':<26} {'baseline':>10} {'scenario':>10} {'change':>10}  "
                  f"{'95% CI':<23} {'relative':>8}  verdict"]
        for r in headline_rows(table, name):
            lines.append(f"{r['kpi']:<26} {r['baseline']:>10} {r['scenario']:>10} "
                         f"{r['change']:>10}  {r['ci']:<23} {r['relative']:>8}  "
                         f"{r['verdict']}")
    return "\n".join(lines)


def format_kpis(kpis, scenario: Scenario) -> str:
    """Render the headline KPIs as a plain-text table."""
    from sim.kpis import HEADLINE, describe

    table = kpis.set_index("kpi")
    n = scenario.replications
    lines = [f"{scenario.name}: {n} replication{'s' if n != 1 else ''} of "
             f"{scenario.horizon:g} working days (seed {scenario.seed})", "",
             f"{'KPI':<26} {'mean':>11}  {'95% CI':<25} unit"]
    for name in HEADLINE:
        if name not in table.index:
            continue
        row = table.loc[name]
        ci = "" if math.isnan(row["ci_low"]) else \
            f"[{num(row['ci_low'])}, {num(row['ci_high'])}]"
        lines.append(f"{name:<26} {num(row['mean']):>11}  {ci:<25} {describe(name).unit}")
    return "\n".join(lines)


def _version() -> str:
    from sim import __version__
    return __version__


if __name__ == "__main__":
    sys.exit(main())
