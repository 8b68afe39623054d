"""Service-provider toolkits nobody here wrote, each behind a real loopback ACS, against the
JumpCloud IdP's custom SAML applications.

``SpServer`` is a small Flask web application on 127.0.0.1 (plain HTTP, a port of its own) that
hosts one service provider per path prefix, as an application using the toolkit would:
``/<sp>/login`` starts a sign-in (the toolkit builds the AuthnRequest, the request id goes into
the SP's session cookie) and ``/<sp>/acs`` is the Assertion Consumer Service the IdP posts to
(the toolkit checks the Response against that request id and the SP's settings; the page is the
outcome as JSON). A ``Toolkit`` adapter per library turns a ``Profile`` (which JumpCloud app the
SP trusts and how strict it is) into that library's own settings; the libraries are used
unmodified, configured as their documentation says.

The world is JumpCloud only: one organization, ``alice`` (groups Engineering and Everyone) and a
custom SAML application per signing/NameID/attribute variant (``APPS``), each listing the ACS of
every SP profile that trusts it (the first is where IdP-initiated responses go) and holding the
SPs' certificate (so signed AuthnRequests are verified).
"""

from __future__ import annotations

import base64
import html
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit

from flask import Flask, Request, Response, jsonify, request, session
from lxml import etree
from werkzeug.serving import WSGIRequestHandler, make_server

from harness.clients.useragent import Page, UserAgent
from harness.lab import Lab
from harness.testkit import PASSWORD, Person, start_lab
from simulators.core.httpclient import lab_session
from simulators.saml import constants as saml_spec
from simulators.saml.keys import SigningKeyPair

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
GROUP_CLAIM = "http://schemas.xmlsoap.org/claims/Group"
GROUPS = ("Engineering", "Everyone")

APPS: dict[str, dict] = {
    # Claim names as JumpCloud's integration guides write them, one plain name, groups.
    "attrs": {
        "signAssertion": True,
        "signResponse": True,
        "databaseAttributes": [
            {"name": f"{CLAIMS}emailaddress", "value": "email"},
            {"name": f"{CLAIMS}givenname", "value": "firstname"},
            {"name": f"{CLAIMS}surname", "value": "lastname"},
        ],
        "constantAttributes": [{"name": "department", "value": "Lab"}],
        "includeGroups": True,
        "groupsAttributeName": GROUP_CLAIM,
        "defaultTargetUrl": "https://sp.example.test/home",
    },
    "bare": {"signAssertion": True, "signResponse": False},
    "resp": {"signAssertion": False, "signResponse": True},
    "persistent": {"subjectField": "username", "overrideNameIdFormat": saml_spec.NAMEID_PERSISTENT},
    "sha1": {"signatureAlgorithm": "RSA-SHA1"},
}


@dataclass(frozen=True)
class Profile:
    """One SP: the JumpCloud app it trusts and what it demands (each toolkit maps these)."""

    app: str
    sign_requests: bool = False
    want_response_signed: bool = False
    want_assertions_signed: bool = True
    reject_sha1: bool = False
    want_attribute_statement: bool = True
    allow_unknown_attributes: bool = False


@dataclass(frozen=True)
class Login:
    """What a sign-in started at the SP asks of the IdP."""

    binding: str = "redirect"  # or "post"
    force_authn: bool = False
    is_passive: bool = False
    relay_state: str = "/after-login"


class Toolkit(Protocol):
    """One SAML library acting as one SP profile."""

    def start(self, request: Request, login: Login) -> tuple[str, Response]:
        """The AuthnRequest's id and the response that sends the browser to the IdP."""

    def consume(self, request: Request, request_id: str | None) -> dict:
        """The Response posted to the ACS, as checked by the library (see ``outcome``)."""


def outcome(ok: bool, **fields) -> dict:
    """What a toolkit's ACS reports: ``ok``, ``errors``, ``reason``, ``name_id``,
    ``name_id_format``, ``attributes``, ``in_response_to`` (the server adds ``relay_state`` and
    the decoded ``response_xml``)."""
    return {"ok": ok, "errors": [], "reason": None, "attributes": {}, **fields}


