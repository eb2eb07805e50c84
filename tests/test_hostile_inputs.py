"""A corpus of hostile inputs, generated at test time: each is refused cleanly.

Every case exits with status 2 and a one-line ``pmosim: error:`` message that
names the file and the problem, within 5 s of CPU time and 500 MB of memory; it
leaves no result or analysis folder, writes nothing anywhere but its own
folder, and never prints the content of a file that is not a scenario (the
files such a case points at hold a marker that must not appear in the output).

Cases run in this process (``sim.cli.main``) where they can; those whose failure
would be a crash or a hang (a stack overflow in the parser, reading a FIFO or
``/dev/zero``) run in one child process together, and the signal case in its own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
SECRET = "S3CRET-do-not-print"
"""Marks the content of files that are not scenarios: it must never be printed."""
CPU_SECONDS, MEGABYTES = 5.0, 500
TINY = ["--set", "horizon=5", "--set", "warmup=0", "-r", "1", "--no-plots", "--out", "out"]


@dataclass(frozen=True)
class Case:
    """Files to write (text, bytes or a callable making them), the command, what it says."""

    files: dict = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    says: list[str] = field(default_factory=list)
    sweep: str | None = None  # damage applied to a copy of a finished sweep folder


def deep(levels: int = 30_000) -> str:
    return "[" * levels + "]" * levels


def bomb(key: str = "description", levels: int = 9) -> str:
    lines = [f"{key}:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def sweep_text(**fields) -> str:
    data = {"scenario": BASELINE, "set": {"horizon": "5 days", "warmup": 0},
            "parameters": {"operations.demand": [270, 300]}, "replications": 1, **fields}
    return yaml.safe_dump(data, sort_keys=False)


def claim_text(**fields) -> str:
    data = {"id": "H1", "title": "t", "claim": "c", "scenario": BASELINE,
            "set": {"horizon": "5 days"}, "replications": 2, "robustness": {"samples": 0},
            "arms": {"a": {"set": {}}, "b": {"set": {"levers.wip_limit": 1}}},
            "checks": [{"compare": ["a", "b"], "kpi": "projects_started", "expect": "lower"}],
            **fields}
    return yaml.safe_dump(data, sort_keys=False)


SHADOW = "".join(f"user{i}:$6$salt${SECRET}{i}:19000:0:99999:7:::\n" for i in range(24))
"""Shaped like /etc/shadow: each line parses as a YAML key."""
CONFIG = f"network:\n  wifi: {{password: {SECRET}}}\nname: {SECRET}\n"
"""A YAML file of another program: a mapping, but not a scenario."""


def chain(count: int) -> dict[str, str]:
    files = {f"c/c{i}.yaml": f"extends: c{i + 1}.yaml\n" for i in range(count - 1)}
    files[f"c/c{count - 1}.yaml"] = "horizon: 20\n"
    return files


IN_PROCESS: dict[str, Case] = {
    # YAML itself
    "a billion laughs in a scenario": Case({"s.yaml": bomb()}, ["validate", "s.yaml"],
                                           ["s.yaml", "aliases", "limit is 100,000"]),
    "60,000 plain keys": Case({"s.yaml": "description:\n" + "".join(
        f"  k{i}: 1\n" for i in range(60_000))}, ["validate", "s.yaml"],
        ["s.yaml", "more than 100,000 values"]),
    "!!binary": Case({"s.yaml": "description: !!binary aGVsbG8=\n"}, ["validate", "s.yaml"],
                     ["s.yaml", "line 1, column 14", "tag"]),
    "!!set": Case({"s.yaml": "description: !!set {a, b}\n"}, ["validate", "s.yaml"],
                  ["s.yaml", "tag"]),
    "a python tag": Case({"s.yaml": "seed: !!python/object/apply:os.getpid []\n"},
                         ["validate", "s.yaml"], ["s.yaml", "tag"]),
    "a custom tag in an override": Case({}, ["validate", BASELINE, "--set",
                                             "operations.demand=!foo 3"], ["tag"]),
    "a file one byte too big": Case({"s.yaml": "#" * 1_048_577}, ["validate", "s.yaml"],
                                    ["s.yaml", "at most 1,048,576"]),
    "not a scenario: shadow-like": Case({"shadow": SHADOW}, ["validate", "shadow"],
                                        ["shadow", "not a scenario file"]),
    "not a sweep": Case({"w.yaml": CONFIG}, ["sweep", "w.yaml", "--out", "out"],
                        ["w.yaml", "not a sweep file"]),
    "not a claim": Case({"c/a.yaml": CONFIG}, ["claims", "--dir", "c", "--out", "out"],
                        ["a.yaml", "not a claim file"]),
    # extends
    "extends a shadow-like file": Case({"shadow": SHADOW, "s.yaml": "extends: shadow\n"},
                                       ["validate", "s.yaml"],
                                       ["s.yaml", "extends = 'shadow'", "not a scenario file"]),
    "extends another program's YAML": Case({"cfg.yaml": CONFIG,
                                            "s.yaml": "extends: cfg.yaml\n"},
                                           ["validate", "s.yaml"],
                                           ["s.yaml", "not a scenario file"]),
    "extends a NUL byte": Case({"s.yaml": 'extends: "a\\0b.yaml"\n'}, ["validate", "s.yaml"],
                               ["s.yaml", "NUL byte"]),
    "extends 6,000 characters": Case({"s.yaml": "extends: " + "a" * 6000 + "\n"},
                                     ["validate", "s.yaml"], ["s.yaml", "6,000 characters"]),
    "extends a 300-character name": Case({"s.yaml": "extends: " + "b" * 300 + ".yaml\n"},
                                         ["validate", "s.yaml"], ["s.yaml", "too long"]),
    "extends a loop of links": Case({"s.yaml": "extends: loop1\n",
                                     "loop1": lambda p: p.symlink_to("loop2"),
                                     "loop2": lambda p: p.symlink_to("loop1")},
                                    ["validate", "s.yaml"], ["s.yaml", "loop of symbolic links"]),
    "extends a folder": Case({"d/keep.txt": "x", "s.yaml": "extends: d\n"},
                             ["validate", "s.yaml"], ["s.yaml", "is a folder"]),
    "extends a chain of 1,500 files": Case(chain(1500), ["validate", "c/c0.yaml"],
                                           ["c/c31.yaml", "longer than 32 files"]),
    "a sweep's scenario of 6,000 characters": Case(
        {"w.yaml": sweep_text(scenario="a" * 6000)}, ["sweep", "w.yaml", "--out", "out"],
        ["w.yaml", "scenario = ", "6,000 characters"]),
    "a sweep's scenario is not one": Case({"cfg.yaml": CONFIG,
                                           "w.yaml": sweep_text(scenario="cfg.yaml")},
                                          ["sweep", "w.yaml", "--out", "out"],
                                          ["cfg.yaml", "not a scenario file"]),
    "a claim's scenario is not one": Case({"cfg.yaml": CONFIG,
                                           "c/a.yaml": claim_text(scenario="../cfg.yaml")},
                                          ["claims", "--dir", "c", "--out", "out"],
                                          ["cfg.yaml", "not a scenario file"]),
    # numbers at the edge of the arithmetic
    "skill 1e308": Case({}, ["run", BASELINE, *TINY, "--set", "workforce.operations.skill=1e308"],
                        ["workforce.operations.skill = '1e308'", "less than or equal to 100"]),
    "seasonal period 1e-308": Case({}, ["run", BASELINE, *TINY, "--set",
                                        "operations.seasonality.period=1e-308"],
                                   ["operations.seasonality.period = '1e-308'",
                                    "greater than or equal to 0.001"]),
    "attrition 1e308": Case({}, ["validate", BASELINE, "--set", "workforce.attrition.rate=1e308"],
                            ["workforce.attrition.rate = '1e308'", "less than or equal to 100"]),
    "monitoring that removes the delay": Case(
        {}, ["validate", BASELINE, "--set", "pmo.bundles.controlling.monitoring=1"],
        ["pmo.bundles.controlling.monitoring = 1", "less than or equal to 0.99"]),
    "a timeline scale of 1e-320": Case(
        {"s.yaml": f"extends: {BASELINE}\ntimeline: [{{at: 5, scale: {{operations.demand: "
                   "1.0e-320}, for: 5}]\n"},
        ["validate", "s.yaml"], ["timeline[0].scale.operations.demand", "greater than or equal"]),
    "a sweep range of 1e308": Case(
        {"w.yaml": sweep_text(parameters={"operations.demand": {"low": -1e308, "high": 0}},
                              design={"kind": "lhs", "samples": 4})},
        ["sweep", "w.yaml", "--dry-run", "--out", "out"],
        ["parameters.operations.demand.low", "greater than or equal to -1000000000000000"]),
    # --set key paths
    "--set .=5": Case({}, ["validate", BASELINE, "--set", ".=5"], ["override '.'", "malformed"]),
    "--set operations..demand=5": Case({}, ["validate", BASELINE, "--set",
                                            "operations..demand=5"],
                                       ["override 'operations..demand'", "after 'operations'"]),
    "--set a[0=5": Case({}, ["validate", BASELINE, "--set", "projects.portfolio[0=5"],
                        ["'projects.portfolio[0'", "malformed"]),
    "--set a deeply nested value": Case({}, ["validate", BASELINE, "--set",
                                             "description=" + "[" * 100 + "]" * 100],
                                        ["override description", "nests more than 64"]),
    "a sweep sets a malformed key": Case({"w.yaml": sweep_text(set={"levers..wip_limit": 2})},
                                         ["sweep", "w.yaml", "--out", "out"],
                                         ["w.yaml", "'levers..wip_limit'", "malformed"]),
    "a timeline sets a malformed key": Case(
        {"s.yaml": f"extends: {BASELINE}\ntimeline: [{{at: 5, set: {{levers..wip_limit: 2}}}}]\n"},
        ["validate", "s.yaml"], ["timeline[0]", "'levers..wip_limit'", "malformed"]),
    # sweeps and claims
    "a billion laughs in a sweep file": Case({"w.yaml": sweep_text() + bomb("notes")},
                                             ["sweep", "w.yaml", "--out", "out"],
                                             ["w.yaml", "aliases"]),
    "a billion laughs in a claim file": Case({"c/a.yaml": claim_text() + bomb("notes")},
                                             ["claims", "--dir", "c", "--out", "out"],
                                             ["a.yaml", "aliases"]),
    "analyze: a truncated part": Case(args=["analyze", "out/w"], sweep="truncate",
                                      says=["out/w/runs/part-", "damaged part file",
                                            "--set-aside-damaged"]),
    "analyze: a zeroed part": Case(args=["analyze", "out/w"], sweep="zero",
                                   says=["out/w/runs/part-", "damaged part file"]),
    "analyze: a part that is not Parquet": Case(args=["analyze", "out/w"], sweep="text",
                                                says=["out/w/runs/part-", "damaged part file"]),
    "analyze: a part that is a folder": Case(args=["analyze", "out/w"], sweep="folder",
                                             says=["out/w/runs/part-", "not a regular file"]),
    "resume: a truncated part": Case({"w.yaml": sweep_text()},
                                     ["sweep", "w.yaml", "--out", "out"], sweep="truncate",
                                     says=["out/w/runs/part-", "damaged part file"]),
    "analyze: no sweep.yaml": Case(args=["analyze", "out/w"], sweep="no sweep.yaml",
                                   says=["no such sweep file: out/w/sweep.yaml"]),
    "analyze: sweep.yaml named ../x": Case(args=["analyze", "out/w"], sweep="name ../x",
                                           says=["out/w/sweep.yaml", "name = '../x'"]),
    "analyze: sweep.yaml nested deep": Case(args=["analyze", "out/w"], sweep="deep",
                                            says=["out/w/sweep.yaml", "nests more than 64"]),
    "analyze: a billion laughs in sweep.yaml": Case(args=["analyze", "out/w"], sweep="bomb",
                                                    says=["out/w/sweep.yaml", "aliases"]),
    "resume: a damaged manifest": Case({"w.yaml": sweep_text(parameters={  # one run to do
        "operations.demand": [270, 300, 330]})},
                                       ["sweep", "w.yaml", "--out", "out"], sweep="manifest",
                                       says=["out/w/manifest.json", "not valid JSON"]),
    "analyze: a damaged plan": Case(args=["analyze", "out/w"], sweep="plan",
                                    says=["out/w/plan.csv", "cannot read the sweep's plan"]),
}


def damage(folder: Path, how: str) -> None:
    """Damage the finished sweep folder ``folder`` the way ``how`` says."""
    part = sorted((folder / "runs").glob("part-*.parquet"))[-1]
    if how == "truncate":
        part.write_bytes(part.read_bytes()[:100])
    elif how == "zero":
        part.write_bytes(b"\0" * part.stat().st_size)
    elif how == "text":
        part.write_text(f"{SECRET}\n")
    elif how == "folder":
        part.unlink()
        part.mkdir()
    elif how == "no sweep.yaml":
        (folder / "sweep.yaml").unlink()
    elif how == "name ../x":
        text = (folder / "sweep.yaml").read_text()
        (folder / "sweep.yaml").write_text(text.replace("name: w\n", "name: ../x\n"))
    elif how == "deep":
        (folder / "sweep.yaml").write_text(f"description: {deep(20_000)}\n")
    elif how == "bomb":
        (folder / "sweep.yaml").write_text((folder / "sweep.yaml").read_text() + bomb("notes"))
    elif how == "manifest":
        (folder / "manifest.json").write_text('{"status": ' * 50_000)
    elif how == "plan":
        (folder / "plan.csv").write_text(f"{SECRET}\n")


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    """A small finished sweep (two points, a part per run), copied by the cases that damage it."""
    folder = tmp_path_factory.mktemp("finished")
    (folder / "w.yaml").write_text(sweep_text())
    code = main(["sweep", str(folder / "w.yaml"), "--out", str(folder / "out"), "-w", "1",
                 "--flush-every", "1"])
    assert code == 0
    return folder / "out" / "w"


def write(tmp_path: Path, files: dict) -> None:
    for relative, content in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.lstat().st_mtime for p in folder.rglob("*")}


def check_refusal(code: int, out: str, err: str, says: list[str]) -> None:
    """Exit 2, one line naming the problem, no traceback, no secret."""
    assert code == 2, err
    assert err.startswith("pmosim: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in says:
        assert fragment in err, (fragment, err)
    assert SECRET not in out + err


@pytest.mark.parametrize("name", list(IN_PROCESS))
def test_a_hostile_input_is_refused_cleanly(name, tmp_path, monkeypatch, capsys, finished_sweep):
    case = IN_PROCESS[name]
    monkeypatch.chdir(tmp_path)
    write(tmp_path, case.files)
    if case.sweep:
        shutil.copytree(finished_sweep, tmp_path / "out" / "w", symlinks=True)
        damage(tmp_path / "out" / "w", case.sweep)
    before = snapshot(tmp_path)
    tracemalloc.start()
    started = time.process_time()
    try:
        code = main(case.args)
    except SystemExit as exc:
        code = exc.code
    cpu = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out, err = capsys.readouterr()
    check_refusal(code, out, err, case.says)
    assert snapshot(tmp_path) == before, "the command left something behind or changed a file"
    assert cpu < CPU_SECONDS and peak < MEGABYTES, (cpu, peak)


CHILD = textwrap.dedent("""
    import contextlib, io, json, os, resource, sys, time
    from sim.cli import main
    for folder, args in json.loads(sys.argv[1]):
        os.chdir(folder)
        err = io.StringIO()
        started = time.process_time()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(args)
            except SystemExit as exc:
                code = exc.code
        print(json.dumps([code, err.getvalue(), time.process_time() - started]), flush=True)
    try:  # this process's own peak: Linux's ru_maxrss keeps the forking parent's across exec
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(peak / 1024), flush=True)
""")
"""Runs cases one after the other in a child, each in its folder: a JSON line each, then the
child's peak memory in MB (its own high-water mark, not one inherited from pytest's process)."""

IN_A_CHILD: dict[str, Case] = {
    "a scenario nested 30,000 deep": Case({"s.yaml": f"description: {deep()}\n"},
                                          ["validate", "s.yaml"],
                                          ["s.yaml", "nests more than 64 levels deep"]),
    "an override nested 30,000 deep": Case({}, ["validate", BASELINE, "--set",
                                                f"description={deep()}"],
                                           ["override description", "nests more than 64"]),
    "a sweep file nested 30,000 deep": Case({"w.yaml": sweep_text() + f"notes: {deep()}\n"},
                                            ["sweep", "w.yaml", "--out", "out"],
                                            ["w.yaml", "nests more than 64"]),
    "a claim file nested 30,000 deep": Case({"c/a.yaml": claim_text() + f"notes: {deep()}\n"},
                                            ["claims", "--dir", "c", "--out", "out"],
                                            ["a.yaml", "nests more than 64"]),
    "a megabyte of open brackets": Case({"s.yaml": "a: " + "[" * 1_048_000},
                                        ["validate", "s.yaml"], ["s.yaml", "nests more than 64"]),
    "extends /dev/zero": Case({"s.yaml": "extends: /dev/zero\n"}, ["validate", "s.yaml"],
                              ["s.yaml", "extends = '/dev/zero'", "character device"]),
    "extends a FIFO": Case({"s.yaml": "extends: fifo\n", "fifo": lambda p: os.mkfifo(p)},
                           ["validate", "s.yaml"], ["s.yaml", "FIFO"]),
    "a FIFO as the scenario": Case({"fifo": lambda p: os.mkfifo(p)}, ["validate", "fifo"],
                                   ["fifo", "FIFO"]),
}


@pytest.fixture(scope="module")
def in_a_child(tmp_path_factory) -> tuple[dict, float]:
    """Every crash-prone case run in one child: per case its result and its folder's changes."""
    root = tmp_path_factory.mktemp("child")
    folders, before = {}, {}
    for i, (name, case) in enumerate(IN_A_CHILD.items()):
        folders[name] = root / f"case{i}"
        folders[name].mkdir()
        write(folders[name], case.files)
        before[name] = snapshot(folders[name])
    plan = [[str(folders[name]), case.args] for name, case in IN_A_CHILD.items()]
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(plan)],
                           capture_output=True, text=True, timeout=300, check=False)
    assert child.returncode == 0, child.stderr[-2000:]  # not killed by a signal, no hang
    *lines, peak = child.stdout.splitlines()
    results = {name: (*json.loads(line), snapshot(folders[name]) == before[name])
               for name, line in zip(IN_A_CHILD, lines, strict=True)}
    return results, json.loads(peak)


