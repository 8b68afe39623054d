"""Home-realm discovery endpoints: userrealm 1.0/2.1, GetUserRealm.srf, GetCredentialType."""

from __future__ import annotations

import pytest
from lxml import etree

from .certs import idp_certificate


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {
            "domains": [
                "managed-realm.example",
                {
                    "name": "fed-realm.example",
                    "federation": {
                        "displayName": "JumpCloud",
                        "issuerUri": "https://idp.realm/issuer",
                        "passiveSignInUri": "https://idp.realm/saml2/o365",
                        "activeSignInUri": "https://idp.realm/active",
                        "metadataExchangeUri": "https://idp.realm/mex",
                        "signingCertificate": idp_certificate(),
                        "preferredAuthenticationProtocol": "saml",
                    },
                },
            ],
            "users": [
                {"userPrincipalName": "m@managed-realm.example"},
                {"userPrincipalName": "f@fed-realm.example", "onPremisesImmutableId": "f-1"},
            ],
        }
    )


def test_userrealm_v1_and_v2(ms, world):
    with ms.session() as s:
        managed = s.get(
            f"{ms.login}/common/userrealm/m@managed-realm.example?api-version=1.0"
        ).json()
        fed = s.get(f"{ms.login}/common/userrealm/f@fed-realm.example?api-version=1.0").json()
        v2 = s.get(f"{ms.login}/common/userrealm/f@fed-realm.example?api-version=2.1").json()
        unknown = s.get(f"{ms.login}/common/userrealm/x@nowhere.example?api-version=2.1").json()
    assert (
        managed["account_type"] == "Managed" and managed["domain_name"] == "managed-realm.example"
    )
    assert fed["account_type"] == "Federated"
    assert fed["federation_metadata_url"] == "https://idp.realm/mex"
    assert fed["federation_active_auth_url"] == "https://idp.realm/active"
    assert fed["cloud_audience_urn"] == "urn:federation:MicrosoftOnline"
    assert v2["NameSpaceType"] == "Federated" and v2["AuthURL"] == "https://idp.realm/saml2/o365"
    assert unknown["NameSpaceType"] == "Unknown"


def test_get_user_realm_srf_json_and_xml(ms, world):
    with ms.session() as s:
        doc = s.get(f"{ms.login}/GetUserRealm.srf", params={"login": "f@fed-realm.example"}).json()
        xml = s.get(
            f"{ms.login}/GetUserRealm.srf", params={"login": "m@managed-realm.example", "xml": "1"}
        )
    assert doc["NameSpaceType"] == "Federated" and doc["AuthURL"] == "https://idp.realm/saml2/o365"
    assert doc["CloudInstanceIssuerUri"] == "urn:federation:MicrosoftOnline"
    root = etree.fromstring(xml.content)
    assert root.tag == "RealmInfo" and root.findtext("NameSpaceType") == "Managed"
    assert root.findtext("IsFederatedNS") == "false"


def test_get_credential_type(ms, world):
    with ms.session() as s:
        fed = s.post(
            f"{ms.login}/common/GetCredentialType", json={"username": "f@fed-realm.example"}
        ).json()
        managed = s.post(
            f"{ms.login}/{world['tenant_id']}/GetCredentialType",
            json={"username": "m@managed-realm.example"},
        ).json()
        missing = s.post(
            f"{ms.login}/common/GetCredentialType", json={"username": "zz@managed-realm.example"}
        ).json()
    assert fed["Credentials"]["FederationRedirectUrl"] == "https://idp.realm/saml2/o365"
    assert fed["EstsProperties"]["DomainType"] == 4
    assert (
        managed["IfExistsResult"] == 0 and managed["Credentials"]["FederationRedirectUrl"] is None
    )
    assert missing["IfExistsResult"] == 1
