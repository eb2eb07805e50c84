"""A corpus of hostile and careless input, each case through the real command line.

Every case must end with exit status 2, a one-line ``pmosim: error:`` message that
names the key (or file) and the value at fault, no traceback, and nothing left on
disk: no result folder, no file outside the ones the case wrote. Property tests
then feed random junk to ``pmosim validate`` and ``pmosim run``.
"""

from __future__ import annotations

import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
TINY = ["--set", "horizon=5", "--set", "warmup=0", "-r", "1", "--no-plots", "--out", "out"]


@dataclass(frozen=True)
class Case:
    """Files to write (text or bytes), the command to run, what the message must say."""

    files: dict[str, str | bytes]
    args: list[str]
    says: list[str]
    extra: dict = field(default_factory=dict)


def _bomb(levels: int = 9) -> str:
    lines = ["  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "description:\n" + "\n".join(lines) + "\n"


def _sweep(**fields) -> str:
    data = {"scenario": BASELINE, "set": {"horizon": "20 days"},
            "parameters": {"operations.demand": [270, 300]}, **fields}
    return yaml.safe_dump(data, sort_keys=False)


def _claim(**fields) -> str:
    data = {"id": "T1", "title": "t", "claim": "c", "scenario": BASELINE,
            "set": {"horizon": "20 days"}, "replications": 2, "robustness": {"samples": 0},
            "arms": {"a": {"set": {}}, "b": {"set": {"levers.wip_limit": 1}}},
            "checks": [{"compare": ["a", "b"], "kpi": "projects_started", "expect": "lower"}],
            **fields}
    return yaml.safe_dump(data, sort_keys=False)


GRID_30_6 = {f"levers.{k}": list(range(1, 31)) for k in
             ("wip_limit", "allocation", "improvement_share", "protected_time",
              "intake_pressure_max", "rewards.scheme.operations")}

CASES: dict[str, Case] = {
    # numbers
    "infinite demand": Case({"s.yaml": "operations: {demand: .inf}\n"}, ["run", "s.yaml", *TINY],
                            ["operations.demand = inf", "finite"]),
    "infinite attrition": Case({"s.yaml": "workforce: {attrition: {rate: .inf}}\n"},
                               ["run", "s.yaml", *TINY],
                               ["workforce.attrition.rate = inf", "finite"]),
    "NaN skill": Case({"s.yaml": "workforce: {operations: {skill: .nan}}\n"},
                      ["validate", "s.yaml"], ["workforce.operations.skill = nan", "finite"]),
    "demand 1e308": Case({"s.yaml": "operations: {demand: 1.0e+308}\n"},
                         ["run", "s.yaml", *TINY],
                         ["operations.demand = 1e+308", "less than or equal to 100000"]),
    "horizon 1e9": Case({"s.yaml": "horizon: 1000000000\n"}, ["validate", "s.yaml"],
                        ["horizon = 1000000000", "less than or equal to 25200"]),
    "demand times horizon": Case({"s.yaml": "horizon: 100 years\noperations: {demand: 90000}\n"
                                            "workforce: {operations: {headcount: 10000}}\n"},
                                 ["validate", "s.yaml"],
                                 ["operations.demand=90000", "limit is 100,000,000"]),
    "demand true": Case({"s.yaml": "operations: {demand: true}\n"}, ["validate", "s.yaml"],
                        ["operations.demand = True", "not numbers"]),
    "headcount of a million": Case({"s.yaml": "workforce: {operations: {headcount: 1000000}}\n"},
                                   ["validate", "s.yaml"],
                                   ["workforce.operations.headcount = 1000000", "10000"]),
    "replications 1e9 in the file": Case({"s.yaml": "replications: 1000000000\n"},
                                         ["run", "s.yaml", "--out", "out"],
                                         ["replications = 1000000000", "10000"]),
    "replications 1e9 on the command line": Case({}, ["run", BASELINE, "-r", "1000000000"],
                                                 ["1000000000", "from 1 to 10,000"]),
    "a million workers": Case({}, ["compare", BASELINE, BASELINE, "-w", "1000000"],
                              ["1000000", "from 1 to 256"]),
    "infinite override": Case({}, ["run", BASELINE, "--set", "operations.demand=.inf", *TINY],
                              ["operations.demand = inf", "from the override"]),
    "timeline adds a million people": Case(
        {"s.yaml": "timeline: [{at: 5, staff: {operations: 1000000}}]\n"},
        ["validate", "s.yaml"], ["timeline[0].staff.operations", "1000000"]),
    "backlog limit beyond memory": Case(
        {"s.yaml": "operations: {demand: 90000, backlog_limit: 1000}\n"
                   "workforce: {operations: {headcount: 10000}}\nhorizon: 5\n"},
        ["validate", "s.yaml"], ["operations.backlog_limit=1000", "limit is 10,000,000"]),
    # YAML itself
    "duplicate key": Case({"s.yaml": "operations:\n  demand: 100\n  demand: 200\n"},
                          ["validate", "s.yaml"],
                          ["'demand' is given twice", "line 3", "first at line 2"]),
    "duplicate key in an override": Case({}, ["validate", BASELINE, "--set",
                                              "levers={wip_limit: 2, wip_limit: 3}"],
                                         ["override levers", "'wip_limit' is given twice"]),
    "alias bomb under description": Case({"s.yaml": _bomb()}, ["validate", "s.yaml"],
                                         ["aliases", "limit is 100,000"]),
    "binary scenario file": Case({"s.yaml": bytes(range(256))}, ["validate", "s.yaml"],
                                 ["s.yaml", "not a text file"]),
    "not UTF-8": Case({"s.yaml": "name: caf\xe9\n".encode("latin-1")}, ["validate", "s.yaml"],
                      ["s.yaml", "cannot read the file"]),
    "nested ten thousand deep": Case({"s.yaml": "a: " + "[" * 10_000}, ["validate", "s.yaml"],
                                     ["s.yaml", "nests more than 64 levels deep"]),
    "integer of 5,000 digits": Case({"s.yaml": "seed: " + "9" * 5000 + "\n"},
                                    ["validate", "s.yaml"], ["too many digits"]),
    "a list, not a mapping": Case({"s.yaml": "- 1\n- 2\n"}, ["validate", "s.yaml"],
                                  ["s.yaml", "mapping"]),
    "a number as a key": Case({"s.yaml": "12: 3\n"}, ["validate", "s.yaml"],
                              ["12", "keys must be text"]),
    "a file of 2 MiB": Case({"s.yaml": "description: " + "x" * 2_000_000 + "\n"},
                            ["validate", "s.yaml"], ["at most 1,048,576"]),
    "a folder as the file": Case({"d/keep.txt": "x"}, ["validate", "d"],
                                 ["d is a folder, not a file"]),
    "bad value in a parent": Case({"p.yaml": "operations: {demand: -3}\n",
                                   "s.yaml": "extends: p.yaml\n"},
                                  ["run", "s.yaml", *TINY],
                                  ["operations.demand = -3", "(set in p.yaml)"]),
    # sweeps
    "sweep name ../x": Case({"w.yaml": _sweep(name="../x")}, ["sweep", "w.yaml", "--out", "out"],
                            ["name = '../x'", "single name"]),
    "sweep name absolute": Case({"w.yaml": _sweep(name="/tmp/x")},
                                ["sweep", "w.yaml", "--out", "out"],
                                ["name = '/tmp/x'", "single name"]),
    "sweep of 30^6 points, dry run": Case({"w.yaml": _sweep(parameters=GRID_30_6)},
                                          ["sweep", "w.yaml", "--dry-run", "--out", "out"],
                                          ["729,000,000 rows", "at most 100,000"]),
    "sweep of a billion replications": Case({"w.yaml": _sweep(replications=1_000_000_000)},
                                            ["sweep", "w.yaml", "--dry-run", "--out", "out"],
                                            ["replications = 1000000000", "10000"]),
    "sweep with infinite range": Case(
        {"w.yaml": _sweep(parameters={"operations.demand": {"low": 1, "high": ".inf"}},
                          design={"kind": "lhs", "samples": 4}).replace("'.inf'", ".inf")},
        ["sweep", "w.yaml", "--out", "out"], ["parameters.operations.demand.high", "finite"]),
    # claims
    "claim id with ../": Case({"c/a.yaml": _claim(id="../../x")},
                              ["claims", "--dir", "c", "--out", "out"],
                              ["id = '../../x'", "single name"]),
    "claim with an unknown KPI": Case({"c/a.yaml": _claim(checks=[
        {"compare": ["a", "b"], "kpi": "projects_strated", "expect": "lower"}])},
        ["claims", "--dir", "c", "--out", "out"],
        ["checks[0].kpi = 'projects_strated'", "unknown KPI"]),
    "claims from an empty folder": Case({"c/notes.txt": "x"},
                                        ["claims", "--dir", "c", "--out", "out"],
                                        ["--dir c", "no claim files"]),
    "claims from a missing folder": Case({}, ["claims", "--dir", "nowhere", "--out", "out"],
                                         ["--dir nowhere", "no such folder"]),
    "binary claim file": Case({"c/a.yaml": b"\x89PNG\r\n\x1a\n\x00\x00"},
                              ["claims", "--dir", "c", "--out", "out"],
                              ["a.yaml", "not a text file"]),
    "two claims with one id": Case({"c/a.yaml": _claim(), "c/b.yaml": _claim(id="t1")},
                                   ["claims", "--dir", "c", "--out", "out"],
                                   ["id 't1' is used by two claim files", "a.yaml", "b.yaml"]),
    "claims asking for a billion replications": Case(
        {"c/a.yaml": _claim()}, ["claims", "--dir", "c", "--out", "out", "-r", "1000000000"],
        ["1000000000", "from 1 to 10,000"]),
}


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse refuses an option before any command runs
        code = exc.code
    return code, capsys.readouterr().err


def snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_cleanly(name, tmp_path, monkeypatch, capsys):
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    for relative, content in case.files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    before = snapshot(tmp_path)
    code, err = run_cli(case.args, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in case.says:
        assert fragment in err, (fragment, err)
    assert len(err) < 2_000, "messages show excerpts, never whole values"
    assert snapshot(tmp_path) == before, "the command left something behind"


# -- random junk ------------------------------------------------------------------------------

KEYS = ["name", "horizon", "warmup", "seed", "replications", "operations", "demand", "workforce",
        "headcount", "levers", "wip_limit", "timeline", "at", "set", "scale", "staff", "stress",
        "productivity", "projects", "portfolio", "size", "team", "extends", "description"]
SCALARS = (st.none() | st.booleans() | st.integers(-10**30, 10**30)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
           | st.sampled_from(["6 weeks", "1e9", ".inf", "3 years", "balanced", "opex"]))
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner,
                                      max_size=4), max_leaves=20)
