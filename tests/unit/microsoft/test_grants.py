"""Each grant of the token endpoint, without a server: ``TokenEndpoint.handle`` on a built world."""

from __future__ import annotations

import pytest

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.grants import (
    GRANTS,
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    TokenEndpoint,
    TokenRequest,
)
from simulators.microsoft.entra.tokens import decode_unverified
from tests.unit.microsoft.world import APP_REDIRECT, GRAPH, build_world


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path)
    yield world
    world.directory.close()


def _code(world, *, scopes=("openid", "offline_access", "User.Read"), **overrides) -> str:
    ada = world.user("ada")
    fields = {
        "tenant_id": world.tenant_id,
        "client_id": world.app["client_id"],
        "user_id": ada["id"],
        "redirect_uri": APP_REDIRECT,
        "scopes": list(scopes),
        "nonce": "n-1",
        "code_challenge": None,
        "code_challenge_method": None,
        "amr": ["pwd"],
        "auth_time": world.directory.oauth.now_ts(),
        **overrides,
    }
    return world.directory.oauth.new_code(**fields)


def _handle(world, form: dict, *, segment=None, client_id=None, secret="app-secret"):
    req = TokenRequest(
        segment or world.tenant_id, client_id or world.app["client_id"], secret, form
    )
    return TokenEndpoint(world.deps).handle(req)


def _refused(world, form: dict, **kw) -> AadstsError:
    with pytest.raises(AadstsError) as caught:
        _handle(world, form, **kw)
    return caught.value


def test_registry_serves_the_three_grants():
    assert {k: type(v) for k, v in GRANTS.items()} == {
        "client_credentials": ClientCredentialsGrant,
        "authorization_code": AuthorizationCodeGrant,
        "refresh_token": RefreshTokenGrant,
    }


def test_shared_checks_in_entras_order(world):
    assert (
        _refused(world, {"grant_type": "client_credentials"}, segment="nope.example").code == 90002
    )
    assert _refused(world, {}).code == 900144
    assert _refused(world, {"grant_type": "password"}).code == 70003
    form = {"grant_type": "client_credentials", "scope": f"{GRAPH}/.default"}
    assert _refused(world, form, client_id="unknown-client").code == 700016
    assert _refused(world, form, secret=None).code == 7000218
    assert _refused(world, form, secret="wrong").code == 7000215
    assert _refused(world, form, segment="common").code == 90002  # app-only needs a tenant


def test_client_credentials_issues_an_app_only_token(world):
    auto = world.info["app"]
    form = {"grant_type": "client_credentials", "scope": f"{GRAPH}/.default"}
    issued = _handle(world, form, client_id=auto["client_id"], secret=auto["client_secret"])
    assert issued.body["token_type"] == "Bearer" and "refresh_token" not in issued.body
    claims = decode_unverified(issued.body["access_token"])
    assert claims["appid"] == auto["client_id"] and "User.ReadWrite.All" in claims["roles"]
    assert issued.journal["grant"] == "client_credentials"


def test_authorization_code_is_redeemed_once_with_its_redirect_uri(world):
    code = _code(world)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": APP_REDIRECT}
    issued = _handle(world, form)
    assert {"access_token", "refresh_token", "id_token"} <= set(issued.body)
    assert decode_unverified(issued.body["id_token"])["nonce"] == "n-1"
    assert issued.body["scope"].split() == ["User.Read", "openid", "offline_access"]
    assert _refused(world, form).code == 54005
    wrong_uri = {**form, "code": _code(world), "redirect_uri": "https://evil.example/cb"}
    assert _refused(world, wrong_uri).code == 50011
    assert _refused(world, {**form, "code": "1.Anot-a-code"}).code == 70000
    assert _refused(world, {"grant_type": "authorization_code", "code": "x"}).code == 900144


def test_authorization_code_checks_pkce(world):
    verifier = "v" * 43
    code = _code(world, code_challenge=verifier, code_challenge_method="plain")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": APP_REDIRECT}
    assert _refused(world, {**form, "code_verifier": "other" * 9}).code == 50148


def test_refresh_token_grant_and_a_disabled_user(world):
    code = _code(world)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": APP_REDIRECT}
    refresh = _handle(world, form).body["refresh_token"]
    again = _handle(world, {"grant_type": "refresh_token", "refresh_token": refresh})
    assert again.body["access_token"] and again.body["refresh_token"]
    bad = {"grant_type": "refresh_token", "refresh_token": "nope"}
    assert _refused(world, bad).code == 70000
    ada = world.user("ada")
    world.directory.users.set_columns(world.tenant_id, ada["id"], {"accountEnabled": 0})
    refreshed = {"grant_type": "refresh_token", "refresh_token": again.body["refresh_token"]}
    assert _refused(world, refreshed).code == 70008


def test_a_grant_of_another_client_is_no_grant(world):
    code = _code(world, client_id=world.info["app"]["client_id"])
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": APP_REDIRECT}
    assert _refused(world, form).code == 70000
