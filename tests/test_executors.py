"""Every command that runs many replications runs them where ``--executor`` says, alike.

``run``, ``compare``, ``claims``, ``sweep``, ``calibrate`` and ``recommend`` take
the same three options (``--workers``, ``--executor``, ``--scheduler``) through one
helper, and what they write is the same whether the runs went to this process, a
local pool or a Dask cluster (an existing one, bound to 127.0.0.1, reached through
``--scheduler``, or a new local one).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import on_dask, simulated_exports
from test_calibration_indirect import BUDGET
from test_calibration_indirect import SMALL as SMALL_ORGANISATION

import sim
from sim.cli import _parser, main
from sim.errors import UserError
from sim.run import RunResult
from sim.studies.executors import Execution, execution
from sim.studies.replications import run_tasks

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
BUSY = str(ROOT / "scenarios" / "claims" / "bases" / "busy_season.yaml")
SMALL = {"horizon": 40, "operations.demand": 100, "workforce.operations.headcount": 45}

# -- the options --------------------------------------------------------------------------------


COMMANDS = {"run": ([BASELINE], 1), "compare": ([BASELINE, BUSY], 1),
            "claims": ([], None), "sweep": (["sweep.yaml"], None),
            "calibrate": ([BASELINE, "--out", "fitted"], None),
            "recommend": (["levers.yaml"], None)}
"""Each command's positional arguments and its default number of workers."""


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_the_same_executor_options(command):
    positional, workers = COMMANDS[command]
    parser = _parser()
    assert execution(parser.parse_args([command, *positional])) == Execution("local", workers)
    args = parser.parse_args([command, *positional, "--executor", "dask", "--scheduler",
                              "tcp://127.0.0.1:8786", "-w", "3"])
    assert execution(args) == Execution("dask", 3, "tcp://127.0.0.1:8786")


@pytest.mark.parametrize("command", ["run", "compare", "claims"])
def test_a_scheduler_needs_the_dask_executor(command, capsys, tmp_path):
    positional, _ = COMMANDS[command]
    code = main([command, *positional, "--scheduler", "tcp://127.0.0.1:8786",
                 *(["--out", str(tmp_path / "out")] if command != "claims" else [])])
    err = capsys.readouterr().err
    assert code == 2 and "--scheduler needs --executor dask" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_bad_executor_settings_are_user_errors():
    with pytest.raises(UserError, match="choose one of local, dask"):
        Execution("threads")
    with pytest.raises(UserError, match="workers = 0"):
        Execution(workers=0)
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", BASELINE, "-w", "0"])
    assert Execution(workers=2).describe() == "2 worker processes"
    assert Execution("dask", 3).describe() == "a local Dask cluster of 3 workers"


# -- run_tasks: the same results wherever the runs go -------------------------------------------


def wait_mean(result: RunResult) -> float:
    """A reduce step that runs where the run ran."""
    return result.summary["ops_wait_mean"]


def two_runs(path: str) -> list[float]:
    """A task that builds its own scenario and runs it where it runs."""
    scenario = sim.load_scenario(path, SMALL)
    return [sim.run(scenario, r).summary["ops_throughput"] for r in (3, 4)]


def _tasks() -> list:
    small = sim.load_scenario(BASELINE, SMALL)
    return [(small, 0), (small, 1, wait_mean), functools.partial(two_runs, BUSY), (small, 2)]


def _same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, RunResult):
            assert x.summary == y.summary or str(x.summary) == str(y.summary)
            assert x.weekly.equals(y.weekly) and x.projects.equals(y.projects)
        else:
            assert x == y


@on_dask
def test_run_tasks_gives_the_same_results_on_every_executor(dask_cluster):
    tasks = _tasks()
    serial = run_tasks(tasks)
    seen: list[int] = []
    local = run_tasks(tasks, execution=Execution(workers=2),
                      on_index=lambda i, _r: seen.append(i))
    on_cluster = run_tasks(tasks, execution=Execution("dask",
                                                      scheduler=dask_cluster.scheduler_address))
    _same(serial, local)
    _same(serial, on_cluster)
    assert sorted(seen) == [0, 1, 2, 3]
    assert [r.replication for r in (serial[0], serial[3])] == [0, 2]
    assert dask_cluster.status.name == "running"  # a scheduler we did not start stays up


# -- the commands: the same files wherever the runs go --------------------------------------------


def _files(folder: Path, names: list[str]) -> dict[str, bytes]:
    (written,) = list(folder.iterdir())
    return {name: (written / name).read_bytes() for name in names}


def _claim(folder: Path) -> Path:
    folder.mkdir()
    claim = {"id": "T1", "title": "Higher WIP limits start more projects",
             "claim": "Letting more projects run at once starts more of them.",
             "scenario": BASELINE, "set": {**SMALL, "horizon": "6 months"},
             "arms": {"tight": {"label": "WIP 1", "set": {"levers.wip_limit": 1}},
                      "loose": {"label": "WIP 6", "set": {"levers.wip_limit": 6}}},
             "checks": [{"compare": ["tight", "loose"], "kpi": "projects_started",
                         "expect": "higher"}],
             "replications": 2,
             "robustness": {"samples": 3, "vary": {"operations.demand": [80, 120]}}}
    (folder / "t1.yaml").write_text(yaml.safe_dump(claim, sort_keys=False))
    return folder


