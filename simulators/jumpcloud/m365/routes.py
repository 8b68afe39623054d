"""Admin API routes of the integration on the console host (``/api/v2/office365s/{id}/…``).

``x-api-key`` or service-account bearer, JumpCloud error bodies:

- ``POST /api/v2/office365s/{id}/import/users`` ``{"users": ["<graph id>", …]}`` →
  ``200 {"results": [{"id", "status", "userId"?, "username"?, "message"?}]}``: creates the
  JumpCloud users (creation source ``jumpcloud:o365``) and binds them to the instance.
- Lab only: ``GET|PUT /api/v2/office365s/{id}/lab/settings`` ``{"propagationDelaySeconds": n}``
  (0 = push before the triggering request returns); ``POST /api/v2/office365s/{id}/lab/sync``
  pushes whatever is pending now; ``GET …/lab/events`` lists the integration's event-log
  entries (one per Graph write: request sent, result); ``GET …/lab/stats`` counts the
  engine's Graph requests.

The admin console's pages (consent, import) are in ``console_routes``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from simulators.core.apisetup import guard_api
from simulators.jumpcloud.api.auth import authenticate, caller
from simulators.jumpcloud.api.errors import model_error
from simulators.jumpcloud.appstate import jumpcloud_model
from simulators.jumpcloud.model.errors import BadRequest, JumpCloudError

from .appstate import integration
from .labops import LabOperations


def _lab() -> LabOperations:
    return LabOperations(integration())


bp = Blueprint("jumpcloud_m365_api", __name__, url_prefix="/api/v2/office365s")


guard_api(bp, lambda: authenticate(jumpcloud_model()), JumpCloudError, model_error)


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


@bp.post("/<office365_id>/import/users")
def import_users(office365_id: str):
    who = caller()
    importer = integration().importer
    results = importer.import_users(who.org_id, office365_id, _body().get("users"), who.actor)
    return jsonify({"results": results})


@bp.post("/<office365_id>/deactivate")
def deactivate(office365_id: str):
    who = caller()
    return jsonify(integration().deactivate(who.org_id, office365_id, who.actor))


@bp.get("/<office365_id>/lab/settings")
def lab_settings(office365_id: str):
    return jsonify(_lab().settings(caller().org_id, office365_id))


@bp.put("/<office365_id>/lab/settings")
def lab_settings_put(office365_id: str):
    org_id = caller().org_id
    lab = _lab()
    lab.require(org_id, office365_id)  # an unknown instance is a 404 before a bad body's 400
    return jsonify(lab.update_settings(org_id, office365_id, _body()))


@bp.post("/<office365_id>/lab/sync")
def lab_sync(office365_id: str):
    return jsonify(_lab().sync_now(caller().org_id, office365_id))


@bp.get("/<office365_id>/lab/events")
def lab_events(office365_id: str):
    """The integration's entries of the org's event log (one per Graph write), newest first."""
    org_id = caller().org_id
    lab = _lab()
    lab.require(org_id, office365_id)  # an unknown instance is a 404 before a bad limit's 400
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError:
        raise BadRequest("limit: must be an integer") from None
    return jsonify(lab.events(org_id, office365_id, limit))


@bp.get("/<office365_id>/lab/stats")
def lab_stats(office365_id: str):
    return jsonify(_lab().stats(caller().org_id, office365_id))
