"""Admin console pages: sign-in, users, a user's actions, Cloud Directories (M365), SSO apps.

The handlers parse the form, ask ``rules`` (through ``console()``) and render; every form
carries a CSRF token. The session key ``jca_admin`` (``{"id", "org_id"}``) is read by the M365
engine's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from itertools import islice
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from ..api.v1_apps import idp_metadata
from ..model import JumpCloudModel
from ..model.errors import JumpCloudError
from ..model.events import M365_AUTHORIZE
from ..model.office365 import BUILT_INS
from ..model.query import Query
from ..web import console, csrf_ok, csrf_token, error_page, same_lab_url
from .rules import BOOLEAN_CONFIG, EDITABLE_CONFIG, Outcome

ADMIN_KEY = "jca_admin"
ERROR_PAGE = "jc_console/error.html"

bp = Blueprint("jumpcloud_console", __name__, template_folder="templates")


@bp.context_processor
def _globals() -> dict:
    return {"csrf_token": csrf_token, "sso_url": console().ctx.url("sso")}


def _safe_return(target: str | None) -> str | None:
    """A relative path on this host, or an absolute same-lab URL; anything else is dropped."""
    if not target:
        return None
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and "//" not in target:
        return target
    return same_lab_url(console().ctx, target)


def _admin() -> dict | None:
    """The signed-in admin; a session naming an admin that is gone is signed out."""
    state = session.get(ADMIN_KEY)
    found = console().admins.current(state)
    if found is None and isinstance(state, dict):
        session.pop(ADMIN_KEY, None)
    return found


def _actor() -> dict:
    current = _admin() or {}
    return {"type": "admin", "id": current.get("id"), "email": current.get("email")}


def _page(template: str, status: int = 200, **values) -> Response:
    current = _admin()
    values.setdefault("message", request.args.get("message"))
    org = console().model.orgs.get(current["org_id"]) if current else None
    body = render_template(f"jc_console/{template}", admin=current, org=org, **values)
    return Response(body, status=status, mimetype="text/html")


def _guarded(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Signed-in admins only; POSTs need the CSRF token."""

    @wraps(view)
    def wrapper(**kw: str) -> ResponseReturnValue:
        current = _admin()
        if current is None:
            return redirect(url_for(".login", return_to=request.full_path.rstrip("?")))
        if request.method == "POST" and not csrf_ok():
            return error_page(ERROR_PAGE, "csrf", "The form expired; reload and retry.", 400)
        try:
            return view(current["org_id"], **kw)
        except JumpCloudError as exc:  # e.g. another organization's id: its 404, not a 500
            reason = "not_found" if exc.status == 404 else "invalid_request"
            return error_page(ERROR_PAGE, reason, exc.message, exc.status)

    return wrapper


def _done(endpoint: str, outcome: Outcome, **kw) -> ResponseReturnValue:
    return redirect(url_for(endpoint, message=outcome.message, **kw), 303)


def _refused(outcome: Outcome) -> dict:
    """The page values showing a refused action."""
    return {"error": str(outcome.reason), "error_message": outcome.message}


# -- sign-in -----------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    return_to = _safe_return(request.values.get("return_to"))
    if request.method == "GET":
        if _admin() is not None:
            return redirect(return_to or url_for(".users_page"))
        return _page("signin.html", return_to=return_to or "")
    if not csrf_ok():
        return _page("signin.html", 400, return_to=return_to or "", error="csrf",
                     error_message="The form expired; reload and retry.")  # fmt: skip
    email = request.form.get("email", "")
    found = console().admins.sign_in(email, request.form.get("password", ""))
    if found is None:
        return _page("signin.html", 401, return_to=return_to or "", email=email,
                     error="invalid_credentials",
                     error_message="The email or password is incorrect.")  # fmt: skip
    session[ADMIN_KEY] = {"id": found["id"], "org_id": found["org_id"]}
    return redirect(return_to or url_for(".users_page"), 303)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    session.pop(ADMIN_KEY, None)
    return redirect(url_for(".login"))


# -- users -------------------------------------------------------------------------------------
def _users_list(org_id: str, skip: int, status: int = 200, **extra) -> Response:
    """The users page; a page showing a refused creation (``extra``) lists no sync status."""
    query = Query(limit=100, skip=skip, sort=[("username", False)])
    total, rows = console().model.users.list(org_id, query)
    bindings = {} if extra else _bindings(org_id, rows)
    return _page("users.html", status, users=rows, total=total, skip=skip, bindings=bindings,
                 **extra)  # fmt: skip


