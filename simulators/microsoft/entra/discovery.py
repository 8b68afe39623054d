"""OIDC discovery documents, JWKS and instance discovery."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.errors import token_error
from simulators.microsoft.services import Services, services

MULTI_TENANT = ("common", "organizations", "consumers")

bp = Blueprint("ms_discovery", __name__)


def _tenant_or_error(segment: str) -> tuple[str, str] | Response:
    """(tenant id or the literal ``{tenantid}``, endpoint segment) or the 90002 error."""
    if segment.lower() in MULTI_TENANT:
        return "{tenantid}", segment.lower()
    tenant = services().directory.tenants.resolve(segment)
    if tenant is None:
        return token_error(AadstsError(90002, tenant=segment), error_value="invalid_tenant")
    return tenant["id"], tenant["id"]


def _cached(payload: dict) -> Response:
    response = jsonify(payload)
    response.headers["Cache-Control"] = "max-age=86400, private"
    return response


def _tenant_document(build: Callable[[Services, str, str], dict]) -> Callable[[str], Response]:
    """A route answering ``build(services, tenant id, segment)`` for the ``<tenant>`` of its
    path, cacheable for a day; an unknown tenant gets the 90002 error."""

    @functools.wraps(build)
    def view(tenant: str) -> Response:
        found = _tenant_or_error(tenant)
        if isinstance(found, Response):
            return found
        return _cached(build(services(), *found))

    return view


def openid_configuration_v2(svc: Services, issuer_tid: str, segment: str) -> dict:
    login, graph = svc.login_url, svc.ctx.url("graph")
    base = f"{login}/{segment}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{login}/{issuer_tid}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{graph}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ],
        "kerberos_endpoint": f"{base}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": urlsplit(graph).netloc,
        "rbac_url": "https://pas.windows.net",
    }


@bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
@_tenant_document
def openid_configuration(svc: Services, tid: str, segment: str) -> dict:
    return openid_configuration_v2(svc, tid, segment)


@bp.get("/<tenant>/.well-known/openid-configuration")
@_tenant_document
def openid_configuration_v1(svc: Services, tid: str, segment: str) -> dict:
    doc = openid_configuration_v2(svc, tid, segment)
    base = f"{svc.login_url}/{segment}"
    doc.update(
        {
            "token_endpoint": f"{base}/oauth2/token",
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/devicecode",
            "end_session_endpoint": f"{base}/oauth2/logout",
            "jwks_uri": f"{svc.login_url}/common/discovery/keys",
            "issuer": f"https://sts.windows.net/{tid}/",
            "microsoft_multi_refresh_token": True,
            "check_session_iframe": f"{base}/oauth2/checksession",
        }
    )
    return doc


@bp.get("/<tenant>/discovery/v2.0/keys")
@bp.get("/<tenant>/discovery/keys")
@_tenant_document
def keys(svc: Services, tid: str, segment: str) -> dict:
    return {"keys": [svc.tokens.key.jwk(f"{svc.login_url}/{tid}/v2.0")]}


@bp.get("/common/discovery/instance")
def instance_discovery():
    """Only the lab's own login host is a known instance; it is its own preferred network."""
    svc = services()
    login = urlsplit(svc.login_url)
    endpoint = request.args.get("authorization_endpoint", "")
    parts = urlsplit(endpoint)
    # MSAL sends the authority's host without its port; the host name is what must match.
    if (parts.hostname or "").lower() != (login.hostname or "").lower() or parts.scheme != "https":
        return token_error(AadstsError(50049), error_value="invalid_instance")
    segment = (parts.path.strip("/").split("/") or ["common"])[0] or "common"
    return _cached(
        {
            "tenant_discovery_endpoint": (
                f"{svc.login_url}/{segment}/v2.0/.well-known/openid-configuration"
            ),
            "api-version": request.args.get("api-version", "1.1"),
            "metadata": [
                {
                    "preferred_network": login.netloc,
                    "preferred_cache": login.netloc,
                    "aliases": [login.netloc],
                }
            ],
        }
    )
