"""The model's mechanisms, each with the setting that switches it off (its knock-out).

A verdict rests on some mechanisms and not on others. To show which, a claim's
deciding checks are re-run with each mechanism switched to its neutral setting
in turn (docs/model.md, "Neutral settings"), and the report lists the knock-outs
that flip or erase the verdict. The mechanisms are those of the feedback loops in
:mod:`sim.loops`; ``loops`` names the loops each one carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mechanism:
    """A mechanism of the model and the key changes that switch it off.

    Attributes
    ----------
    name
        Short name, as the report shows it.
    what
        What it does, in one line.
    neutral
        Key paths and the values that switch it off.
    loops
        Tags of the feedback loops (:data:`sim.loops.LOOPS`) it carries.
    """

    name: str
    what: str
    neutral: dict[str, Any]
    loops: tuple[str, ...] = ()


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("diversion", "under pressure people put the day job first, as far as their "
              "rewards tell them", {"behaviour.divert_gain": 0.0},
              ("WH", "R1", "R1s", "R4", "B1", "B2")),
    Mechanism("challenge stress", "overload raises challenge stress (a little helps, more hurts)",
              {"stress.overload_gain": 0.0}, ("R2", "R2d", "R2a")),
    Mechanism("hindrance stress", "misalignment (role conflict) raises hindrance stress, "
              "which slows people down and drives them out",
              {"stress.misalignment_gain": 0.0}, ("R2", "R2d", "R2a")),
    Mechanism("unrewarded work reviewed on the day job", "someone whose own work carries no "
              "reward weight is reviewed on the day job (so an OpEx team is misaligned under "
              "operations-only reviews)", {"behaviour.unrewarded_ops_share": 0.0},
              ("R2", "R2a", "R1")),
    Mechanism("attrition", "people leave, seats stay empty until a hire, new hires ramp up",
              {"workforce.attrition.rate": 0.0}, ("R2a",)),
    Mechanism("capability erosion", "neglected capability erodes",
              {"opex.capability_min": 1.0}, ("R1",)),
    Mechanism("failure demand", "completed items come back as defects",
              {"operations.p_defect": 0.0}, ("R1", "R2d")),
    Mechanism("communication overhead", "team size costs communication time",
              {"projects.communication_overhead": 0.0}, ("R5",)),
    Mechanism("PMO", "a PMO's standards, monitoring, gates and overhead",
              {"levers.pmo.type": "none"}, ("R3",)),
    Mechanism("PMO learning", "completed projects add to project maturity",
              {"levers.pmo.lessons_learned": False}, ("R3",)),
    Mechanism("sustainment", "somebody sustains benefits after handover",
              {"levers.sustainment": "none"}, ("R1s",)),
    Mechanism("improvement time", "operations staff set time aside for improvement",
              {"levers.improvement_share": 0.0}, ("R1",)),
    Mechanism("capacity-aware intake", "project starts wait while the desk is overloaded",
              {"levers.capacity_aware_intake": False}, ("B4",)),
    Mechanism("customer patience", "customers who wait too long give up",
              {"operations.patience": None}, ("B3",)),
    Mechanism("rescues of late projects", "the PMO adds people to projects forecast to slip",
              {"levers.rescue_late_projects": None}, ("R5",)),
)
"""Every mechanism a knock-out can switch off, in the order the report lists them."""
