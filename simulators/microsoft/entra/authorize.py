"""Browser endpoints of the login host: authorize, the sign-in pages' posts, consent, logout."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from simulators.microsoft.entra import pages, signin_flow
from simulators.microsoft.entra.aadsts import AADSTS, AadstsError
from simulators.microsoft.entra.errors import error_page, redirect_with_error
from simulators.microsoft.entra.federation import begin_federated_signin
from simulators.microsoft.entra.scopes import parse_scopes
from simulators.microsoft.ids import new_guid
from simulators.microsoft.services import Services, services

MULTI_TENANT = ("common", "organizations", "consumers")
PROMPTS = ("login", "none", "consent", "select_account")
RESPONSE_MODES = ("query", "form_post", "fragment")

bp = Blueprint("ms_authorize", __name__, template_folder="templates")


def _client(svc: Services, segment: str) -> tuple[dict | None, dict]:
    """(tenant or None for common/organizations, app row) — or raise for the error page."""
    tenant = None
    if segment.lower() not in MULTI_TENANT:
        tenant = svc.directory.tenants.resolve(segment)
        if tenant is None:
            raise AadstsError(90002, tenant=segment)
    client_id = request.values.get("client_id")
    if not client_id:
        raise AadstsError(900144, parameter="client_id")
    if tenant is not None:
        app = svc.directory.apps.get(tenant["id"], client_id)
    else:
        app = svc.directory.apps.in_any_tenant(client_id)
    if app is None:
        raise AadstsError(700016, client_id=client_id, tenant=segment)
    return tenant, app


def _redirect_uri(app: dict) -> str:
    redirect_uri = request.values.get("redirect_uri")
    if not redirect_uri:
        raise AadstsError(900971)
    if redirect_uri not in app["redirect_uris"]:
        raise AadstsError(50011, redirect_uri=redirect_uri, client_id=app["client_id"])
    return redirect_uri


@bp.route("/<tenant>/oauth2/v2.0/authorize", methods=["GET", "POST"])
def authorize(tenant: str):
    svc = services()
    args = request.values
    try:
        tenant_row, app = _client(svc, tenant)
        redirect_uri = _redirect_uri(app)
    except AadstsError as err:
        svc.journal("authorize", ok=False, aadsts=err.code)
        return error_page(err)
    response_mode = args.get("response_mode") or "query"
    state = args.get("state")
    correlation = request.headers.get("client-request-id") or new_guid()

    def to_client(err: AadstsError) -> Response:
        svc.journal("authorize", ok=False, aadsts=err.code, client_id=app["client_id"])
        mode = response_mode if response_mode in RESPONSE_MODES else "query"
        return redirect_with_error(
            redirect_uri, err, state=state, response_mode=mode, correlation=correlation
        )

    try:
        if "code" not in (args.get("response_type") or "").split():
            raise AadstsError(900144, parameter="response_type")
        if response_mode not in ("query", "form_post"):
            raise AadstsError(9002313, detail=f"response_mode '{response_mode}' is not supported.")
        prompt = args.get("prompt")
        if prompt and prompt not in PROMPTS:
            raise AadstsError(9002313, detail=f"invalid prompt value '{prompt}'.")
        method = args.get("code_challenge_method") or (
            "plain" if args.get("code_challenge") else None
        )
        if method not in (None, "S256", "plain"):
            raise AadstsError(9002313, detail="code_challenge_method must be S256 or plain.")
        scopes = parse_scopes(args.get("scope"), svc.ctx.url("graph"), tenant)
        if not scopes.oidc and not scopes.graph and not scopes.default:
            raise AadstsError(900144, parameter="scope")
    except AadstsError as err:
        return to_client(err)

    params = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "response_mode": response_mode,
        "state": state,
        "nonce": args.get("nonce"),
        "scope": args.get("scope"),
        "oidc_scopes": scopes.oidc,
        "graph_scopes": scopes.graph,
        "default_scope": scopes.default,
        "code_challenge": args.get("code_challenge"),
        "code_challenge_method": method,
        "prompt": prompt,
        "login_hint": args.get("login_hint"),
        "domain_hint": args.get("domain_hint"),
    }
    pending = svc.directory.oauth.new_pending(
        tenant, tenant_row["id"] if tenant_row else None, "authorize", params
    )
    return _start(svc, pending)


def _start(svc: Services, pending: dict) -> Response:
    """Use the SSO session if allowed, else HRD by domain_hint/login_hint, else the name page."""
    params = pending["params"]
    prompt = params.get("prompt")
    session = signin_flow.current_session()
    if session and pending.get("tenant_id") and session["tenant_id"] != pending["tenant_id"]:
        session = None
    hint = (params.get("login_hint") or "").lower()
    if session and hint:
        user = svc.directory.users.get(session["tenant_id"], session["user_id"])
        if user is None or user["userPrincipalName"].lower() != hint:
            session = None
    if prompt == "none" and session is None:
        return signin_flow.fail_to_client(pending, AadstsError(50058))
    if session is not None and prompt not in ("login", "select_account"):
        svc.directory.oauth.update_pending(
            pending["id"],
            tenant_id=session["tenant_id"],
            user_id=session["user_id"],
            amr=session["amr"],
        )
        pending = {
            **pending,
            "tenant_id": session["tenant_id"],
            "user_id": session["user_id"],
            "amr": session["amr"],
        }
        return signin_flow.continue_signin(pending)
    domain_hint = params.get("domain_hint")
    if domain_hint:
        owner = svc.directory.tenants.verified_domain_owner(domain_hint)
        tenant = svc.directory.tenants.get(owner["tenant_id"]) if owner else None
        allowed = tenant and (not pending.get("tenant_id") or pending["tenant_id"] == tenant["id"])
        if allowed and owner["authentication_type"] == "Federated":
            return begin_federated_signin(tenant, owner, params.get("login_hint"), pending)
    if params.get("login_hint"):
        return signin_flow.submit_username(pending, params["login_hint"])
    return pages.username_page(pending)


def _pending_or_error() -> dict | Response:
    pending = signin_flow.load_pending(request.form.get("ctx"))
    return pending if pending is not None else signin_flow.expired_context()


@bp.post("/common/login")
def login():
    pending = _pending_or_error()
    if isinstance(pending, Response):
        return pending
    upn = request.form.get("loginfmt", "")
    if "passwd" in request.form:
        return signin_flow.submit_password(pending, upn, request.form.get("passwd", ""))
    return signin_flow.submit_username(pending, upn)


@bp.post(pages.CHANGE_PASSWORD_ACTION)
def change_password():
    pending = _pending_or_error()
    if isinstance(pending, Response):
        return pending
    form = request.form
    return signin_flow.submit_password_change(
        pending,
        form.get("currentPassword", ""),
        form.get("newPassword", ""),
        form.get("confirmNewPassword", ""),
    )


@bp.post(pages.MFA_ACTION)
def mfa():
    pending = _pending_or_error()
    if isinstance(pending, Response):
        return pending
    return signin_flow.submit_mfa(pending, request.form.get("otc", ""))


@bp.post(pages.MFA_REGISTER_ACTION)
def mfa_register():
    pending = _pending_or_error()
    if isinstance(pending, Response):
        return pending
    return signin_flow.submit_mfa_registration(pending, request.form.get("otc", ""))


@bp.post(pages.CONSENT_ACTION)
def consent():
    pending = _pending_or_error()
    if isinstance(pending, Response):
        return pending
    return signin_flow.submit_consent(
        pending,
        request.form.get("decision", "cancel"),
        request.form.get("consent_org") in ("true", "on", "1"),
    )


@bp.route("/<tenant>/oauth2/v2.0/logout", methods=["GET", "POST"])
@bp.route("/<tenant>/oauth2/logout", methods=["GET", "POST"])
def logout(tenant: str):
    svc = services()
    signin_flow.end_session()
    svc.journal("logout", ok=True, tenant=tenant)
    target = request.values.get("post_logout_redirect_uri")
    if target and target.startswith("https://"):
        return redirect(target, code=302)
    return pages.signed_out_page()


@bp.get("/<tenant>/v2.0/adminconsent")
@bp.get("/<tenant>/adminconsent")
def admin_consent(tenant: str):
    """Admin consent for an app's application permissions and configured delegated scopes."""
    svc = services()
    try:
        tenant_row, app = _client(svc, tenant)
        redirect_uri = _redirect_uri(app)
    except AadstsError as err:
        return error_page(err)
    params = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "response_mode": "query",
        "state": request.args.get("state"),
        "scope": request.args.get("scope") or "https://graph.microsoft.com/.default",
        "prompt": "login" if request.args.get("prompt") == "login" else None,
    }
    pending = svc.directory.oauth.new_pending(
        tenant, tenant_row["id"] if tenant_row else None, "adminconsent", params
    )
    return _start(svc, pending)


@bp.get("/error")
def error_lookup():
    """Where ``error_uri`` points: the code's page."""
    try:
        code = int(request.args.get("code", ""))
    except ValueError:
        code = 0
    if code not in AADSTS:
        code = 9002313
        return error_page(AadstsError(code, detail="unknown error code."))
    return error_page(AadstsError(code))
