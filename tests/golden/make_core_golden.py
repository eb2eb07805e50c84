"""Record the core model's outputs for fixed seeds (the golden files).

The organisational dynamics (stress, rewards, attrition, OpEx, PMO, timeline)
must reduce exactly to the core model when set to their neutral values
(neutral.yaml); the test compares against these files. Regenerate them only for
a deliberate change of the core model:

    .venv/bin/python tests/golden/make_core_golden.py
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import sim

HERE = Path(__file__).resolve().parent
CASES = ("core_baseline", "core_mmc")
"""Frozen copies of the shipped scenarios as the core model knew them."""
REPLICATIONS = (0, 1)


def main() -> None:
    """Write one JSON and one CSV per case and replication."""
    for case in CASES:
        neutral = yaml.safe_load((HERE / "neutral.yaml").read_text())
        scenario = sim.load_scenario(HERE / f"{case}.yaml", neutral)
        for replication in REPLICATIONS:
            result = sim.run(scenario, replication)
            stem = HERE / f"{case}_r{replication}"
            stem.with_suffix(".json").write_text(
                json.dumps(result.summary, indent=1, sort_keys=True) + "\n")
            result.weekly.to_csv(stem.with_suffix(".weekly.csv"), index=False,
                                 float_format="%.17g")
            result.projects.to_csv(stem.with_suffix(".projects.csv"), index=False,
                                   float_format="%.17g")


if __name__ == "__main__":
    main()
