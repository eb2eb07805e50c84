"""Timeline events: scheduled changes to levers, conditions and staff.

Each event takes effect at the start of its day. ``set`` gives keys new values,
``scale`` multiplies numeric keys, ``staff`` adds or removes people, ``join``
puts people on a running project; with
``for`` the set and scale changes are undone that much later (a pulse): set keys
get back the value they had before the event and scaled keys are divided by
their factor. Every change is logged so that a run can show exactly what
happened when.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sim.schema.loading import get_key_path
from sim.schema.organisation import TimelineEvent
from sim.schema.scenario import Scenario, apply_changes


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


class Timeline:
    """The scheduled changes of one run, and the log of those that happened.

    Parameters
    ----------
    events
        The scenario's timeline.
    """

    def __init__(self, events: tuple[TimelineEvent, ...]):
        self._changes = schedule(events)
        self.events: list[dict] = []

    def due(self, now: float) -> Iterator[Change]:
        """Yield the changes due by ``now`` (starts and ends of pulses), in order."""
        while self._changes and self._changes[0].time <= now:
            yield heapq.heappop(self._changes)

    def scenario_after(self, change: Change, scenario: Scenario) -> Scenario:
        """The scenario once ``change``'s set and scale (or their undoing) are made.

        The start of a pulse also schedules its end, with the values to restore.
        """
        event = change.event
        if change.ending:
            factors = {k: 1.0 / f for k, f in event.scale.items()}
            return apply_changes(scenario, change.undo, factors)
        if event.for_ is not None:
            document = scenario.model_dump(mode="json", by_alias=True)
            heapq.heappush(self._changes, Change(
                change.time + event.for_, change.order, change.index, event,
                ending=True, undo=previous_values(document, event)))
        if event.set or event.scale:
            return apply_changes(scenario, event.set, event.scale)
        return scenario

    def log(self, now: float, change: Change, described: str) -> None:
        """Record that ``change`` happened at ``now``."""
        self.events.append({"day": float(now), "event": change.index,
                            "label": change.event.label, "change": described})
