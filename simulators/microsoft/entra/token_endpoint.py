"""``POST /{tenant}/oauth2/v2.0/token``: client credentials, authorization code, refresh token."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus

from flask import Blueprint, Response, jsonify, request

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.errors import token_error
from simulators.microsoft.entra.scopes import client_credentials_scope, parse_scopes
from simulators.microsoft.entra.tokens import Subject, client_info
from simulators.microsoft.model.oauth import pkce_matches
from simulators.microsoft.permissions import OIDC_SCOPES
from simulators.microsoft.services import Services, services

MULTI_TENANT = ("common", "organizations")
GRANTS = ("client_credentials", "authorization_code", "refresh_token")

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


def _require(name: str) -> str:
    value = request.form.get(name)
    if not value:
        raise AadstsError(900144, parameter=name)
    return value


@bp.post("/<tenant>/oauth2/v2.0/token")
def token(tenant: str):
    try:
        return _token(services(), tenant)
    except AadstsError as err:
        services().journal("token", ok=False, aadsts=err.code, tenant=tenant)
        return token_error(err)


def _token(svc: Services, segment: str) -> Response:
    directory = svc.directory
    tenant = None
    if segment.lower() not in MULTI_TENANT:
        tenant = directory.tenants.resolve(segment)
        if tenant is None:
            raise AadstsError(90002, tenant=segment)
    grant_type = _require("grant_type")
    if grant_type not in GRANTS:
        raise AadstsError(70003, grant_type=grant_type)
    client_id, secret = _client_credentials()
    if not client_id:
        raise AadstsError(900144, parameter="client_id")

    code_row = refresh_row = None
    if grant_type == "authorization_code":
        code = _require("code")
        _require("redirect_uri")
        status, code_row = directory.oauth.redeem_code(code)
        if status == "invalid" or code_row is None:
            raise AadstsError(70000, parameter="code")
        if status == "used":
            raise AadstsError(54005)
    elif grant_type == "refresh_token":
        refresh_row = directory.oauth.refresh_token(_require("refresh_token"))
        if refresh_row is None:
            raise AadstsError(70000, parameter="refresh_token")
    elif tenant is None:
        raise AadstsError(90002, tenant=segment)

    grant_tenant = (code_row or refresh_row or {}).get("tenant_id")
    if tenant is None:
        tenant = directory.tenants.get(grant_tenant or "")
        if tenant is None:
            raise AadstsError(90002, tenant=segment)
    if grant_tenant and grant_tenant != tenant["id"]:
        raise AadstsError(70000, parameter="code" if code_row else "refresh_token")

    app = directory.apps.get(tenant["id"], client_id)
    if app is None:
        raise AadstsError(700016, client_id=client_id, tenant=segment)
    if not secret:
        raise AadstsError(7000218)
    verdict = directory.apps.check_secret(tenant["id"], client_id, secret)
    if verdict == "invalid":
        raise AadstsError(7000215, client_id=client_id)
    if verdict == "expired":
        raise AadstsError(7000222, client_id=client_id)

    if grant_type == "client_credentials":
        client_credentials_scope(request.form.get("scope"), svc.ctx.url("graph"), segment)
        subject = Subject(
            tenant_id=tenant["id"],
            client_id=client_id,
            app_name=app["display_name"],
            sp_object_id=app["sp_object_id"],
            roles=directory.apps.app_roles(tenant["id"], client_id),
        )
        access_token, expires_in = svc.tokens.access_token(subject)
        svc.journal("token", ok=True, grant=grant_type, client_id=client_id, tenant=tenant["id"])
        return _reply(
            {
                "token_type": "Bearer",
                "expires_in": expires_in,
                "ext_expires_in": expires_in,
                "access_token": access_token,
            }
        )
    if code_row is not None:
        return _redeem_code(svc, tenant, app, code_row)
    assert refresh_row is not None
    return _redeem_refresh(svc, tenant, app, refresh_row)


def _redeem_code(svc: Services, tenant: dict, app: dict, row: dict) -> Response:
    if row["client_id"] != app["client_id"]:
        raise AadstsError(70000, parameter="code")
    if row["redirect_uri"] != request.form.get("redirect_uri"):
        raise AadstsError(
            50011, redirect_uri=request.form.get("redirect_uri"), client_id=app["client_id"]
        )
    if not pkce_matches(
        request.form.get("code_verifier"), row["code_challenge"], row["code_challenge_method"]
    ):
        raise AadstsError(50148)
    return _user_tokens(svc, tenant, app, row["user_id"], row["scopes"], row["amr"], row)


def _redeem_refresh(svc: Services, tenant: dict, app: dict, row: dict) -> Response:
    if row["client_id"] != app["client_id"]:
        raise AadstsError(70000, parameter="refresh_token")
    if row["revoked"]:
        raise AadstsError(70008)
    scopes = list(row["scopes"])
    asked = request.form.get("scope")
    if asked:
        wanted = parse_scopes(asked, svc.ctx.url("graph"), tenant["id"])
        for scope in wanted.graph:
            if scope not in scopes:
                scopes.append(scope)
        for scope in wanted.oidc:
            if scope not in scopes:
                scopes.append(scope)
    return _user_tokens(svc, tenant, app, row["user_id"], scopes, row["amr"], None)


def _user_tokens(
    svc: Services,
    tenant: dict,
    app: dict,
    user_id: str,
    scopes: list[str],
    amr: list[str],
    code_row: dict | None,
) -> Response:
    directory = svc.directory
    user = directory.users.get(tenant["id"], user_id)
    if user is None or not user["accountEnabled"]:
        raise AadstsError(70008)
    graph_scopes = [s for s in scopes if s not in OIDC_SCOPES]
    granted = directory.apps.delegated_scopes(tenant["id"], app["client_id"], user_id)
    if app["first_party"]:
        granted |= set(graph_scopes)
    if set(graph_scopes) - granted:
        raise AadstsError(65001, client_id=app["client_id"], app_name=app["display_name"])
    token_scopes = sorted(granted) if granted else ["User.Read"]
    roles = json.loads(user["roles"]) if isinstance(user["roles"], str) else user["roles"]
    subject = Subject(
        tenant_id=tenant["id"],
        client_id=app["client_id"],
        app_name=app["display_name"],
        sp_object_id=app["sp_object_id"],
        user=user,
        scopes=token_scopes,
        amr=amr,
        wids=roles,
    )
    access_token, expires_in = svc.tokens.access_token(subject)
    body: dict = {
        "token_type": "Bearer",
        "scope": " ".join([*token_scopes, *(s for s in scopes if s in OIDC_SCOPES)]),
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    }
    if "offline_access" in scopes:
        body["refresh_token"] = directory.oauth.new_refresh_token(
            tenant["id"], app["client_id"], user_id, scopes, amr
        )
    if "openid" in scopes:
        body["id_token"] = svc.tokens.id_token(
            tenant_id=tenant["id"],
            client_id=app["client_id"],
            user=user,
            nonce=code_row.get("nonce") if code_row else None,
            auth_time=code_row["auth_time"] if code_row else directory.oauth.now_ts(),
        )
    if request.form.get("client_info") == "1":
        body["client_info"] = client_info(user["id"], tenant["id"])
    svc.journal(
        "token",
        ok=True,
        grant=request.form.get("grant_type"),
        client_id=app["client_id"],
        user=user["userPrincipalName"],
    )
    return _reply(body)


def _reply(body: dict) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store, no-cache"
    response.headers["Pragma"] = "no-cache"
    return response
