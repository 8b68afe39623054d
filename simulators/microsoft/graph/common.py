"""Helpers shared by the Graph route modules: the blueprint, JSON bodies, base URLs."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from simulators.microsoft.graph import errors
from simulators.microsoft.graph.auth import caller
from simulators.microsoft.model.errors import DirectoryError, bad_request
from simulators.microsoft.services import services

bp = Blueprint("ms_graph", __name__, url_prefix="/v1.0")


@bp.before_request
def _authenticate():
    caller()


@bp.after_request
def _headers(response: Response) -> Response:
    return errors.add_request_headers(response)


@bp.errorhandler(DirectoryError)
def _directory_error(exc: DirectoryError):
    return errors.from_directory_error(exc)


def graph_base() -> str:
    return services().ctx.url("graph") + "/v1.0"


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("Empty or invalid payload: the request body must be a JSON object.")
    return body


def reply(payload: dict, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def no_content() -> Response:
    return Response(status=204)
