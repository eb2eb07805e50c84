"""Scenario files: every shipped file validates; bad input gets a useful error.

A useful error is a :class:`sim.errors.ScenarioError` whose message names the
file, the key path, the bad value and what is allowed.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from conftest import BASELINE, ROOT, SCENARIOS

import sim
from sim.errors import ScenarioError
from sim.schema import parse_override

SHIPPED = sorted(p for p in SCENARIOS.rglob("*.yaml")  # claims, sweeps, recommend: their own
                 if p.parent not in (SCENARIOS / "claims", SCENARIOS / "sweeps",
                                     SCENARIOS / "recommend"))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path, overrides: dict | None = None) -> str:
    with pytest.raises(ScenarioError) as caught:
        sim.load_scenario(path, overrides)
    return str(caught.value)


def assert_mentions(message: str, *parts: str) -> None:
    missing = [p for p in parts if p not in message]
    assert not missing, f"message lacks {missing}: {message!r}"


# -- shipped scenarios ------------------------------------------------------------------

def test_there_are_scenarios_to_check():
    assert BASELINE in SHIPPED and len(SHIPPED) >= 2


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_every_shipped_scenario_validates(path):
    scenario = sim.load_scenario(path)
    assert scenario.name
    assert scenario.warmup < scenario.horizon


# -- bad files --------------------------------------------------------------------------

def test_unknown_key_suggests_the_nearest(tmp_path):
    path = write(tmp_path, "typo.yaml", """\
        operations:
          demnd: 120
        """)
    assert_mentions(error_of(path), "typo.yaml", "operations.demnd", "unknown key",
                    "Did you mean 'operations.demand'?", "service_mean")


def test_unknown_key_inside_a_list_names_the_element(tmp_path):
    path = write(tmp_path, "typo.yaml", """\
        projects:
          portfolio:
            - {name: a, sise: 10, team: 1}
        """)
    assert_mentions(error_of(path), "typo.yaml", "projects.portfolio[0].sise",
                    "projects.portfolio[0].size")


@pytest.mark.parametrize(("yaml_text", "key", "value"), [
    ("operations:\n  demand: -5\n", "operations.demand", "-5"),
    ("operations:\n  p_defect: 1.5\n", "operations.p_defect", "1.5"),
    ("projects:\n  templates:\n    - {name: t, per_year: -2, size: 10}\n",
     "projects.templates[0].per_year", "-2"),
])
def test_out_of_range_value_names_key_value_and_bound(tmp_path, yaml_text, key, value):
    path = write(tmp_path, "bad.yaml", yaml_text)
    message = error_of(path)
    assert_mentions(message, "bad.yaml", f"{key} = {value}")
    assert "greater than" in message or "less than" in message, message


def test_bad_duration_string_says_what_a_duration_looks_like(tmp_path):
    path = write(tmp_path, "bad.yaml", "horizon: 6 weaks\n")
    assert_mentions(error_of(path), "bad.yaml", "horizon", "'6 weaks'", "is not a duration",
                    "week", "month", "year")


@pytest.mark.parametrize(("yaml_text", "key", "allowed"), [
    ("""\
     workforce: {operations: {headcount: 3}}
     projects: {portfolio: [{name: a, size: 10, team: 5}]}
     """, "projects.portfolio[0].team=5", "at most 3"),
    ("""\
     workforce: {operations: {headcount: 50}, projects: {headcount: 2}}
     projects: {templates: [{name: t, per_year: 1, size: 10, team: 4}]}
     levers: {staffing_source: projects}
     """, "projects.templates[0].team=4", "at most 2"),
])
def test_team_larger_than_its_pool_cannot_be_staffed(tmp_path, yaml_text, key, allowed):
    path = write(tmp_path, "staffing.yaml", yaml_text)
    assert_mentions(error_of(path), "staffing.yaml", key, "cannot be staffed", allowed)


@pytest.mark.parametrize(("yaml_text", "parts"), [
    ("horizon: 100\nwarmup: 100\n", ("warmup=100", "shorter than horizon=100")),
    ("horizon: 10.5\n", ("horizon=10.5", "whole number")),
    ("operations: {demand: 5}\nworkforce: {operations: {headcount: 0}}\n",
     ("operations.demand", "headcount=0")),
    ("projects: {portfolio: [{name: a, size: 1, team: 1}, {name: a, size: 2, team: 1}]}\n",
     ("unique", "a")),
    ("projects: {portfolio: [{name: a, size: 1, team: 1, benefits: "
     "[{kind: demand_reduction, magnitude: 1.2}]}]}\n",
     ("projects.portfolio[0].benefits[0]", "magnitude=1.2", "must be < 1")),
    ("projects: {portfolio: [{name: a, size: 1, team: 1, benefits: "
     "[{kind: productivity, magnitude: 0.1, demand_coupling: 0.5}]}]}\n",
     ("demand_coupling=0.5", "only applies to revenue")),
])
def test_cross_field_rules_are_explained(tmp_path, yaml_text, parts):
    path = write(tmp_path, "rules.yaml", yaml_text)
    assert_mentions(error_of(path), "rules.yaml", *parts)


def test_several_problems_are_reported_together(tmp_path):
    path = write(tmp_path, "many.yaml", "operations: {demand: -1, sla: 0}\nseed: -3\n")
    assert_mentions(error_of(path), "many.yaml", "3 problems", "operations.demand",
                    "operations.sla", "seed")


def test_missing_file_is_named(tmp_path):
    message = error_of(tmp_path / "nowhere.yaml")
    assert_mentions(message, "nowhere.yaml", "no such")


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = write(tmp_path, "broken.yaml", """\
        name: broken
        operations:
          demand: 100
           service_mean: 0.3
        """)
    assert_mentions(error_of(path), "broken.yaml", "not valid YAML", "line 4")


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = write(tmp_path, "list.yaml", "- 1\n- 2\n")
    assert_mentions(error_of(path), "list.yaml", "mapping")


# -- extends ----------------------------------------------------------------------------

PARENT = """\
    name: parent
    horizon: 1 year
    operations: {demand: 100, service_mean: 0.2}
    workforce: {operations: {headcount: 40}}
    projects:
      portfolio:
        - {name: a, size: 100, team: 2}
        - {name: b, size: 200, team: 3}
    """


def test_child_overrides_parent_and_merges_sections(tmp_path):
    write(tmp_path, "base/parent.yaml", PARENT)
    child = write(tmp_path, "child.yaml", """\
        extends: base/parent.yaml
        operations: {demand: 150}
        projects:
          portfolio:
            - {name: c, size: 50, team: 1}
        """)
    scenario = sim.load_scenario(child)
    assert scenario.name == "child"                 # the parent's name is not inherited
    assert scenario.operations.demand == 150        # child wins
    assert scenario.operations.service_mean == 0.2  # sibling keys kept from the parent
    assert scenario.horizon == 252 and scenario.workforce.operations.headcount == 40
    assert [p.name for p in scenario.projects.portfolio] == ["c"]  # lists replaced whole


def test_extends_chain_of_three(tmp_path):
    write(tmp_path, "a.yaml", PARENT)
    write(tmp_path, "b.yaml", "extends: a.yaml\nhorizon: 2 years\noperations: {demand: 90}\n")
    c = write(tmp_path, "c.yaml", "extends: b.yaml\noperations: {demand: 80}\n")
    scenario = sim.load_scenario(c)
    assert (scenario.horizon, scenario.operations.demand) == (504, 80)
    assert scenario.operations.service_mean == 0.2


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "one.yaml", "extends: two.yaml\n")
    write(tmp_path, "two.yaml", "extends: three.yaml\n")
    write(tmp_path, "three.yaml", "extends: one.yaml\n")
    message = error_of(tmp_path / "one.yaml")
    assert_mentions(message, "cycle")
    assert re.search(r"one\.yaml -> .*two\.yaml -> .*three\.yaml -> .*one\.yaml", message), message


def test_extends_missing_parent_is_reported(tmp_path):
    child = write(tmp_path, "child.yaml", "extends: gone.yaml\n")
    assert_mentions(error_of(child), "child.yaml", "extends", "gone.yaml", "no such file")


def test_error_in_parent_names_the_merged_key(tmp_path):
    write(tmp_path, "parent.yaml", "operations: {demand: -1}\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\n")
    assert_mentions(error_of(child), "operations.demand = -1")


# -- overrides --------------------------------------------------------------------------

def test_overrides_set_nested_keys_and_list_elements():
    scenario = sim.load_scenario(BASELINE, {
        "operations.demand": 120, "workforce.operations.headcount": 10,
        "projects.portfolio.0.team": 2, "projects.portfolio[1].size": 77,
        "projects.portfolio.2.benefits.0.magnitude": 0.1, "horizon": "6 weeks"})
    assert scenario.operations.demand == 120
    assert scenario.workforce.operations.headcount == 10
    assert scenario.projects.portfolio[0].team == 2
    assert scenario.projects.portfolio[1].size == 77
    assert scenario.projects.portfolio[2].benefits[0].magnitude == 0.1
    assert scenario.horizon == 30
    assert sim.load_scenario(BASELINE).operations.demand == 300  # the file is untouched


def test_override_with_unknown_key_suggests_the_nearest():
    message = error_of(BASELINE, {"operations.demnd": 120})
    assert_mentions(message, "operations.demnd", "Did you mean 'operations.demand'?")


def test_override_list_index_out_of_range_says_how_many():
    message = error_of(BASELINE, {"projects.portfolio.7.size": 10})
    assert_mentions(message, "projects.portfolio.7", "3 entries", "0..2")


def test_override_bad_value_names_key_and_value():
    message = error_of(BASELINE, {"projects.portfolio.0.size": -4})
    assert_mentions(message, "baseline.yaml", "projects.portfolio[0].size = -4", "greater than")


def test_override_cannot_descend_into_a_value():
    message = error_of(BASELINE, {"operations.demand.peak": 3})
    assert_mentions(message, "operations.demand", "300", "not a section")


def test_override_making_staffing_impossible_is_caught():
    message = error_of(BASELINE, {"workforce.operations.headcount": 4})
    assert_mentions(message, "projects.portfolio[1].team=5", "at most 4")


@pytest.mark.parametrize(("text", "expected"), [
    ("operations.demand=120", ("operations.demand", 120)),
    ("horizon=6 weeks", ("horizon", "6 weeks")),
    ("projects.portfolio.0.size = 80.5", ("projects.portfolio.0.size", 80.5)),
    ("levers.capacity_aware_intake=true", ("levers.capacity_aware_intake", True)),
])
def test_parse_override_reads_yaml_scalars(text, expected):
    assert parse_override(text) == expected


def test_parse_override_without_equals_is_refused():
    with pytest.raises(ScenarioError, match=r"key\.path=value"):
        parse_override("operations.demand")


@pytest.mark.parametrize(("key", "text", "expected"), [
    ("levers.wip_limit", "7", 7),
    ("operations.demand", "120", 120.0),
    ("horizon", "3 months", 63.0),
])
def test_string_override_values_are_validated_like_file_values(key, text, expected):
    scenario = sim.load_scenario(BASELINE, {key: text})
    node = scenario
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    assert node == expected


# -- durations --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "days"), [
    ("6 weeks", 30.0), ("3 months", 63.0), ("2 years", 504.0), ("1 week", 5.0),
    ("10 days", 10.0), ("0.5 years", 126.0), (40, 40.0), ("15", 15.0),
])
def test_durations_are_working_days(tmp_path, text, days):
    value = f'"{text}"' if isinstance(text, str) else text
    path = write(tmp_path, "d.yaml", f"""\
        horizon: 3 years
        projects: {{discovery_delay: {value}}}
        benefits: {{erosion: {value}}}
        """)
    scenario = sim.load_scenario(path)
    assert scenario.projects.discovery_delay == days
    assert scenario.benefits.erosion == days
    assert sim.load_scenario(BASELINE, {"horizon": text}).horizon == days


# -- limits and strict reading --------------------------------------------------------------

@pytest.mark.parametrize(("yaml_text", "parts"), [
    ("operations: {demand: .inf}\n", ("operations.demand = inf", "finite number")),
    ("workforce: {attrition: {rate: .nan}}\n", ("workforce.attrition.rate = nan", "finite")),
    ("stress: {productivity: [[0, 1], [1, .inf]]}\n", ("stress.productivity", "finite")),
    ("operations: {demand: true}\n", ("operations.demand = True", "not numbers")),
    ("workforce: {multitasking: [1, true]}\n", ("workforce.multitasking", "not numbers")),
    ("seed: false\n", ("seed = False", "not numbers")),
    ("horizon: 1.0e9\n", ("horizon = '1.0e9'", "less than or equal to 25200")),
    ("operations: {demand: 1.0e+308}\n", ("operations.demand", "less than or equal to 100000")),
    ("replications: 1000000000\n", ("replications = 1000000000", "10000")),
    ("workforce: {operations: {headcount: 100000}}\n",
     ("workforce.operations.headcount = 100000", "10000")),
    ("horizon: 100 years\noperations: {demand: 50000}\n"
     "workforce: {operations: {headcount: 10000}}\n",
     ("operations.demand=50000", "horizon=25200", "limit is 100,000,000")),
    ("horizon: 3 years\nprojects: {templates: [{name: t, per_year: 5.0e4, size: 10, team: 1}]}\n",
     ("projects.templates", "proposals", "limit is 100,000")),
    ("timeline: [{at: 5, staff: {operations: 9990}}]\n",
     ("timeline[0].staff.operations=9990", "10110", "limit is 10,000")),
])
def test_numbers_are_finite_not_booleans_and_bounded(tmp_path, yaml_text, parts):
    path = write(tmp_path, "limits.yaml", yaml_text)
    assert_mentions(error_of(path), "limits.yaml", *parts)


def test_a_key_given_twice_is_an_error_naming_key_and_lines(tmp_path):
    path = write(tmp_path, "twice.yaml", """\
        operations:
          demand: 100
          sla: 2
          demand: 200
        """)
    assert_mentions(error_of(path), "twice.yaml", "line 4", "'demand' is given twice",
                    "first at line 2")


def test_a_yaml_merge_key_may_be_overridden(tmp_path):
    path = write(tmp_path, "merge.yaml", """\
        common: &common {demand: 100, sla: 3}
        """)
    text = "operations:\n  <<: {demand: 100, sla: 3}\n  demand: 120\n"
    path.write_text(text, encoding="utf-8")
    scenario = sim.load_scenario(path)
    assert (scenario.operations.demand, scenario.operations.sla) == (120, 3)


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("description:\n" + "".join(f"  {line}\n" for line in lines))
    assert_mentions(error_of(path), "bomb.yaml", "aliases", "limit is 100,000")


def test_a_large_value_is_shown_as_a_short_excerpt(tmp_path):
    path = write(tmp_path, "long.yaml", f"description: [{', '.join(['word'] * 5000)}]\n")
    message = error_of(path)
    assert_mentions(message, "description = ['word', 'word', 'word', 'word', ...]")
    assert len(message) < 300


@pytest.mark.parametrize(("content", "parts"), [
    (b"\x00\x01binary\xff", ("not a text file",)),
    (b"name: caf\xe9\n", ("cannot read the file",)),
    (b"a: [" * 3000, ("nests more than 64 levels deep",)),
    (b"seed: 1" + b"1" * 5000 + b"\n", ("too many digits",)),
    (b"12: 3\n", ("keys must be text",)),
])
def test_unreadable_files_are_refused(tmp_path, content, parts):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    assert_mentions(error_of(path), "odd.yaml", *parts)


def test_a_file_too_large_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("description: " + "x" * 1_100_000 + "\n")
    assert_mentions(error_of(path), "huge.yaml", "at most 1,048,576")


def test_bad_value_in_a_parent_names_the_parent(tmp_path):
    write(tmp_path, "base/parent.yaml", "operations: {demand: -1, sla: 3}\nhorizon: 2 years\n")
    child = write(tmp_path, "child.yaml", "extends: base/parent.yaml\noperations: {sla: 0}\n")
    message = error_of(child)
    assert_mentions(message, "child.yaml", "operations.demand = -1",
                    f"(set in {tmp_path / 'base' / 'parent.yaml'})", "operations.sla = 0")
    sla = next(line for line in message.splitlines() if "operations.sla" in line)
    assert "set in" not in sla  # the child's own value


def test_an_override_wins_over_a_parent_in_the_message(tmp_path):
    write(tmp_path, "parent.yaml", "operations: {demand: -1}\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\n")
    message = error_of(child, {"operations.demand": -2})
    assert_mentions(message, "operations.demand = -2", "(from the override")
    assert "set in" not in message


def test_an_unknown_key_that_looks_like_a_class_name_is_named(tmp_path):
    path = write(tmp_path, "caps.yaml", "Operations: {demand: 5}\n")
    assert_mentions(error_of(path), "caps.yaml", "Operations: unknown key",
                    "Did you mean 'operations'?")


def test_keys_with_unicode_digits_are_keys_not_indices(tmp_path):
    path = write(tmp_path, "digits.yaml", "operations: {\u00b2: 1}\n")
    assert_mentions(error_of(path), "digits.yaml", "operations.\u00b2: unknown key")
    assert_mentions(error_of(BASELINE, {"projects.portfolio.\u00b2.size": 3}),
                    "projects.portfolio.\u00b2", "not an element of a list")
