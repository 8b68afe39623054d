"""pysaml2 (``saml2.client.Saml2Client``) as the SP of JumpCloud's custom SAML applications, on a
real loopback ACS (``sp_support``).

Each SP is configured as pysaml2's documentation describes (``SPConfig``: entity id, the app's
metadata inline, the ACS endpoint, ``want_*_signed``, ``authn_requests_signed``, the SP key pair
as files, ``xmlsec1``), with pysaml2's built-in attribute maps. Not in this matrix: refusing
RSA-SHA1 (pysaml2 has no setting for it; ``xmlsec1`` verifies either).
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Request, Response, redirect
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from simulators.saml import constants as saml_spec

from .sp_support import (
    Login,
    Profile,
    SpWorld,
    acs_result,
    idp_initiated,
    outcome,
    portal_session,
    serving,
    sign_in,
    signatures,
    signed_post_login,
    signed_redirect_login,
    sp_login,
    start_jumpcloud_lab,
    start_login,
    tampered_login,
)

XMLSEC = shutil.which("xmlsec1")
RELAY = "state=42&next=/a b/é<'\">"
pytestmark = pytest.mark.skipif(XMLSEC is None, reason="xmlsec1 is not installed")

PROFILES = {
    "attrs": Profile("attrs", want_response_signed=True),
    "attrs-unknown": Profile("attrs", allow_unknown_attributes=True),
    "attrs-signed-requests": Profile("attrs", sign_requests=True, want_response_signed=True),
    "bare": Profile("bare"),
    "bare-wants-response-signed": Profile("bare", want_response_signed=True),
    "resp": Profile("resp", want_response_signed=True, want_assertions_signed=False),
    "resp-wants-assertion-signed": Profile("resp", want_response_signed=True),
    "persistent": Profile("persistent"),
    "sha1": Profile("sha1"),
}


class Pysaml2:
    """One pysaml2 SP."""

    def __init__(self, keys_dir: Path, world: SpWorld, name: str, profile: Profile) -> None:
        (keys_dir / "sp.key").write_text(world.keys.key_pem)  # pysaml2 reads keys from files
        (keys_dir / "sp.crt").write_text(world.keys.cert_pem)
        metadata = world.metadata(profile.app).decode()
        config = SPConfig()
        config.load(
            {
                "entityid": world.server.entity_id(profile.app),
                "metadata": {"inline": [metadata]},
                "key_file": str(keys_dir / "sp.key"),
                "cert_file": str(keys_dir / "sp.crt"),
                "xmlsec_binary": XMLSEC,
                "allow_unknown_attributes": profile.allow_unknown_attributes,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "service": {
                    "sp": {
                        "endpoints": {
                            "assertion_consumer_service": [
                                (world.server.acs(name), BINDING_HTTP_POST)
                            ]
                        },
                        "authn_requests_signed": profile.sign_requests,
                        "want_response_signed": profile.want_response_signed,
                        "want_assertions_signed": profile.want_assertions_signed,
                        "allow_unsolicited": True,
                        "only_use_keys_in_metadata": True,
                    }
                },
            }
        )
        self.client = Saml2Client(config=config)
        (self.idp,) = self.client.metadata.identity_providers()

    def start(self, request: Request, login: Login) -> tuple[str, Response]:
        binding = BINDING_HTTP_POST if login.binding == "post" else BINDING_HTTP_REDIRECT
        flags = {}
        if login.force_authn:
            flags["force_authn"] = "true"
        if login.is_passive:
            flags["is_passive"] = "true"
        request_id, info = self.client.prepare_for_authenticate(
            entityid=self.idp, relay_state=login.relay_state, binding=binding, **flags
        )
        if binding == BINDING_HTTP_REDIRECT:
            return request_id, redirect(dict(info["headers"])["Location"])
        return request_id, Response(info["data"], mimetype="text/html")

    def consume(self, request: Request, request_id: str | None) -> dict:
        outstanding = {request_id: "/"} if request_id else {}
        try:
            response = self.client.parse_authn_request_response(
                request.form["SAMLResponse"], BINDING_HTTP_POST, outstanding=outstanding
            )
        except Exception as exc:
            return outcome(False, errors=[type(exc).__name__], reason=str(exc))
        return outcome(
            True,
            name_id=response.name_id.text,
            name_id_format=response.name_id.format,
            attributes=response.ava,
            in_response_to=response.in_response_to,
        )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_jumpcloud_lab(tmp_path_factory.mktemp("pysaml2"))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def world(lab, tmp_path_factory):
    keys_dir = tmp_path_factory.mktemp("pysaml2-keys")
    with serving(lab, PROFILES, functools.partial(Pysaml2, keys_dir)) as world:
        yield world


def refused(result: dict, error: str, reason: str = "") -> None:
    assert result["ok"] is False, result
    assert result["errors"] == [error], result
    assert reason in result["reason"], result["reason"]


# -- the matrix ---------------------------------------------------------------------------------
def test_attributes_are_read(world):
    """The claim names pysaml2's built-in maps know come out under their friendly names; a plain
    name (``department``) only with ``allow_unknown_attributes``."""
    result = sp_login(world, "attrs", relay_state=RELAY)
    assert result["ok"], result
    attributes = {
        "emailAddress": [world.person.email],
        "givenName": ["Alice"],
        "surname": ["Lab"],
        "group": ["Engineering", "Everyone"],
    }
    assert result["attributes"] == attributes
    assert (result["name_id"], result["name_id_format"]) == (
        world.person.email,
        saml_spec.NAMEID_EMAIL,
    )
    assert result["in_response_to"].startswith("id-")
    assert result["relay_state"] == RELAY  # echoed byte for byte
    result = sp_login(world, "attrs-unknown")
    assert result["attributes"] == {**attributes, "department": ["Lab"]}


def test_no_attributes(world):
    result = sp_login(world, "bare")
    assert result["ok"], result
    assert result["attributes"] == {}


def test_response_signed_only(world):
    result = sp_login(world, "resp")
    assert result["ok"], result
    assert signatures(result["response_xml"]) == ["Response"]
    refused(
        sp_login(world, "resp-wants-assertion-signed"),
        "SignatureError",
        "Signature missing for assertion",
    )


def test_assertion_signed_only(world):
    result = sp_login(world, "bare")
    assert result["ok"], result
    assert signatures(result["response_xml"]) == ["Assertion"]
    refused(
        sp_login(world, "bare-wants-response-signed"),
        "SignatureError",
        "Signature missing for response",
    )


def test_response_and_assertion_signed(world):
    result = sp_login(world, "attrs")
    assert result["ok"], result
    assert sorted(signatures(result["response_xml"])) == ["Assertion", "Response"]


def test_persistent_name_id_from_the_username(world):
    result = sp_login(world, "persistent")
    assert result["ok"], result
    assert (result["name_id"], result["name_id_format"]) == ("alice", saml_spec.NAMEID_PERSISTENT)


def test_rsa_sha1_accepted(world):
    result = sp_login(world, "sha1")
    assert result["ok"], result
    assert saml_spec.ALG_RSA_SHA1 in result["response_xml"]


def test_signed_authn_request_by_redirect(world):
    result = signed_redirect_login(world, "attrs-signed-requests", "attrs")
    assert result["ok"], result


def test_signed_authn_request_by_post(world):
    result = signed_post_login(world, "attrs-signed-requests", "attrs")
    assert result["ok"], result
    assert result["relay_state"] == "/after-login"


def test_idp_initiated(world):
    result = idp_initiated(world, portal_session(world), "attrs", "attrs")
    assert result["ok"], result
    assert result["in_response_to"] is None
    assert result["relay_state"] == "https://sp.example.test/home"


def test_groups_attribute(world):
    """``http://schemas.xmlsoap.org/claims/Group`` is in pysaml2's ADFS map as ``group``."""
    assert sp_login(world, "attrs")["attributes"]["group"] == ["Engineering", "Everyone"]


