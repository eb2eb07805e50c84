"""Scenario files: the schema of conditions and levers, and how files are loaded."""

from sim.schema.loading import (
    load_scenario,
    load_with_warnings,
    parse_override,
    validate_scenario,
)
from sim.schema.scenario import Benefit, Scenario, scenario_warnings

__all__ = ["Benefit", "Scenario", "load_scenario", "load_with_warnings", "parse_override",
           "scenario_warnings", "validate_scenario"]
