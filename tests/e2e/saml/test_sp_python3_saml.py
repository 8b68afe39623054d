"""python3-saml (OneLogin's ``onelogin.saml2``) with ``strict: True`` as the SP of JumpCloud's
custom SAML applications, on a real loopback ACS (``sp_support``).

Each SP's settings are what python3-saml's documentation describes: ``sp`` (entity id, ACS, the
SP's key pair), ``idp`` from ``OneLogin_Saml2_IdPMetadataParser`` over the app's metadata, and
``security``. The HTTP-POST binding for AuthnRequests is not in ``OneLogin_Saml2_Auth.login``
(Redirect only): that SP builds ``OneLogin_Saml2_Authn_Request`` and signs it with
``OneLogin_Saml2_Utils.add_sign``, both public API of the library.
"""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from flask import Request, Response, redirect
from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as K
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from simulators.jumpcloud.sso.routes import MAX_LOGINS
from simulators.saml import constants as saml_spec

from .sp_support import (
    CLAIMS,
    GROUP_CLAIM,
    Login,
    Profile,
    SpWorld,
    acs_result,
    autosubmit_form,
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

PROFILES = {
    "attrs": Profile("attrs", want_response_signed=True),
    "attrs-signed-requests": Profile("attrs", sign_requests=True, want_response_signed=True),
    "bare": Profile("bare", want_attribute_statement=False),
    "bare-default": Profile("bare"),
    "bare-wants-response-signed": Profile(
        "bare", want_response_signed=True, want_attribute_statement=False
    ),
    "resp": Profile(
        "resp",
        want_response_signed=True,
        want_assertions_signed=False,
        want_attribute_statement=False,
    ),
    "resp-wants-assertion-signed": Profile(
        "resp", want_response_signed=True, want_attribute_statement=False
    ),
    "persistent": Profile("persistent", want_attribute_statement=False),
    "sha1": Profile("sha1", want_attribute_statement=False),
    "sha1-strict": Profile("sha1", reject_sha1=True, want_attribute_statement=False),
}


class Python3Saml:
    """One python3-saml SP (``OneLogin_Saml2_Auth`` per request, as its Flask demo does)."""

    def __init__(self, world: SpWorld, name: str, profile: Profile) -> None:
        self.profile = profile
        metadata = world.metadata(profile.app).decode()
        idp = OneLogin_Saml2_IdPMetadataParser.parse(metadata)["idp"]
        self.post_sso_url = OneLogin_Saml2_IdPMetadataParser.parse(
            metadata, required_sso_binding=K.BINDING_HTTP_POST
        )["idp"]["singleSignOnService"]["url"]
        self.settings = {
            "strict": True,
            "sp": {
                "entityId": world.server.entity_id(profile.app),
                "assertionConsumerService": {
                    "url": world.server.acs(name),
                    "binding": K.BINDING_HTTP_POST,
                },
                "x509cert": world.keys.cert_b64,
                "privateKey": world.keys.key_pem,
            },
            "idp": idp,
            "security": {
                "authnRequestsSigned": profile.sign_requests,
                "wantMessagesSigned": profile.want_response_signed,
                "wantAssertionsSigned": profile.want_assertions_signed,
                "wantAttributeStatement": profile.want_attribute_statement,
                "rejectDeprecatedAlgorithm": profile.reject_sha1,
                "signatureAlgorithm": K.RSA_SHA256,
                "digestAlgorithm": K.SHA256,
            },
        }

    def auth(self, request: Request) -> OneLogin_Saml2_Auth:
        request_data = {
            "https": "on" if request.scheme == "https" else "off",
            "http_host": request.host,
            "script_name": request.path,
            "get_data": request.args.copy(),
            "post_data": request.form.copy(),
        }
        return OneLogin_Saml2_Auth(request_data, self.settings)

    def start(self, request: Request, login: Login) -> tuple[str, Response]:
        auth = self.auth(request)
        if login.binding == "redirect":
            url = auth.login(login.relay_state, login.force_authn, login.is_passive)
            return auth.get_last_request_id(), redirect(url)
        authn = OneLogin_Saml2_Authn_Request(
            auth.get_settings(), login.force_authn, login.is_passive
        )
        xml = authn.get_xml()
        if self.profile.sign_requests:
            xml = OneLogin_Saml2_Utils.add_sign(
                xml,
                self.settings["sp"]["privateKey"],
                self.settings["sp"]["x509cert"],
                sign_algorithm=K.RSA_SHA256,
                digest_algorithm=K.SHA256,
            )
        value = base64.b64encode(xml if isinstance(xml, bytes) else xml.encode()).decode()
        form = {"SAMLRequest": value, "RelayState": login.relay_state}
        return authn.get_id(), autosubmit_form(self.post_sso_url, form)

    def consume(self, request: Request, request_id: str | None) -> dict:
        auth = self.auth(request)
        auth.process_response(request_id=request_id)
        if auth.get_errors():
            return outcome(False, errors=auth.get_errors(), reason=auth.get_last_error_reason())
        return outcome(
            auth.is_authenticated(),
            name_id=auth.get_nameid(),
            name_id_format=auth.get_nameid_format(),
            attributes=auth.get_attributes(),
            in_response_to=auth.get_last_response_in_response_to(),
        )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_jumpcloud_lab(tmp_path_factory.mktemp("python3-saml"))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def world(lab):
    with serving(lab, PROFILES, Python3Saml) as world:
        yield world


def prompts(agent, since: int) -> list[str]:
    """User Portal pages the browser was shown (not redirected through) since ``since``."""
    return [e.url for e in agent.history[since:] if "/userconsole/" in e.url and e.status == 200]


def refused(result: dict, reason: str) -> None:
    assert result["ok"] is False, result
    assert result["errors"] == ["invalid_response"], result
    assert reason in result["reason"], result["reason"]


# -- the matrix ---------------------------------------------------------------------------------
def test_attributes_are_read(world):
    result = sp_login(world, "attrs")
    assert result["ok"], result
    assert result["attributes"] == {
        f"{CLAIMS}emailaddress": [world.person.email],
        f"{CLAIMS}givenname": ["Alice"],
        f"{CLAIMS}surname": ["Lab"],
        "department": ["Lab"],
        GROUP_CLAIM: ["Engineering", "Everyone"],
    }
    assert (result["name_id"], result["name_id_format"]) == (
        world.person.email,
        saml_spec.NAMEID_EMAIL,
    )
    assert result["in_response_to"].startswith("ONELOGIN_")
    assert result["relay_state"] == "/after-login"


def test_no_attributes(world):
    """JumpCloud sends no AttributeStatement for an app without attributes (python3-saml's
    default ``wantAttributeStatement: True`` then refuses it, as users of JumpCloud report)."""
    result = sp_login(world, "bare")
    assert result["ok"], result
    assert result["attributes"] == {}
    assert "AttributeStatement" not in result["response_xml"]
    refused(sp_login(world, "bare-default"), "There is no AttributeStatement on the Response")


def test_response_signed_only(world):
    result = sp_login(world, "resp")
    assert result["ok"], result
    assert signatures(result["response_xml"]) == ["Response"]
    refused(
        sp_login(world, "resp-wants-assertion-signed"),
        "The Assertion of the Response is not signed and the SP require",
    )


def test_assertion_signed_only(world):
    result = sp_login(world, "bare")
    assert result["ok"], result
    assert signatures(result["response_xml"]) == ["Assertion"]
    refused(
        sp_login(world, "bare-wants-response-signed"),
        "The Message of the Response is not signed and the SP require",
    )


def test_response_and_assertion_signed(world):
    result = sp_login(world, "attrs")
    assert result["ok"], result
    assert sorted(signatures(result["response_xml"])) == ["Assertion", "Response"]
    assert saml_spec.ALG_RSA_SHA256 in result["response_xml"]


def test_persistent_name_id_from_the_username(world):
    result = sp_login(world, "persistent")
    assert result["ok"], result
    assert (result["name_id"], result["name_id_format"]) == ("alice", saml_spec.NAMEID_PERSISTENT)


def test_rsa_sha1_accepted_by_an_sp_that_allows_it(world):
    result = sp_login(world, "sha1")
    assert result["ok"], result
    assert (
        saml_spec.ALG_RSA_SHA1 in result["response_xml"]
        and saml_spec.DIGEST_SHA1 in result["response_xml"]
    )


def test_rsa_sha1_refused_with_reject_deprecated_algorithm(world):
    refused(sp_login(world, "sha1-strict"), "Deprecated signature algorithm found")


def test_signed_authn_request_by_redirect(world):
    result = signed_redirect_login(world, "attrs-signed-requests", "attrs")
    assert result["ok"], result


def test_signed_authn_request_by_post(world):
    result = signed_post_login(world, "attrs-signed-requests", "attrs")
    assert result["ok"], result
    assert result["relay_state"] == "/after-login"


def test_idp_initiated_from_the_user_portal_tile(world):
    agent = portal_session(world)
    home = agent.get(world.url("console") + "/userconsole/")
    assert world.idp_init_url("attrs") in home.text
    result = idp_initiated(world, agent, "attrs", "attrs")
    assert result["ok"], result
    assert result["in_response_to"] is None
    assert result["relay_state"] == "https://sp.example.test/home"  # the app's default RelayState


def test_groups_attribute(world):
    result = sp_login(world, "attrs")
    assert result["attributes"][GROUP_CLAIM] == ["Engineering", "Everyone"]


def test_is_passive_with_a_live_session(world):
    agent = portal_session(world)
    seen = len(agent.history)
    result = sp_login(world, "attrs", agent, is_passive=True)
    assert result["ok"], result
    assert not prompts(agent, seen)  # only redirects through the User Portal, no page


def test_is_passive_without_a_session(world):
    agent = world.agent()
    result = sp_login(world, "attrs", agent, is_passive=True)
    refused(result, "The status code of the Response was not Success, was Responder")
    assert "urn:oasis:names:tc:SAML:2.0:status:NoPassive" in result["response_xml"]
    assert "Assertion" not in result["response_xml"]
    assert not prompts(agent, 0)


def test_force_authn_with_a_live_session_asks_for_the_password_again(world):
    agent = portal_session(world)
    asked = world.lab.clock.now().replace(microsecond=0)
    seen = len(agent.history)
    page = start_login(world, agent, "attrs", force_authn=True)
    assert page.page_id == "jc.userportal.signin", page  # not the ACS: no silent answer
    assert page.form("login-form").get("email") == world.person.email
    result = acs_result(world, sign_in(world, page), "attrs")
    assert result["ok"], result
    assert len(prompts(agent, seen)) == 1  # one sign-in page; then the ACS: no loop
    instant = etree.fromstring(result["response_xml"].encode()).find(
        f".//{saml_spec.q(saml_spec.SAML_NS, 'AuthnStatement')}"
    )
    assert datetime.fromisoformat(instant.get("AuthnInstant")) >= asked


def test_tampered_response_refused(world):
    refused(tampered_login(world, "attrs"), "Signature validation failed")


def test_a_sign_in_that_never_gets_fresh_ends_on_an_error_page(world):
    """The IdP bounds its own redirects: should the console keep handing back a session older
    than the ForceAuthn request, the third round ends on JumpCloud's error page."""
    agent = portal_session(world)
    page = start_login(world, agent, "attrs", force_authn=True)
    resume = page.form("login-form").get("return_to")
    model = world.lab.model("jumpcloud")
    user = model.users.get(world.sections["jumpcloud"]["org_id"], world.person.jc_id)
    stale = world.lab.clock.timestamp() - 3600
    shown = []
    while len(shown) <= MAX_LOGINS and (not shown or shown[-1].page_id == "jc.userportal.signin"):
        ticket = model.mint_sso_ticket(user, mfa_done=False, auth_time=stale)
        shown.append(agent.get(f"{resume}&ticket={ticket}"))
    page = shown[-1]
    assert (len(shown), page.page_id, page.status) == (MAX_LOGINS, "jc.error", 400), page
    assert page.text_of("error-code") == "jumpcloud:signin_incomplete"
