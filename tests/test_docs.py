"""The documentation keeps up with the code: every output column is described."""

from __future__ import annotations

import importlib
import re

from conftest import BASELINE, ROOT, load

import sim
from sim.kpis import KPIS

RESULTS = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")


def test_every_summary_kpi_has_metadata_and_a_definition():
    summary = sim.run(load(BASELINE, {"horizon": 20}), 0).summary
    assert set(summary) == set(KPIS), set(summary) ^ set(KPIS)
    missing = [k for k in KPIS if f"| `{k}` |" not in RESULTS]
    assert not missing, f"KPIs without a row in docs/results.md: {missing}"


def test_every_weekly_and_project_column_is_described():
    result = sim.run(load(BASELINE, {"horizon": 20}), 0)
    columns = [*result.weekly.columns, *result.projects.columns]
    missing = [c for c in dict.fromkeys(columns) if f"`{c}`" not in RESULTS]
    assert not missing, f"columns not described in docs/results.md: {missing}"


MODEL = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
C1_STORY = "## C1's causal story, link by link"
CODE_REFERENCE = re.compile(r"`(sim/[\w/]+\.py)`\s+`([A-Za-z_][\w.]*)`")
"""A code reference in the docs: a module's path, then a function (or Class.method) in it."""


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same level."""
    level = heading.split(" ")[0]
    body = text.split(f"\n{heading}\n", 1)[1]
    return re.split(rf"\n{level} ", body, maxsplit=1)[0]


def code_references(text: str) -> list[tuple[str, str]]:
    return CODE_REFERENCE.findall(text)


def resolves(path: str, name: str) -> bool:
    """Whether the module at ``path`` imports and has the (dotted) attribute ``name``."""
    module = path.removesuffix(".py").replace("/", ".")
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    for part in name.split("."):
        found = getattr(found, part, None)
        if found is None:
            return False
    return callable(found)


def test_every_code_reference_of_c1s_causal_story_exists():
    story = section(MODEL, C1_STORY)
    links = re.split(r"\n### ", story)[1:]
    numbered = [link for link in links if link[0].isdigit()]
    assert len(numbered) == 4, [link.splitlines()[0] for link in links]
    for link in numbered:
        assert code_references(link), f"link {link.splitlines()[0]!r} names no code"
    references = code_references(story)
    missing = [f"`{path}` `{name}`" for path, name in references if not resolves(path, name)]
    assert not missing, f"docs/model.md, {C1_STORY[3:]}: no such code: {missing}"
    assert "### What the model lacks" in story


def test_a_misnamed_code_reference_is_caught():
    assert resolves("sim/model/rewards.py", "reward_share")
    assert resolves("sim/model/rewards.py", "Rewards.judge_and_divert")
    assert not resolves("sim/model/rewards.py", "reward_shares")
    assert not resolves("sim/model/rewards.py", "Rewards.judge")
    assert not resolves("sim/model/reward.py", "reward_share")
    assert code_references("in `sim/model/rewards.py`\n`reward_share`, then") == [
        ("sim/model/rewards.py", "reward_share")]
