"""Admin console pages of the integration (admin session) on the console host.

``GET /m365/authorize?office365_id=…[&reauthorize=1]`` → Entra; ``GET /m365/oauth/callback``
← Entra; ``GET|POST /m365/import`` (pick users to import); ``POST /m365/deactivate``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request

from simulators.core.wellknown import JUMPCLOUD_M365_CALLBACK_PATH
from simulators.jumpcloud.model.errors import JumpCloudError
from simulators.jumpcloud.web import csrf_ok, csrf_token

from . import admin_session, consent
from .appstate import integration

bp = Blueprint("jumpcloud_m365_console", __name__, template_folder="templates")


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


def _admin() -> dict | None:
    return admin_session.current_admin(integration().model)


def _actor(admin: dict) -> dict:
    return {"type": "admin", "id": admin["id"], "email": admin.get("email")}


@bp.get("/m365/authorize")
def authorize():
    admin = _admin()
    if admin is None:
        return redirect(admin_session.signin_url(request.full_path))
    outcome = consent.begin(
        integration(),
        admin["org_id"],
        request.args.get("office365_id", ""),
        reauthorize=request.args.get("reauthorize") in ("1", "true"),
        login_hint=request.args.get("login_hint") or None,
    )
    if isinstance(outcome, consent.ConsentFailure):
        return _failure(outcome.reason, outcome.message, outcome.status)
    return redirect(outcome)


@bp.get(JUMPCLOUD_M365_CALLBACK_PATH)
def callback():
    outcome = consent.finish(integration(), _admin(), request.args)
    if isinstance(outcome, consent.ConsentFailure):
        return _failure(outcome.reason, outcome.message, outcome.status)
    return _page(
        "m365/message.html",
        page="jc.admin.m365.authorized",
        title="Microsoft 365 authorized",
        message="JumpCloud can now sync users with your Microsoft 365 tenant.",
        oauth=integration().grants.status(outcome.office365_id),
    )


@bp.get("/m365/import")
def import_page():
    admin = _admin()
    if admin is None:
        return redirect(admin_session.signin_url(request.full_path))
    office365_id = request.args.get("office365_id", "")
    try:
        top = int(request.args.get("top") or 100)
        page = integration().importer.candidates(
            admin["org_id"], office365_id, top, request.args.get("skipToken") or None
        )
    except (ValueError, JumpCloudError) as exc:
        return _failure("m365_import", getattr(exc, "message", str(exc)))
    return _page("m365/import.html", page=page, office365_id=office365_id, csrf=csrf_token())


@bp.post("/m365/import")
def import_submit():
    admin = _admin()
    if admin is None:
        return redirect(admin_session.signin_url("/m365/import"))
    if not csrf_ok():
        return _failure("csrf", "The form expired; reload the page and try again.", 403)
    try:
        results = integration().importer.import_users(
            admin["org_id"],
            request.form.get("office365_id", ""),
            request.form.getlist("users"),
            _actor(admin),
        )
    except JumpCloudError as exc:
        return _failure("m365_import", exc.message, exc.status)
    return _page("m365/imported.html", results=results)


@bp.post("/m365/deactivate")
def deactivate_submit():
    admin = _admin()
    if admin is None:
        return redirect(admin_session.signin_url(admin_session.console_home()))
    if not csrf_ok():
        return _failure("csrf", "The form expired; reload the page and try again.", 403)
    office365_id = request.form.get("office365_id", "")
    try:
        integration().deactivate(admin["org_id"], office365_id, _actor(admin))
    except JumpCloudError as exc:
        return _failure("m365_deactivate", exc.message, exc.status)
    return redirect(admin_session.console_home())
