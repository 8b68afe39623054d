"""Directory Insights rules: the ``POST /events`` query, its search terms and its pages.

``simulators/jumpcloud/api/insights.py`` serves them; this module has no Flask.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .errors import BadRequest
from .events import Events
from .ids import iso, parse_iso

MAX_LIMIT = 10_000
CORE_KEYS = ("id", "event_type", "service", "timestamp", "organization", "initiated_by",
             "resource", "success")  # fmt: skip


@dataclass(frozen=True)
class EventPage:
    """One page of events as Directory Insights shows them; ``search_after`` when it is full."""

    events: list[dict]
    limit: int
    search_after: str | None


def search(events: Events, org_id: str, query: EventQuery) -> EventPage:
    """The page of ``org_id``'s events that ``query`` asks for."""
    after = None
    if query.search_after is not None:
        after = events.cursor(org_id, query.search_after)
        if after is None:
            raise BadRequest("search_after: does not name an event of this organization")
    found = events.query(
        org_id,
        start=query.start,
        end=query.end,
        services=query.services,
        after=after,
        descending=query.descending,
    )
    page = list(islice(_matching(found, query.search_term), query.limit))
    cursor = None
    if page and len(page) == query.limit:
        last = page[-1]
        millis = int(dt.datetime.fromisoformat(last["timestamp"]).timestamp() * 1000)
        cursor = json.dumps([millis, last["id"]])
    return EventPage([query.project(insights_event(e)) for e in page], query.limit, cursor)


def insights_event(event: dict) -> dict:
    """A model event as Directory Insights shows it: its details at the top level."""
    out = {key: event[key] for key in CORE_KEYS}
    out["version"] = "1"
    for key, value in (event.get("details") or {}).items():
        out.setdefault(key, value)
    return out


class EventQuery:
    """A checked ``POST /events`` body."""

    def __init__(self, body: dict) -> None:
        self.services = _services(body.get("service"))
        start = _instant(body.get("start_time"), "start_time", required=True)
        assert start is not None  # required: _instant refused a missing one
        self.start = start
        self.end = _instant(body.get("end_time"), "end_time")
        self.limit = _limit(body.get("limit"))
        sort = body.get("sort") or "DESC"
        if not isinstance(sort, str) or sort.upper() not in ("ASC", "DESC"):
            raise BadRequest("sort: must be ASC or DESC")
        self.descending = sort.upper() == "DESC"
        self.search_after = _search_after(body.get("search_after"))
        fields = body.get("fields")
        if fields is not None and (
            not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
        ):
            raise BadRequest("fields: must be an array of strings")
        self.fields = fields or None
        self.search_term = _search_term(body.get("search_term"))

    @classmethod
    def parse(cls, body: Any) -> EventQuery:
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        return cls(body)

    def project(self, event: dict) -> dict:
        return {k: v for k, v in event.items() if k in self.fields} if self.fields else event


def _services(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise BadRequest('service: required, an array of service names such as ["all"]')
    return None if "all" in value else value


def _instant(value: Any, name: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    try:
        parsed = parse_iso(value) if isinstance(value, str) else None
        instant = iso(parsed.astimezone(dt.UTC)) if parsed is not None else None
    except (ValueError, OverflowError):  # not a time, or out of range once in UTC
        instant = None
    if instant is None:
        raise BadRequest(f"{name}: required, an ISO-8601 time such as 2024-01-01T00:00:00Z")
    return instant


def _limit(value: Any) -> int:
    if value is None:
        return MAX_LIMIT
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit: must be an integer between 1 and {MAX_LIMIT}")
    return value


def _search_after(value: Any) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        raise BadRequest("search_after: must be the X-Search_after value of the previous page")
    return value[1]


def _search_term(value: Any) -> tuple[dict, dict]:
    """``(all of, any of)``: dotted path → wanted value (or values)."""
    if value is None:
        return {}, {}
    if not isinstance(value, dict) or not set(value) <= {"and", "or"}:
        raise BadRequest('search_term: must be {"and": {...}} and/or {"or": {...}}')
    parts: list[dict] = []
    for key in ("and", "or"):
        terms = value.get(key) or []
        terms = [terms] if isinstance(terms, dict) else terms
        if not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
            raise BadRequest(f"search_term.{key}: must be an object of path: value")
        parts.append({path: wanted for term in terms for path, wanted in term.items()})
    return parts[0], parts[1]


def _value_at(event: dict, path: str) -> Any:
    current: Any = insights_event(event)
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _equal(actual: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    return any(str(actual).lower() == str(option).lower() for option in options)


def _matching(events: Iterable[dict], term: tuple[dict, dict]) -> Iterator[dict]:
    every, some = term
    for event in events:
        if not all(_equal(_value_at(event, p), v) for p, v in every.items()):
            continue
        if some and not any(_equal(_value_at(event, p), v) for p, v in some.items()):
            continue
        yield event
