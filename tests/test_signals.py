"""Stopping from outside: SIGTERM is handled like Ctrl-C, a MemoryError is recorded, and
local workers never outlive their parent.

The commands run as real subprocesses in their own session; every process a test
looks at or ends is one it started (the command, or the workers psutil lists as its
children).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

import sim
import sim.studies.replications
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LONG = ["--set", "horizon=3 years", "-r", "40", "--no-plots"]
"""Runs that take far longer than the tests wait: they are always stopped part-way."""


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for(condition, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the command ended early: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            pytest.fail("the command did not get going in time")
        time.sleep(0.05)


def workers_of(proc: subprocess.Popen, count: int) -> list[psutil.Process]:
    parent = psutil.Process(proc.pid)
    found: list[psutil.Process] = []

    def enough() -> bool:
        found[:] = [p for p in parent.children(recursive=True)
                    if "spawn_main" in " ".join(p.cmdline())]
        return len(found) >= count

    wait_for(enough, proc)
    return found


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def end(proc: subprocess.Popen, others: list[psutil.Process] = ()) -> None:
    """Make sure nothing this test started outlives it."""
    for process in others:
        if alive(process):
            process.kill()
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def only_manifest(out: Path) -> Path:
    return next(out.glob("*/manifest.json"))


def running(out: Path):
    def check() -> bool:
        paths = list(out.glob("*/manifest.json"))
        return bool(paths) and json.loads(paths[0].read_text())["status"] == "running"
    return check


@pytest.mark.parametrize("command", [
    ["run", BASELINE, *LONG],
    ["compare", BASELINE, ROOT / "scenarios" / "examples" / "to_be_sustained.yaml", *LONG,
     "--workers", "2"],
])
def test_sigterm_stops_a_run_like_ctrl_c(command, tmp_path):
    out = tmp_path / "out"
    proc = start([*command, "--out", out], tmp_path)
    workers: list[psutil.Process] = []
    try:
        wait_for(running(out), proc)
        if "--workers" in command:
            workers = workers_of(proc, 2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)  # the command only, not its workers
        _, err = proc.communicate(timeout=60)
    finally:
        end(proc, workers)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err and "Traceback" not in err
    manifest = json.loads(only_manifest(out).read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["error"] == "Terminated: stopped by SIGTERM"
    assert not any(alive(w) for w in workers)


def test_sigterm_stops_a_sweep_and_keeps_what_finished(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"scenario": str(BASELINE), "set": {"horizon": "20 days"},
                                    "replications": 4,
                                    "parameters": {"operations.demand": list(range(250, 350))}}))
    folder = tmp_path / "out" / "sweep"
    proc = start(["sweep", path, "--workers", "2", "--flush-every", "2", "--out",
                  tmp_path / "out"], tmp_path)
    try:
        wait_for(lambda: any((folder / "runs").glob("part-*.parquet")), proc)
        workers = workers_of(proc, 2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        end(proc, workers)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM);" in err and "runs are saved" in err
    assert "Traceback" not in err
    session = json.loads((folder / "manifest.json").read_text())["sessions"][-1]
    assert session["status"] == "interrupted" and "SIGTERM" in session["error"]
    assert session["ran"] > 0
    assert not any(alive(w) for w in workers)


def test_sigterm_stops_the_claims(tmp_path):
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "c.yaml").write_text(yaml.safe_dump({
        "id": "S1", "title": "t", "claim": "c", "scenario": str(BASELINE),
        "set": {"horizon": "3 years"}, "replications": 40, "robustness": {"samples": 0},
        "arms": {"a": {"set": {}}, "b": {"set": {"levers.wip_limit": 3}}},
        "checks": [{"compare": ["a", "b"], "kpi": "ops_wait_mean", "expect": "lower"}]}))
    out = tmp_path / "out"
    proc = start(["claims", "--dir", claims, "--out", out, "-w", "2"], tmp_path)
    workers: list[psutil.Process] = []
    try:
        wait_for(running(out), proc)
        workers = workers_of(proc, 2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        end(proc, workers)
    assert proc.returncode == 143 and "Traceback" not in err, err
    assert json.loads(only_manifest(out).read_text())["status"] == "interrupted"
    assert not any(alive(w) for w in workers)


def test_killing_only_the_parent_of_a_local_sweep_ends_its_workers(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"scenario": str(BASELINE), "set": {"horizon": "3 years"},
                                    "replications": 10,
                                    "parameters": {"operations.demand": [280, 300, 320]}}))
    proc = start(["sweep", path, "--workers", "2", "--out", tmp_path / "out"], tmp_path)
    workers: list[psutil.Process] = []
    try:
        workers = workers_of(proc, 2)
        time.sleep(0.5)  # the workers are simulating
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as an out-of-memory killer does
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [w.pid for w in workers if alive(w)]
    finally:
        end(proc, workers)
    assert len(workers) >= 2
    assert survivors == [], "workers outlived their parent"


def test_a_memory_error_is_recorded_as_a_failure(tmp_path, monkeypatch, capsys):
    def exhausted(scenario, replication):
        raise MemoryError

    monkeypatch.setattr(sim.studies.replications, "run", exhausted)
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "--out", str(out), "--set", "horizon=10",
                 "-r", "1"]) == 1
    err = capsys.readouterr().err
    assert "out of memory" in err and "Traceback" not in err
    manifest = json.loads(only_manifest(out).read_text())
    assert (manifest["status"], manifest["error"]) == ("failed", "MemoryError")
