"""``POST /v1.0/$batch``: JSON batching of up to 20 requests, with optional dependsOn."""

from __future__ import annotations

import json

from flask import current_app, request

from simulators.microsoft.graph.common import graph_blueprint, json_body, reply
from simulators.microsoft.model.errors import bad_request

bp = graph_blueprint("batch", __name__)

MAX_REQUESTS = 20
KEPT_HEADERS = ("Content-Type", "Location", "Retry-After", "request-id", "client-request-id")


def _validate(items: object) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise bad_request("The batch request must contain a non-empty 'requests' array.")
    if len(items) > MAX_REQUESTS:
        raise bad_request(f"Too many requests in batch. Max allowed: {MAX_REQUESTS}.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not item.get("id") or not item.get("url"):
            raise bad_request("Each batch request needs an 'id', a 'method' and a 'url'.")
        if str(item["id"]) in seen:
            raise bad_request(f"Batch request id '{item['id']}' is not unique.")
        seen.add(str(item["id"]))
        depends = item.get("dependsOn") or []
        if not isinstance(depends, list) or any(
            str(d) not in seen - {str(item["id"])} for d in depends
        ):
            raise bad_request(
                f"Batch request '{item['id']}' depends on an unknown or later request."
            )
    return items


def _run(item: dict) -> dict:
    url = str(item["url"])
    path = "/v1.0" + (url if url.startswith("/") else "/" + url)
    headers = {k: str(v) for k, v in (item.get("headers") or {}).items()}
    if "Authorization" in request.headers:
        headers.setdefault("Authorization", request.headers["Authorization"])
    body = item.get("body")
    data = None
    if body is not None:
        data = json.dumps(body) if not isinstance(body, str) else body
        headers.setdefault("Content-Type", "application/json")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():  # a fresh ``g`` for the inner request
        response = app.test_client().open(
            path,
            method=str(item.get("method") or "GET").upper(),
            headers=headers,
            data=data,
            base_url=request.host_url,
        )
    out: dict = {
        "id": str(item["id"]),
        "status": response.status_code,
        "headers": {k: v for k, v in response.headers.items() if k in KEPT_HEADERS},
    }
    if response.data:
        if response.mimetype == "application/json":
            out["body"] = response.get_json()
        else:
            out["body"] = response.get_data(as_text=True)
    return out


@bp.post("/$batch")
def batch():
    items = _validate(json_body().get("requests"))
    results: dict[str, dict] = {}
    for item in items:
        failed = [d for d in item.get("dependsOn") or [] if results[str(d)]["status"] >= 400]
        if failed:
            results[str(item["id"])] = {
                "id": str(item["id"]),
                "status": 424,
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "error": {"code": "FailedDependency", "message": "A dependent request failed."}
                },
            }
            continue
        results[str(item["id"])] = _run(item)
    return reply({"responses": list(results.values())})
