"""Graph's OData error body with ``innerError`` and request-id headers."""

from __future__ import annotations

import uuid

from flask import Response, g, jsonify, request

from simulators.microsoft.model.errors import DirectoryError, segment_not_found
from simulators.microsoft.services import services

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def request_ids() -> tuple[str, str]:
    """(request-id, client-request-id) of the current request, made once per request."""
    if "graph_request_id" not in g:
        g.graph_request_id = str(uuid.uuid4())
        g.graph_client_request_id = request.headers.get("client-request-id") or g.graph_request_id
    return g.graph_request_id, g.graph_client_request_id


def add_request_headers(response: Response) -> Response:
    request_id, client_request_id = request_ids()
    response.headers["request-id"] = request_id
    response.headers["client-request-id"] = client_request_id
    response.headers["x-ms-ags-diagnostic"] = (
        '{"ServerInfo":{"DataCenter":"Lab","Slice":"E","Ring":"1","ScaleUnit":"000",'
        '"RoleInstance":"m365lab"}}'
    )
    return response


def odata_error(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict] | None = None,
    target: str | None = None,
) -> Response:
    request_id, client_request_id = request_ids()
    now = services().ctx.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    inner: dict = {"date": now, "request-id": request_id, "client-request-id": client_request_id}
    error: dict = {"code": code, "message": message}
    if status == 429:
        inner.update({"code": "429", "message": "Please retry after", "status": "429"})
    if target:
        error["target"] = target
    if details:
        error["details"] = details
    error["innerError"] = inner
    response = jsonify({"error": error})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="", authorization_uri="{services().login_url}/common/oauth2/authorize", '
            f'client_id="{GRAPH_APP_ID}"'
        )
    if status == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "1"
    return add_request_headers(response)


def from_directory_error(exc: DirectoryError) -> Response:
    return odata_error(exc.status, exc.code, exc.message, details=exc.details, target=exc.target)


_CODES = {
    400: ("BadRequest", None),
    401: ("InvalidAuthenticationToken", None),
    403: ("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
    404: ("Request_ResourceNotFound", None),
    405: ("Request_BadRequest", None),
    429: ("TooManyRequests", "Please retry again later."),
    500: ("generalException", "An internal server error occurred."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable."),
}


def render(status: int, code: str, message: str) -> Response:
    """The renderer core calls for 404/405/faults/crashes under ``/v1.0``."""
    default_code, default_message = _CODES.get(status, (code, None))
    if status == 404 and code == "NotFound":
        # Graph answers a path it cannot route with 400, naming the last segment.
        return from_directory_error(segment_not_found(request.path.rsplit("/", 1)[-1]))
    if status == 405:
        message = f"The request method '{request.method}' is not supported for this resource."
    chosen = code if code not in ("BadRequest", "NotFound", "MethodNotAllowed", "TooManyRequests",
                                  "InternalServerError", "ServiceUnavailable", "Unauthorized",
                                  "Forbidden") else default_code  # fmt: skip
    shown = default_message if status in (429, 500) and default_message else message
    return odata_error(status, chosen, shown)
