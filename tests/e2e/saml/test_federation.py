"""Federation set-up from the connector's metadata, the way JumpCloud's tooling does it."""

from __future__ import annotations

import argparse
import json

import pytest

from harness.cli.federate import cmd_federate
from harness.cli.parsers import add_federate_parser
from harness.errors import CliError, FederationError
from harness.testkit import build_world, federate


@pytest.fixture(scope="module")
def world(lab):
    return build_world(lab, federated=False)


def test_federate_domain_from_the_connector_metadata(world):
    before = world.graph().get(f"{world.url('graph')}/v1.0/domains/{world.domain}", timeout=20)
    assert before.json()["authenticationType"] == "Managed"
    result = federate(world)
    assert result["domain"] == world.domain
    assert result["authenticationType"] == "Federated"
    config = world.federation()
    sso_url = f"{world.url('sso')}/saml2/{world.m365_label}"
    assert config["issuerUri"] == f"https://{world.domain}"
    assert config["passiveSignInUri"] == config["activeSignInUri"] == sso_url
    assert config["signOutUri"] == f"{world.url('console')}/userconsole/"
    assert config["preferredAuthenticationProtocol"] == "saml"
    assert config["federatedIdpMfaBehavior"] == "acceptIfMfaDoneByFederatedIdp"
    assert config["displayName"] == world.domain
    realm = (
        world.agent()
        .get(
            f"{world.url('login')}/common/userrealm/{world.people['alice'].email}",
            params={"api-version": "2.1"},
        )
        .json()
    )
    assert realm["NameSpaceType"] == "Federated" and realm["AuthURL"] == sso_url


def test_federating_twice_needs_update(world):
    with pytest.raises(FederationError, match="already federated"):
        federate(world)
    result = federate(world, update_existing=True, mfa_behavior="enforceMfaByFederatedIdp")
    assert result["federationConfiguration"]["federatedIdpMfaBehavior"] == (
        "enforceMfaByFederatedIdp"
    )
    world.patch_federation(federatedIdpMfaBehavior="acceptIfMfaDoneByFederatedIdp")


def test_connector_for_a_domain_the_tenant_does_not_have(world):
    api = world.jc_api()
    label = f"o365-elsewhere-{world.domain.split('.')[0]}"
    reply = api.post(
        f"{world.url('console')}/api/applications",
        json={
            "name": "office365",
            "ssoUrl": f"{world.url('sso')}/saml2/{label}",
            "config": {"idpEntityId": {"value": "urn:uri:elsewhere.example"}},
        },
        timeout=20,
    )
    assert reply.status_code == 200, reply.text
    with pytest.raises(FederationError, match=r"elsewhere\.example is not a domain of tenant"):
        federate(world, world.metadata_url(label))


def test_metadata_that_names_no_domain(world, lab):
    api = world.jc_api()
    label = f"plain-{world.domain.split('.')[0]}"
    reply = api.post(
        f"{world.url('console')}/api/applications",
        json={
            "name": "custom",
            "ssoUrl": f"{world.url('sso')}/saml2/{label}",
            "config": {
                "idpEntityId": {"value": "JumpCloud"},
                "spEntityId": {"value": "urn:sp"},
                "acsUrl": {"value": "https://sp.example.test/acs"},
            },
        },
        timeout=20,
    )
    assert reply.status_code == 200, reply.text
    with pytest.raises(FederationError, match="must be 'https://<domain>'"):
        federate(world, world.metadata_url(label))
    with pytest.raises(FederationError, match="cannot read IdP metadata"):
        federate(world, f"{world.url('sso')}/saml2/missing-app/metadata")


def test_cli_federate(world, lab, capsys):
    parser = argparse.ArgumentParser()
    add_federate_parser(parser.add_subparsers(dest="command"))
    app = world.microsoft["app"]
    args = parser.parse_args(
        [
            "federate",
            "--state-dir", str(lab.ctx.state_dir),
            "--metadata-url", world.metadata_url(),
            "--tenant-id", world.microsoft["tenant_id"],
            "--client-id", app["client_id"],
            "--client-secret", app["client_secret"],
            "--update",
            "--json",
        ]
    )  # fmt: skip
    assert cmd_federate(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["domain"] == world.domain and out["authenticationType"] == "Federated"
    args.client_secret = "wrong"
    with pytest.raises(CliError, match="token request failed"):
        cmd_federate(args)
