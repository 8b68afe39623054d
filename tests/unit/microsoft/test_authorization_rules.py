"""The rules of an authorization request, without a server."""

from __future__ import annotations

import pytest

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.signin import authorization
from tests.unit.microsoft.world import APP_REDIRECT, GRAPH, build_world


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path)
    yield world
    world.directory.close()


def _code(call) -> int:
    with pytest.raises(AadstsError) as caught:
        call()
    return caught.value.code


def test_client_checks_tenant_app_and_redirect_uri(world):
    args = {"client_id": world.app["client_id"], "redirect_uri": APP_REDIRECT}
    found = authorization.client(world.directory, world.tenant_id, args)
    assert found.tenant_id == world.tenant_id and found.redirect_uri == APP_REDIRECT
    assert authorization.client(world.directory, "common", args).tenant is None
    d = world.directory
    assert _code(lambda: authorization.client(d, "nope.example", args)) == 90002
    assert _code(lambda: authorization.client(d, "common", {})) == 900144
    assert _code(lambda: authorization.client(d, "common", {"client_id": "x"})) == 700016
    no_uri = {"client_id": world.app["client_id"]}
    assert _code(lambda: authorization.client(d, "common", no_uri)) == 900971
    other = {**args, "redirect_uri": "https://evil.example/cb"}
    assert _code(lambda: authorization.client(d, "common", other)) == 50011


def test_authorize_params(world):
    found = authorization.client(
        world.directory,
        "common",
        {"client_id": world.app["client_id"], "redirect_uri": APP_REDIRECT},
    )
    base = {"response_type": "code", "scope": "openid User.Read", "code_challenge": "c"}
    params = authorization.authorize_params(base, found, GRAPH, "common")
    assert params["oidc_scopes"] == ["openid"] and params["graph_scopes"] == ["User.Read"]
    assert params["code_challenge_method"] == "plain" and params["response_mode"] == "query"

    def refused(**changes) -> int:
        args = {k: v for k, v in {**base, **changes}.items() if v is not None}
        return _code(lambda: authorization.authorize_params(args, found, GRAPH, "common"))

    assert refused(response_type="token") == 900144
    assert refused(response_mode="fragment") == 9002313
    assert refused(prompt="maybe") == 9002313
    assert refused(code_challenge_method="S512") == 9002313
    assert refused(scope=None) == 900144
    assert authorization.error_response_mode({"response_mode": "web_message"}) == "query"
    assert authorization.error_response_mode({"response_mode": "form_post"}) == "form_post"


def test_admin_consent_params_default_to_graphs_default_scope(world):
    found = authorization.client(
        world.directory,
        "common",
        {"client_id": world.app["client_id"], "redirect_uri": APP_REDIRECT},
    )
    params = authorization.admin_consent_params({"state": "s", "prompt": "consent"}, found)
    assert params["scope"] == "https://graph.microsoft.com/.default"
    assert params["prompt"] is None and params["state"] == "s"
