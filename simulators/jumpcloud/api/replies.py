"""Reply shapes shared by the routes: v1 envelopes, v2 arrays with X-Total-Count, 204s."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify

from ..model.query import Query, apply, project


def v1_list(total: int, results: list) -> Response:
    return jsonify({"totalCount": total, "results": results})


def v2_list(
    items: list, query: Query | None = None, id_key: str | tuple[str, ...] = "id"
) -> Response:
    """Filter/sort/page ``items`` in Python (small collections) and reply as a bare array."""
    if query is None:
        total, page = len(items), items
    else:
        known: Callable[[str], bool] = lambda name: any(name.split(".")[0] in i for i in items)  # noqa: E731
        total, page = apply(items, query, known)
        page = [project(i, query.fields, id_key) for i in page]
    response = jsonify(page)
    response.headers["X-Total-Count"] = str(total)
    return response


def empty(status: int = 204) -> Response:
    """A reply with no body, typed as the API's one media type (Flask would say text/html)."""
    return Response(status=status, content_type="application/json")


def no_content() -> Response:
    return empty(204)
