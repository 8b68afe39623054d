"""A federated world to test against: the lab, the standard world of people, sign-in journeys.

Used by the end-to-end tests and the benchmarks; tests of one's own may use it too.

One in-process lab with both systems per test module. A world is created through the control
plane; Microsoft users carrying ``onPremisesImmutableId`` = the JumpCloud user id are created
through Graph (as the directory integration would), and the domain is federated from the
Microsoft 365 connector's metadata URL by ``harness.lab.federation`` (as JumpCloud's tooling does).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pyotp
import requests

from harness.clients.useragent import Page, UserAgent
from harness.lab.federation import federate_domain, graph_token
from harness.lab.lab import Lab, LabOptions
from simulators.core.context import LabContext
from simulators.core.httpclient import lab_session

PASSWORD = "Lab-Pass-2024!x"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MS_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def start_lab(state_dir, systems: tuple[str, ...] = ("microsoft", "portal", "jumpcloud")) -> Lab:
    options = LabOptions(
        state_dir=state_dir,
        port_base=0,
        systems=systems,
        default_world=False,
        threads=16,
    )
    return Lab(options).start()


@dataclass
class Person:
    """One person of the test world, in both systems."""

    key: str
    email: str
    password: str = PASSWORD
    jc_id: str = ""
    ms_id: str = ""
    totp_secret: str | None = None
    ms_totp_secret: str | None = None

    def totp(self, lab: Lab) -> str:
        assert self.totp_secret
        return pyotp.TOTP(self.totp_secret).at(lab.clock.now())

    def ms_totp(self, lab: Lab) -> str:
        assert self.ms_totp_secret
        return pyotp.TOTP(self.ms_totp_secret).at(lab.clock.now())


@dataclass
class FederatedWorld:
    """A tenant with a domain federated to the world's JumpCloud Microsoft 365 connector."""

    lab: Lab
    sections: dict
    domain: str
    people: dict[str, Person] = field(default_factory=dict)

    def _ctx(self) -> LabContext:
        ctx = self.lab.ctx
        assert ctx is not None, "the lab is not started"
        return ctx

    @property
    def ca(self) -> str:
        return str(self._ctx().ca_file)

    @property
    def jumpcloud(self) -> dict:
        return self.sections["jumpcloud"]

    @property
    def microsoft(self) -> dict:
        return self.sections["microsoft"]

    @property
    def m365_label(self) -> str:
        return self.jumpcloud["m365_sso_label"]

    def url(self, host: str) -> str:
        return self._ctx().url(host)

    def graph(self) -> requests.Session:
        """A Graph client with the world's automation app token."""
        session = lab_session(self.ca)
        app = self.microsoft["app"]
        token = graph_token(
            session,
            self.url("login"),
            self.microsoft["tenant_id"],
            app["client_id"],
            app["client_secret"],
        )
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def jc_api(self) -> requests.Session:
        session = lab_session(self.ca)
        session.headers["x-api-key"] = self.jumpcloud["api_key"]
        return session

    def federation(self) -> dict:
        graph = self.graph()
        base = f"{self.url('graph')}/v1.0/domains/{self.domain}/federationConfiguration"
        return graph.get(base, timeout=20).json()["value"][0]

    def patch_federation(self, **changes) -> dict:
        graph = self.graph()
        config = self.federation()
        url = (
            f"{self.url('graph')}/v1.0/domains/{self.domain}/federationConfiguration/{config['id']}"
        )
        reply = graph.patch(url, json=changes, timeout=20)
        assert reply.status_code == 200, reply.text
        return config

    def agent(self, **kwargs) -> UserAgent:
        return UserAgent(self.ca, **kwargs)

    def metadata_url(self, label: str | None = None) -> str:
        return f"{self.url('sso')}/saml2/{label or self.m365_label}/metadata"