def test_is_passive_with_a_live_session(world):
    result = sp_login(world, "attrs", portal_session(world), is_passive=True)
    assert result["ok"], result


def test_is_passive_without_a_session(world):
    refused(sp_login(world, "attrs", is_passive=True), "StatusNoPassive", "status:NoPassive")


def test_force_authn_with_a_live_session(world):
    agent = portal_session(world)
    page = start_login(world, agent, "attrs", force_authn=True)
    assert page.page_id == "jc.userportal.signin", page
    result = acs_result(world, sign_in(world, page), "attrs")
    assert result["ok"], result


def test_tampered_response_refused(world):
    refused(tampered_login(world, "attrs"), "SignatureError")


def test_the_idp_checks_which_sp_asks(world):
    """A request from another app's SP, an unreadable one and an unknown app are refused."""
    agent = world.agent()
    start_login(world, agent, "attrs")
    to_idp = next(e.url for e in agent.history if e.url.startswith(world.url("sso") + "/saml2/"))
    saml_request = parse_qs(urlsplit(to_idp).query)["SAMLRequest"][0]
    page = world.agent().get(f"{world.url('sso')}/saml2/bare", params={"SAMLRequest": saml_request})
    assert (page.page_id, page.status) == ("jc.error", 400)
    assert page.text_of("error-code") == "jumpcloud:invalid_saml_request"
    page = world.agent().get(f"{world.url('sso')}/saml2/attrs", params={"SAMLRequest": "x!"})
    assert page.text_of("error-code") == "jumpcloud:invalid_saml_request"
    page = world.agent().get(f"{world.url('sso')}/saml2/no-such-app")
    assert page.status == 404 and page.text_of("error-code") == "jumpcloud:app_not_found"
