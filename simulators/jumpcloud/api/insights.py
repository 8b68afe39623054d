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

from flask import Blueprint, Response, jsonify, request

from simulators.core.apisetup import guard_api

from ..appstate import jumpcloud_model
from ..model.errors import JumpCloudError
from ..model.insights import EventQuery, search
from .auth import authenticate, caller
from .errors import model_error

PREFIX = "/insights/directory/v1"

bp = Blueprint("jumpcloud_insights", __name__, url_prefix=PREFIX)


guard_api(bp, lambda: authenticate(jumpcloud_model()), JumpCloudError, model_error)


@bp.post("/events")
def events() -> Response:
    query = EventQuery.parse(request.get_json(silent=True))
    page = search(jumpcloud_model().events, caller().org_id, query)
    response = jsonify(page.events)
    response.headers["X-Result-Count"] = str(len(page.events))
    response.headers["X-Limit"] = str(page.limit)
    if page.search_after is not None:
        response.headers["X-Search_after"] = page.search_after
    return response
