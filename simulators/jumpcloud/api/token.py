"""``POST /oauth2/token`` (client credentials) on the console host."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, request

from ..appstate import jumpcloud_model
from ..model.errors import JumpCloudError

bp = Blueprint("jumpcloud_oauth", __name__)


@dataclass(frozen=True)
class TokenRefusal:
    """An OAuth error reply: ``status``, ``error`` and ``error_description``."""

    status: int
    error: str
    description: str


@dataclass(frozen=True)
class TokenRequest:
    """A checked client-credentials request."""

    client_id: str
    client_secret: str

    @classmethod
    def parse(cls, authorization: str, form: Mapping[str, str]) -> TokenRequest | TokenRefusal:
        """Credentials from Basic auth (else the form); grant and scope checked."""
        scheme, _, encoded = authorization.partition(" ")
        client_id = form.get("client_id", "")
        client_secret = form.get("client_secret", "")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return TokenRefusal(401, "invalid_client", "malformed Basic credentials")
            client_id, _, client_secret = decoded.partition(":")
        if form.get("grant_type") != "client_credentials":
            return TokenRefusal(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        if form.get("scope", "api").split() != ["api"]:
            return TokenRefusal(400, "invalid_scope", "scope must be api")
        return cls(client_id, client_secret)


def _oauth_error(refusal: TokenRefusal) -> Response:
    response = jsonify({"error": refusal.error, "error_description": refusal.description})
    response.status_code = refusal.status
    if refusal.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="JumpCloud"'
    return response


@bp.post("/oauth2/token")
def oauth2_token():
    token_request = TokenRequest.parse(request.headers.get("Authorization") or "", request.form)
    if isinstance(token_request, TokenRefusal):
        return _oauth_error(token_request)
    try:
        token = jumpcloud_model().orgs.issue_token(
            token_request.client_id, token_request.client_secret
        )
    except JumpCloudError:
        return _oauth_error(TokenRefusal(401, "invalid_client", "client authentication failed"))
    response = jsonify(token)
    response.headers["Cache-Control"] = "no-store"
    return response
