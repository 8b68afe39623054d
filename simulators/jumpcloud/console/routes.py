"""Admin console pages: sign-in, users, a user's actions, Cloud Directories (M365), SSO apps.

Every write goes through the same model functions as the API; every form carries a CSRF token.
The session key ``jca_admin`` (``{"id", "org_id"}``) is read by the M365 engine's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session, url_for

from simulators.core.context import LabContext

from ..api.v1_apps import idp_metadata
from ..model import JumpCloudModel
from ..model.apps import CUSTOM, OFFICE365
from ..model.errors import READABLE as PASSWORD_RULES
from ..model.errors import JumpCloudError, PasswordRejected
from ..model.events import M365_AUTHORIZE
from ..model.office365 import BUILT_INS
from ..model.query import Query
from ..web import csrf_ok, csrf_token, error_page, same_lab_url

ADMIN_KEY = "jca_admin"
EDITABLE_CONFIG = (
    "idpEntityId", "spEntityId", "acsUrl", "subjectField", "signatureAlgorithm",
    "signAssertion", "signResponse", "defaultTargetUrl",
)  # fmt: skip
BOOLEAN_CONFIG = ("signAssertion", "signResponse")


def _safe_return(ctx: LabContext, target: str | None) -> str | None:
    """A relative path on this host, or an absolute same-lab URL; anything else is dropped."""
    if not target:
        return None
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and "//" not in target:
        return target
    return same_lab_url(ctx, target)


def console_blueprint(model: JumpCloudModel, ctx: LabContext) -> Blueprint:
    bp = Blueprint("jumpcloud_console", __name__, template_folder="templates")
    users, o365 = model.users, model.office365

    @bp.context_processor
    def _globals():
        return {"csrf_token": csrf_token, "sso_url": ctx.url("sso")}

    def admin() -> dict | None:
        state = session.get(ADMIN_KEY)
        if not isinstance(state, dict):
            return None
        found = model.orgs.admin(state.get("id", ""))
        if found is None:
            session.pop(ADMIN_KEY, None)
        return found

    def page(template: str, status: int = 200, **values) -> Response:
        current = admin()
        values.setdefault("message", request.args.get("message"))
        org = model.orgs.get(current["org_id"]) if current else None
        body = render_template(f"jc_console/{template}", admin=current, org=org, **values)
        return Response(body, status=status, mimetype="text/html")

    def guarded(view: Callable) -> Callable:
        """Signed-in admins only; POSTs need the CSRF token."""

        def wrapper(**kw):
            current = admin()
            if current is None:
                return redirect(url_for(".login", return_to=request.full_path.rstrip("?")))
            if request.method == "POST" and not csrf_ok():
                return error_page(
                    "jc_console/error.html", "csrf", "The form expired; reload and retry.", 400
                )
            try:
                return view(current["org_id"], **kw)
            except JumpCloudError as exc:  # e.g. another organization's id: its 404, not a 500
                reason = "not_found" if exc.status == 404 else "invalid_request"
                return error_page("jc_console/error.html", reason, exc.message, exc.status)

        wrapper.__name__ = view.__name__
        return wrapper

    def done(endpoint: str, message: str, **kw) -> Response:
        return redirect(url_for(endpoint, message=message, **kw), 303)

    # -- sign-in ---------------------------------------------------------------------------
    @bp.route("/login", methods=["GET", "POST"])
    def login():
        return_to = _safe_return(ctx, request.values.get("return_to"))
        if request.method == "GET":
            if admin() is not None:
                return redirect(return_to or url_for(".users_page"))
            return page("signin.html", return_to=return_to or "")
        if not csrf_ok():
            return page("signin.html", 400, return_to=return_to or "", error="csrf",
                        error_message="The form expired; reload and retry.")  # fmt: skip
        found = model.orgs.authenticate_admin(
            request.form.get("email", ""), request.form.get("password", "")
        )
        if found is None:
            return page(
                "signin.html",
                401,
                return_to=return_to or "",
                email=request.form.get("email", ""),
                error="invalid_credentials",
                error_message="The email or password is incorrect.",
            )
        session[ADMIN_KEY] = {"id": found["id"], "org_id": found["org_id"]}
        model.events.record(
            found["org_id"],
            "admin_login_attempt",
            service="admin_console",
            initiated_by={"type": "admin", "id": found["id"], "email": found["email"]},
        )
        return redirect(return_to or url_for(".users_page"), 303)

    @bp.route("/logout", methods=["GET", "POST"])
    def logout():
        session.pop(ADMIN_KEY, None)
        return redirect(url_for(".login"))

    # -- users -----------------------------------------------------------------------------
    @bp.get("/")
    @bp.get("/users")
    @guarded
    def users_page(org_id: str):
        skip = max(int(request.args.get("skip", "0") or 0), 0)
        total, rows = users.list(org_id, Query(limit=100, skip=skip, sort=[("username", False)]))
        bindings = {}
        for instance in o365.list(org_id):
            bound = set(model.graph.user_ids_of(org_id, "office_365", instance["id"]))
            sync = o365.bindings(org_id, instance["id"])
            for user in rows:
                if user["_id"] in bound:
                    bindings[user["_id"]] = sync.get(user["_id"]) or {}
        return page("users.html", users=rows, total=total, skip=skip, bindings=bindings)

    @bp.post("/users")
    @guarded
    def users_create(org_id: str):
        body = {k: request.form.get(k, "").strip() for k in ("username", "email", "firstname",
                                                             "lastname")}  # fmt: skip
        if request.form.get("password"):
            body["password"] = request.form["password"]
        try:
            user = users.create(org_id, body, source="jumpcloud:console", actor=actor())
        except JumpCloudError as exc:
            total, rows = users.list(org_id, _first_page())
            return page("users.html", exc.status, users=rows, total=total, skip=0, bindings={},
                        error="invalid_request", error_message=exc.message)  # fmt: skip
        return done(".user_page", "User created.", user_id=user["_id"])

    def actor() -> dict:
        current = admin() or {}
        return {"type": "admin", "id": current.get("id"), "email": current.get("email")}

    def user_view(org_id: str, user_id: str, status: int = 200, **extra) -> Response:
        user = users.get(org_id, user_id)
        apps = model.graph.resources_of_user(org_id, user_id, "application")
        direct_apps = {
            c["to"]["id"]
            for c in model.graph.associations(org_id, "user", user_id, ["application"])
        }
        instances = []
        for instance in o365.list(org_id):
            direct = any(
                c["to"]["id"] == instance["id"]
                for c in model.graph.associations(org_id, "user", user_id, ["office_365"])
            )
            reached = any(
                r["id"] == instance["id"]
                for r in model.graph.resources_of_user(org_id, user_id, "office_365")
            )
            instances.append(
                {
                    **instance,
                    "direct": direct,
                    "bound": reached,
                    "binding": o365.binding_for(org_id, user_id, instance["id"]) or {},
                }
            )
        member_of = set(model.groups.group_ids_of(org_id, user_id))
        return page(
            "user.html",
            status,
            user=user,
            apps=[{**model.apps.get(org_id, a["id"]), "direct": a["id"] in direct_apps}
                  for a in apps],
            all_apps=model.apps.list(org_id),
            groups=model.groups.list(org_id),
            member_of=member_of,
            instances=instances,
            **extra,
        )  # fmt: skip

    @bp.get("/users/<user_id>")
    @guarded
    def user_page(org_id: str, user_id: str):
        try:
            return user_view(org_id, user_id)
        except JumpCloudError as exc:
            return error_page("jc_console/error.html", "not_found", exc.message, exc.status)

    @bp.post("/users/<user_id>/actions")
    @guarded
    def user_action(org_id: str, user_id: str):
        action = request.form.get("action", "")
        handlers: dict[str, Callable[[], object]] = {
            "suspend": lambda: users.set_state(org_id, user_id, "SUSPENDED", actor=actor()),
            "activate": lambda: users.set_state(org_id, user_id, "ACTIVATED", actor=actor()),
            "unlock": lambda: users.unlock(org_id, user_id, actor=actor()),
            "reset_mfa": lambda: users.reset_mfa(org_id, user_id, {}, actor=actor()),
            "expire_password": lambda: users.expire_password(org_id, user_id, actor=actor()),
            "set_password": lambda: users.update(
                org_id, user_id, {"password": request.form.get("password", "")}, actor=actor()
            ),
            "bind_m365": lambda: model.graph.change(
                org_id, "add", "user", user_id, "office_365", request.form.get("office365_id", "")
            ),
            "unbind_m365": lambda: model.graph.change(
                org_id,
                "remove",
                "user",
                user_id,
                "office_365",
                request.form.get("office365_id", ""),
            ),
            "assign_app": lambda: model.graph.change(
                org_id, "add", "user", user_id, "application", request.form.get("app_id", "")
            ),
            "unassign_app": lambda: model.graph.change(
                org_id, "remove", "user", user_id, "application", request.form.get("app_id", "")
            ),
            "add_group": lambda: _member(org_id, "add", user_id),
            "remove_group": lambda: _member(org_id, "remove", user_id),
        }
        if action not in handlers:
            return user_view(org_id, user_id, 400, error="invalid_request",
                             error_message=f"Unknown action {action!r}.")  # fmt: skip
        try:
            handlers[action]()
        except PasswordRejected as exc:
            readable = "; ".join(PASSWORD_RULES.get(v, v) for v in exc.violations)
            return user_view(org_id, user_id, 400, error="password_policy",
                             error_message=f"Password rejected: {readable}.")  # fmt: skip
        except JumpCloudError as exc:
            return user_view(org_id, user_id, exc.status, error="invalid_request",
                             error_message=exc.message)  # fmt: skip
        return done(".user_page", f"Done: {action.replace('_', ' ')}.", user_id=user_id)

    def _member(org_id: str, op: str, user_id: str) -> None:
        model.graph.require(org_id, "user", user_id)
        model.groups.change_member(org_id, request.form.get("group_id", ""), op, user_id)

    # -- Cloud Directories -----------------------------------------------------------------
    @bp.get("/directories")
    @guarded
    def directories_page(org_id: str):
        instances = []
        for instance in o365.list(org_id):
            try:
                candidates = model.import_candidates(org_id, instance["id"], 25)
                import_error = None
            except JumpCloudError as exc:
                candidates, import_error = {"users": []}, exc.message
            instances.append(
                {
                    **instance,
                    "oauth": o365.oauth_status(org_id, instance["id"]),
                    "domains": o365.domains(org_id, instance["id"]),
                    "rules": o365.rules(org_id, instance["id"]),
                    "candidates": candidates.get("users", []),
                    "import_error": import_error,
                    "bound": len(model.graph.user_ids_of(org_id, "office_365", instance["id"])),
                }
            )
        return page(
            "directories.html",
            instances=instances,
            built_ins=BUILT_INS,
            events=_m365_events(model, org_id),
        )

    @bp.post("/directories/<office365_id>/actions")
    @guarded
    def directory_action(org_id: str, office365_id: str):
        action = request.form.get("action", "")
        handlers: dict[str, Callable[[], object]] = {
            "add_domain": lambda: o365.add_domain(org_id, office365_id, request.form.get("domain")),
            "remove_domain": lambda: o365.delete_domain(
                org_id, office365_id, request.form.get("domain_id", "")
            ),
            "add_rule": lambda: o365.add_rule(
                org_id,
                office365_id,
                {"builtIn": request.form.get("builtIn"), "direction": "export"},
            ),
            "remove_rule": lambda: o365.delete_rule(
                org_id, office365_id, request.form.get("rule_id", "")
            ),
            "default_domain": lambda: o365.patch(
                org_id, office365_id, {"defaultDomain": {"id": request.form.get("domain_id")}}
            ),
            "settings": lambda: o365.patch(
                org_id,
                office365_id,
                {
                    "userLockoutAction": request.form.get("userLockoutAction"),
                    "userPasswordExpirationAction": request.form.get(
                        "userPasswordExpirationAction"
                    ),
                    "groupsEnabled": request.form.get("groupsEnabled") == "on",
                },
            ),
        }
        try:
            if action not in handlers:
                raise JumpCloudError(f"Unknown action {action!r}.")
            handlers[action]()
        except JumpCloudError as exc:
            return error_page("jc_console/error.html", "invalid_request", exc.message, exc.status)
        return done(".directories_page", f"Done: {action.replace('_', ' ')}.")

    # -- SSO applications ------------------------------------------------------------------
    @bp.get("/applications")
    @guarded
    def apps_page(org_id: str):
        return page("apps.html", apps=model.apps.list(org_id))

    @bp.post("/applications")
    @guarded
    def apps_create(org_id: str):
        kind = request.form.get("kind", CUSTOM)
        config = {
            key: {"value": request.form.get(key, "").strip()}
            for key in ("idpEntityId", "spEntityId", "acsUrl")
            if request.form.get(key, "").strip()
        }
        body = {
            "name": OFFICE365 if kind == OFFICE365 else CUSTOM,
            "label": request.form.get("label", "").strip(),
            "displayLabel": request.form.get("displayLabel", "").strip() or None,
            "config": config,
        }
        try:
            app = model.apps.create(org_id, body)
        except JumpCloudError as exc:
            return page("apps.html", exc.status, apps=model.apps.list(org_id),
                        error="invalid_request", error_message=exc.message)  # fmt: skip
        return done(".app_page", "Application created.", app_id=app["_id"])

    def app_view(org_id: str, app_id: str, status: int = 200, **extra) -> Response:
        app = model.apps.get(org_id, app_id)
        return page(
            "app.html",
            status,
            app=app,
            editable=EDITABLE_CONFIG,
            booleans=BOOLEAN_CONFIG,
            users=model.graph.users_of(org_id, "application", app_id),
            metadata_url=f"{ctx.url('console')}/api/organizations/{org_id}/applications/"
            f"{app_id}/metadata.xml",
            fingerprint=model.apps.signing_key(org_id, app_id).fingerprint_sha1,
            **extra,
        )

    @bp.get("/applications/<app_id>")
    @guarded
    def app_page(org_id: str, app_id: str):
        try:
            return app_view(org_id, app_id)
        except JumpCloudError as exc:
            return error_page("jc_console/error.html", "not_found", exc.message, exc.status)

    @bp.post("/applications/<app_id>/config")
    @guarded
    def app_config(org_id: str, app_id: str):
        values: dict[str, object] = {}
        for key in EDITABLE_CONFIG:
            if key in BOOLEAN_CONFIG:
                values[key] = request.form.get(key) == "on"
            elif key in request.form:
                values[key] = request.form.get(key, "").strip()
        try:
            model.apps.update_config(org_id, app_id, values)
        except JumpCloudError as exc:
            return app_view(org_id, app_id, exc.status, error="invalid_request",
                            error_message=exc.message)  # fmt: skip
        return done(".app_page", "Configuration saved.", app_id=app_id)

    @bp.post("/applications/<app_id>/rotate")
    @guarded
    def app_rotate(org_id: str, app_id: str):
        model.apps.rotate_certificate(org_id, app_id)
        return done(".app_page", "A new IdP certificate was generated.", app_id=app_id)

    @bp.post("/applications/<app_id>/delete")
    @guarded
    def app_delete(org_id: str, app_id: str):
        model.graph.drop_target(org_id, "application", app_id)
        model.apps.delete(org_id, app_id)
        return done(".apps_page", "Application deleted.")

    @bp.get("/applications/<app_id>/certificate.pem")
    @guarded
    def app_certificate(org_id: str, app_id: str):
        pair = model.apps.signing_key(org_id, app_id)
        return Response(
            pair.cert_pem,
            mimetype="application/x-pem-file",
            headers={"Content-Disposition": f'attachment; filename="idp-{app_id}.pem"'},
        )

    @bp.get("/applications/<app_id>/metadata.xml")
    @guarded
    def app_metadata(org_id: str, app_id: str):
        return Response(idp_metadata(model, org_id, app_id), mimetype="application/xml")

    return bp


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


def _first_page() -> Query:
    return Query(limit=100, sort=[("username", False)])
