"""The SSO host's pages: JumpCloud's error page, step-up MFA and MFA enrolment, the POST form.

They extend the User Portal's ``jc_portal/base.html``, and step-up MFA uses the portal's own
``jc_portal/mfa*.html``, so the IdP looks like the rest of JumpCloud (the sso host registers the
portal's template folder for that).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template

from simulators.core.totp import provisioning_uri
from simulators.jumpcloud.web import csrf_token, qr_png_data_uri
from simulators.saml.bindings import post_form_html

from .errors import SsoRefusal

PORTAL_TEMPLATES = Path(__file__).resolve().parents[1] / "userportal" / "templates"
look = Blueprint("jumpcloud_sso_look", __name__, template_folder=str(PORTAL_TEMPLATES))
"""No routes: lends the User Portal's base template to the sso host."""


def _page(template: str, status: int = 200, **context) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(refusal: SsoRefusal | None) -> dict:
    if refusal is None:
        return {}
    return {"error_code": refusal.page_code, "error_message": refusal.message}


def error_page(refusal: SsoRefusal, app_label: str | None, portal_url: str) -> Response:
    """``jc.error`` with ``#error-code`` = ``jumpcloud:<reason>``."""
    return _page(
        "sso_error.html",
        status=refusal.status,
        code=refusal.page_code,
        message=refusal.message,
        app=app_label,
        portal_url=portal_url,
    )


def mfa_page(action: str, app_label: str, error: SsoRefusal | None = None) -> Response:
    """The User Portal's TOTP prompt, for ``app_label``'s step-up."""
    return _page(
        "jc_portal/mfa.html", action=action, app=app_label, csrf_token=csrf_token, **_error(error)
    )


def mfa_enroll_page(
    action: str, app_label: str, secret: str, account: str, error: SsoRefusal | None = None
) -> Response:
    """The User Portal's TOTP enrolment, for ``app_label``'s step-up."""
    uri = provisioning_uri(secret, account, "JumpCloud")
    return _page(
        "jc_portal/mfa_enroll.html",
        action=action,
        app=app_label,
        secret=secret,
        uri=uri,
        qr=qr_png_data_uri(uri),
        csrf_token=csrf_token,
        **_error(error),
    )


def post_binding(acs_url: str, saml_response: str, relay_state: str | None) -> Response:
    """The auto-submitting HTTP-POST form carrying the Response (RelayState echoed as received)."""
    fields = {"SAMLResponse": saml_response}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    response = Response(post_form_html(acs_url, fields), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