JUNK_SETTINGS = settings(max_examples=40, deadline=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_junk(text: str, args: list[str], capsys) -> int:
    """Write ``text`` as junk.yaml in a new folder, run ``args`` on it and check the outcome.

    ``args`` may name ``{file}`` and ``{out}``. Returns the exit status.
    """
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "junk.yaml", Path(folder) / "out"
        path.write_text(text, encoding="utf-8")
        before = snapshot(path.parent)
        code, err = run_cli([a.format(file=path, out=out) for a in args], capsys)
        assert code in (0, 2), err
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("pmosim: error: ")
            assert snapshot(path.parent) == before
        elif out.exists():  # an accepted run wrote one complete folder
            (result,) = out.iterdir()
            assert (result / "summary.csv").is_file()
        return code


@JUNK_SETTINGS
@given(text=st.text(alphabet=string.printable + "{}[]&*!|>'\"%@`\u00e9\u4e2d", max_size=300))
def test_junk_text_never_gives_a_traceback(capsys, text):
    _check_junk(text, ["validate", "{file}"], capsys)


@JUNK_SETTINGS
@given(data=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), JUNK, max_size=5))
def test_structured_junk_never_gives_a_traceback(capsys, data):
    _check_junk(yaml.safe_dump(data), ["validate", "{file}"], capsys)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["operations", "workforce", "levers", "projects", "stress",
                                "opex", "pmo", "benefits", "behaviour"]),
       junk=st.dictionaries(st.text(min_size=1, max_size=20), SCALARS, max_size=3)
       | st.fixed_dictionaries({}, optional={"demand": SCALARS, "headcount": SCALARS,
                                             "wip_limit": SCALARS, "backlog_limit": SCALARS}))
def test_junk_in_a_real_scenario_runs_or_is_refused(capsys, section, junk):
    text = yaml.safe_dump({"extends": BASELINE, section: junk})
    _check_junk(text, ["run", "{file}", *TINY[:-1], "{out}"], capsys)
