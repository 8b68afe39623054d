"""The control plane every host answers under ``/_lab`` (README: Control plane).

Routes only: the rules live in ``simulators.core.labcontrol``. Everything but health needs
``Authorization: Bearer <admin_token>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from simulators.core.context import LabContext, System
from simulators.core.errors import json_error
from simulators.core.labcontrol import Access, JournalQuery, LabControl, Refused

EXTENSION = "m365lab.control"
bp = Blueprint("lab_control", __name__, url_prefix="/_lab")


def install_control(app: Flask, host: str, ctx: LabContext, systems: Sequence[System]) -> None:
    """Give ``app`` the control plane's state (the caller registers ``bp``)."""
    app.extensions[EXTENSION] = LabControl(host, ctx, systems)


def control() -> LabControl:
    return current_app.extensions[EXTENSION]


def _unauthorized(message: str) -> Response:
    response = json_error(401, "Unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="m365lab control plane"'
    return response


def _refused(refused: Refused) -> Response:
    return json_error(refused.status, refused.code, refused.message)


@bp.before_request
def _authorize():
    if request.endpoint == f"{bp.name}.health":
        return None
    access = control().access(request.headers.get("Authorization", ""))
    if access is Access.MISSING:
        return _unauthorized("The control plane needs 'Authorization: Bearer <admin_token>'.")
    if access is Access.INVALID:
        return _unauthorized("The admin token is not valid for this lab.")
    return None


@bp.get("/health")
def health():
    return jsonify(control().health())


@bp.post("/reset")
def reset():
    return jsonify(control().reset())


@bp.get("/state")
def state():
    return jsonify(control().state())


@bp.get("/journal")
def journal():
    args = request.args
    query = JournalQuery.parse(args.get("trace"), args.get("since"), args.get("host"),
                               args.get("limit"))  # fmt: skip
    if isinstance(query, Refused):
        return _refused(query)
    return jsonify(control().journal(query))


@bp.get("/clock")
def get_clock():
    return jsonify(control().ctx.clock.state())


@bp.put("/clock")
def put_clock():
    outcome = control().set_clock(request.get_json(silent=True))
    return _refused(outcome) if isinstance(outcome, Refused) else jsonify(outcome)


@bp.get("/faults")
def get_faults():
    return jsonify(rules=control().ctx.faults.describe())


@bp.put("/faults")
def put_faults():
    outcome = control().set_faults(request.get_json(silent=True))
    return _refused(outcome) if isinstance(outcome, Refused) else jsonify(rules=outcome)


@bp.delete("/faults")
def delete_faults():
    control().ctx.faults.clear()
    return jsonify(rules=[])


@bp.post("/worlds")
def create_world():
    outcome = control().create_world(request.get_json(silent=True))
    return _refused(outcome) if isinstance(outcome, Refused) else (jsonify(outcome), 201)


@bp.delete("/worlds/<world_id>")
def delete_world(world_id: str):
    refused = control().delete_world(world_id)
    return _refused(refused) if refused is not None else Response(status=204)


@bp.errorhandler(405)
def _method(_exc):
    return json_error(405, "MethodNotAllowed", f"{request.method} is not allowed here")
