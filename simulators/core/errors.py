"""Error replies in the style of the host: JSON for APIs, a readable page for browsers."""

from __future__ import annotations

import html
from collections.abc import Callable

from flask import Flask, Response, jsonify, request

ErrorRenderer = Callable[[int, str, str], Response]
"""(status, code, message) -> response in a system's own error format."""

_HTTP_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


def code_for_status(status: int) -> str:
    return _HTTP_CODES.get(status, "Error")


def json_error(status: int, code: str, message: str) -> Response:
    """The lab's generic API error: ``{"error": {"code", "message"}}``."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:3rem;color:#222}}
.box{{max-width:40rem;border:1px solid #ccc;border-radius:6px;padding:1.5rem}}
code{{background:#f3f3f3;padding:.1rem .3rem}}</style></head>
<body data-page="error"><div class="box">
<h1 id="error-title">{title}</h1>
<p id="error-message">{message}</p>
<p>Error code: <code id="error-code">{code}</code> (HTTP {status})</p>
</div></body></html>"""


def html_error(status: int, code: str, message: str) -> Response:
    """A plain readable page; stable ids ``error-title``, ``error-message``, ``error-code``."""
    title = {404: "Page not found", 405: "Method not allowed"}.get(status, "Something went wrong")
    body = PAGE.format(
        title=html.escape(title),
        message=html.escape(message),
        code=html.escape(code),
        status=status,
    )
    return Response(body, status=status, mimetype="text/html")


def register_error_renderer(app: Flask, prefix: str, renderer: ErrorRenderer) -> None:
    """Route errors under a path prefix to a system's own renderer (longest prefix wins)."""
    renderers: list[tuple[str, ErrorRenderer]] = app.extensions["m365lab.error_renderers"]
    renderers.append((prefix, renderer))
    renderers.sort(key=lambda item: len(item[0]), reverse=True)


def render_error(app: Flask, status: int, code: str, message: str) -> Response:
    """Render an error for the current request in the style of its path and host."""
    path = request.path if request else "/"
    for prefix, renderer in app.extensions["m365lab.error_renderers"]:
        if path.startswith(prefix):
            return renderer(status, code, message)
    if path.startswith("/_lab") or app.extensions["m365lab.json_host"]:
        return json_error(status, code, message)
    return html_error(status, code, message)
