"""What the journey pages show: the journeys of the timeline, one journey's diagram and messages."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from harness.studio.diagram import sequence_svg
from harness.studio.facts import Facts, facts_from_lab
from harness.studio.journeys import LANE_TITLES, Exchange, Journey, group_journeys
from harness.studio.lab_api import LabApi
from harness.studio.messages import Message, decode_exchange
from simulators.core.explanations import Explanation, explain

log = logging.getLogger("m365lab.studio")
RAW_CAP = 4000


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
            # group_journeys orders by real start time (across processes); the list is newest first
            found = list(reversed(group_journeys(entries)))
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


def _lab_facts(api: LabApi) -> Facts | None:
    import requests  # loaded by the session already; kept off the start-up path

    try:
        return facts_from_lab(api.data)
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.info("the journey page shows messages without expectations: %s", exc)
        return None


def _raw(entry: dict, side: str) -> str:
    headers = entry.get(f"{side}_headers") or {}
    lines = [f"{k}: {v}" for k, v in headers.items()]
    body = entry.get(f"{side}_body") or ""
    text = "\n".join(lines) + ("\n\n" + body if body else "")
    return text if len(text) <= RAW_CAP else text[:RAW_CAP] + "…"


def exchange_view(exchange: Exchange, facts: Facts | None) -> dict:
    """One exchange as the page lists it, with its decoded messages."""
    entry = exchange.entry
    messages: list[Message] = decode_exchange(exchange, facts)
    return {
        "anchor": exchange.anchor,
        "source": LANE_TITLES.get(exchange.source, exchange.source),
        "target": LANE_TITLES.get(exchange.target, exchange.target),
        "label": exchange.label,
        "is_error": exchange.is_error,
        "error_code": exchange.error_code,
        "open": exchange.is_error or any(f.ok is False for m in messages for f in m.fields),
        "method": entry.get("method", ""),
        "url": entry.get("url", ""),
        "status": entry.get("status", ""),
        "messages": messages,
        "request": _raw(entry, "request"),
        "response": _raw(entry, "response"),
        "decisions": [json.dumps(d.get("decision", d), indent=1) for d in exchange.decisions],
    }


def explanation_of(journey: Journey, facts: Facts | None, api: LabApi) -> dict | None:
    """ "Why it failed" for a journey that failed: the catalogue's entry, filled in."""
    if journey.ok or not journey.outcome:
        return None
    who = journey.who or ""
    user = facts.users.get(who.lower()) if facts and who else None
    values = {
        "user": who or None,
        "upn": who or None,
        "domain": who.partition("@")[2] or None,
        "immutable_id": user.immutable_id if user else None,
        "jumpcloud_id": user.jumpcloud_id if user else None,
        "sub_reason": journey.sub_reason,
    }
    found: Explanation = explain(journey.outcome, values)
    link = None
    if found.fix_link:
        host, _, path = found.fix_link.partition(":")
        urls = api.data.get("urls", {})
        link = urls[host].rstrip("/") + path if host in urls else None
    return {"code": journey.outcome, "found": found, "fix_url": link}


def journey_detail(journey: Journey, api: LabApi) -> dict:
    """The template values of one journey's page."""
    facts = _lab_facts(api)
    return {
        "journey": journey,
        "outcome": outcome_text(journey),
        "svg": sequence_svg(journey),
        "exchanges": [exchange_view(x, facts) for x in journey.exchanges],
        "explanation": explanation_of(journey, facts, api),
    }
