"""Natural shorthand gets an error that says what to write instead."""

from __future__ import annotations

import pytest
from conftest import BASELINE

import sim
from sim.errors import ScenarioError


def _error(tmp_path, text: str) -> str:
    path = tmp_path / "to_be.yaml"
    path.write_text(f"extends: {BASELINE}\n{text}", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    return str(info.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("levers:\n  pmo: controlling\n", "write levers.pmo.type: controlling"),
    ("levers:\n  rewards: balanced\n", "write levers.rewards.scheme: balanced"),
    ("pmo: directive\n", "write levers.pmo.type: directive"),
    ("levers:\n  pmo: central\n",
     "write levers.pmo.type: one of none, supportive, controlling, directive"),
])
def test_a_section_given_a_value_says_which_key_takes_it(tmp_path, text, expected):
    message = _error(tmp_path, text)
    assert expected in message and "to_be.yaml" in message


@pytest.mark.parametrize(("key", "home"), [("wip_limit", "levers"), ("sustainment", "levers"),
                                           ("governance", "levers"),
                                           ("demand", "operations"),
                                           ("discount_rate", "finance")])
def test_a_top_level_key_that_belongs_in_a_section_says_where(tmp_path, key, home):
    message = _error(tmp_path, f"{key}: 1\n")
    assert f"{key} belongs under {home}: write {home}.{key}" in message


def test_an_unknown_key_still_lists_the_allowed_ones(tmp_path):
    message = _error(tmp_path, "colour: 3\n")
    assert "colour: unknown key" in message and "levers" in message


def test_the_override_shorthand_gets_the_same_advice():
    with pytest.raises(ScenarioError, match=r"write levers\.pmo\.type: controlling"):
        sim.load_scenario(BASELINE, {"levers.pmo": "controlling"})
