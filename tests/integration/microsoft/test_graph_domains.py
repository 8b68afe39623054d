"""Graph domains, federationConfiguration, organization and $batch."""

from __future__ import annotations

import pytest

from .certs import idp_certificate


@pytest.fixture(scope="module")
def world(ms):
    return ms.world({"tenant": "Domains", "domains": ["dom-verified.example"]})


def _federation(**overrides) -> dict:
    body = {
        "displayName": "JumpCloud",
        "issuerUri": "https://sso.example/issuer",
        "passiveSignInUri": "https://sso.example/saml2/o365",
        "signOutUri": "https://sso.example/logout",
        "signingCertificate": idp_certificate(),
        "preferredAuthenticationProtocol": "saml",
        "federatedIdpMfaBehavior": "acceptIfMfaDoneByFederatedIdp",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _code(reply, status: int) -> str:
    assert reply.status_code == status, reply.text
    return reply.json()["error"]["code"]


def test_domain_lifecycle(graph, ms, world):
    listed = graph.get(f"{ms.graph}/domains").json()["value"]
    initial = next(d for d in listed if d["isInitial"])
    assert (
        initial["id"] == world["initial_domain"] and initial["isDefault"] and initial["isVerified"]
    )
    assert {"authenticationType", "supportedServices", "isRoot"} <= set(initial)

    created = graph.post(f"{ms.graph}/domains", json={"id": "new-dom.example"})
    assert created.status_code == 201 and created.json()["isVerified"] is False
    records = graph.get(f"{ms.graph}/domains/new-dom.example/verificationDnsRecords").json()
    assert records["value"][0]["recordType"] == "Txt"
    assert _code(graph.post(f"{ms.graph}/domains", json={"id": "new-dom.example"}), 409)
    assert _code(graph.post(f"{ms.graph}/domains", json={"id": "not a domain"}), 400)
    # Users cannot use an unverified domain.
    user = {
        "accountEnabled": True,
        "displayName": "D",
        "mailNickname": "d",
        "userPrincipalName": "d@new-dom.example",
        "passwordProfile": {"password": "Dd-Pass-1234"},
    }
    assert _code(graph.post(f"{ms.graph}/users", json=user), 400) == "Request_BadRequest"
    verified = graph.post(f"{ms.graph}/domains/new-dom.example/verify")
    assert verified.status_code == 200 and verified.json()["isVerified"] is True
    assert graph.post(f"{ms.graph}/users", json=user).status_code == 201
    patched = graph.patch(
        f"{ms.graph}/domains/new-dom.example", json={"passwordValidityPeriodInDays": 30}
    )
    assert patched.status_code == 204
    got = graph.get(f"{ms.graph}/domains/new-dom.example").json()
    assert got["passwordValidityPeriodInDays"] == 30
    assert _code(graph.delete(f"{ms.graph}/domains/new-dom.example"), 400) == "Request_BadRequest"
    graph.delete(f"{ms.graph}/users/d@new-dom.example")
    graph.post(f"{ms.graph}/domains", json={"id": "gone.example"})
    assert graph.delete(f"{ms.graph}/domains/gone.example").status_code == 204
    assert _code(graph.get(f"{ms.graph}/domains/gone.example"), 404) == "Request_ResourceNotFound"
    assert _code(graph.delete(f"{ms.graph}/domains/{world['initial_domain']}"), 400)


def test_verifying_a_domain_verified_elsewhere_fails(graph, ms):
    ms.world({"domains": ["claimed.example"]})
    graph.post(f"{ms.graph}/domains", json={"id": "claimed.example"})
    assert _code(graph.post(f"{ms.graph}/domains/claimed.example/verify"), 400)


def test_world_claiming_a_verified_domain_is_refused(ms):
    ms.world({"domains": ["unique-claim.example"]})
    reply = ms.admin(
        "POST", "/_lab/worlds", json={"microsoft": {"domains": ["unique-claim.example"]}}
    )
    assert reply.status_code == 400 and "unique-claim.example" in reply.text


def test_federation_configuration_rules(graph, ms, world):
    url = f"{ms.graph}/domains/dom-verified.example/federationConfiguration"
    assert graph.get(url).json()["value"] == []
    assert _code(graph.post(url, json=_federation(signingCertificate=None)), 400)
    assert _code(graph.post(url, json=_federation(signingCertificate="bm90IGEgY2VydA==")), 400)
    assert _code(graph.post(url, json=_federation(promptLoginBehavior="sometimes")), 400)
    assert _code(graph.post(url, json=_federation(bogus="x")), 400)
    initial = f"{ms.graph}/domains/{world['initial_domain']}/federationConfiguration"
    assert _code(graph.post(initial, json=_federation()), 400)

    created = graph.post(url, json=_federation())
    assert created.status_code == 201, created.text
    fed = created.json()
    assert fed["@odata.type"] == "#microsoft.graph.internalDomainFederation"
    assert fed["isSignedAuthenticationRequestRequired"] is False
    assert fed["signingCertificateUpdateStatus"]["certificateUpdateResult"] == "Success"
    assert set(fed) >= {
        "activeSignInUri",
        "promptLoginBehavior",
        "nextSigningCertificate",
        "passwordResetUri",
        "metadataExchangeUri",
        "federatedIdpMfaBehavior",
    }
    assert graph.get(f"{ms.graph}/domains/dom-verified.example").json()["authenticationType"] == (
        "Federated"
    )
    assert (
        _code(graph.post(url, json=_federation()), 409) == "Request_MultipleObjectsWithSameKeyValue"
    )
    assert graph.get(f"{url}/$count").text == "1"
    item = f"{url}/{fed['id']}"
    updated = graph.patch(item, json={"federatedIdpMfaBehavior": "rejectMfaByFederatedIdp"})
    assert updated.status_code == 200
    assert updated.json()["federatedIdpMfaBehavior"] == "rejectMfaByFederatedIdp"
    assert _code(graph.patch(item, json={"federatedIdpMfaBehavior": "maybe"}), 400)
    assert _code(graph.get(f"{url}/not-the-id"), 404)
    assert graph.delete(item).status_code == 204
    assert graph.get(f"{ms.graph}/domains/dom-verified.example").json()["authenticationType"] == (
        "Managed"
    )


def test_organization(graph, ms, world):
    org = graph.get(f"{ms.graph}/organization").json()["value"][0]
    assert org["id"] == world["tenant_id"] and org["displayName"] == "Domains"
    assert world["initial_domain"] in [d["name"] for d in org["verifiedDomains"]]
    assert graph.get(f"{ms.graph}/organization/{world['tenant_id']}").status_code == 200


def test_me_needs_a_delegated_token(graph, ms):
    assert _code(graph.get(f"{ms.graph}/me"), 400) == "Request_BadRequest"


def test_batch(graph, ms, world):
    reply = graph.post(
        f"{ms.graph}/$batch",
        json={
            "requests": [
                {"id": "1", "method": "GET", "url": "/organization"},
                {
                    "id": "2",
                    "method": "POST",
                    "url": "/users",
                    "headers": {"Content-Type": "application/json"},
                    "body": {
                        "accountEnabled": True,
                        "displayName": "Batch",
                        "mailNickname": "batch",
                        "userPrincipalName": f"batch@{world['initial_domain']}",
                        "passwordProfile": {"password": "Batch-Pass-1"},
                    },
                },
                {
                    "id": "3",
                    "method": "GET",
                    "url": f"/users/batch@{world['initial_domain']}",
                    "dependsOn": ["2"],
                },
                {"id": "4", "method": "GET", "url": "/users/nobody@nowhere.example"},
                {"id": "5", "method": "GET", "url": "/organization", "dependsOn": ["4"]},
            ]
        },
    )
    assert reply.status_code == 200, reply.text
    responses = {r["id"]: r for r in reply.json()["responses"]}
    assert responses["1"]["status"] == 200 and responses["1"]["body"]["value"]
    assert responses["2"]["status"] == 201 and responses["2"]["headers"]["Location"]
    assert responses["3"]["status"] == 200
    assert responses["3"]["body"]["displayName"] == "Batch"
    assert responses["4"]["status"] == 404
    assert responses["4"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert responses["5"]["status"] == 424
    too_many = [{"id": str(i), "method": "GET", "url": "/organization"} for i in range(21)]
    assert _code(graph.post(f"{ms.graph}/$batch", json={"requests": too_many}), 400)


def test_throttled_requests_keep_429_inside_a_batch(graph, ms):
    rules = {
        "rules": [
            {"host": "graph", "path": "/v1.0/domains", "status": 429, "retry_after": 2, "count": 1}
        ]
    }
    assert ms.admin("PUT", "/_lab/faults", json=rules).status_code == 200
    try:
        reply = graph.post(
            f"{ms.graph}/$batch",
            json={"requests": [{"id": "a", "method": "GET", "url": "/domains"}]},
        )
    finally:
        ms.admin("DELETE", "/_lab/faults")
    sub = reply.json()["responses"][0]
    assert sub["status"] == 429 and sub["headers"]["Retry-After"] == "2"
    assert sub["body"]["error"]["code"] == "TooManyRequests"
    assert sub["body"]["error"]["innerError"]["status"] == "429"


def test_unknown_routes_are_graph_shaped(graph, ms):
    # Graph answers a path it cannot route with 400 BadRequest naming the segment, not 404.
    assert graph.get(f"{ms.graph}/nothing/here").status_code == 400
    reply = graph.get(f"{ms.graph}/nothing")
    assert reply.status_code == 400 and reply.json()["error"]["innerError"]["request-id"]
    assert reply.json()["error"]["code"] == "BadRequest"
    assert reply.json()["error"]["message"] == "Resource not found for the segment 'nothing'."
    assert graph.put(f"{ms.graph}/domains").status_code == 405


def test_the_default_domain_cannot_be_federated_nor_a_federated_one_made_default(graph, ms):
    domains = f"{ms.graph}/domains"
    for name in ("dom-default.example", "dom-fed.example"):
        assert graph.post(domains, json={"id": name}).status_code == 201
        assert graph.post(f"{domains}/{name}/verify").status_code == 200
    made = graph.patch(f"{domains}/dom-default.example", json={"isDefault": True})
    assert made.status_code == 204
    refused = graph.post(
        f"{domains}/dom-default.example/federationConfiguration", json=_federation()
    )
    assert _code(refused, 400) == "Request_BadRequest"
    assert "default domain" in refused.json()["error"]["message"]
    assert graph.get(f"{domains}/dom-default.example").json()["authenticationType"] == "Managed"

    created = graph.post(
        f"{domains}/dom-fed.example/federationConfiguration",
        json=_federation(issuerUri="https://sso.example/other-issuer"),
    )
    assert created.status_code == 201, created.text
    made_default = graph.patch(f"{domains}/dom-fed.example", json={"isDefault": True})
    assert _code(made_default, 400) == "Request_BadRequest"
    assert "must be 'Managed'" in made_default.json()["error"]["message"]
    assert graph.get(f"{domains}/dom-default.example").json()["isDefault"] is True


def test_an_issuer_used_by_another_tenant_is_refused(graph, ms):
    other = ms.world({"domains": ["issuer-owner.example"]})
    issuer = "https://idp.example/shared-issuer"
    with ms.graph_session(ms.app_token(other)) as owner:
        url = f"{ms.graph}/domains/issuer-owner.example/federationConfiguration"
        assert owner.post(url, json=_federation(issuerUri=issuer)).status_code == 201
    domains = f"{ms.graph}/domains"
    assert graph.post(domains, json={"id": "issuer-taker.example"}).status_code == 201
    assert graph.post(f"{domains}/issuer-taker.example/verify").status_code == 200
    url = f"{domains}/issuer-taker.example/federationConfiguration"
    taken = graph.post(url, json=_federation(issuerUri=issuer))
    assert _code(taken, 409) == "Request_MultipleObjectsWithSameKeyValue"
    own = graph.post(url, json=_federation(issuerUri="https://idp.example/taker"))
    assert own.status_code == 201
    moved = graph.patch(f"{url}/{own.json()['id']}", json={"issuerUri": issuer})
    assert _code(moved, 409) == "Request_MultipleObjectsWithSameKeyValue"
    assert graph.get(f"{domains}/issuer-taker.example").json()["authenticationType"] == (
        "Federated"
    )
