"""Helpers shared by the Graph route modules: blueprint factory, JSON bodies, base URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from simulators.microsoft.graph import errors
from simulators.microsoft.graph.auth import caller
from simulators.microsoft.graph.serialize import context
from simulators.microsoft.model.errors import DirectoryError, bad_request, segment_not_found
from simulators.microsoft.services import services

PREFIX = "/v1.0"


def _authenticate() -> None:
    caller()


def _headers(response: Response) -> Response:
    return errors.add_request_headers(response)


def _directory_error(exc: DirectoryError) -> Response:
    return errors.from_directory_error(exc)


def graph_blueprint(name: str, import_name: str) -> Blueprint:
    """A route module's blueprint under ``/v1.0``: caller authentication, Graph headers, errors."""
    bp = Blueprint(f"ms_graph_{name}", import_name, url_prefix=PREFIX)
    bp.before_request(_authenticate)
    bp.after_request(_headers)
    bp.register_error_handler(DirectoryError, _directory_error)
    return bp


def graph_base() -> str:
    return services().ctx.url("graph") + PREFIX


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("Empty or invalid payload: the request body must be a JSON object.")
    return body


def reply(payload: dict, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def page_reply(collection: str, page: Any, render: Callable[[dict], dict]) -> Response:
    """One page of a collection: ``@odata.context``, ``@odata.count`` when asked for, an
    ``@odata.nextLink`` (this request's query with the next ``$skiptoken``) and ``value``."""
    base = graph_base()
    payload: dict = {"@odata.context": context(base, collection)}
    if page.count is not None:
        payload["@odata.count"] = page.count
    if page.next_token:
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "$skiptoken"]
        kept.append(("$skiptoken", page.next_token))
        payload["@odata.nextLink"] = f"{base}/{collection}?{urlencode(kept, safe='$,()')}"
    payload["value"] = [render(row) for row in page.rows]
    return reply(payload)


def no_content() -> Response:
    return Response(status=204)


# directoryObject's derived types a path may cast to, by lower-case name (casts ignore case).
DIRECTORY_TYPES = {
    name.lower(): name
    for name in (
        "user", "group", "application", "servicePrincipal", "administrativeUnit", "device",
        "orgContact", "directoryRole",
    )
}  # fmt: skip
CAST_PREFIXES = ("microsoft.graph.", "graph.")


def cast_type(segment: str) -> str | None:
    """The type an OData cast segment names (``microsoft.graph.user`` or ``graph.user`` → ``user``).

    None when the segment is no cast; a cast to a type that is no directory object is a segment
    Graph does not know (400).
    """
    lowered = segment.lower()
    for prefix in CAST_PREFIXES:
        if lowered.startswith(prefix):
            name = DIRECTORY_TYPES.get(lowered[len(prefix) :])
            if name is None:
                raise segment_not_found(segment)
            return name
    return None


def require_cast(segment: str, *accepted: str) -> str:
    """The type ``segment`` casts to, one of ``accepted`` (else a segment Graph does not know)."""
    name = cast_type(segment)
    if name not in accepted:
        raise segment_not_found(segment)
    return name


def of_cast(
    rows: Callable[[], list[dict]], cast: str | None, kind: str, *accepted: str
) -> list[dict]:
    """Related objects that are all of type ``kind``: every one with no cast or a cast to
    ``kind``, none with a cast to another of the ``accepted`` types (checked first)."""
    wanted = kind if cast is None else require_cast(cast, *accepted)
    found = rows()
    return found if wanted == kind else []


def eventual() -> bool:
    """Whether the request asks for an advanced query (``ConsistencyLevel: eventual``)."""
    return request.headers.get("ConsistencyLevel", "").lower() == "eventual"


def count_reply(total_of) -> Response:
    """``.../$count``: a text/plain number, only with ``ConsistencyLevel: eventual``."""
    if not eventual():
        raise bad_request("$count is not currently supported.")
    return Response(str(total_of()), mimetype="text/plain")