def autosubmit_form(action: str, fields: Mapping[str, str]) -> Response:
    """The HTTP-POST binding page an SP sends when its library only builds the message."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    body = (
        '<!DOCTYPE html><html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(action)}">{inputs}'
        '<input type="submit" value="Continue"></form></body></html>'
    )
    return Response(body, mimetype="text/html")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """No access log: the ACS outcome is what a failing test shows."""


class SpServer:
    """The loopback web application hosting the SPs (``mount`` one per profile name)."""

    def __init__(self) -> None:
        self.toolkits: dict[str, Toolkit] = {}
        app = Flask("sp")
        app.secret_key = secrets.token_bytes(32)
        app.config["SESSION_COOKIE_NAME"] = "sp_session"
        app.add_url_rule("/<name>/login", view_func=self._login)
        app.add_url_rule("/<name>/acs", view_func=self._acs, methods=["POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SpServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def entity_id(self, app: str) -> str:
        return f"{self.base}/{app}/metadata"

    def acs(self, name: str) -> str:
        return f"{self.base}/{name}/acs"

    def login_url(self, name: str, login: Login) -> str:
        query = {
            "binding": login.binding,
            "force_authn": int(login.force_authn),
            "is_passive": int(login.is_passive),
            "relay_state": login.relay_state,
        }
        return f"{self.base}/{name}/login?{urlencode(query)}"

    def mount(self, name: str, toolkit: Toolkit) -> None:
        self.toolkits[name] = toolkit

    def _login(self, name: str) -> Response:
        args = request.args
        login = Login(
            binding=args.get("binding", "redirect"),
            force_authn=args.get("force_authn") == "1",
            is_passive=args.get("is_passive") == "1",
            relay_state=args.get("relay_state", ""),
        )
        request_id, response = self.toolkits[name].start(request, login)
        session[f"request:{name}"] = request_id
        return response

    def _acs(self, name: str) -> Response:
        request_id = session.pop(f"request:{name}", None)
        result = self.toolkits[name].consume(request, request_id)
        result["relay_state"] = request.form.get("RelayState")
        result["response_xml"] = base64.b64decode(request.form.get("SAMLResponse", "")).decode()
        return jsonify(result)


# -- the world ----------------------------------------------------------------------------------
@dataclass
class SpWorld:
    """A JumpCloud-only world with one custom app per ``APPS`` entry."""

    lab: Lab
    sections: dict
    server: SpServer
    person: Person
    keys: SigningKeyPair
    """The SPs' own key pair: signs their AuthnRequests; every app holds its certificate."""

    @property
    def ca(self) -> str:
        return str(self.lab.ctx.ca_file)

    def url(self, host: str) -> str:
        return self.lab.ctx.url(host)

    def agent(self) -> UserAgent:
        return UserAgent(self.ca)

    def metadata(self, app: str) -> bytes:
        """The app's IdP metadata, fetched over HTTPS as an SP admin would."""
        reply = lab_session(self.ca).get(f"{self.url('sso')}/saml2/{app}/metadata", timeout=20)
        assert reply.status_code == 200, reply.text
        return reply.content

    def idp_init_url(self, app: str) -> str:
        return f"{self.url('sso')}/saml2/{app}?idp_init=1"


def start_jumpcloud_lab(state_dir) -> Lab:
    return start_lab(state_dir, systems=("jumpcloud",))


@contextmanager
def serving(
    lab: Lab, profiles: Mapping[str, Profile], toolkit: Callable[[SpWorld, str, Profile], Toolkit]
) -> Iterator[SpWorld]:
    """The SP server with one ``toolkit(world, name, profile)`` per profile, and its world."""
    server = SpServer().start()
    try:
        world = build_sp_world(lab, server, profiles)
        for name, profile in profiles.items():
            server.mount(name, toolkit(world, name, profile))
        yield world
    finally:
        server.stop()


def build_sp_world(lab: Lab, server: SpServer, profiles: Mapping[str, Profile]) -> SpWorld:
    """Create the organization, alice and the apps; each app lists its profiles' ACS URLs."""
    domain = f"sp{uuid.uuid4().hex[:6]}.example"
    keys = SigningKeyPair.generate("SP under test", datetime.now(UTC))
    apps = []
    for label, config in APPS.items():
        names = [name for name, profile in profiles.items() if profile.app == label]
        if not names:
            continue
        apps.append(
            {
                "kind": "custom",
                "label": label,
                "displayLabel": f"SP {label}",
                "idpEntityId": f"https://idp.{domain}/{label}",
                "spEntityId": server.entity_id(label),
                "acsUrl": ",".join(server.acs(name) for name in names),
                "spCertificate": keys.cert_pem,
                **config,
                "assign_groups": ["Everyone"],
            }
        )
    person = Person("alice", f"alice@{domain}")
    jumpcloud = {
        "name": "SP lab",
        "users": [
            {
                "username": "alice",
                "email": person.email,
                "password": PASSWORD,
                "firstname": "Alice",
                "lastname": "Lab",
            }
        ],
        "groups": [{"name": name, "members": ["alice"]} for name in GROUPS],
        "apps": apps,
    }
    doc = {"id": "w" + uuid.uuid4().hex[:10], "seed": 7, "jumpcloud": jumpcloud}
    sections = lab.create_world(doc).sections
    person.jc_id = sections["jumpcloud"]["users"][0]["id"]
    return SpWorld(lab, sections, server, person, keys)


