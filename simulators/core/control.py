"""The control plane every host answers under ``/_lab`` (README: Control plane)."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Sequence

from flask import Blueprint, Response, jsonify, request

from simulators.core.context import LabContext, System
from simulators.core.errors import json_error

WORLD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _unauthorized(message: str) -> Response:
    response = json_error(401, "Unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="m365lab control plane"'
    return response


def control_blueprint(host: str, ctx: LabContext, systems: Sequence[System]) -> Blueprint:
    """Routes of ``/_lab``; everything but health needs ``Authorization: Bearer <admin_token>``."""
    bp = Blueprint(f"lab_control_{host}", __name__, url_prefix="/_lab")

    @bp.before_request
    def _authorize():
        if request.endpoint == f"{bp.name}.health":
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            return _unauthorized("The control plane needs 'Authorization: Bearer <admin_token>'.")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), ctx.admin_token.encode()
        ):
            return _unauthorized("The admin token is not valid for this lab.")
        return None

    @bp.get("/health")
    def health():
        return jsonify(
            status="ok",
            host=host,
            systems=[s.name for s in systems],
            process=ctx.instance_id,
            time=ctx.clock.state()["now"],
        )

    @bp.post("/reset")
    def reset():
        for system in systems:
            system.reset()
        ctx.journal.clear()
        ctx.clock.reset()
        ctx.faults.clear()
        return jsonify(status="reset", systems=[s.name for s in systems])

    @bp.get("/state")
    def state():
        return jsonify(
            process=ctx.instance_id,
            host=host,
            clock=ctx.clock.state(),
            journal=ctx.journal.stats(),
            faults=ctx.faults.describe(),
            systems={s.name: s.state() for s in systems},
        )

    @bp.get("/journal")
    def journal():
        since_raw = request.args.get("since")
        limit_raw = request.args.get("limit")
        try:
            since = int(since_raw) if since_raw else None
            limit = int(limit_raw) if limit_raw else None
        except ValueError:
            return json_error(400, "BadRequest", "since and limit must be integers")
        entries = ctx.journal.query(
            trace=request.args.get("trace") or None,
            since=since,
            host=request.args.get("host") or None,
            limit=limit,
        )
        return jsonify(process=ctx.instance_id, entries=entries, stats=ctx.journal.stats())

    @bp.get("/clock")
    def get_clock():
        return jsonify(ctx.clock.state())

    @bp.put("/clock")
    def put_clock():
        body = request.get_json(silent=True)
        try:
            ctx.clock.apply(body)
        except ValueError as exc:
            return json_error(400, "BadRequest", str(exc))
        return jsonify(ctx.clock.state())

    @bp.get("/faults")
    def get_faults():
        return jsonify(rules=ctx.faults.describe())

    @bp.put("/faults")
    def put_faults():
        try:
            rules = ctx.faults.replace(request.get_json(silent=True))
        except (ValueError, TypeError) as exc:
            return json_error(400, "BadRequest", str(exc))
        return jsonify(rules=rules)

    @bp.delete("/faults")
    def delete_faults():
        ctx.faults.clear()
        return jsonify(rules=[])

    @bp.post("/worlds")
    def create_world():
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict):
            return json_error(400, "BadRequest", "body must be a JSON object (a world document)")
        world_id = doc.get("id") or uuid.uuid4().hex[:12]
        if not isinstance(world_id, str) or not WORLD_ID.match(world_id):
            return json_error(400, "BadRequest", "id must be 1-64 letters, digits, '-' or '_'")
        result: dict = {"id": world_id, "process": ctx.instance_id}
        try:
            for system in systems:
                result[system.name] = system.create_world(world_id, doc)
        except ValueError as exc:
            for system in systems:
                system.delete_world(world_id)
            return json_error(400, "BadRequest", str(exc))
        return jsonify(result), 201

    @bp.delete("/worlds/<world_id>")
    def delete_world(world_id: str):
        found = [system.delete_world(world_id) for system in systems]
        if not any(found):
            return json_error(404, "NotFound", f"no world {world_id!r} in this lab")
        return Response(status=204)

    @bp.errorhandler(405)
    def _method(_exc):
        return json_error(405, "MethodNotAllowed", f"{request.method} is not allowed here")

    return bp
