"""JumpCloud's error body ``{"code", "message", "status"}`` for all of /api."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, jsonify

from ..model.errors import JumpCloudError, PasswordRejected
from ..model.users import password_error_details


def status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(status: int, message: str, status_label: str | None = None, details=None) -> dict:
    body: dict = {"code": status, "message": message, "status": status_label or status_text(status)}
    if details:
        body["details"] = details
    return body


def render_api_error(status: int, _code: str, message: str) -> Response:
    """The renderer core calls for 404/405/500/fault replies under /api."""
    response = jsonify(error_body(status, message))
    response.status_code = status
    return response


def model_error(exc: JumpCloudError, *, full_password_details: bool = False) -> Response:
    """A model rule violation as JumpCloud answers it; the detailed 400 when asked for."""
    if isinstance(exc, PasswordRejected) and full_password_details:
        body = error_body(
            400, "Password validation fail", "INVALID_ARGUMENT", password_error_details(exc)
        )
    else:
        body = error_body(exc.status, exc.message, details=exc.details)
    response = jsonify(body)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'x-api-key realm="JumpCloud"'
    return response
