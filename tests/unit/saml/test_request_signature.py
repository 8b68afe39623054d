"""Signed AuthnRequests as the IdP checks them: the Redirect binding's query signature and the
POST binding's enveloped one (signed here by python3-saml, an SP library nobody here wrote)."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as K
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from simulators.saml import constants as saml_spec
from simulators.saml import request_signature as rs
from simulators.saml.bindings import encode_redirect_value
from simulators.saml.errors import Reason, SamlError
from simulators.saml.messages import build_authn_request

from .helpers import NOW, attacker_key, idp_key

RID, XML = build_authn_request("https://sp.example.org", NOW, request_id="_r1")


def signed_query(
    relay_state: str | None = "/next", alg: str = saml_spec.ALG_RSA_SHA256, key=None
) -> str:
    """A Redirect-binding query signed as SAML bindings §3.4.4.1 says."""
    params = [("SAMLRequest", encode_redirect_value(XML))]
    if relay_state is not None:
        params.append(("RelayState", relay_state))
    params.append(("SigAlg", alg))
    octets = "&".join(f"{k}={quote(v, safe='')}" for k, v in params)
    hash_ = hashes.SHA1() if alg == saml_spec.ALG_RSA_SHA1 else hashes.SHA256()
    signature = (key or idp_key()).private_key.sign(octets.encode(), padding.PKCS1v15(), hash_)
    return f"{octets}&Signature={quote(base64.b64encode(signature).decode(), safe='')}"


def reason_of(call, *args) -> Reason:
    with pytest.raises(SamlError) as caught:
        call(*args)
    return caught.value.reason


@pytest.mark.parametrize("relay_state", ["/next", None])
@pytest.mark.parametrize("alg", [saml_spec.ALG_RSA_SHA256, saml_spec.ALG_RSA_SHA1])
def test_redirect_signature_verifies(relay_state: str | None, alg: str) -> None:
    query = signed_query(relay_state, alg)
    assert rs.redirect_is_signed(query)
    rs.verify_redirect(query, idp_key().certificate)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (signed_query().replace("RelayState=%2Fnext", "RelayState=%2Fother"), "INVALID_SIGNATURE"),
        (signed_query(key=attacker_key()), "INVALID_SIGNATURE"),
        (signed_query() + "&RelayState=x", "DUPLICATE_MESSAGE"),
        (signed_query(alg="http://www.w3.org/2000/09/xmldsig#dsa-sha1"), "DISALLOWED_ALGORITHM"),
        (signed_query().rpartition("&Signature=")[0] + "&Signature=%%%", "SIGNATURE_MALFORMED"),
    ],
    ids=["altered", "other-key", "duplicate", "dsa", "not-base64"],
)
def test_redirect_signature_refused(query: str, reason: str) -> None:
    assert reason_of(rs.verify_redirect, query, idp_key().certificate) == Reason(reason)


def python3_saml_signed(xml: bytes) -> bytes:
    signed = OneLogin_Saml2_Utils.add_sign(
        xml, idp_key().key_pem, idp_key().cert_pem, sign_algorithm=K.RSA_SHA256
    )
    return signed if isinstance(signed, bytes) else signed.encode()


def test_post_signature_verifies() -> None:
    signed = python3_saml_signed(XML)
    assert rs.post_is_signed(etree.fromstring(signed))
    assert not rs.post_is_signed(etree.fromstring(XML))
    rs.verify_enveloped(signed, RID, idp_key().certificate)


def test_post_signature_refused() -> None:
    signed = python3_saml_signed(XML)
    root = etree.fromstring(signed)
    root.set("ForceAuthn", "true")
    altered = etree.tostring(root)
    assert reason_of(rs.verify_enveloped, altered, RID, idp_key().certificate) == (
        Reason.INVALID_SIGNATURE
    )
    assert reason_of(rs.verify_enveloped, signed, RID, attacker_key().certificate) == (
        Reason.INVALID_SIGNATURE
    )
    assert reason_of(rs.verify_enveloped, signed, "_other", idp_key().certificate) == (
        Reason.REFERENCE_MISMATCH
    )


def test_sp_certificate_as_pem_or_base64() -> None:
    key = idp_key()
    assert rs.load_certificate(key.cert_pem) == key.certificate
    assert rs.load_certificate(key.cert_b64) == key.certificate
    assert reason_of(rs.load_certificate, "not a certificate") == Reason.SIGNATURE_MALFORMED
