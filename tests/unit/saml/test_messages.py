"""AuthnRequest (Entra shape) and Response/Assertion construction and parsing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from simulators.saml import constants as saml_spec
from simulators.saml.errors import Reason, SamlError
from simulators.saml.messages import (
    build_authn_request,
    build_error_response,
    build_response,
    parse_authn_request,
)

from .helpers import NOW, UPN, base_spec, one

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def test_authn_request_has_entras_exact_shape() -> None:
    rid, xml = build_authn_request(saml_spec.ENTRA_ENTITY_ID, NOW)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{saml_spec.SAMLP_NS}}}AuthnRequest"
    assert dict(root.attrib) == {
        "ID": rid,
        "Version": "2.0",
        "IssueInstant": "2026-11-28T12:00:00.000Z",
    }
    issuer, policy = list(root)
    assert issuer.tag == f"{{{saml_spec.SAML_NS}}}Issuer" and issuer.prefix is None
    assert issuer.text == saml_spec.ENTRA_ENTITY_ID
    assert policy.tag == f"{{{saml_spec.SAMLP_NS}}}NameIDPolicy"
    assert dict(policy.attrib) == {"Format": saml_spec.NAMEID_PERSISTENT}


def test_authn_request_parse_round_trip_with_options() -> None:
    rid, xml = build_authn_request(
        "https://sp.example.org",
        NOW,
        destination="https://sso.example/saml2/app",
        acs_url="https://sp.example.org/acs",
        protocol_binding=saml_spec.BINDING_HTTP_POST,
        force_authn=True,
        is_passive=False,
    )
    info = parse_authn_request(xml)
    assert (info.id, info.issuer, info.issue_instant) == (rid, "https://sp.example.org", NOW)
    assert info.destination == "https://sso.example/saml2/app"
    assert info.acs_url == "https://sp.example.org/acs"
    assert info.protocol_binding == saml_spec.BINDING_HTTP_POST
    assert info.nameid_format == saml_spec.NAMEID_PERSISTENT
    assert (info.force_authn, info.is_passive, info.signed) == (True, False, False)


def _mutated(fn) -> bytes:
    _, xml = build_authn_request(saml_spec.ENTRA_ENTITY_ID, NOW)
    root = etree.fromstring(xml)
    fn(root)
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.set("Version", "1.0"), Reason.UNSUPPORTED_VERSION),
        (lambda r: r.attrib.pop("ID"), Reason.MISSING_ID),
        (lambda r: r.set("ID", "9abc"), Reason.MISSING_ID),
        (lambda r: r.set("IssueInstant", "yesterday"), Reason.BAD_TIMESTAMP),
        (lambda r: r.remove(r[0]), Reason.MISSING_ISSUER),
        (lambda r: r.set("ForceAuthn", "yes"), Reason.XML_SYNTAX),
        (lambda r: r.append(etree.fromstring(etree.tostring(r[1]))), Reason.XML_SYNTAX),
        (lambda r: setattr(r, "tag", f"{{{saml_spec.SAMLP_NS}}}LogoutRequest"), Reason.WRONG_ROOT),
    ],
)
def test_authn_request_structural_validation(mutate, reason: Reason) -> None:
    with pytest.raises(SamlError) as info:
        parse_authn_request(_mutated(mutate))
    assert info.value.reason is reason


def test_response_has_every_entra_element() -> None:
    spec = base_spec(consent=saml_spec.CONSENT_UNSPECIFIED, session_index="_s1")
    root = build_response(spec, NOW)
    assert root.get("Destination") == saml_spec.ENTRA_ACS_URL
    assert root.get("InResponseTo") == spec.in_response_to
    assert root.get("Version") == "2.0" and root.get("ID").startswith("_")
    assert root.get("Consent") == saml_spec.CONSENT_UNSPECIFIED
    assert one(root, "/samlp:Response/saml:Issuer").text == spec.issuer
    status = one(root, "/samlp:Response/samlp:Status/samlp:StatusCode")
    assert status.get("Value") == saml_spec.STATUS_SUCCESS
    assertion = one(root, "/samlp:Response/saml:Assertion")
    assert assertion.get("Version") == "2.0" and assertion.get("IssueInstant")
    assert [etree.QName(ch).localname for ch in assertion] == [
        "Issuer",
        "Subject",
        "Conditions",
        "AttributeStatement",
        "AuthnStatement",
    ]
    name_id = one(assertion, "saml:Subject/saml:NameID")
    assert name_id.get("Format") == saml_spec.NAMEID_PERSISTENT and name_id.text == spec.name_id
    sc = one(assertion, "saml:Subject/saml:SubjectConfirmation")
    assert sc.get("Method") == saml_spec.CM_BEARER
    scd = one(sc, "saml:SubjectConfirmationData")
    assert dict(scd.attrib) == {
        "InResponseTo": spec.in_response_to,
        "NotOnOrAfter": "2026-11-28T12:05:00.000Z",
        "Recipient": saml_spec.ENTRA_ACS_URL,
    }
    conditions = one(assertion, "saml:Conditions")
    assert conditions.get("NotBefore") == "2026-11-28T11:55:00.000Z"
    assert conditions.get("NotOnOrAfter") == "2026-11-28T13:00:00.000Z"
    assert (
        one(conditions, "saml:AudienceRestriction/saml:Audience").text == saml_spec.ENTRA_ENTITY_ID
    )
    attribute = one(assertion, "saml:AttributeStatement/saml:Attribute")
    assert dict(attribute.attrib) == {"Name": "IDPEmail"}
    value = one(attribute, "saml:AttributeValue")
    assert value.text == UPN and not value.attrib
    assert not root.xpath("//@xsi:type", namespaces={"xsi": XSI})
    authn = one(assertion, "saml:AuthnStatement")
    assert authn.get("AuthnInstant") == "2026-11-28T12:00:00.000Z"
    assert authn.get("SessionIndex") == "_s1"
    ref = one(authn, "saml:AuthnContext/saml:AuthnContextClassRef")
    assert ref.text == saml_spec.AC_PASSWORD_PROTECTED


def test_response_options() -> None:
    spec = base_spec(
        in_response_to=None,
        mfa=True,
        attribute_name_format=saml_spec.ATTRNAME_BASIC,
        attributes={"IDPEmail": ["a@x.example"], "groups": ["g1", "g2"]},
        subject_confirmation_lifetime=timedelta(minutes=2),
        session_not_on_or_after=NOW + timedelta(hours=8),
    )
    root = build_response(spec, NOW)
    assert root.get("InResponseTo") is None
    assert one(root, "//saml:SubjectConfirmationData").get("InResponseTo") is None
    assert one(root, "//saml:SubjectConfirmationData").get("NotOnOrAfter").endswith("12:02:00.000Z")
    assert one(root, "//saml:AuthnContextClassRef").text == saml_spec.AC_MFA
    assert root.xpath("//saml:Attribute/@NameFormat", namespaces={"saml": saml_spec.SAML_NS}) == [
        saml_spec.ATTRNAME_BASIC,
        saml_spec.ATTRNAME_BASIC,
    ]
    assert (
        len(
            root.xpath(
                "//saml:Attribute[@Name='groups']/saml:AttributeValue",
                namespaces={"saml": saml_spec.SAML_NS},
            )
        )
        == 2
    )
    assert one(root, "//saml:AuthnStatement").get("SessionNotOnOrAfter") == (
        "2026-11-28T20:00:00.000Z"
    )


def test_error_response() -> None:
    root = build_error_response(
        issuer="https://idp.example",
        destination=saml_spec.ENTRA_ACS_URL,
        now=NOW,
        status="Requester",
        sub_status="RequestDenied",
        message="user not assigned",
        in_response_to="_r1",
    )
    code = one(root, "/samlp:Response/samlp:Status/samlp:StatusCode")
    assert code.get("Value") == saml_spec.STATUS_REQUESTER
    assert one(code, "samlp:StatusCode").get("Value") == saml_spec.STATUS_REQUEST_DENIED
    assert one(root, "//samlp:StatusMessage").text == "user not assigned"
    assert not root.xpath("//saml:Assertion", namespaces={"saml": saml_spec.SAML_NS})