def _bindings(org_id: str, rows: list[dict]) -> dict[str, dict]:
    """Each listed user's Microsoft 365 sync status, by user id."""
    model = console().model
    bindings = {}
    for instance in model.office365.list(org_id):
        bound = set(model.graph.user_ids_of(org_id, "office_365", instance["id"]))
        sync = model.office365.bindings(org_id, instance["id"])
        for user in rows:
            if user["_id"] in bound:
                bindings[user["_id"]] = sync.get(user["_id"]) or {}
    return bindings


@bp.get("/")
@bp.get("/users")
@_guarded
def users_page(org_id: str) -> ResponseReturnValue:
    return _users_list(org_id, max(int(request.args.get("skip", "0") or 0), 0))


@bp.post("/users")
@_guarded
def users_create(org_id: str) -> ResponseReturnValue:
    outcome = console().actions.create_user(org_id, request.form, _actor())
    if not outcome.ok:
        return _users_list(org_id, 0, outcome.status, **_refused(outcome))
    assert outcome.created is not None  # a user was created
    return _done(".user_page", outcome, user_id=outcome.created["_id"])


def _instances_of(org_id: str, user_id: str) -> list[dict]:
    """The org's Microsoft 365 instances as the user's page shows them."""
    model = console().model
    direct = {c["to"]["id"] for c in model.graph.associations(org_id, "user", user_id,
                                                              ["office_365"])}  # fmt: skip
    reached = {r["id"] for r in model.graph.resources_of_user(org_id, user_id, "office_365")}
    return [
        {
            **instance,
            "direct": instance["id"] in direct,
            "bound": instance["id"] in reached,
            "binding": model.office365.binding_for(org_id, user_id, instance["id"]) or {},
        }
        for instance in model.office365.list(org_id)
    ]


def _user_view(org_id: str, user_id: str, status: int = 200, **extra) -> Response:
    model = console().model
    user = model.users.get(org_id, user_id)
    apps = model.graph.resources_of_user(org_id, user_id, "application")
    direct_apps = {
        c["to"]["id"] for c in model.graph.associations(org_id, "user", user_id, ["application"])
    }
    return _page(
        "user.html",
        status,
        user=user,
        apps=[{**model.apps.get(org_id, a["id"]), "direct": a["id"] in direct_apps}
              for a in apps],
        all_apps=model.apps.list(org_id),
        groups=model.groups.list(org_id),
        member_of=set(model.groups.group_ids_of(org_id, user_id)),
        instances=_instances_of(org_id, user_id),
        **extra,
    )  # fmt: skip


@bp.get("/users/<user_id>")
@_guarded
def user_page(org_id: str, user_id: str) -> ResponseReturnValue:
    return _user_view(org_id, user_id)  # an unknown id: _guarded answers its 404 page


@bp.post("/users/<user_id>/actions")
@_guarded
def user_action(org_id: str, user_id: str) -> ResponseReturnValue:
    action = request.form.get("action", "")
    outcome = console().actions.user_action(org_id, user_id, action, request.form, _actor())
    if not outcome.ok:
        return _user_view(org_id, user_id, outcome.status, **_refused(outcome))
    return _done(".user_page", outcome, user_id=user_id)


# -- Cloud Directories -------------------------------------------------------------------------
def _directory(org_id: str, instance: dict) -> dict:
    """One Microsoft 365 instance as the Cloud Directories page shows it."""
    model = console().model
    o365, office365_id = model.office365, instance["id"]
    try:
        candidates = model.office365.import_candidates(org_id, office365_id, 25)
        import_error = None
    except JumpCloudError as exc:
        candidates, import_error = {"users": []}, exc.message
    return {
        **instance,
        "oauth": o365.oauth_status(org_id, office365_id),
        "domains": o365.domains(org_id, office365_id),
        "rules": o365.rules(org_id, office365_id),
        "candidates": candidates.get("users", []),
        "import_error": import_error,
        "bound": len(model.graph.user_ids_of(org_id, "office_365", office365_id)),
    }


@bp.get("/directories")
@_guarded
def directories_page(org_id: str) -> ResponseReturnValue:
    model = console().model
    return _page(
        "directories.html",
        instances=[_directory(org_id, i) for i in model.office365.list(org_id)],
        built_ins=BUILT_INS,
        events=_m365_events(model, org_id),
    )


