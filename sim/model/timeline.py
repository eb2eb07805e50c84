"""Timeline events: scheduled changes to levers, conditions and staff.

Each event takes effect at the start of its day. ``set`` gives keys new values,
``scale`` multiplies numeric keys, ``staff`` adds or removes people; with
``for`` the set and scale changes are undone that much later (a pulse): set keys
get back the value they had before the event and scaled keys are divided by
their factor. Every change is logged so that a run can show exactly what
happened when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.schema.loading import get_key_path
from sim.schema.organisation import TimelineEvent


@dataclass(order=True)
class Change:
    """One dated change: the start or the end of an event."""

    time: float
    order: int
    index: int = field(compare=False)
    event: TimelineEvent = field(compare=False)
    ending: bool = field(compare=False, default=False)
    undo: dict[str, Any] = field(compare=False, default_factory=dict)


def schedule(events: tuple[TimelineEvent, ...]) -> list[Change]:
    """Return the starts of all events in time order (ties: file order)."""
    return sorted(Change(e.at, i, i, e) for i, e in enumerate(events))


def previous_values(document: dict, event: TimelineEvent) -> dict[str, Any]:
    """The values the keys ``event`` sets have before it (to undo a pulse)."""
    return {key: get_key_path(document, key) for key in event.set}


def describe(event: TimelineEvent, ending: bool) -> str:
    """A short, readable account of what a change does."""
    parts = [f"{k}={v!r}" for k, v in event.set.items()]
    parts += [f"{k} x{f:g}" if not ending else f"{k} /{f:g}" for k, f in event.scale.items()]
    parts += [f"{g} {n:+d}" for g, n in event.staff.items()]
    return ("end: " if ending else "") + ", ".join(parts)
