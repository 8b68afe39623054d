"""User Portal pages: sign-in, TOTP (verify and enrol), forced and voluntary password change,
home with app tiles, sign-out; ``return_to`` + one-time ticket hand-off to the SSO host.

The handlers parse the form, ask ``rules`` (through ``portal()``) and render."""

from __future__ import annotations

import re

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from simulators.core.errors import register_error_renderer
from simulators.core.totp import provisioning_uri

from ..model.records import SystemUser
from ..web import (
    csrf_ok,
    csrf_token,
    error_page,
    portal,
    qr_png_data_uri,
    same_lab_url,
    with_query,
)
from .rules import MESSAGES, Failure, Refusal, SignIn, Stage

USER_KEY = "jcp_user"
PENDING_KEY = "jcp_pending"
STAGE_ENDPOINTS = {
    Stage.MFA: ".mfa",
    Stage.ENROL: ".mfa_enroll",
    Stage.PASSWORD_EXPIRED: ".password_expired",
}

bp = Blueprint("jumpcloud_portal", __name__, url_prefix="/userconsole", template_folder="templates")


@bp.record_once
def _errors(state) -> None:
    register_error_renderer(state.app, "/userconsole", _render_error)


def _render_error(status: int, code: str, message: str) -> Response:
    return error_page("jc_portal/error.html", _snake(code), message, status)


@bp.context_processor
def _globals() -> dict:
    return {"csrf_token": csrf_token}


# -- helpers -----------------------------------------------------------------------------------
def _signin_page(
    reason: Failure | None = None, *, login: str = "", status: int = 200
) -> ResponseReturnValue:
    body = render_template(
        "jc_portal/signin.html",
        error_code=f"jumpcloud:{reason}" if reason else None,
        error_message=MESSAGES.get(reason, "") if reason else "",
        login=login,
        return_to=request.values.get("return_to", ""),
        org=request.values.get("org", ""),
    )
    return Response(body, status=status, mimetype="text/html")


def _current_user() -> SystemUser | None:
    """The signed-in user, reloaded; signs out on suspension, deletion or idle timeout."""
    state = session.get(USER_KEY)
    if not state:
        return None
    checked = portal().sessions.check(state)
    if checked.state is None:
        session.pop(USER_KEY, None)
    else:
        session[USER_KEY] = checked.state
    return checked.user


def _pending() -> dict | None:
    state = session.get(PENDING_KEY)
    if not portal().sessions.pending_live(state):
        session.pop(PENDING_KEY, None)
        return None
    return state


def _hand_off(user: SystemUser, state: dict) -> ResponseReturnValue:
    return_to = same_lab_url(portal().ctx, state.get("return_to"))
    if return_to:
        ticket = portal().model.mint_sso_ticket(
            user, mfa_done=state.get("mfa", False), auth_time=state["auth_time"]
        )
        return redirect(with_query(return_to, ticket=ticket), 302)
    return redirect(url_for(".home"), 302)


def _next_stage(state: dict, user: SystemUser | None = None) -> ResponseReturnValue:
    """Route a pending sign-in to MFA, enrolment, forced change — or finish it.

    ``user``: the pending user as the caller has just read it (else it is read here)."""
    user = user or portal().model.users.get(state["org"], state["id"])
    stage = portal().authenticator.next_stage(state["org"], user, bool(state.get("mfa")))
    if stage is Stage.DONE:
        return _finish(state, user)
    session[PENDING_KEY] = state
    return redirect(url_for(STAGE_ENDPOINTS[stage]), 302)


def _finish(state: dict, user: SystemUser) -> ResponseReturnValue:
    rules = portal()
    session.pop(PENDING_KEY, None)
    mfa = bool(state.get("mfa"))
    signed_in = rules.sessions.open(state["org"], state["id"], mfa)
    session[USER_KEY] = signed_in
    rules.authenticator.signed_in(state["org"], user, rules.passwords.pop(state["pw"]), mfa)
    return _hand_off(user, {**signed_in, "return_to": state.get("return_to")})


def _failed(outcome: SignIn, login: str) -> ResponseReturnValue:
    status = 400 if outcome.failure is Failure.CSRF else 401
    return _signin_page(outcome.failure, login=login, status=status)


# -- sign-in -----------------------------------------------------------------------------------
@bp.get("/")
def home() -> ResponseReturnValue:
    user = _current_user()
    if user is None:
        return redirect(url_for(".login"), 302)
    model, sso = portal().model, portal().ctx.url("sso")
    tiles = []
    for found in model.graph.resources_of_user(user["organization"], user["_id"], "application"):
        app = model.apps.get(user["organization"], found["id"])
        if app["active"]:
            label = app["ssoUrl"].rsplit("/", 1)[-1]
            href = f"{sso}/saml2/{label}?idp_init=1"
            tiles.append({"id": app["_id"], "name": app["displayLabel"], "href": href})
    return render_template("jc_portal/home.html", user=user, tiles=tiles)


