"""Token endpoint errors exactly as Entra shapes them, discovery documents and tokens."""

from __future__ import annotations

import base64
import re

import jwt
import pytest

from harness.clients.useragent import UserAgent

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
DESCRIPTION = re.compile(
    r"^AADSTS(\d+): .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\n"
    r"Timestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$",
    re.S,
)


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {
            "domains": ["tokens.example"],
            "users": [{"userPrincipalName": "dan@tokens.example", "password": "Dan-Pass-123"}],
            "apps": [
                {
                    "displayName": "Expired",
                    "application_permissions": ["User.Read.All"],
                    "admin_consent": True,
                    "secret_expires_days": -1,
                },
                {
                    "displayName": "Delegated",
                    "delegated_scopes": ["User.Read"],
                    "redirect_uris": [f"{ms.portal}/_test/cb"],
                    "admin_consent": True,
                },
            ],
        }
    )


def _token(ms, tenant: str, data: dict, **kwargs):
    with ms.session() as s:
        return s.post(f"{ms.login}/{tenant}/oauth2/v2.0/token", data=data, timeout=30, **kwargs)


def _cc(world, **overrides) -> dict:
    data = {
        "grant_type": "client_credentials",
        "client_id": world["app"]["client_id"],
        "client_secret": world["app"]["client_secret"],
        "scope": GRAPH_DEFAULT,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _assert_error(reply, status: int, error: str, code: int) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    match = DESCRIPTION.match(body["error_description"])
    assert match and match.group(1) == str(code), body["error_description"]
    assert body["error_uri"].endswith(f"/error?code={code}")
    assert body["trace_id"] and body["correlation_id"] and body["timestamp"].endswith("Z")
    return body


@pytest.mark.parametrize(
    ("tenant", "overrides", "status", "error", "code"),
    [
        ("00000000-0000-0000-0000-00000000dead", {}, 400, "invalid_request", 90002),
        ("nobody.example", {}, 400, "invalid_request", 90002),
        (
            None,
            {"client_id": "11111111-2222-3333-4444-555555555555"},
            400,
            "unauthorized_client",
            700016,
        ),
        (None, {"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        (None, {"client_secret": None}, 401, "invalid_client", 7000218),
        (None, {"scope": "User.Read"}, 400, "invalid_scope", 70011),
        (None, {"scope": None}, 400, "invalid_request", 900144),
        (None, {"scope": "https://management.azure.com/.default"}, 400, "invalid_resource", 500011),
        (None, {"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        (None, {"grant_type": None}, 400, "invalid_request", 900144),
    ],
)
def test_client_credentials_errors(ms, world, tenant, overrides, status, error, code):
    reply = _token(ms, tenant or world["tenant_id"], _cc(world, **overrides))
    _assert_error(reply, status, error, code)


def test_expired_secret_is_7000222(ms, world):
    app = world["apps"][0]
    reply = _token(
        ms,
        world["tenant_id"],
        _cc(world, client_id=app["client_id"], client_secret=app["client_secret"]),
    )
    _assert_error(reply, 401, "invalid_client", 7000222)


def test_correlation_id_echoes_client_request_id(ms, world):
    reply = _token(
        ms,
        world["tenant_id"],
        _cc(world, client_secret="nope"),
        headers={"client-request-id": "3c9e7f8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"},
    )
    assert reply.json()["correlation_id"] == "3c9e7f8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"


def test_basic_auth_and_every_graph_default_spelling(ms, world):
    basic = base64.b64encode(
        f"{world['app']['client_id']}:{world['app']['client_secret']}".encode()
    ).decode()
    graph_host = ms.graph.split("/v1.0")[0]
    for scope in (
        GRAPH_DEFAULT,
        "00000003-0000-0000-c000-000000000000/.default",
        f"{graph_host}/.default",
        "https://127.0.0.1/.default",
    ):
        reply = _token(
            ms,
            world["initial_domain"],
            {"grant_type": "client_credentials", "scope": scope, "client_info": "1"},
            headers={"Authorization": f"Basic {basic}", "x-client-sku": "MSAL.Python"},
        )
        assert reply.status_code == 200, (scope, reply.text)
        assert reply.json()["expires_in"] == 3599


def _code(ms, world, *, verifier: str = "v" * 43, method: str = "plain") -> str:
    app = world["apps"][1]
    with UserAgent(ms.ca) as agent:
        page = agent.get(
            f"{ms.login}/{world['tenant_id']}/oauth2/v2.0/authorize",
            params={
                "client_id": app["client_id"],
                "response_type": "code",
                "redirect_uri": f"{ms.portal}/_test/cb",
                "scope": "User.Read openid offline_access",
                "code_challenge": verifier,
                "code_challenge_method": method,
                "login_hint": "dan@tokens.example",
            },
        )
        assert page.page_id == "ms.signin.password"
        page = page.form("credentials").fill(passwd="Dan-Pass-123").submit()
    return re.search(r"code=([^&]+)", page.url).group(1)


def _redeem(ms, world, code: str, verifier: str = "v" * 43):
    app = world["apps"][1]
    return _token(
        ms,
        world["tenant_id"],
        {
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": code,
            "redirect_uri": f"{ms.portal}/_test/cb",
            "code_verifier": verifier,
        },
    )


def test_authorization_code_single_use_pkce_and_refresh(ms, world):
    from urllib.parse import unquote

    code = unquote(_code(ms, world))
    _assert_error(_redeem(ms, world, code, verifier="x" * 43), 400, "invalid_grant", 50148)
    code = unquote(_code(ms, world))
    first = _redeem(ms, world, code)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)
    _assert_error(_redeem(ms, world, code), 400, "invalid_grant", 54005)
    _assert_error(_redeem(ms, world, "garbage"), 400, "invalid_grant", 70000)

    app = world["apps"][1]
    refresh = {
        "grant_type": "refresh_token",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "refresh_token": tokens["refresh_token"],
    }
    assert _token(ms, world["tenant_id"], refresh).status_code == 200
    # Asking for a scope nobody consented to needs interaction: 65001.
    body = _assert_error(
        _token(ms, world["tenant_id"], {**refresh, "scope": "Domain.ReadWrite.All"}),
        400,
        "invalid_grant",
        65001,
    )
    assert body["suberror"] == "consent_required"
    _assert_error(
        _token(ms, world["tenant_id"], {**refresh, "refresh_token": "not-a-token"}),
        400,
        "invalid_grant",
        70000,
    )
    # Disabling the user revokes its refresh tokens.
    token = ms.app_token(world)
    with ms.graph_session(token) as s:
        reply = s.patch(f"{ms.graph}/users/dan@tokens.example", json={"accountEnabled": False})
        assert reply.status_code == 204
    _assert_error(_token(ms, world["tenant_id"], refresh), 400, "invalid_grant", 70008)


def test_discovery_documents(ms, world):
    tid = world["tenant_id"]
    with ms.session() as s:
        v2 = s.get(f"{ms.login}/{world['initial_domain']}/v2.0/.well-known/openid-configuration")
        common = s.get(f"{ms.login}/common/v2.0/.well-known/openid-configuration").json()
        orgs = s.get(f"{ms.login}/organizations/v2.0/.well-known/openid-configuration").json()
        v1 = s.get(f"{ms.login}/{tid}/.well-known/openid-configuration").json()
        unknown = s.get(f"{ms.login}/nobody.example/v2.0/.well-known/openid-configuration")
        keys = s.get(f"{ms.login}/common/discovery/v2.0/keys").json()
        instance = s.get(
            f"{ms.login}/common/discovery/instance",
            params={
                "api-version": "1.1",
                "authorization_endpoint": f"{ms.login}/{tid}/oauth2/v2.0/authorize",
            },
        ).json()
        bad_instance = s.get(
            f"{ms.login}/common/discovery/instance",
            params={"authorization_endpoint": "https://evil.example/common/oauth2/v2.0/authorize"},
        )
    doc = v2.json()
    assert doc["issuer"] == f"{ms.login}/{tid}/v2.0"
    assert doc["token_endpoint"] == f"{ms.login}/{tid}/oauth2/v2.0/token"
    assert doc["jwks_uri"] == f"{ms.login}/{tid}/discovery/v2.0/keys"
    assert common["issuer"] == f"{ms.login}/{{tenantid}}/v2.0"
    assert common["authorization_endpoint"] == f"{ms.login}/common/oauth2/v2.0/authorize"
    assert orgs["issuer"] == f"{ms.login}/{{tenantid}}/v2.0"
    assert v1["issuer"] == f"https://sts.windows.net/{tid}/"
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [90002]
    key = keys["keys"][0]
    assert key["kty"] == "RSA" and key["kid"] == key["x5t"] and key["x5c"]
    host = ms.login.split("//")[1]
    assert instance["metadata"][0]["preferred_network"] == host
    assert instance["tenant_discovery_endpoint"].startswith(ms.login)
    assert bad_instance.status_code == 400 and bad_instance.json()["error"] == "invalid_instance"


def test_tokens_survive_a_restart_of_the_key(ms, world):
    """The signing key lives in the state dir: a second load yields the same kid."""
    from simulators.microsoft.entra.keys import KeySource

    key = KeySource(ms.ctx.state_dir / "microsoft-signing-key.pem").get()
    token = ms.app_token(world)
    assert jwt.get_unverified_header(token)["kid"] == key.kid
