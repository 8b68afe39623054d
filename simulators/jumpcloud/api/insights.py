"""Directory Insights: the organization's event log, ``POST /insights/directory/v1/events``.

Real JumpCloud serves Directory Insights on ``https://api.jumpcloud.com/insights/directory/v1``;
the lab's topology has no ``api`` host, so it is served on the console host:
point a client's Insights base URL (e.g. ``JC_INSIGHTS_BASE_URL``) at
``https://<console>/insights/directory/v1``. Same credentials as the admin API (``x-api-key`` or a
service-account bearer, ``x-org-id`` rules) and JumpCloud's ``{code, message, status}`` errors.

Body (JSON object):
- ``service`` (required): ``["all"]`` or service names (``directory``, ``user_portal``, ``sso``,
  ``office_365``…);
- ``start_time`` (required), ``end_time`` (exclusive): ISO-8601 instants;
- ``limit``: 1..10000 (default 10000); ``sort``: ``ASC`` | ``DESC`` (default ``DESC``, by time);
- ``search_after``: the previous reply's ``X-Search_after`` header, to read the next page;
- ``fields``: top-level keys to keep; ``search_term``: ``{"and"|"or": {path: value | [values]}}``
  (or a list of such objects): equality on dotted paths such as ``resource.id``.

Reply: a JSON array of events ``{id, event_type, service, timestamp, organization, initiated_by,
resource, success, version, client_ip?, …}`` where the event's own details sit at the top level,
as Directory Insights shows them. Headers: ``X-Result-Count``, ``X-Limit`` and, when a page is
full, ``X-Search_after`` (JSON ``[epoch ms, id]`` of its last event).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from flask import Blueprint, Response, jsonify, request

from simulators.core.apisetup import guard_api

from ..model import JumpCloudModel
from ..model.errors import BadRequest, JumpCloudError
from ..model.ids import iso, parse_iso
from .auth import authenticate, caller
from .errors import model_error

PREFIX = "/insights/directory/v1"
MAX_LIMIT = 10_000
CORE_KEYS = ("id", "event_type", "service", "timestamp", "organization", "initiated_by",
             "resource", "success")  # fmt: skip


def insights_blueprint(model: JumpCloudModel) -> Blueprint:
    bp = Blueprint("jumpcloud_insights", __name__, url_prefix=PREFIX)
    guard_api(bp, lambda: authenticate(model), JumpCloudError, model_error)

    @bp.post("/events")
    def events() -> Response:
        org_id = caller().org_id
        query = EventQuery.parse(request.get_json(silent=True))
        after = None
        if query.search_after is not None:
            after = model.events.cursor(org_id, query.search_after)
            if after is None:
                raise BadRequest("search_after: does not name an event of this organization")
        found = model.events.query(
            org_id,
            start=query.start,
            end=query.end,
            services=query.services,
            after=after,
            descending=query.descending,
        )
        page = list(islice(_matching(found, query.search_term), query.limit))
        response = jsonify([query.project(insights_event(e)) for e in page])
        response.headers["X-Result-Count"] = str(len(page))
        response.headers["X-Limit"] = str(query.limit)
        if page and len(page) == query.limit:
            last = page[-1]
            millis = int(dt.datetime.fromisoformat(last["timestamp"]).timestamp() * 1000)
            response.headers["X-Search_after"] = json.dumps([millis, last["id"]])
        return response

    return bp


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
        self.start = _instant(body.get("start_time"), "start_time", required=True)
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
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadRequest(f"{name}: required, an ISO-8601 time such as 2024-01-01T00:00:00Z")
    return iso(parsed.astimezone(dt.UTC))


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
