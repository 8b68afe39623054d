"""``POST /{tenant}/oauth2/v2.0/token``: parse the request, run ``grants``, render the reply."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from flask import Blueprint, Response, jsonify, request

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.errors import token_error
from simulators.microsoft.entra.grants import GrantDeps, TokenEndpoint, TokenRequest
from simulators.microsoft.services import services

bp = Blueprint("ms_token", __name__)


def _client_credentials() -> tuple[str | None, str | None]:
    """client_id and secret from the body or HTTP Basic (RFC 6749 §2.3.1)."""
    client_id = request.form.get("client_id")
    secret = request.form.get("client_secret")
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        basic_id, _, basic_secret = decoded.partition(":")
        client_id = client_id or unquote_plus(basic_id) or None
        secret = secret or unquote_plus(basic_secret) or None
    return client_id, secret


@bp.post("/<tenant>/oauth2/v2.0/token")
def token(tenant: str):
    svc = services()
    client_id, secret = _client_credentials()
    req = TokenRequest(tenant, client_id, secret, request.form.to_dict())
    deps = GrantDeps(svc.directory, svc.tokens, svc.ctx.url("graph"))
    try:
        issued = TokenEndpoint(deps).handle(req)
    except AadstsError as err:
        svc.journal("token", ok=False, aadsts=err.code, tenant=tenant)
        return token_error(err)
    svc.journal("token", ok=True, **issued.journal)
    return _reply(issued.body)


def _reply(body: dict) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store, no-cache"
    response.headers["Pragma"] = "no-cache"
    return response
