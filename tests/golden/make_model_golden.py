"""Record the whole model's outputs for fixed seeds, every mechanism on (the model golden files).

Each case is a shipped scenario with some changes, frozen here as its resolved
scenario (``model/<case>.yaml``) so that later edits to the shipped files do not
move it. ``tests/test_model_golden.py`` requires a run of each frozen scenario to
reproduce the recorded summary, weekly series, project table and event log bit
for bit: a change of structure (a refactor, a faster desk) must not move a
single figure. Regenerate them only for a deliberate change of the model, and
say which figures moved and why:

    .venv/bin/python tests/golden/make_model_golden.py
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import sim
from sim.studies.folders import scenario_document

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "model"
REPLICATIONS = (0, 1)

CASES: dict[str, tuple[str, dict]] = {
    # the baseline: attrition and hiring, stress, a supportive PMO, benefits eroding
    "baseline": ("scenarios/baseline.yaml", {"horizon": "1 year"}),
    # a busy season under operations-only reviews: diversion, misalignment, both stresses
    "busy_operations_only": ("scenarios/claims/bases/busy_season.yaml", {
        "horizon": "1 year", "levers.rewards.scheme": "operations_only"}),
    # near capacity with improvement time, cut at day 100: time debt, capability erosion
    "near_capacity_harder": ("scenarios/claims/bases/near_capacity.yaml", {
        "horizon": "1 year",
        "timeline": [{"at": 100, "set": {"levers.improvement_share": 0.0}}]}),
    # large teams, rescues, impatient customers, new hires joining a project
    "large_projects_rescue": ("scenarios/claims/bases/large_projects.yaml", {
        "horizon": "1 year", "operations.patience": 3,
        "levers.rescue_late_projects": {"slip_above": 0.2, "people": 4, "times": 2},
        "timeline": [{"at": 60, "join": {"project": "customer-portal", "people": 2,
                                         "new_hires": True}}]}),
    # systems governance, a controlling PMO that cancels and disbands, staff changes, a pulse
    "systems_controlling": ("scenarios/baseline.yaml", {
        "horizon": "1 year", "levers.governance": "systems",
        "levers.rewards.scheme": "outcome_based", "levers.sustainment": "project",
        "levers.capacity_aware_intake": True,
        "levers.pmo": {"type": "controlling", "disband_at": 160},
        "pmo.cancel_slip": 0.5, "pmo.gate_interval": 42,
        "timeline": [{"at": 100, "staff": {"operations": 5}},
                     {"at": 120, "for": 30, "scale": {"operations.demand": 1.25}},
                     {"at": 150, "staff": {"operations": -3}}]}),
}


def frozen(case: str) -> Path:
    """The frozen scenario file of ``case``."""
    return OUT / f"{case}.yaml"


def main() -> None:
    """Freeze every case's scenario and write its outputs for each replication."""
    OUT.mkdir(exist_ok=True)
    for case, (path, overrides) in CASES.items():
        scenario = sim.load_scenario(ROOT / path, overrides)
        frozen(case).write_text(yaml.safe_dump(scenario_document(scenario), sort_keys=False))
        scenario = sim.load_scenario(frozen(case))
        for replication in REPLICATIONS:
            result = sim.run(scenario, replication)
            stem = OUT / f"{case}_r{replication}"
            stem.with_suffix(".json").write_text(
                json.dumps(result.summary, indent=1, sort_keys=True) + "\n")
            for table in ("weekly", "projects", "events"):
                getattr(result, table).to_csv(stem.with_suffix(f".{table}.csv"), index=False,
                                              float_format="%.17g")


if __name__ == "__main__":
    main()
