"""Browser endpoints of the login host: authorize, the sign-in pages' posts, consent, logout."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, redirect, request

from simulators.microsoft.entra import pages, signin_flow
from simulators.microsoft.entra.aadsts import AADSTS, AadstsError
from simulators.microsoft.entra.errors import error_page, redirect_with_error
from simulators.microsoft.entra.scopes import parse_scopes
from simulators.microsoft.entra.signin.machine import SignInMachine
from simulators.microsoft.entra.signin.outcomes import Outcome
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
    return signin_flow.run(lambda m: m.start(pending))


def _pending(step: Callable[[SignInMachine, dict], Outcome]) -> Response:
    """Run ``step`` on the pending sign-in the form's ``ctx`` names (expired: the error page)."""
    pending = signin_flow.load_pending(request.form.get("ctx"))
    if pending is None:
        return signin_flow.expired_context()
    return signin_flow.run(lambda m: step(m, pending))


@bp.post(pages.LOGIN_ACTION)
def login():
    form = request.form
    upn = form.get("loginfmt", "")
    if "passwd" in form:
        return _pending(lambda m, p: m.submit_password(p, upn, form.get("passwd", "")))
    return _pending(lambda m, p: m.submit_username(p, upn))


@bp.post(pages.CHANGE_PASSWORD_ACTION)
def change_password():
    form = request.form
    current, new = form.get("currentPassword", ""), form.get("newPassword", "")
    confirm = form.get("confirmNewPassword", "")
    return _pending(lambda m, p: m.submit_password_change(p, current, new, confirm))


@bp.post(pages.MFA_ACTION)
def mfa():
    code = request.form.get("otc", "")
    return _pending(lambda m, p: m.submit_mfa(p, code))


@bp.post(pages.MFA_REGISTER_ACTION)
def mfa_register():
    code = request.form.get("otc", "")
    return _pending(lambda m, p: m.submit_mfa_registration(p, code))


@bp.post(pages.CONSENT_ACTION)
def consent():
    accept = request.form.get("decision", "cancel") == "accept"
    consent_org = request.form.get("consent_org") in ("true", "on", "1")
    return _pending(lambda m, p: m.submit_consent(p, accept, consent_org))


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
    return signin_flow.run(lambda m: m.start(pending))


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
