"""Independent oracles for the JumpCloud IdP: pysaml2 as the SP, and the ``xmlsec1`` command."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig

from simulators.saml import constants as c
from simulators.saml.keys import cert_b64_to_pem
from simulators.saml.metadata import parse_idp_metadata

from .support import build_world, jumpcloud_signin

SUFFIX = uuid.uuid4().hex[:6]
SP_ENTITY = "https://sp.example.test/metadata"
SP_ACS = "https://sp.example.test/acs"
TARGET = "https://sp.example.test/home"
RELAY = "state=42&next=/a b/é<'\">"
CUSTOM = f"pysaml-{SUFFIX}"
LEGACY = f"legacy-{SUFFIX}"
XMLSEC = shutil.which("xmlsec1")
pytestmark = pytest.mark.skipif(XMLSEC is None, reason="xmlsec1 is not installed")

APPS = [
    {
        "kind": "custom",
        "label": CUSTOM,
        "displayLabel": "pysaml2 SP",
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
        "overrideNameIdFormat": c.NAMEID_UNSPECIFIED,
        "assign_users": ["alice"],
    },
]


@pytest.fixture(scope="module")
def world(lab):
    return build_world(lab, custom_apps=APPS)


@pytest.fixture(scope="module")
def sp(world, tmp_path_factory):
    """A pysaml2 SP configured with the custom app's IdP metadata (fetched over HTTPS)."""
    reply = world.agent().get(world.metadata_url(CUSTOM))
    assert reply.status == 200
    path = tmp_path_factory.mktemp("pysaml2") / "idp.xml"
    path.write_bytes(reply.content)
    config = SPConfig()
    config.load(
        {
            "entityid": SP_ENTITY,
            "metadata": {"local": [str(path)]},
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(SP_ACS, BINDING_HTTP_POST)]},
                    "want_assertions_signed": True,
                    "want_response_signed": True,
                    "allow_unsolicited": True,
                    "only_use_keys_in_metadata": True,
                }
            },
            "xmlsec_binary": XMLSEC,
            "allow_unknown_attributes": True,
        }
    )
    return Saml2Client(config=config), parse_idp_metadata(reply.content)


def signed_in_agent(world):
    agent = world.agent(auto_submit=False)
    login = agent.get(world.url("console") + "/userconsole/login")
    assert jumpcloud_signin(world, world.people["alice"], login).page_id == "jc.userportal.home"
    return agent


def posted(page) -> tuple[str, str | None, str]:
    assert page.page_id == "saml.post", page
    form = page.form("saml-post-form")
    return form.get("SAMLResponse"), form.get("RelayState"), form.action


def test_pysaml2_accepts_an_sp_initiated_response(world, sp):
    client, metadata = sp
    request_id, info = client.prepare_for_authenticate(
        entityid=metadata.entity_id, relay_state=RELAY, binding=BINDING_HTTP_REDIRECT
    )
    location = dict(info["headers"])["Location"]
    assert location.startswith(f"{world.url('sso')}/saml2/{CUSTOM}?")
    agent = world.agent(auto_submit=False)
    page = agent.get(location)
    page = jumpcloud_signin(world, world.people["alice"], page)
    saml_response, relay_state, action = posted(page)
    assert action == SP_ACS
    assert relay_state == RELAY  # echoed byte for byte
    response = client.parse_authn_request_response(
        saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
    )
    assert response.name_id.text == world.people["alice"].email
    assert response.name_id.format == c.NAMEID_EMAIL
    assert response.in_response_to == request_id
    assert response.ava == {
        "mail": [world.people["alice"].email],
        "givenName": ["Alice"],
        "department": ["Lab"],
    }


