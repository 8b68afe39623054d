"""An independent oracle for the JumpCloud IdP's signatures: the ``xmlsec1`` command (SP toolkits
are in ``test_sp_pysaml2`` and ``test_sp_python3_saml``)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid

import pytest
from lxml import etree

from harness.testkit import build_world, jumpcloud_signin
from simulators.saml import constants as saml_spec
from simulators.saml.keys import cert_b64_to_pem
from simulators.saml.metadata import parse_idp_metadata

SUFFIX = uuid.uuid4().hex[:6]
SP_ENTITY = "https://sp.example.test/metadata"
SP_ACS = "https://sp.example.test/acs"
TARGET = "https://sp.example.test/home"
CUSTOM = f"custom-{SUFFIX}"
LEGACY = f"legacy-{SUFFIX}"
XMLSEC = shutil.which("xmlsec1")
pytestmark = pytest.mark.skipif(XMLSEC is None, reason="xmlsec1 is not installed")

APPS = [
    {
        "kind": "custom",
        "label": CUSTOM,
        "displayLabel": "Custom SP",
        "idpEntityId": f"https://idp.lab.example/{CUSTOM}",
        "spEntityId": SP_ENTITY,
        "acsUrl": SP_ACS,
        "signResponse": True,
        "defaultTargetUrl": TARGET,
        "databaseAttributes": [
            {"name": "mail", "value": "email"},
            {"name": "givenName", "value": "firstname"},
        ],
        "constantAttributes": [{"name": "department", "value": "Lab"}],
        "assign_users": ["alice"],
    },
    {
        "kind": "custom",
        "label": LEGACY,
        "idpEntityId": f"https://idp.lab.example/{LEGACY}",
        "spEntityId": "https://legacy.example.test",
        "acsUrl": "https://legacy.example.test/acs",
        "signatureAlgorithm": "RSA-SHA1",
        "subjectField": "username",
        "overrideNameIdFormat": saml_spec.NAMEID_UNSPECIFIED,
        "assign_users": ["alice"],
    },
]


@pytest.fixture(scope="module")
def world(lab):
    return build_world(lab, custom_apps=APPS)


def signed_in_agent(world):
    agent = world.agent(auto_submit=False)
    login = agent.get(world.url("console") + "/userconsole/login")
    assert jumpcloud_signin(world, world.people["alice"], login).page_id == "jc.userportal.home"
    return agent


def posted(page) -> tuple[str, str | None, str]:
    assert page.page_id == "saml.post", page
    form = page.form("saml-post-form")
    return form.get("SAMLResponse"), form.get("RelayState"), form.action


def xmlsec1_verify(xml: bytes, cert_b64: str, element: str, element_id: str, tmp_path) -> bool:
    """``xmlsec1 --verify`` of the signature of ``element`` (pysaml2's own invocation)."""
    doc, cert = tmp_path / f"{element_id}.xml", tmp_path / f"{element_id}.pem"
    doc.write_bytes(xml)
    cert.write_text(cert_b64_to_pem(cert_b64))
    ns = saml_spec.SAMLP_NS if element == "Response" else saml_spec.SAML_NS
    result = subprocess.run(
        [XMLSEC, "--verify", "--enabled-reference-uris", "empty,same-doc",
         "--enabled-key-data", "raw-x509-cert", "--pubkey-cert-pem", str(cert),
         "--id-attr:ID", f"{ns}:{element}", "--node-id", element_id, str(doc)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return result.returncode == 0 and "OK" in result.stderr


def signatures_of(xml: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(xml)
    found = []
    for element in (root, root.find(saml_spec.q(saml_spec.SAML_NS, "Assertion"))):
        if (
            element is not None
            and element.find(saml_spec.q(saml_spec.DS_NS, "Signature")) is not None
        ):
            found.append((etree.QName(element).localname, element.get("ID")))
    return found


@pytest.mark.parametrize("label", ["m365", CUSTOM, LEGACY], ids=["m365", "custom", "legacy"])
def test_xmlsec1_verifies_the_idp_signatures(world, label, tmp_path):
    label = world.m365_label if label == "m365" else label
    agent = signed_in_agent(world)
    saml_response, _, _ = posted(agent.get(f"{world.url('sso')}/saml2/{label}?idp_init=1"))
    xml = base64.b64decode(saml_response)
    metadata = world.agent().get(world.metadata_url(label)).content
    cert = parse_idp_metadata(metadata).certificates_b64[0]
    signed = signatures_of(xml)
    assert ("Assertion" in [s[0] for s in signed]) and (label != CUSTOM or len(signed) == 2)
    for element, element_id in signed:
        assert xmlsec1_verify(xml, cert, element, element_id, tmp_path), (label, element)
    tampered = xml.replace(b"Lab<", b"Evil<") if b"Lab<" in xml else xml.replace(b"alice", b"mallo")
    assert tampered != xml
    assert not xmlsec1_verify(tampered, cert, *signed[-1], tmp_path)
    if label == LEGACY:
        assert saml_spec.ALG_RSA_SHA1.encode() in xml
        assert b">alice</" in xml  # NameID source: username
    else:
        assert saml_spec.ALG_RSA_SHA256.encode() in xml
