"""The NameFormat of JumpCloud's attributes, and what pysaml2's default configuration makes of it.

The lab sends ``<saml:Attribute>`` without NameFormat (JumpCloud does not document one), which
SAML core reads as ``…:attrname-format:unspecified``; pysaml2 does the same, and its default
converters for that format (the ADFS maps) keep the claim names JumpCloud integration guides use.
Plain names (``mail``) are dropped unless the SP sets ``allow_unknown_attributes`` or brings an
attribute map; announcing ``basic`` or ``uri`` instead would lose the claim names too.
"""

from __future__ import annotations

import pytest
from lxml import etree
from saml2.attribute_converter import ac_factory, to_local
from saml2.saml import NAME_FORMAT_UNSPECIFIED, attribute_statement_from_string

from simulators.jumpcloud.sso.issuance import Delivery, build_signed_response
from simulators.jumpcloud.sso.model import SamlApp, SsoUser
from simulators.saml import constants as saml_spec
from simulators.saml.messages import build_response

from .helpers import NOW, base_spec, idp_key

NS = {"saml": saml_spec.SAML_NS}
ACS = "https://sp.example.org/acs"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
ROLE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
GROUP = "http://schemas.xmlsoap.org/claims/Group"


def custom_app(**overrides) -> SamlApp:
    fields = {
        "id": "a" * 24,
        "org_id": "o" * 24,
        "label": "custom",
        "kind": "custom",
        "display_label": "Custom",
        "active": True,
        "idp_entity_id": "https://idp.example.org/custom",
        "sp_entity_id": "https://sp.example.org/metadata",
        "acs_urls": (ACS,),
        "default_relay_state": "",
        "subject_field": "email",
        "nameid_format": saml_spec.NAMEID_EMAIL,
        "sign_assertion": True,
        "sign_response": False,
        "algorithm": "rsa-sha256",
        "cert_pem": idp_key().cert_pem,
        "database_attributes": (
            (f"{CLAIMS}emailaddress", "email"),
            (f"{CLAIMS}givenname", "firstname"),
            ("mail", "email"),
        ),
        "constant_attributes": ((ROLE, "Lab"),),
        "groups_attribute": GROUP,
    }
    return SamlApp(**{**fields, **overrides})


def statement_of(xml: bytes) -> etree._Element:
    found = etree.fromstring(xml).xpath("//saml:AttributeStatement", namespaces=NS)
    assert len(found) == 1
    return found[0]


def local_attributes(statement: etree._Element, *, allow_unknown: bool = False) -> dict:
    """What pysaml2's built-in attribute converters make of an AttributeStatement."""
    parsed = attribute_statement_from_string(etree.tostring(statement))
    return to_local(ac_factory(), parsed, allow_unknown_attributes=allow_unknown)


@pytest.mark.parametrize("kind", ["custom", "office365"])
def test_attributes_carry_no_name_format(kind: str) -> None:
    app = custom_app(kind=kind)
    user = SsoUser(
        "u" * 24,
        app.org_id,
        {"email": "alice@corp.example.com", "firstname": "Alice"},
        immutable_id="u" * 24,
        group_names=("Engineering", "Everyone"),
    )
    xml = build_signed_response(
        app, user, Delivery(ACS, None, None), idp_key(), now=NOW, mfa=False, authn_instant=NOW
    )
    statement = statement_of(xml)
    attributes = statement.xpath("saml:Attribute", namespaces=NS)
    assert len(attributes) == (6 if kind == "office365" else 5)  # + IDPEmail for Microsoft 365
    assert all(a.get("NameFormat") is None for a in attributes)
    parsed = attribute_statement_from_string(etree.tostring(statement)).attribute
    assert {a.name_format for a in parsed} == {NAME_FORMAT_UNSPECIFIED}
    if kind == "custom":
        assert local_attributes(statement) == {
            "emailAddress": ["alice@corp.example.com"],
            "givenName": ["Alice"],
            "role": ["Lab"],
            "group": ["Engineering", "Everyone"],
        }  # "mail" is not a name the default maps know
        assert local_attributes(statement, allow_unknown=True)["mail"] == ["alice@corp.example.com"]


@pytest.mark.parametrize("name_format", [saml_spec.ATTRNAME_BASIC, saml_spec.ATTRNAME_URI])
def test_another_name_format_would_lose_the_claims(name_format: str) -> None:
    spec = base_spec(
        attributes={f"{CLAIMS}emailaddress": ["a@x.example"]}, attribute_name_format=name_format
    )
    assert local_attributes(statement_of(etree.tostring(build_response(spec, NOW)))) == {}