@on_dask
def test_compare_and_claims_on_an_existing_cluster_write_the_local_files(dask_cluster, tmp_path,
                                                                         capsys):
    remote = ["--executor", "dask", "--scheduler", dask_cluster.scheduler_address]
    compare = ["compare", BASELINE, BUSY, "-r", "2", "--set", "horizon=40", "--no-plots"]
    assert main([*compare, "--out", str(tmp_path / "c1")]) == 0
    assert main([*compare, "--out", str(tmp_path / "c2"), *remote]) == 0
    names = ["comparison.csv", "summary.csv", "projects.csv", "events.csv"]
    assert _files(tmp_path / "c1", names) == _files(tmp_path / "c2", names)

    claims = _claim(tmp_path / "claims")
    command = ["claims", "--dir", str(claims)]
    assert main([*command, "--out", str(tmp_path / "k1"), "-w", "1"]) == 0
    assert main([*command, "--out", str(tmp_path / "k2"), *remote]) == 0
    names = ["verdicts.csv", "checks.csv", "robustness.csv"]
    assert _files(tmp_path / "k1", names) == _files(tmp_path / "k2", names)
    report = next((tmp_path / "k2").iterdir()) / "report.md"
    assert f"the Dask scheduler at {dask_cluster.scheduler_address}" in report.read_text()
    capsys.readouterr()


@on_dask
def test_run_on_a_new_local_dask_cluster_writes_the_serial_files(tmp_path):
    command = ["run", BASELINE, "-r", "3", "--set", "horizon=40", "--no-plots"]
    assert main([*command, "--out", str(tmp_path / "serial")]) == 0
    assert main([*command, "--out", str(tmp_path / "dask"), "--executor", "dask", "-w", "2"]) == 0
    names = ["summary.csv", "kpis.csv", "projects.csv", "events.csv"]
    assert _files(tmp_path / "serial", names) == _files(tmp_path / "dask", names)


# -- calibrate and recommend: the same answer on a cluster ---------------------------------------




def _count_cluster_tasks(monkeypatch) -> list:
    """Count the tasks sent to a Dask cluster (so that a test sees they went there)."""
    from sim.studies.executors import DaskPool

    sent: list = []
    real = DaskPool.imap

    def imap(self, fn, tasks):
        return real(self, fn, (sent.append(t) or t for t in tasks))

    monkeypatch.setattr(DaskPool, "imap", imap)
    return sent


@on_dask
def test_calibration_on_an_existing_cluster_gives_the_posterior_of_one_process(dask_cluster,
                                                                              tmp_path,
                                                                              monkeypatch):
    from sim.calibration.calibrate import Options, calibrate
    paths = simulated_exports(tmp_path, SMALL_ORGANISATION, replication=1)[0]

    def fitted(where: Execution):
        options = Options(holdout=42.0, execution=where, replications=3, budget=BUDGET)
        return calibrate(paths["base"], str(paths["tickets"]), str(paths["people"]),
                         str(paths["projects"]), options)

    one = fitted(Execution(workers=1))
    sent = _count_cluster_tasks(monkeypatch)
    remote = fitted(Execution("dask", scheduler=dask_cluster.scheduler_address))
    assert len(sent) >= BUDGET.population + 2 * 3  # a generation's tasks, the hold-out's runs
    pd.testing.assert_frame_equal(one.posterior.particles, remote.posterior.particles)
    pd.testing.assert_frame_equal(one.check.scores, remote.check.scores)
    assert one.sets == remote.sets


def _recommendation(folder: Path) -> Path:
    """A small recommendation over the M/M/c desk's headcount (runs of a few hundredths of a s)."""
    data = {"scenario": str(ROOT / "scenarios" / "reference" / "mmc.yaml"),
            "set": {"horizon": "40 days", "warmup": "5 days", "operations.demand": 20.0,
                    "operations.sla": 0.5},
            "levers": {"workforce.operations.headcount": {"min": 7, "max": 10, "integer": True}},
            "objective": {"kpi": "cost_total", "goal": "minimise"},
            "constraints": [{"kpi": "ops_service_level", "at_least": 0.7}],
            "budget": 40, "confirm": {"finalists": 2, "replications": 5}}
    path = folder / "desk.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@on_dask
def test_recommend_on_an_existing_cluster_writes_the_answer_of_one_process(dask_cluster,
                                                                          tmp_path, capsys,
                                                                          monkeypatch):
    path = _recommendation(tmp_path)
    assert main(["recommend", str(path), "--out", str(tmp_path / "one"), "-w", "1"]) == 0
    sent = _count_cluster_tasks(monkeypatch)
    assert main(["recommend", str(path), "--out", str(tmp_path / "remote"), "--executor",
                 "dask", "--scheduler", dask_cluster.scheduler_address]) == 0
    assert len(sent) > 20
    for name in ("candidates.csv", "finalists.csv", "comparison.csv", "recommendation.yaml"):
        one = (tmp_path / "one" / "desk" / name).read_bytes()
        assert one == (tmp_path / "remote" / "desk" / name).read_bytes(), name
    capsys.readouterr()