def test_authn_request_by_post_binding(world, sp):
    client, metadata = sp
    request_id, info = client.prepare_for_authenticate(
        entityid=metadata.entity_id, relay_state=RELAY, binding=BINDING_HTTP_POST
    )
    form = etree.HTML(info["data"]).find(".//form")
    fields = {i.get("name"): i.get("value") for i in form.iter("input") if i.get("name")}
    assert form.get("action") == f"{world.url('sso')}/saml2/{CUSTOM}"
    agent = signed_in_agent(world)
    saml_response, relay_state, _ = posted(agent.post(form.get("action"), fields))
    assert relay_state == RELAY
    response = client.parse_authn_request_response(
        saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
    )
    assert response.in_response_to == request_id


def test_is_passive_without_a_session(world, sp):
    client, metadata = sp
    _, info = client.prepare_for_authenticate(
        entityid=metadata.entity_id, relay_state="p", is_passive="true"
    )
    page = world.agent(auto_submit=False).get(dict(info["headers"])["Location"])
    saml_response, relay_state, action = posted(page)
    assert (action, relay_state) == (SP_ACS, "p")
    xml = base64.b64decode(saml_response)
    assert b"urn:oasis:names:tc:SAML:2.0:status:NoPassive" in xml
    assert b"Assertion" not in xml


def test_pysaml2_accepts_an_idp_initiated_response(world, sp):
    client, _ = sp
    agent = signed_in_agent(world)
    page = agent.get(f"{world.url('sso')}/saml2/{CUSTOM}?idp_init=1")
    saml_response, relay_state, _ = posted(page)
    assert relay_state == TARGET
    response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST)
    assert response.in_response_to is None
    assert response.name_id.text == world.people["alice"].email


def test_pysaml2_refuses_a_tampered_response(world, sp):
    client, _ = sp
    agent = signed_in_agent(world)
    saml_response, _, _ = posted(agent.get(f"{world.url('sso')}/saml2/{CUSTOM}?idp_init=1"))
    xml = base64.b64decode(saml_response).replace(b"Alice<", b"Mallory<")
    with pytest.raises(Exception):  # noqa: B017 - pysaml2 raises several types
        client.parse_authn_request_response(base64.b64encode(xml).decode(), BINDING_HTTP_POST)


def xmlsec1_verify(xml: bytes, cert_b64: str, element: str, element_id: str, tmp_path) -> bool:
    """``xmlsec1 --verify`` of the signature of ``element`` (pysaml2's own invocation)."""
    doc, cert = tmp_path / f"{element_id}.xml", tmp_path / f"{element_id}.pem"
    doc.write_bytes(xml)
    cert.write_text(cert_b64_to_pem(cert_b64))
    ns = c.SAMLP_NS if element == "Response" else c.SAML_NS
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
    for element in (root, root.find(c.q(c.SAML_NS, "Assertion"))):
        if element is not None and element.find(c.q(c.DS_NS, "Signature")) is not None:
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
        assert c.ALG_RSA_SHA1.encode() in xml
        assert b">alice</" in xml  # NameID source: username
    else:
        assert c.ALG_RSA_SHA256.encode() in xml


def test_the_request_binding_is_checked(world, sp):
    """A request from an SP that is not the app's, and a foreign ACS, are refused by the IdP."""
    client, metadata = sp
    _, info = client.prepare_for_authenticate(entityid=metadata.entity_id, relay_state="x")
    location = dict(info["headers"])["Location"]
    query = parse_qs(urlsplit(location).query)
    wrong_app = f"{world.url('sso')}/saml2/{LEGACY}"
    page = world.agent().get(wrong_app, params={"SAMLRequest": query["SAMLRequest"][0]})
    assert page.page_id == "jc.error" and page.status == 400
    assert page.text_of("error-code") == "jumpcloud:invalid_saml_request"
    page = world.agent().get(f"{world.url('sso')}/saml2/{CUSTOM}", params={"SAMLRequest": "x!"})
    assert page.text_of("error-code") == "jumpcloud:invalid_saml_request"
    page = world.agent().get(f"{world.url('sso')}/saml2/no-such-app")
    assert page.status == 404 and page.text_of("error-code") == "jumpcloud:app_not_found"