# -- journeys -----------------------------------------------------------------------------------
def signatures(xml: str | bytes) -> list[str]:
    """Which elements of a SAML message carry an enveloped signature (``Response``,
    ``Assertion``, ``AuthnRequest``)."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    return [
        etree.QName(sig.getparent()).localname
        for sig in root.iter(saml_spec.q(saml_spec.DS_NS, "Signature"))
    ]


def start_login(world: SpWorld, agent: UserAgent, name: str, **login) -> Page:
    """Open the SP's login URL: the SP's AuthnRequest, then wherever the IdP leads."""
    return agent.get(world.server.login_url(name, Login(**login)))


def sign_in(world: SpWorld, page: Page) -> Page:
    """Fill the User Portal sign-in the IdP sent the browser to; the SP's ACS page follows."""
    assert page.page_id == "jc.userportal.signin", (page, page.text[:1000])
    person = world.person
    return page.form("login-form").fill(email=person.email, password=person.password).submit()


def portal_session(world: SpWorld) -> UserAgent:
    """A browser already signed in at the JumpCloud User Portal."""
    agent = world.agent()
    page = sign_in(world, agent.get(world.url("console") + "/userconsole/login"))
    assert page.page_id == "jc.userportal.home", page
    return agent


def acs_result(world: SpWorld, page: Page, name: str) -> dict:
    """The outcome the SP's ACS reported (the page must be that ACS)."""
    assert page.url == world.server.acs(name), (page, page.text[:1000])
    assert page.status == 200, page.text[:1000]
    return page.json()


def sp_login(world: SpWorld, name: str, agent: UserAgent | None = None, **login) -> dict:
    """A whole SP-initiated sign-in: login URL, JumpCloud sign-in when asked, the ACS outcome."""
    agent = agent or world.agent()
    page = start_login(world, agent, name, **login)
    if page.page_id == "jc.userportal.signin":
        page = sign_in(world, page)
    return acs_result(world, page, name)


def assert_request_refused(page: Page) -> None:
    assert (page.page_id, page.status) == ("jc.error", 400), page
    assert page.text_of("error-code") == "jumpcloud:invalid_saml_request"
    assert "signature does not verify" in page.text_of("error-message")


def signed_redirect_login(world: SpWorld, name: str, app: str) -> dict:
    """A sign-in whose AuthnRequest the SP signs for the Redirect binding; the IdP verifies it
    with the app's SP certificate and refuses the same URL with its RelayState changed."""
    agent = world.agent()
    result = sp_login(world, name, agent)
    prefix = f"{world.url('sso')}/saml2/{app}?"
    url = next(e.url for e in agent.history if e.url.startswith(prefix))
    pairs = [part.partition("=") for part in urlsplit(url).query.split("&")]
    assert {"SAMLRequest", "RelayState", "SigAlg", "Signature"} <= {k for k, _, _ in pairs}
    query = "&".join(f"{k}={'%2Felsewhere' if k == 'RelayState' else v}" for k, _, v in pairs)
    assert_request_refused(world.agent().get(prefix + query))
    return result


def signed_post_login(world: SpWorld, name: str, app: str) -> dict:
    """The same with the POST binding (an enveloped signature), tampered with ``ForceAuthn``."""
    agent = world.agent()
    agent.auto_submit = False
    form = start_login(world, agent, name, binding="post").form()
    assert form.action == f"{world.url('sso')}/saml2/{app}"
    signed = base64.b64decode(form.get("SAMLRequest") or "")
    assert signatures(signed) == ["AuthnRequest"]
    root = etree.fromstring(signed)
    root.set("ForceAuthn", "true")
    tampered = {**dict(form.fields), "SAMLRequest": base64.b64encode(etree.tostring(root)).decode()}
    assert_request_refused(world.agent().post(form.action, tampered))
    agent.auto_submit = True
    return acs_result(world, sign_in(world, form.submit()), name)


def tampered_login(world: SpWorld, name: str) -> dict:
    """A sign-in whose signed Response is altered on its way to the ACS (``Alice`` becomes
    ``Mallory``), as an attacker's proxy would."""

    def tamper(method: str, url: str, data):
        if method != "POST" or url != world.server.acs(name):
            return data
        fields = dict(data)
        xml = base64.b64decode(fields["SAMLResponse"]).replace(b">Alice<", b">Mallory<")
        fields["SAMLResponse"] = base64.b64encode(xml).decode()
        return list(fields.items())

    agent = portal_session(world)
    agent.rewrite_data = tamper
    result = sp_login(world, name, agent)
    assert ">Mallory<" in result["response_xml"]
    return result


def idp_initiated(world: SpWorld, agent: UserAgent, app: str, name: str) -> dict:
    """The User Portal tile's launch URL, answered at the app's first ACS (``name``)."""
    return acs_result(world, agent.get(world.idp_init_url(app)), name)
