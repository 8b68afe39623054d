"""The SSO engine's admin API on the console host: per-application certificate rotation.

``POST /api/applications/{id}/rotate-certificate`` (x-api-key or service-account token, as the
rest of ``/api``) generates a new key pair for the application (``Apps.rotate_certificate``);
the IdP signs with it at once and its metadata publishes the new certificate. The system mounts
it only where the admin API does not already serve the same path (``served_by``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from simulators.core.apisetup import guard_api
from simulators.jumpcloud.api.auth import authenticate, caller
from simulators.jumpcloud.api.errors import model_error
from simulators.jumpcloud.model.errors import JumpCloudError
from simulators.jumpcloud.web import console

ROTATE_PATH = "/api/applications/<app_id>/rotate-certificate"

bp = Blueprint("jumpcloud_sso_admin", __name__)
guard_api(bp, lambda: authenticate(console().model), JumpCloudError, model_error)


def served_by(app: Flask) -> bool:
    """True when ``app`` already routes the rotation path."""
    return any(rule.rule == ROTATE_PATH for rule in app.url_map.iter_rules())


@bp.post(ROTATE_PATH)
def rotate_certificate(app_id: str) -> Response:
    model, org_id = console().model, caller().org_id
    rotated = model.apps.rotate_certificate(org_id, app_id)
    model.events.record(
        org_id,
        "application_update",
        initiated_by=caller().actor,
        resource={"type": "application", "id": app_id},
        details={"change": "idp certificate rotated"},
    )
    return jsonify(rotated)
