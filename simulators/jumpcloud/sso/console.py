"""The SSO engine's admin API on the console host: per-application certificate rotation.

``POST /api/applications/{id}/rotate-certificate`` (x-api-key or service-account token, as the
rest of ``/api``) generates a new key pair for the application (``Apps.rotate_certificate``);
the IdP signs with it at once and its metadata publishes the new certificate. It steps aside if
the admin API already serves the same path.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify

ROTATE_PATH = "/api/applications/<app_id>/rotate-certificate"


def register_console_routes(app: Flask, model: Any) -> None:
    from simulators.jumpcloud.api.auth import authenticate, caller
    from simulators.jumpcloud.api.errors import model_error
    from simulators.jumpcloud.model.errors import JumpCloudError

    if any(rule.rule == ROTATE_PATH for rule in app.url_map.iter_rules()):
        return
    bp = Blueprint("jumpcloud_sso_admin", __name__)

    @bp.before_request
    def _authenticate():
        authenticate(model)

    @bp.errorhandler(JumpCloudError)
    def _model_error(exc: JumpCloudError):
        return model_error(exc)

    @bp.post(ROTATE_PATH)
    def rotate_certificate(app_id: str):
        org_id = caller().org_id
        rotated = model.apps.rotate_certificate(org_id, app_id)
        model.events.record(
            org_id,
            "application_update",
            initiated_by=caller().actor,
            resource={"type": "application", "id": app_id},
            details={"change": "idp certificate rotated"},
        )
        return jsonify(rotated)

    app.register_blueprint(bp)
