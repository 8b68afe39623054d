"""Independent oracles: pysaml2 as SP, and the xmlsec1 command, accept what this library signs."""

from __future__ import annotations

import base64
import shutil
import subprocess
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulators.saml import constants as saml_spec
from simulators.saml.messages import ResponseSpec, build_response
from simulators.saml.metadata import build_idp_metadata
from simulators.saml.signing import sign_response

from .helpers import ISSUER, idp_key

XMLSEC1 = shutil.which("xmlsec1")
needs_xmlsec1 = pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 binary not on PATH")

SP_ENTITY = "https://sp.example.org/metadata"
SP_ACS = "https://sp.example.org/acs"
SSO_URL = "https://sso.jumpcloud.example/saml2/generic"


def _spec(in_response_to: str | None) -> ResponseSpec:
    return ResponseSpec(
        issuer=ISSUER,
        destination=SP_ACS,
        audience=SP_ENTITY,
        name_id="alice-persistent-1",
        in_response_to=in_response_to,
        attributes={"mail": ["alice@corp.example.com"], "givenName": ["Alice"]},
        attribute_name_format=saml_spec.ATTRNAME_BASIC,
    )


def _pysaml2_client(allow_unsolicited: bool):
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    metadata = build_idp_metadata(ISSUER, SSO_URL, [idp_key().cert_b64]).decode()
    config = SPConfig()
    config.load(
        {
            "entityid": SP_ENTITY,
            "xmlsec_binary": XMLSEC1,
            "metadata": {"inline": [metadata]},
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(SP_ACS, BINDING_HTTP_POST)]},
                    "allow_unsolicited": allow_unsolicited,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "only_use_keys_in_metadata": True,
                    "name_id_format": [saml_spec.NAMEID_PERSISTENT],
                }
            },
        }
    )
    return Saml2Client(config=config), BINDING_HTTP_POST


@needs_xmlsec1
@pytest.mark.parametrize(
    ("in_response_to", "sign_both"),
    [("_pysaml2request1", False), ("_pysaml2request2", True), (None, False)],
    ids=["sp-initiated", "sp-initiated-both-signed", "unsolicited"],
)
def test_pysaml2_sp_accepts_our_response(in_response_to: str | None, sign_both: bool) -> None:
    client, binding = _pysaml2_client(allow_unsolicited=in_response_to is None)
    now = datetime.now(UTC)  # pysaml2 checks validity against the real clock
    xml = sign_response(
        build_response(_spec(in_response_to), now), idp_key(), sign_response=sign_both
    )
    outstanding = {in_response_to: "/"} if in_response_to else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = client.parse_authn_request_response(
            base64.b64encode(xml).decode(), binding, outstanding=outstanding
        )
    assert response is not None
    assert response.name_id.text == "alice-persistent-1"
    assert response.name_id.format == saml_spec.NAMEID_PERSISTENT
    identity = response.get_identity()
    assert identity["mail"] == ["alice@corp.example.com"]
    assert response.issuer() == ISSUER
    assert response.in_response_to == in_response_to


@needs_xmlsec1
def test_pysaml2_rejects_tampered_response() -> None:
    from saml2.sigver import SignatureError

    client, binding = _pysaml2_client(allow_unsolicited=True)
    xml = sign_response(build_response(_spec(None), datetime.now(UTC)), idp_key())
    tampered = xml.replace(b"alice-persistent-1", b"mallory-persistent")
    with pytest.raises(SignatureError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.parse_authn_request_response(base64.b64encode(tampered).decode(), binding)


def _xmlsec1_verify(
    tmp_path: Path, xml: bytes, node: str, xpath: str | None = None
) -> subprocess.CompletedProcess:
    """``xmlsec1 --verify --pubkey-cert-pem cert.pem --id-attr:ID <node> [--node-xpath X] doc``."""
    cert = tmp_path / "cert.pem"
    cert.write_text(idp_key().cert_pem)
    doc = tmp_path / "doc.xml"
    doc.write_bytes(xml)
    return subprocess.run(
        [
            XMLSEC1,
            "--verify",
            "--pubkey-cert-pem",
            str(cert),
            "--id-attr:ID",
            node,
            *(["--node-xpath", xpath] if xpath else []),
            str(doc),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@needs_xmlsec1
@pytest.mark.parametrize("algorithm", ["rsa-sha256", "rsa-sha1"])
def test_xmlsec1_verifies_assertion_signature(tmp_path: Path, algorithm) -> None:
    from .helpers import NOW, base_spec

    xml = sign_response(build_response(base_spec(), NOW), idp_key(), algorithm=algorithm)
    assertion = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
    result = _xmlsec1_verify(tmp_path, xml, assertion)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    tampered = _xmlsec1_verify(tmp_path, xml.replace(b"alice@corp", b"mallo@corp"), assertion)
    assert tampered.returncode != 0


@needs_xmlsec1
@pytest.mark.parametrize(
    ("node", "xpath"),
    [
        ("urn:oasis:names:tc:SAML:2.0:protocol:Response", "/*/*[local-name()='Signature']"),
        (
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "/*/*[local-name()='Assertion']/*[local-name()='Signature']",
        ),
    ],
    ids=["response-signature", "assertion-signature"],
)
def test_xmlsec1_verifies_both_signatures(tmp_path: Path, node: str, xpath: str) -> None:
    from .helpers import NOW, base_spec

    xml = sign_response(build_response(base_spec(), NOW), idp_key(), sign_response=True)
    result = _xmlsec1_verify(tmp_path, xml, node, xpath)
    assert result.returncode == 0, result.stderr
