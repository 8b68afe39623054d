"""User Portal pages: sign-in, TOTP (verify and enrol), forced and voluntary password change,
home with app tiles, sign-out; ``return_to`` + one-time ticket hand-off to the SSO host."""

from __future__ import annotations

import re
import secrets
import threading
import time

from flask import Blueprint, Response, redirect, render_template, request, session, url_for

from simulators.core.context import LabContext
from simulators.core.errors import register_error_renderer

from ..model import JumpCloudModel, PortalSignin
from ..model.errors import READABLE as PASSWORD_RULES
from ..model.errors import JumpCloudError, PasswordRejected
from ..web import csrf_ok, csrf_token, error_page, qr_png_data_uri, same_lab_url, with_query

USER_KEY = "jcp_user"
PENDING_KEY = "jcp_pending"
PENDING_TTL = 300
MESSAGES = {
    "invalid_credentials": "The username, email or password is incorrect.",
    "ambiguous": "More than one account matches; sign in with your email address.",
    "locked": "Your account is locked after too many failed attempts. Try again later or "
    "contact your administrator.",
    "suspended": "Your account has been suspended. Contact your administrator.",
    "staged": "Your account is not activated yet. Check your email for the activation link "
    "or contact your administrator.",
    "invalid_otp": "The verification code is not valid. Try again.",
    "csrf": "The form expired. Reload the page and try again.",
    "session_expired": "Your sign-in session expired. Sign in again.",
}