def new_world(lab: Lab, jumpcloud: dict, microsoft: dict, domain: str) -> dict:
    """Create a world in both systems of the lab through the control plane; its sections."""
    jumpcloud.setdefault("office365", {}).setdefault("federated_domain", domain)
    doc = {"id": "w" + uuid.uuid4().hex[:10], "seed": 7, "jumpcloud": jumpcloud}
    doc["microsoft"] = microsoft
    return lab.create_world(doc).sections


def add_microsoft_user(world: FederatedWorld, person: Person, **extra) -> dict:
    """POST /users with the JumpCloud user id as immutable id (what the integration exports)."""
    body = {
        "accountEnabled": True,
        "displayName": person.key.title(),
        "mailNickname": person.email.split("@")[0],
        "userPrincipalName": person.email,
        "passwordProfile": {
            "password": "Ms-Unused-Pass-1!",
            "forceChangePasswordNextSignIn": False,
        },
        **extra,
    }
    reply = world.graph().post(f"{world.url('graph')}/v1.0/users", json=body, timeout=20)
    assert reply.status_code == 201, reply.text
    person.ms_id = reply.json()["id"]
    return reply.json()


def federate(world: FederatedWorld, metadata_url: str | None = None, **kwargs) -> dict:
    """``harness.lab.federation.federate_domain`` with the world's automation app."""
    microsoft = world.microsoft
    return federate_domain(
        {"urls": world._ctx().topology.urls(), "ca_bundle": world.ca},
        microsoft["tenant_id"],
        microsoft["app"]["client_id"],
        microsoft["app"]["client_secret"],
        metadata_url or world.metadata_url(),
        **kwargs,
    )


# -- journeys ------------------------------------------------------------------------------------
def portal_signin(world: FederatedWorld, person: Person, agent: UserAgent | None = None) -> Page:
    """From the portal: Sign in → username → (JumpCloud sign-in) → wherever the flow stops."""
    agent = agent or world.agent()
    home = agent.get(world.url("portal") + "/")
    assert home.page_id == "portal.home", home
    username = agent.get(home.link("signin-link"))
    assert username.page_id == "ms.signin.username", username
    page = username.form("credentials").fill(loginfmt=person.email).submit()
    if page.page_id == "jc.userportal.signin":
        page = jumpcloud_signin(world, person, page)
    return page


def jumpcloud_signin(world: FederatedWorld, person: Person, page: Page) -> Page:
    """Fill JumpCloud's User Portal sign-in (and TOTP when asked)."""
    page = page.form("login-form").fill(email=person.email, password=person.password).submit()
    if page.page_id == "jc.userportal.mfa":
        page = page.form("mfa-form").fill(otp=person.totp(world.lab)).submit()
    return page


def assert_signed_in(page: Page, person: Person) -> None:
    assert page.page_id == "portal.signedin", (page, page.text[:2000])
    assert page.text_of("user-upn").lower() == person.email.lower()


def assert_error(page: Page, code: str, subreason: str | None = None) -> None:
    assert page.page_id in ("ms.error", "jc.error"), (page, page.text[:2000])
    assert page.text_of("error-code") == code, page.text[:2000]
    if subreason is not None:
        assert page.text_of("error-subreason") == subreason
    assert page.status < 500


# -- the standard world --------------------------------------------------------------------------
PEOPLE = {
    "alice": "bound, assigned through a group: SSO works",
    "bob": "JumpCloud TOTP; Microsoft MFA required too",
    "carol": "suspended in JumpCloud",
    "dave": "bound but not assigned to the Microsoft 365 connector",
    "erin": "assigned, exists in Microsoft 365, never bound (no immutable id)",
    "frank": "no JumpCloud MFA; Microsoft MFA required",
    "grace": "IDPEmail (JumpCloud email) differs from the Entra UPN",
    "heidi": "disabled in Entra",
    "ivan": "suspended in JumpCloud after signing in",
    "judy": "like frank, for IdP-initiated sign-ins",
}
MS_MFA = ("bob", "frank", "judy")
ASSIGNED = ["alice", "bob", "carol", "erin", "frank", "grace", "heidi", "ivan", "judy"]
BOUND = ["alice", "bob", "carol", "dave", "frank", "grace", "heidi", "ivan", "judy"]