@bp.get("/login")
def login() -> ResponseReturnValue:
    """The sign-in page; a signed-in user goes straight on, unless ``prompt=login`` (an SSO
    request with ForceAuthn) asks for the password again. ``prompt=none`` (IsPassive) never
    shows the page: nobody signed in goes back to ``return_to`` without a ticket."""
    user = _current_user()
    return_to = same_lab_url(portal().ctx, request.args.get("return_to"))
    prompt = request.args.get("prompt")
    if user is None and prompt == "none" and return_to:
        return redirect(with_query(return_to, error="login_required"), 302)
    if user is not None and prompt == "login":
        return _signin_page(login=user["email"])
    if user is not None:
        state = session[USER_KEY]
        if return_to:
            return _hand_off(user, {**state, "return_to": return_to})
        return redirect(url_for(".home"), 302)
    return _signin_page()


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    login_name = request.form.get("email", "").strip()
    if not csrf_ok():
        return _failed(SignIn(Failure.CSRF), login_name)
    password = request.form.get("password", "")
    rules = portal()
    outcome = rules.authenticator.sign_in(login_name, password, request.form.get("org") or None)
    if not outcome.ok or outcome.row is None:
        return _failed(outcome, login_name)
    return_to = same_lab_url(rules.ctx, request.form.get("return_to"))
    state = rules.sessions.start_pending(outcome.row, rules.passwords.put(password), return_to)
    return _next_stage(state, outcome.user)


# -- MFA ---------------------------------------------------------------------------------------
def _mfa_render(template: str, error: Failure | None, **values) -> tuple[str, int]:
    body = render_template(
        template,
        error_code=f"jumpcloud:{error}" if error else None,
        error_message=MESSAGES.get(error, "") if error else "",
        **values,
    )
    return body, (401 if error else 200)


@bp.route("/mfa", methods=["GET", "POST"])
def mfa() -> ResponseReturnValue:
    state = _pending()
    if state is None:
        return _signin_page(Failure.SESSION_EXPIRED, status=401)
    error = None
    if request.method == "POST":
        if not csrf_ok():
            error = Failure.CSRF
        elif portal().authenticator.verify_totp(
            state["org"], state["id"], request.form.get("otp", "")
        ):
            state["mfa"] = True
            return _next_stage(state)
        else:
            error = Failure.INVALID_OTP
    return _mfa_render("jc_portal/mfa.html", error, action=url_for(".mfa"))


@bp.route("/mfa/enroll", methods=["GET", "POST"])
def mfa_enroll() -> ResponseReturnValue:
    state = _pending()
    if state is None:
        return _signin_page(Failure.SESSION_EXPIRED, status=401)
    model = portal().model
    user = model.users.get(state["org"], state["id"])
    error = None
    if request.method == "POST":
        if not csrf_ok():
            error = Failure.CSRF
        elif model.users.confirm_totp_enrollment(
            state["org"], state["id"], request.form.get("otp", "")
        ):
            state["mfa"] = True
            return _next_stage(state)
        else:
            error = Failure.INVALID_OTP
    secret = model.users.begin_totp_enrollment(state["org"], state["id"])
    uri = provisioning_uri(
        secret, user["email"], f"JumpCloud {model.orgs.get(state['org'])['displayName']}"
    )
    return _mfa_render(
        "jc_portal/mfa_enroll.html",
        error,
        action=url_for(".mfa_enroll"),
        secret=secret,
        uri=uri,
        qr=qr_png_data_uri(uri),
    )


# -- passwords ---------------------------------------------------------------------------------
def _password_form(
    page: str, *, error: Refusal | None = None, message: str | None = None, status: int = 200
) -> Response:
    org_id = _session_org()
    return Response(
        render_template(
            "jc_portal/password.html",
            page=page,
            error_code=f"jumpcloud:{error.reason}" if error else None,
            error_message=error.message if error else "",
            message=message,
            policy=portal().model.orgs.policy(org_id) if org_id else None,
        ),
        status=status,
        mimetype="text/html",
    )


def _session_org() -> str | None:
    state = session.get(USER_KEY) or session.get(PENDING_KEY)
    return state["org"] if state else None


def _change_password(org_id: str, user_id: str) -> Refusal | None:
    """Apply the form; the refusal, or None when changed."""
    if not csrf_ok():
        return Refusal(Failure.CSRF, MESSAGES[Failure.CSRF])
    return portal().authenticator.change_password(
        org_id,
        user_id,
        request.form.get("newPassword", ""),
        request.form.get("confirmPassword", ""),
        request.form.get("currentPassword", ""),
    )


@bp.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    user = _current_user()
    if user is None:
        return redirect(url_for(".login"), 302)
    if request.method == "GET":
        return _password_form("jc.userportal.password")
    error = _change_password(user["organization"], user["_id"])
    if error:
        return _password_form("jc.userportal.password", error=error, status=400)
    rules = portal()
    updated = rules.model.users.get(user["organization"], user["_id"])
    rules.authenticator.signed_in(
        user["organization"],
        updated,
        request.form.get("newPassword", ""),
        bool(session[USER_KEY].get("mfa")),
        reason="password_change",
    )
    return _password_form("jc.userportal.password", message="Your password was changed.")


@bp.route("/password/expired", methods=["GET", "POST"])
def password_expired() -> ResponseReturnValue:
    state = _pending()
    if state is None:
        return _signin_page(Failure.SESSION_EXPIRED, status=401)
    if request.method == "GET":
        return _password_form("jc.userportal.password.expired")
    error = _change_password(state["org"], state["id"])
    if error:
        return _password_form("jc.userportal.password.expired", error=error, status=400)
    portal().passwords.replace(state["pw"], request.form.get("newPassword", ""))
    return _next_stage(state)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    state = session.pop(USER_KEY, None)
    session.pop(PENDING_KEY, None)
    portal().sessions.sign_out(state)
    return redirect(url_for(".login"), 302)


def _snake(code: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", code).lower()