class PendingPasswords:
    """Plaintext passwords of sign-ins still in MFA / forced change, in memory only (5 min),
    so the ``on_portal_signin`` hook can receive them once; never written to disk."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def put(self, password: str) -> str:
        key = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v[1] > now}
            self._items[key] = (password, now + PENDING_TTL)
        return key

    def replace(self, key: str, password: str) -> None:
        with self._lock:
            self._items[key] = (password, time.monotonic() + PENDING_TTL)

    def pop(self, key: str) -> str:
        with self._lock:
            item = self._items.pop(key, None)
        return item[0] if item and item[1] > time.monotonic() else ""


def portal_blueprint(model: JumpCloudModel, ctx: LabContext) -> Blueprint:
    bp = Blueprint(
        "jumpcloud_portal", __name__, url_prefix="/userconsole", template_folder="templates"
    )
    users = model.users
    passwords = PendingPasswords()

    @bp.record_once
    def _errors(state):
        register_error_renderer(
            state.app,
            "/userconsole",
            lambda status, code, message: error_page(
                "jc_portal/error.html", _snake(code), message, status
            ),
        )

    @bp.context_processor
    def _globals():
        return {"csrf_token": csrf_token}

    # -- helpers ---------------------------------------------------------------------------
    def signin_page(reason: str | None = None, *, login: str = "", status: int = 200):
        body = render_template(
            "jc_portal/signin.html",
            error_code=f"jumpcloud:{reason}" if reason else None,
            error_message=MESSAGES.get(reason or "", ""),
            login=login,
            return_to=request.values.get("return_to", ""),
            org=request.values.get("org", ""),
        )
        return Response(body, status=status, mimetype="text/html")

    def current_user() -> dict | None:
        """The signed-in user, reloaded; signs out on suspension, deletion or idle timeout."""
        state = session.get(USER_KEY)
        if not state:
            return None
        try:
            user = users.get(state["org"], state["id"])
            idle = model.orgs.settings(state["org"])["userPortal"]["idleSessionDurationMinutes"]
        except JumpCloudError:
            session.pop(USER_KEY, None)
            return None
        now = ctx.clock.timestamp()
        ended = state.get("gen", 0) < model.session_generation(state["org"], state["id"])
        if user["state"] != "ACTIVATED" or now - state.get("seen", now) > idle * 60 or ended:
            session.pop(USER_KEY, None)
            return None
        state["seen"] = now
        session[USER_KEY] = state
        return user

    def pending() -> dict | None:
        state = session.get(PENDING_KEY)
        if not state or ctx.clock.timestamp() > state["expires"]:
            session.pop(PENDING_KEY, None)
            return None
        return state

    def hand_off(user: dict, state: dict) -> Response:
        return_to = same_lab_url(ctx, state.get("return_to"))
        if return_to:
            ticket = model.mint_sso_ticket(
                user, mfa_done=state.get("mfa", False), auth_time=state["auth_time"]
            )
            return redirect(with_query(return_to, ticket=ticket), 302)
        return redirect(url_for(".home"), 302)

    def next_stage(state: dict, user: dict | None = None) -> Response:
        """Route a pending sign-in to MFA, enrolment, forced change — or finish it.

        ``user``: the pending user as the caller has just read it (else it is read here)."""
        user = user or users.get(state["org"], state["id"])
        if users.mfa_required(state["org"], user) and not state.get("mfa"):
            target = ".mfa" if user["totp_enabled"] else ".mfa_enroll"
        elif user["password_expired"]:
            target = ".password_expired"
        else:
            return finish(state, user)
        session[PENDING_KEY] = state
        return redirect(url_for(target), 302)

    def finish(state: dict, user: dict) -> Response:
        session.pop(PENDING_KEY, None)
        now = ctx.clock.timestamp()
        signed_in = {
            "org": state["org"],
            "id": state["id"],
            "mfa": bool(state.get("mfa")),
            "auth_time": now,
            "seen": now,
            "gen": model.session_generation(state["org"], state["id"]),
        }
        session[USER_KEY] = signed_in
        model.events.record(
            state["org"],
            "user_login_attempt",
            service="user_portal",
            initiated_by={"type": "user", "id": user["_id"], "username": user["username"]},
            resource={"type": "user", "id": user["_id"], "username": user["username"]},
            details={"mfa": bool(state.get("mfa")), "auth_method": "password"},
        )
        model.backend.emit(
            PortalSignin(
                state["org"],
                user["_id"],
                user,
                passwords.pop(state["pw"]),
                bool(state.get("mfa")),
                model.backend.now_iso(),
            )
        )
        return hand_off(user, {**signed_in, "return_to": state.get("return_to")})

    def failed(row: dict | None, reason: str, login: str) -> Response:
        if row is not None:
            doc_user = {"type": "user", "id": row["id"], "username": row["username_lc"]}
            model.events.record(
                row["org_id"],
                "user_login_attempt",
                service="user_portal",
                success=False,
                initiated_by=doc_user,
                resource=doc_user,
                details={"error": f"jumpcloud:{reason}"},
            )
        return signin_page(reason, login=login, status=401 if reason != "csrf" else 400)

    # -- sign-in -----------------------------------------------------------------------
    @bp.get("/")
    def home():
        user = current_user()
        if user is None:
            return redirect(url_for(".login"), 302)
        tiles = []
        for found in model.graph.resources_of_user(
            user["organization"], user["_id"], "application"
        ):
            app = model.apps.get(user["organization"], found["id"])
            if app["active"]:
                label = app["ssoUrl"].rsplit("/", 1)[-1]
                tiles.append(
                    {
                        "id": app["_id"],
                        "name": app["displayLabel"],
                        "href": f"{ctx.url('sso')}/saml2/{label}?idp_init=1",
                    }
                )
        return render_template("jc_portal/home.html", user=user, tiles=tiles)

    @bp.get("/login")
    def login():
        """The sign-in page; a signed-in user goes straight on, unless ``prompt=login`` (an SSO
        request with ForceAuthn) asks for the password again. ``prompt=none`` (IsPassive) never
        shows the page: nobody signed in goes back to ``return_to`` without a ticket."""
        user = current_user()
        return_to = same_lab_url(ctx, request.args.get("return_to"))
        prompt = request.args.get("prompt")
        if user is None and prompt == "none" and return_to:
            return redirect(with_query(return_to, error="login_required"), 302)
        if user is not None and prompt == "login":
            return signin_page(login=user["email"])
        if user is not None:
            state = session[USER_KEY]
            if return_to:
                return hand_off(user, {**state, "return_to": return_to})
            return redirect(url_for(".home"), 302)
        return signin_page()

    @bp.post("/login")
    def login_post():
        login_name = request.form.get("email", "").strip()
        if not csrf_ok():
            return failed(None, "csrf", login_name)
        password = request.form.get("password", "")
        candidates = users.signin_candidates(login_name, request.form.get("org") or None)
        if not login_name or not candidates:
            return failed(None, "invalid_credentials", login_name)
        # A username (unlike an email) may exist in several organizations of the lab: the
        # password picks the account, and a failure counts only against an unambiguous one.
        matches = [
            row
            for row in candidates
            if not users.lock_status(row)[0] and users.check_password(row, password)
        ]
        if len(matches) == 1:
            return start(matches[0], password)
        if matches or len(candidates) > 1:
            return failed(None, "ambiguous" if matches else "invalid_credentials", login_name)
        row = candidates[0]
        if users.lock_status(row)[0]:
            return failed(row, "locked", login_name)
        after = users.record_bad_login(row)
        return failed(
            row, "locked" if after["account_locked"] else "invalid_credentials", login_name
        )

    def start(row: dict, password: str) -> Response:
        user = users.of_row(row)
        if user["state"] == "SUSPENDED":
            return failed(row, "suspended", request.form.get("email", ""))
        if user["state"] == "STAGED":
            return failed(row, "staged", request.form.get("email", ""))
        if users.record_good_login(row):
            user = users.get(row["org_id"], row["id"])  # as it is after the reset
        state = {
            "org": row["org_id"],
            "id": row["id"],
            "mfa": False,
            "pw": passwords.put(password),
            "auth_time": ctx.clock.timestamp(),
            "expires": ctx.clock.timestamp() + PENDING_TTL,
            "return_to": same_lab_url(ctx, request.form.get("return_to")),
        }
        return next_stage(state, user)

    # -- MFA ---------------------------------------------------------------------------
    @bp.route("/mfa", methods=["GET", "POST"])
    def mfa():
        state = pending()
        if state is None:
            return signin_page("session_expired", status=401)
        error = None
        if request.method == "POST":
            secret = users.totp_secret(state["org"], state["id"])
            if not csrf_ok():
                error = "csrf"
            elif secret and users.totp_ok(secret, request.form.get("otp", "")):
                state["mfa"] = True
                return next_stage(state)
            else:
                error = "invalid_otp"
        return render_template(
            "jc_portal/mfa.html",
            error_code=f"jumpcloud:{error}" if error else None,
            error_message=MESSAGES.get(error or "", ""),
        ), (401 if error else 200)

    @bp.route("/mfa/enroll", methods=["GET", "POST"])
    def mfa_enroll():
        state = pending()
        if state is None:
            return signin_page("session_expired", status=401)
        user = users.get(state["org"], state["id"])
        error = None
        if request.method == "POST":
            if not csrf_ok():
                error = "csrf"
            elif users.confirm_totp_enrollment(
                state["org"], state["id"], request.form.get("otp", "")
            ):
                state["mfa"] = True
                return next_stage(state)
            else:
                error = "invalid_otp"
        secret = users.begin_totp_enrollment(state["org"], state["id"])
        org = model.orgs.get(state["org"])
        uri = _otpauth_uri(secret, user["email"], org["displayName"])
        return render_template(
            "jc_portal/mfa_enroll.html",
            secret=secret,
            uri=uri,
            qr=qr_png_data_uri(uri),
            error_code=f"jumpcloud:{error}" if error else None,
            error_message=MESSAGES.get(error or "", ""),
        ), (401 if error else 200)

    # -- passwords ---------------------------------------------------------------------
    def password_form(page: str, *, error=None, message=None, status: int = 200):
        return Response(
            render_template(
                "jc_portal/password.html",
                page=page,
                error_code=f"jumpcloud:{error[0]}" if error else None,
                error_message=error[1] if error else "",
                message=message,
                policy=model.orgs.policy(session_org()) if session_org() else None,
            ),
            status=status,
            mimetype="text/html",
        )

    def session_org() -> str | None:
        state = session.get(USER_KEY) or session.get(PENDING_KEY)
        return state["org"] if state else None

    def change_password(org_id: str, user_id: str) -> tuple[str, str] | None:
        """Apply the form; ``(reason, message)`` on failure."""
        if not csrf_ok():
            return ("csrf", MESSAGES["csrf"])
        new = request.form.get("newPassword", "")
        if new != request.form.get("confirmPassword", ""):
            return ("password_mismatch", "The new passwords do not match.")
        try:
            users.set_password(
                org_id,
                user_id,
                new,
                current_password=request.form.get("currentPassword", ""),
                self_service=True,
            )
        except PasswordRejected as exc:
            reason = (
                "invalid_credentials"
                if exc.violations == ["currentPassword"]
                else "password_policy"
            )
            readable = "; ".join(PASSWORD_RULES.get(v, v) for v in exc.violations)
            return (reason, f"The password was not changed: {readable}.")
        return None

    @bp.route("/password", methods=["GET", "POST"])
    def password():
        user = current_user()
        if user is None:
            return redirect(url_for(".login"), 302)
        if request.method == "GET":
            return password_form("jc.userportal.password")
        error = change_password(user["organization"], user["_id"])
        if error:
            return password_form("jc.userportal.password", error=error, status=400)
        updated = users.get(user["organization"], user["_id"])
        model.backend.emit(
            PortalSignin(
                user["organization"],
                user["_id"],
                updated,
                request.form.get("newPassword", ""),
                bool(session[USER_KEY].get("mfa")),
                model.backend.now_iso(),
                reason="password_change",
            )
        )
        return password_form("jc.userportal.password", message="Your password was changed.")

    @bp.route("/password/expired", methods=["GET", "POST"])
    def password_expired():
        state = pending()
        if state is None:
            return signin_page("session_expired", status=401)
        if request.method == "GET":
            return password_form("jc.userportal.password.expired")
        error = change_password(state["org"], state["id"])
        if error:
            return password_form("jc.userportal.password.expired", error=error, status=400)
        passwords.replace(state["pw"], request.form.get("newPassword", ""))
        return next_stage(state)

    @bp.route("/logout", methods=["GET", "POST"])
    def logout():
        state = session.pop(USER_KEY, None)
        session.pop(PENDING_KEY, None)
        if isinstance(state, dict) and state.get("org") and state.get("id"):
            model.sign_out(state["org"], state["id"])
        return redirect(url_for(".login"), 302)

    return bp


def _snake(code: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", code).lower()


def _otpauth_uri(secret: str, email: str, issuer: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=f"JumpCloud {issuer}")