@bp.post("/directories/<office365_id>/actions")
@_guarded
def directory_action(org_id: str, office365_id: str) -> ResponseReturnValue:
    action = request.form.get("action", "")
    outcome = console().actions.directory_action(org_id, office365_id, action, request.form)
    if not outcome.ok:
        return error_page(ERROR_PAGE, str(outcome.reason), outcome.message, outcome.status)
    return _done(".directories_page", outcome)


# -- SSO applications --------------------------------------------------------------------------
@bp.get("/applications")
@_guarded
def apps_page(org_id: str) -> ResponseReturnValue:
    return _page("apps.html", apps=console().model.apps.list(org_id))


@bp.post("/applications")
@_guarded
def apps_create(org_id: str) -> ResponseReturnValue:
    outcome = console().actions.create_app(org_id, request.form)
    if not outcome.ok:
        apps = console().model.apps.list(org_id)
        return _page("apps.html", outcome.status, apps=apps, **_refused(outcome))
    assert outcome.created is not None  # an application was created
    return _done(".app_page", outcome, app_id=outcome.created["_id"])


def _app_view(org_id: str, app_id: str, status: int = 200, **extra) -> Response:
    model, ctx = console().model, console().ctx
    return _page(
        "app.html",
        status,
        app=model.apps.get(org_id, app_id),
        editable=EDITABLE_CONFIG,
        booleans=BOOLEAN_CONFIG,
        users=model.graph.users_of(org_id, "application", app_id),
        metadata_url=f"{ctx.url('console')}/api/organizations/{org_id}/applications/"
        f"{app_id}/metadata.xml",
        fingerprint=model.apps.signing_key(org_id, app_id).fingerprint_sha1,
        **extra,
    )


@bp.get("/applications/<app_id>")
@_guarded
def app_page(org_id: str, app_id: str) -> ResponseReturnValue:
    return _app_view(org_id, app_id)  # an unknown id: _guarded answers its 404 page


@bp.post("/applications/<app_id>/config")
@_guarded
def app_config(org_id: str, app_id: str) -> ResponseReturnValue:
    outcome = console().actions.save_app_config(org_id, app_id, request.form)
    if not outcome.ok:
        return _app_view(org_id, app_id, outcome.status, **_refused(outcome))
    return _done(".app_page", outcome, app_id=app_id)


@bp.post("/applications/<app_id>/rotate")
@_guarded
def app_rotate(org_id: str, app_id: str) -> ResponseReturnValue:
    outcome = console().actions.rotate_certificate(org_id, app_id)
    return _done(".app_page", outcome, app_id=app_id)


@bp.post("/applications/<app_id>/delete")
@_guarded
def app_delete(org_id: str, app_id: str) -> ResponseReturnValue:
    return _done(".apps_page", console().actions.delete_app(org_id, app_id))


@bp.get("/applications/<app_id>/certificate.pem")
@_guarded
def app_certificate(org_id: str, app_id: str) -> ResponseReturnValue:
    pair = console().model.apps.signing_key(org_id, app_id)
    return Response(
        pair.cert_pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": f'attachment; filename="idp-{app_id}.pem"'},
    )


@bp.get("/applications/<app_id>/metadata.xml")
@_guarded
def app_metadata(org_id: str, app_id: str) -> ResponseReturnValue:
    xml = idp_metadata(console().model, org_id, app_id)
    return Response(xml, mimetype="application/xml")


def _m365_events(model: JumpCloudModel, org_id: str) -> list[dict]:
    """The integration's latest event-log entries, with the user's name and a short result."""
    found = model.events.query(org_id, start="", services=["office_365", "directory"])
    wanted = (e for e in found if e["service"] == "office_365" or e["event_type"] == M365_AUTHORIZE)
    events = list(islice(wanted, 50))
    users = model.users.ids(org_id, {e["resource"].get("id", "") for e in events})
    rows = []
    for event in events:
        user_id = event["resource"].get("id", "")
        result = event["details"].get("result") or {}
        rows.append(
            {
                "id": event["id"],
                "time": event["timestamp"],
                "event_type": event["event_type"],
                "user": users[user_id]["username"]
                if user_id in users
                else event["initiated_by"].get("email") or user_id,
                "result": "success"
                if event["success"]
                else f"failed: {result.get('code') or result.get('status') or 'error'}",
            }
        )
    return rows