def build_world(lab: Lab, *, federated: bool = True, custom_apps: list[dict] | None = None):
    """The standard federated world (see ``PEOPLE``); the domain is unique per world."""
    domain = f"contoso{uuid.uuid4().hex[:6]}.example"
    people = {key: Person(key, f"{key}@{domain}") for key in PEOPLE}
    people["bob"].totp_secret = TOTP_SECRET
    people["bob"].ms_totp_secret = MS_TOTP_SECRET
    for key in MS_MFA:
        people[key].ms_totp_secret = MS_TOTP_SECRET
    jc_users = []
    for key, person in people.items():
        spec = {
            "username": key,
            "email": person.email,
            "password": person.password,
            "firstname": key.title(),
            "lastname": "Lab",
        }
        if person.totp_secret:
            spec["totp_secret"] = person.totp_secret
        if key == "carol":
            spec["state"] = "SUSPENDED"
        jc_users.append(spec)
    jumpcloud = {
        "name": "Contoso",
        "users": jc_users,
        "groups": [{"name": "m365-users", "members": ASSIGNED}],
        "apps": [{"kind": "office365", "assign_groups": ["m365-users"]}, *(custom_apps or [])],
        "bindings": {"users": BOUND},
    }
    microsoft = {
        "tenant": "Contoso",
        "domains": [{"name": domain}],
        "users": [
            {
                "userPrincipalName": people[key].email,
                "displayName": key.title(),
                "mfa": {"totp_secret": MS_TOTP_SECRET, "required": True},
            }
            for key in MS_MFA
        ],
    }
    sections = new_world(lab, jumpcloud, microsoft, domain)
    world = FederatedWorld(lab, sections, domain, people)
    ids = {u["username"]: u["id"] for u in world.jumpcloud["users"]}
    ms_users = {u["userPrincipalName"].lower(): u for u in world.microsoft["users"]}
    graph = world.graph()
    for key, person in people.items():
        person.jc_id = ids[key]
        if key in MS_MFA:
            person.ms_id = ms_users[person.email.lower()]["id"]
            reply = graph.patch(
                f"{world.url('graph')}/v1.0/users/{person.ms_id}",
                json={"onPremisesImmutableId": person.jc_id},
                timeout=20,
            )
            assert reply.status_code == 204, reply.text
        elif key == "erin":
            add_microsoft_user(world, person)
        elif key == "grace":
            add_microsoft_user(
                world,
                Person("grace", f"grace.lab@{domain}"),
                onPremisesImmutableId=person.jc_id,
            )
        else:
            extra: dict[str, Any] = {"onPremisesImmutableId": person.jc_id}
            if key == "heidi":
                extra["accountEnabled"] = False
            add_microsoft_user(world, person, **extra)
    if federated:
        federate(world)
    return world


def decisions(world: FederatedWorld, agent: UserAgent, host: str, event: str) -> list[dict]:
    """The decisions a host journaled for this agent's trace (newest first)."""
    reply = world.lab.control().call("GET", host, "/_lab/journal", params={"trace": agent.trace})
    entries = [e for e in reply.json()["entries"] if e.get("method") == "DECISION"]
    found = [e["decision"] for e in entries if e["decision"].get("event") == event]
    return list(reversed(found))


def forget_entra_session(world: FederatedWorld, agent: UserAgent) -> None:
    """Drop the login and portal cookies (as if the Entra session expired); keep JumpCloud's."""
    for cookie in agent.cookies:
        if cookie.name in ("m365lab_login", "m365lab_portal"):
            agent.cookies.clear(cookie.domain, cookie.path, cookie.name)


def signin_log(world: FederatedWorld) -> list[dict]:
    """The tenant's sign-in log (newest first), read from the Microsoft system."""
    return world.lab.model("microsoft").oauth.signins(world.microsoft["tenant_id"])
