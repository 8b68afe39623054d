"""The Microsoft 365 portal: a confidential OIDC client (OfficeHome) of the lab's Entra."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request, session

from simulators.core.context import lab_context
from simulators.core.wire import TransportError
from simulators.microsoft.entra.tokens import decode_unverified
from simulators.microsoft.ids import OFFICE_HOME_APP_ID, OFFICE_HOME_SECRET

AUTHORITY = "organizations"
SCOPES = "openid profile offline_access User.Read"
STATE_KEY = "portal_pending"
USER_KEY = "portal_user"

bp = Blueprint("ms_portal", __name__, template_folder="templates")


def _page(template: str, **context) -> Response:
    return Response(render_template(template, **context), mimetype="text/html")


@bp.get("/")
def home():
    user = session.get(USER_KEY)
    if user:
        return _page("portal_signedin.html", user=user)
    return _page("portal_home.html", error=None)


@bp.get("/signin")
def signin():
    """Start an authorization-code sign-in with PKCE (S256) against the login host."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    session[STATE_KEY] = {"state": state, "nonce": nonce, "verifier": verifier}
    query = urlencode(
        {
            "client_id": OFFICE_HOME_APP_ID,
            "response_type": "code",
            "redirect_uri": _redirect_uri(),
            "response_mode": "form_post",
            "scope": SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge.rstrip("="),
            "code_challenge_method": "S256",
            **(
                {"login_hint": request.args["login_hint"]} if request.args.get("login_hint") else {}
            ),
        }
    )
    return redirect(f"{_login_url()}/{AUTHORITY}/oauth2/v2.0/authorize?{query}", code=302)


def _login_url() -> str:
    return lab_context().url("login")


def _redirect_uri() -> str:
    return lab_context().url("portal") + "/landing"


@bp.route("/landing", methods=["GET", "POST"])
def landing():
    """The redirect URI: check state, redeem the code over HTTPS, remember the user."""
    ctx = lab_context()
    pending = session.pop(STATE_KEY, None)
    values = request.values
    if values.get("error"):
        description = values.get("error_description", "")
        code = description.split(":", 1)[0] if description.startswith("AADSTS") else values["error"]
        return _page("portal_home.html", error={"code": code, "message": description}), 400
    if not pending or values.get("state") != pending["state"] or not values.get("code"):
        error = {
            "code": "portal:state_mismatch",
            "message": "The sign-in response was not expected.",
        }
        return _page("portal_home.html", error=error), 400
    try:
        reply = ctx.http().post(
            f"{_login_url()}/{AUTHORITY}/oauth2/v2.0/token",
            data={
                "grant_type": "authorization_code",
                "client_id": OFFICE_HOME_APP_ID,
                "client_secret": ctx.persistent_secret(OFFICE_HOME_SECRET),
                "code": values["code"],
                "redirect_uri": _redirect_uri(),
                "code_verifier": pending["verifier"],
                "scope": SCOPES,
            },
        )
        tokens = reply.json()
    except (TransportError, ValueError) as exc:
        error = {"code": "portal:token_failed", "message": str(exc)}
        return _page("portal_home.html", error=error), 502
    if reply.status != 200 or "id_token" not in tokens:
        codes = tokens.get("error_codes") or []
        error = {
            "code": f"AADSTS{codes[0]}" if codes else "portal:token_failed",
            "message": tokens.get("error_description", ""),
        }
        return _page("portal_home.html", error=error), 400
    claims = decode_unverified(tokens["id_token"])
    if claims.get("nonce") != pending["nonce"]:
        error = {"code": "portal:nonce_mismatch", "message": "The ID token nonce does not match."}
        return _page("portal_home.html", error=error), 400
    session[USER_KEY] = {
        "name": claims.get("name"),
        "upn": claims.get("preferred_username"),
        "tenant_id": claims.get("tid"),
        "oid": claims.get("oid"),
    }
    return redirect(ctx.url("portal") + "/", code=302)


@bp.get("/signout")
def signout():
    """Clear the portal session and the Entra session, then come back to the start page."""
    user = session.pop(USER_KEY, None) or {}
    session.pop(STATE_KEY, None)
    tenant = user.get("tenant_id") or "common"
    back = urlencode({"post_logout_redirect_uri": lab_context().url("portal") + "/"})
    return redirect(f"{_login_url()}/{tenant}/oauth2/v2.0/logout?{back}", code=302)
