"""Routes of the integration on the console host.

Admin console (admin session): ``GET /m365/authorize?office365_id=…[&reauthorize=1]`` → Entra;
``GET /m365/oauth/callback`` ← Entra; ``GET|POST /m365/import`` (pick users to import).

Admin API (``x-api-key`` or service-account bearer, JumpCloud error bodies):

- ``POST /api/v2/office365s/{id}/import/users`` ``{"users": ["<graph id>", …]}`` →
  ``200 {"results": [{"id", "status", "userId"?, "username"?, "message"?}]}``: creates the
  JumpCloud users (creation source ``jumpcloud:o365``) and binds them to the instance.
- Lab only: ``GET|PUT /api/v2/office365s/{id}/lab/settings`` ``{"propagationDelaySeconds": n}``
  (0 = push before the triggering request returns); ``POST /api/v2/office365s/{id}/lab/sync``
  pushes whatever is pending now; ``GET …/lab/events`` lists the integration's event-log
  entries (one per Graph write: request sent, result); ``GET …/lab/stats`` counts the
  engine's Graph requests.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from simulators.core.apisetup import guard_api
from simulators.core.wellknown import JUMPCLOUD_M365_CALLBACK_PATH
from simulators.jumpcloud.api.auth import authenticate, caller
from simulators.jumpcloud.api.errors import model_error
from simulators.jumpcloud.model.errors import BadRequest, JumpCloudError
from simulators.jumpcloud.web import csrf_ok, csrf_token

from . import admin_session
from .oauth import TokenError, pkce_pair

if TYPE_CHECKING:
    from .integration import M365Integration

AUTH_REQUEST_SECONDS = 600


def _page(template: str, http_status: int = 200, **values) -> Response:
    values.setdefault("console_home", admin_session.console_home())
    body = render_template(template, **values)
    return Response(body, status=http_status, mimetype="text/html")


def _failure(reason: str, message: str, status: int = 400) -> Response:
    return _page(
        "m365/message.html",
        http_status=status,
        page="jc.error",
        title="Microsoft 365 authorization failed",
        code=reason if reason.startswith("AADSTS") else f"jumpcloud:{reason}",
        message=message,
    )


def console_blueprint(integration: M365Integration) -> Blueprint:
    bp = Blueprint("jumpcloud_m365_console", __name__, template_folder="templates")
    model, grants = integration.model, integration.grants

    @bp.get("/m365/authorize")
    def authorize():
        admin = admin_session.current_admin(model)
        if admin is None:
            return redirect(admin_session.signin_url(request.full_path))
        office365_id = request.args.get("office365_id", "")
        if not model.office365.exists(admin["org_id"], office365_id):
            return _failure("not_found", f"Microsoft 365 instance {office365_id!r} not found", 404)
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
        integration.save_auth_request(state, office365_id, admin["org_id"], verifier, nonce)
        reauthorize = request.args.get("reauthorize") in ("1", "true") or grants.row(office365_id)
        url = integration.oauth_app.authorize_url(
            state=state,
            code_challenge=challenge,
            nonce=nonce,
            prompt="consent" if reauthorize else None,
            login_hint=request.args.get("login_hint") or None,
        )
        return redirect(url)

    @bp.get(JUMPCLOUD_M365_CALLBACK_PATH)
    def callback():
        pending = integration.take_auth_request(request.args.get("state", ""))
        if pending is None:
            return _failure(
                "m365_invalid_state", "This authorization request is unknown or expired."
            )
        admin = admin_session.current_admin(model)
        if admin is not None and admin["org_id"] != pending["org_id"]:
            return _failure(
                "m365_invalid_state", "This authorization belongs to another organization."
            )
        if request.args.get("error"):
            description = request.args.get("error_description") or request.args["error"]
            code = (
                description.split(":", 1)[0] if description.startswith("AADSTS") else "m365_denied"
            )
            integration.authorization_refused(
                pending["org_id"], pending["office365_id"], code, description, admin
            )
            return _failure(code, description)
        try:
            tokens = integration.oauth_app.redeem(
                request.args.get("code", ""), pending["verifier"], pending["nonce"]
            )
        except TokenError as exc:
            return _failure(exc.aadsts if exc.codes else "m365_token_error", exc.description, 502)
        integration.authorized(pending["org_id"], pending["office365_id"], tokens, admin)
        return _page(
            "m365/message.html",
            page="jc.admin.m365.authorized",
            title="Microsoft 365 authorized",
            message="JumpCloud can now sync users with your Microsoft 365 tenant.",
            oauth=grants.status(pending["office365_id"]),
        )

    @bp.get("/m365/import")
    def import_page():
        admin = admin_session.current_admin(model)
        if admin is None:
            return redirect(admin_session.signin_url(request.full_path))
        office365_id = request.args.get("office365_id", "")
        try:
            top = int(request.args.get("top") or 100)
            page = integration.importer.candidates(
                admin["org_id"], office365_id, top, request.args.get("skipToken") or None
            )
        except (ValueError, JumpCloudError) as exc:
            return _failure("m365_import", getattr(exc, "message", str(exc)))
        return _page("m365/import.html", page=page, office365_id=office365_id, csrf=csrf_token())

    @bp.post("/m365/import")
    def import_submit():
        admin = admin_session.current_admin(model)
        if admin is None:
            return redirect(admin_session.signin_url("/m365/import"))
        if not csrf_ok():
            return _failure("csrf", "The form expired; reload the page and try again.", 403)
        try:
            results = integration.importer.import_users(
                admin["org_id"],
                request.form.get("office365_id", ""),
                request.form.getlist("users"),
                {"type": "admin", "id": admin["id"], "email": admin.get("email")},
            )
        except JumpCloudError as exc:
            return _failure("m365_import", exc.message, exc.status)
        return _page("m365/imported.html", results=results)

    @bp.post("/m365/deactivate")
    def deactivate_submit():
        admin = admin_session.current_admin(model)
        if admin is None:
            return redirect(admin_session.signin_url(admin_session.console_home()))
        if not csrf_ok():
            return _failure("csrf", "The form expired; reload the page and try again.", 403)
        actor = {"type": "admin", "id": admin["id"], "email": admin.get("email")}
        try:
            integration.deactivate(admin["org_id"], request.form.get("office365_id", ""), actor)
        except JumpCloudError as exc:
            return _failure("m365_deactivate", exc.message, exc.status)
        return redirect(admin_session.console_home())

    return bp


def api_blueprint(integration: M365Integration) -> Blueprint:
    bp = Blueprint("jumpcloud_m365_api", __name__, url_prefix="/api/v2/office365s")
    model, engine = integration.model, integration.engine
    guard_api(bp, lambda: authenticate(model), JumpCloudError, model_error)

    def body() -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest("body must be a JSON object")
        return data

    @bp.post("/<office365_id>/import/users")
    def import_users(office365_id: str):
        who = caller()
        results = integration.importer.import_users(
            who.org_id, office365_id, body().get("users"), who.actor
        )
        return jsonify({"results": results})

    @bp.post("/<office365_id>/deactivate")
    def deactivate(office365_id: str):
        who = caller()
        return jsonify(integration.deactivate(who.org_id, office365_id, who.actor))

    @bp.get("/<office365_id>/lab/settings")
    def lab_settings(office365_id: str):
        model.office365.get(caller().org_id, office365_id)
        return jsonify(engine.settings.describe(office365_id))

    @bp.put("/<office365_id>/lab/settings")
    def lab_settings_put(office365_id: str):
        org_id = caller().org_id
        model.office365.get(org_id, office365_id)
        data = body()
        if "propagationDelaySeconds" in data:
            try:
                engine.settings.set_delay(org_id, office365_id, data["propagationDelaySeconds"])
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return jsonify(engine.settings.describe(office365_id))

    @bp.post("/<office365_id>/lab/sync")
    def lab_sync(office365_id: str):
        org_id = caller().org_id
        model.office365.get(org_id, office365_id)
        pending = [link.user_id for link in engine.links.dirty(office365_id)]
        engine.sync(org_id, office365_id, pending)
        left = len(engine.links.dirty(office365_id))
        return jsonify({"pushed": len(pending) - left, "pending": left})

    @bp.get("/<office365_id>/lab/events")
    def lab_events(office365_id: str):
        """The integration's entries of the org's event log (one per Graph write), newest first."""
        org_id = caller().org_id
        model.office365.get(org_id, office365_id)
        try:
            limit = max(1, min(int(request.args.get("limit", 100)), 1000))
        except ValueError:
            raise BadRequest("limit: must be an integer") from None
        found = [
            e
            for e in model.events.list(org_id, limit=limit * 4)
            if e["service"] == "office_365" and e["resource"].get("office365") == office365_id
        ]
        return jsonify(found[:limit])

    @bp.get("/<office365_id>/lab/stats")
    def lab_stats(office365_id: str):
        model.office365.get(caller().org_id, office365_id)
        counts = engine.counter.snapshot()
        return jsonify({"graphRequests": sum(counts.values()), "byMethod": counts})

    return bp
