"""The admin's consent flow, without Flask: start it (PKCE, state, nonce) and finish it.

``console_routes`` renders the outcomes: a redirect to Entra, an "authorized" page, or a
failure page whose ``#error-code`` is ``jumpcloud:<reason>`` (or the AADSTS code Entra sent).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .oauth import TokenError, pkce_pair

if TYPE_CHECKING:
    from .integration import M365Integration

AUTH_REQUEST_SECONDS = 600
"""How long an authorization request waits for its callback (lab clock)."""


@dataclass(frozen=True)
class ConsentFailure:
    """Why a consent step stopped: ``reason`` (or an AADSTS code), ``message``, HTTP status."""

    reason: str
    message: str
    status: int = 400


@dataclass(frozen=True)
class ConsentGranted:
    """Entra's grant is stored for ``office365_id``."""

    office365_id: str


def begin(
    integration: M365Integration,
    org_id: str,
    office365_id: str,
    *,
    reauthorize: bool,
    login_hint: str | None,
) -> str | ConsentFailure:
    """The Entra authorize URL for an admin of ``org_id`` (consent prompted when asked to
    reauthorize or when a grant exists already), or why there is none."""
    if not integration.model.office365.exists(org_id, office365_id):
        return ConsentFailure(
            "not_found", f"Microsoft 365 instance {office365_id!r} not found", 404
        )
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    integration.save_auth_request(state, office365_id, org_id, verifier, nonce)
    prompt = reauthorize or integration.grants.row(office365_id)
    return integration.oauth_app.authorize_url(
        state=state,
        code_challenge=challenge,
        nonce=nonce,
        prompt="consent" if prompt else None,
        login_hint=login_hint,
    )


def finish(
    integration: M365Integration, admin: dict | None, reply: Mapping[str, str]
) -> ConsentGranted | ConsentFailure:
    """Entra's redirect back (``reply``: its query) for the signed-in ``admin`` (if any)."""
    pending = integration.take_auth_request(reply.get("state", ""))
    if pending is None:
        return ConsentFailure(
            "m365_invalid_state", "This authorization request is unknown or expired."
        )
    if admin is not None and admin["org_id"] != pending["org_id"]:
        return ConsentFailure(
            "m365_invalid_state", "This authorization belongs to another organization."
        )
    org_id, office365_id = pending["org_id"], pending["office365_id"]
    if reply.get("error"):
        description = reply.get("error_description") or reply["error"]
        code = description.split(":", 1)[0] if description.startswith("AADSTS") else "m365_denied"
        integration.authorization_refused(org_id, office365_id, code, description, admin)
        return ConsentFailure(code, description)
    try:
        tokens = integration.oauth_app.redeem(
            reply.get("code", ""), pending["verifier"], pending["nonce"]
        )
    except TokenError as exc:
        reason = exc.aadsts if exc.codes else "m365_token_error"
        return ConsentFailure(reason, exc.description, 502)
    integration.authorized(org_id, office365_id, tokens, admin)
    return ConsentGranted(office365_id)
