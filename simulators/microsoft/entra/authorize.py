"""Browser endpoints of the login host: authorize, the sign-in pages' posts, consent, logout."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, request
from flask.typing import ResponseReturnValue

from simulators.microsoft.entra import pages, signin_flow
from simulators.microsoft.entra.aadsts import AADSTS, AadstsError
from simulators.microsoft.entra.errors import error_page, redirect_with_error
from simulators.microsoft.entra.signin import authorization
from simulators.microsoft.entra.signin.machine import SignInMachine
from simulators.microsoft.entra.signin.outcomes import Outcome
from simulators.microsoft.ids import new_guid
from simulators.microsoft.services import services

bp = Blueprint("ms_authorize", __name__, template_folder="templates")


@bp.route("/<tenant>/oauth2/v2.0/authorize", methods=["GET", "POST"])
def authorize(tenant: str):
    svc = services()
    args = request.values
    try:
        found = authorization.client(svc.directory, tenant, args)
    except AadstsError as err:
        svc.journal("authorize", ok=False, aadsts=err.code)
        return error_page(err)
    try:
        params = authorization.authorize_params(args, found, svc.ctx.url("graph"), tenant)
    except AadstsError as err:
        svc.journal("authorize", ok=False, aadsts=err.code, client_id=found.app["client_id"])
        correlation = request.headers.get("client-request-id") or new_guid()
        return redirect_with_error(
            found.redirect_uri,
            err,
            state=args.get("state"),
            response_mode=authorization.error_response_mode(args),
            correlation=correlation,
        )
    pending = svc.directory.oauth.new_pending(tenant, found.tenant_id, "authorize", params)
    return signin_flow.run(lambda m: m.start(pending))


def _pending(step: Callable[[SignInMachine, dict], Outcome]) -> ResponseReturnValue:
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
        found = authorization.client(svc.directory, tenant, request.args)
    except AadstsError as err:
        return error_page(err)
    params = authorization.admin_consent_params(request.args, found)
    pending = svc.directory.oauth.new_pending(tenant, found.tenant_id, "adminconsent", params)
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
