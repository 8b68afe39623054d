"""The sign-in pages (page map ids of common.md); each takes the pending sign-in it belongs to."""

from __future__ import annotations

from flask import Response, render_template

from simulators.microsoft.entra.aadsts import AadstsError

LOGIN_ACTION = "/common/login"
CHANGE_PASSWORD_ACTION = "/common/SSPR/changepassword"
MFA_ACTION = "/common/SAS/ProcessAuth"
MFA_REGISTER_ACTION = "/common/SAS/Register"
CONSENT_ACTION = "/common/Consent/Set"


def _error(err: AadstsError | None) -> dict | None:
    return {"code": f"AADSTS{err.code}", "message": err.text} if err else None


def _page(template: str, **context) -> Response:
    response = Response(render_template(template, **context), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def username_page(pending: dict, *, login_hint: str | None = None, error=None) -> Response:
    return _page(
        "ms_signin_username.html",
        action=LOGIN_ACTION,
        ctx=pending["id"],
        login_hint=login_hint,
        error=_error(error),
    )


def password_page(pending: dict, upn: str, *, error: AadstsError | None = None) -> Response:
    return _page(
        "ms_signin_password.html",
        action=LOGIN_ACTION,
        ctx=pending["id"],
        upn=upn,
        error=_error(error),
    )


def change_password_page(
    pending: dict, upn: str, *, expired: bool, error: dict | None = None
) -> Response:
    return _page(
        "ms_changepassword.html",
        action=CHANGE_PASSWORD_ACTION,
        ctx=pending["id"],
        upn=upn,
        expired=expired,
        error=error,
    )


def mfa_page(pending: dict, upn: str, *, error: AadstsError | None = None) -> Response:
    return _page("ms_mfa.html", action=MFA_ACTION, ctx=pending["id"], upn=upn, error=_error(error))


def mfa_register_page(
    pending: dict, upn: str, secret: str, uri: str, *, error: AadstsError | None = None
) -> Response:
    return _page(
        "ms_mfa_register.html",
        action=MFA_REGISTER_ACTION,
        ctx=pending["id"],
        upn=upn,
        secret=secret,
        uri=uri,
        error=_error(error),
    )


def consent_page(
    pending: dict, upn: str, app_name: str, scopes: list[str], *, is_admin: bool, admin_only: bool
) -> Response:
    return _page(
        "ms_consent.html",
        action=CONSENT_ACTION,
        ctx=pending["id"],
        upn=upn,
        app_name=app_name,
        scopes=scopes,
        is_admin=is_admin,
        admin_only=admin_only,
    )


def admin_approval_page(pending: dict, upn: str, app_name: str, scopes: list[str]) -> Response:
    """ "Need admin approval": the user cannot consent to scopes that need an admin."""
    return _page(
        "ms_admin_approval.html",
        action=CONSENT_ACTION,
        ctx=pending["id"],
        upn=upn,
        app_name=app_name,
        scopes=scopes,
    )


def signed_out_page() -> Response:
    return _page("ms_signedout.html")


def admin_consent_done_page(app_name: str) -> Response:
    return _page("ms_adminconsent_done.html", app_name=app_name)