@pytest.mark.parametrize("name", list(IN_A_CHILD))
def test_an_input_that_could_crash_or_hang_the_reader_is_refused_cleanly(name, in_a_child):
    results, peak = in_a_child
    code, err, cpu, unchanged = results[name]
    check_refusal(code, "", err, IN_A_CHILD[name].says)
    assert unchanged, "the command left something behind or changed a file"
    assert cpu < CPU_SECONDS and peak < MEGABYTES, (cpu, peak)


STOPPABLE = textwrap.dedent("""
    import numpy as np, sys
    from sim.cli import _terminate_on_sigterm, finish
    from sim.errors import Terminated
    from sim.model.finance import annual_irr
    net = np.random.default_rng(1).normal(10.0, 50.0, 3000)
    net[0] = -1000.0
    with _terminate_on_sigterm():
        try:
            print("computing", flush=True)
            annual_irr(net)
        except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM as Terminated
            print("stopped", flush=True)
            sys.exit(finish(143 if isinstance(exc, Terminated) else 130))
""")
"""How the command line stops in the rate of return of a very long run (see ``sim.cli.main``)."""


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_the_rate_of_return_of_a_very_long_run_stops_at_once_on_a_signal(signum, status,
                                                                         attempt):
    """The process exits with the signal's status, at once: the helper thread left inside
    LAPACK made about half of such exits crash (SIGSEGV) or hang while the interpreter shut
    down, so the check is made three times."""
    child = subprocess.Popen([sys.executable, "-c", STOPPABLE], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert child.stdout.readline().strip() == "computing"
        time.sleep(0.5)  # the eigenvalues of a 3,000 x 3,000 matrix take far longer
        child.send_signal(signum)
        sent = time.monotonic()
        assert child.stdout.readline().strip() == "stopped"
        took = time.monotonic() - sent
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("the process hung while shutting down after the signal")
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert child.returncode == status, "the process did not exit with the signal's status"
    assert took < 2.0, f"the computation stopped {took:.1f} s after the signal"
