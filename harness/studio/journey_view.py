"""What the journey pages show: the journeys of the timeline, one journey's diagram and messages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any as Journey

from harness.studio.lab_api import LabApi


class JourneyIndex:
    """The journeys of the lab's timeline, newest first (grouped again only when it grew)."""

    _cache: dict[tuple, list[Journey]] = {}
    _lock = threading.Lock()

    def __init__(self, entries: Callable[[], list[dict]]) -> None:
        self.entries = entries

    def all(self) -> list[Journey]:
        entries = self.entries()
        key = (len(entries), entries[-1]["seq"], entries[-1].get("wall_time")) if entries else ()
        with self._lock:
            found = self._cache.get(key)
        if found is None:
            from harness.studio.journeys import group_journeys

            found = sorted(group_journeys(entries), key=lambda j: j.started, reverse=True)
            with self._lock:
                self._cache.clear()
                self._cache[key] = found
        return found

    def find(self, journey_id: str) -> Journey | None:
        return next((j for j in self.all() if j.id == journey_id), None)


def outcome_text(journey: Journey) -> str:
    if journey.ok:
        return "signed in"
    return journey.outcome or "not finished"


def journey_rows(journeys: list[Journey]) -> list[dict]:
    """The list's rows (also the live feed's ``journeys`` event)."""
    return [
        {
            "id": j.id,
            "title": j.title,
            "who": j.who,
            "outcome": outcome_text(j),
            "ok": j.ok,
            "started": j.started,
            "exchanges": len(j.exchanges),
        }
        for j in journeys
    ]


def journey_detail(journey: Journey, api: LabApi) -> dict:
    """The template values of one journey's page."""
    from harness.studio.diagram import sequence_svg

    return {
        "journey": journey,
        "outcome": outcome_text(journey),
        "svg": sequence_svg(journey),
        "exchanges": journey.exchanges,
    }
