"""The world ``m365lab up`` starts with (README: The default world), built only through public
interfaces.

Tenant *Contoso* (``contoso.onmicrosoft.com`` initial, ``contoso.com`` federated to JumpCloud's
Microsoft 365 SAML connector, ``fabrikam.com`` managed with passwords from JumpCloud) and the
JumpCloud org *Contoso*. Order: create both halves → authorize the directory integration with
the real consent flow (driven by the HTTP user agent) → bind people (the engine exports them with
their immutable IDs) → federate contoso.com from the connector's metadata through Graph → sign
the password-authority person in at the User Portal (password takeover) → suspend one person.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from harness.clients.consent import authorize_with_user_agent
from harness.clients.useragent import UserAgent
from harness.errors import ConsentError, DefaultWorldError, FederationError, WorldError
from harness.lab.descriptor import LabClient, LabDescriptor
from harness.lab.federation import federate_domain
from harness.lab.world import World, create_world
from simulators.core.files import write_private
from simulators.core.httpclient import lab_session

FEDERATED, MANAGED = "contoso.com", "fabrikam.com"


@dataclass(frozen=True)
class Person:
    """One seeded person and what signing in at the Microsoft 365 portal shows for them."""

    username: str
    first: str
    last: str
    domain: str
    shows: str
    sign_in: str
    bound: bool = True
    assigned: bool = True
    suspended: bool = False
    totp: bool = False
    jumpcloud: bool = True

    @property
    def email(self) -> str:
        return f"{self.username}@{self.domain}"


@dataclass(frozen=True)
class Cast:
    """Where the people live: the default world's names, or a classroom seat's own."""

    world_id: str = "default"
    name: str = "Contoso"
    initial_domain: str = "contoso.onmicrosoft.com"
    federated: str = FEDERATED
    managed: str = MANAGED
    app_label: str = "microsoft-365"

    def email(self, person: Person) -> str:
        domain = self.federated if person.domain == FEDERATED else self.managed
        return f"{person.username}@{domain}"


DEFAULT_CAST = Cast()


PEOPLE = (
    Person("alice", "Alice", "Archer", FEDERATED,
           "bound contoso.com user: SSO through JumpCloud works", "ok"),
    Person("nora", "Nora", "North", FEDERATED,
           "in Microsoft 365 but not bound in JumpCloud: no immutable ID, so SSO fails",
           "AADSTS51004", bound=False),
    Person("bob", "Bob", "Baker", MANAGED,
           "bound fabrikam.com (managed) user: signs in at Microsoft with his JumpCloud "
           "password (password authority)", "ok"),
    Person("carol", "Carol", "Chen", FEDERATED,
           "suspended in JumpCloud: JumpCloud refuses the SSO", "jumpcloud:suspended",
           suspended=True),
    Person("dave", "Dave", "Diaz", FEDERATED,
           "JumpCloud TOTP MFA before the assertion (Entra accepts the MFA claim)", "ok",
           totp=True),
    Person("erin", "Erin", "Evans", FEDERATED,
           "bound but not assigned to the Microsoft 365 SAML app", "jumpcloud:not_assigned",
           assigned=False),
    Person("ivan", "Ivan", "Ito", MANAGED,
           "Microsoft 365 user waiting to be imported into JumpCloud", "ok", bound=False,
           assigned=False, jumpcloud=False),
    Person("jade", "Jade", "Jones", MANAGED,
           "Microsoft 365 user waiting to be imported into JumpCloud", "ok", bound=False,
           assigned=False, jumpcloud=False),
)  # fmt: skip


def _password(rng: random.Random) -> str:
    letters = "abcdefghjkmnpqrstuvwxyz"
    return (
        f"{''.join(rng.choice(letters) for _ in range(5)).capitalize()}-{rng.randint(100, 999)}!Lab"
    )


def _totp_secret(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(32))


def world_document(seed: int | None, cast: Cast = DEFAULT_CAST) -> tuple[dict, dict[str, dict]]:
    """The seed document and each person's credentials (repeatable for a given seed; fresh
    passwords, ids and keys for ``None``)."""
    rng = (
        random.Random(f"m365lab-default-world-{seed}")
        if seed is not None
        else random.SystemRandom()
    )
    creds = {p.username: {"password": _password(rng)} for p in PEOPLE}
    for p in PEOPLE:
        if p.totp:
            creds[p.username]["totp_secret"] = _totp_secret(rng)
    m365_only = [p for p in PEOPLE if not p.bound]
    jc_people = [p for p in PEOPLE if p.jumpcloud]
    doc = {
        "id": cast.world_id,
        **({"seed": seed} if seed is not None else {}),
        "microsoft": {
            "tenant": {"display_name": cast.name, "initial_domain": cast.initial_domain},
            "domains": [{"name": cast.federated}, {"name": cast.managed}],
            "users": [
                {"userPrincipalName": cast.email(p), "displayName": f"{p.first} {p.last}",
                 "givenName": p.first, "surname": p.last, "mail": cast.email(p),
                 "password": creds[p.username]["password"], "usageLocation": "US"}
                for p in m365_only
            ],
        },
        "jumpcloud": {
            "name": cast.name,
            "users": [
                {"username": p.username, "email": cast.email(p), "firstname": p.first,
                 "lastname": p.last, "password": creds[p.username]["password"],
                 **({"totp_secret": creds[p.username]["totp_secret"]} if p.totp else {})}
                for p in jc_people
            ],
            "office365": {"name": f"{cast.name} Microsoft 365",
                          "domains": [cast.federated, cast.managed],
                          "federated_domain": cast.federated},
            "apps": [{"kind": "office365", "label": cast.app_label,
                      "idpEntityId": f"https://{cast.federated}",
                      "assign_users": [p.username for p in jc_people if p.assigned]}],
        },
    }  # fmt: skip
    return doc, creds


class _JumpCloudApi:
    """The few JumpCloud admin calls the default world needs (x-api-key, real API)."""

    def __init__(self, console: str, api_key: str, ca: str) -> None:
        self.base = console.rstrip("/") + "/api"
        self.session = lab_session(ca)
        self.session.headers["x-api-key"] = api_key

    def call(self, method: str, path: str, **kwargs) -> dict:
        reply = self.session.request(method, self.base + path, timeout=30, **kwargs)
        if reply.status_code >= 400:
            raise RuntimeError(f"JumpCloud {method} {path}: HTTP {reply.status_code} {reply.text}")
        return reply.json() if reply.content else {}

    def user_ids(self) -> dict[str, str]:
        users = self.call("GET", "/systemusers", params={"limit": 100})["results"]
        return {u["username"]: u["_id"] for u in users}


def build(descriptor: dict, seed: int | None, cast: Cast = DEFAULT_CAST) -> dict:
    """Create the default world (or ``cast``'s copy of it) in a running lab; return lab.json's
    microsoft/jumpcloud/people."""
    try:
        return _build(descriptor, seed, cast)
    except (WorldError, ConsentError, FederationError, RuntimeError, KeyError) as exc:
        raise DefaultWorldError(f"{type(exc).__name__}: {exc}") from exc


def _build(descriptor: dict, seed: int | None, cast: Cast) -> dict:
    doc, creds = world_document(seed, cast)
    client = LabClient(LabDescriptor(None, descriptor))
    world: World = create_world(client, doc)
    ms, jc = world.microsoft, world.jumpcloud
    ca, urls = descriptor["ca_bundle"], descriptor["urls"]
    authorize_with_user_agent(
        descriptor,
        jc["office365_id"],
        jc["admin"]["email"],
        jc["admin"]["password"],
        ms["global_admin"]["upn"],
        ms["global_admin"]["password"],
        ca,
    )
    api = _JumpCloudApi(urls["console"], jc["api_key"], ca)
    ids = api.user_ids()
    for person in PEOPLE:
        if person.bound:
            api.call(
                "POST",
                f"/v2/office365s/{jc['office365_id']}/associations",
                json={"op": "add", "type": "user", "id": ids[person.username]},
            )
    app = api.call("GET", f"/applications/{jc['m365_sso_app_id']}")
    federate_domain(
        descriptor,
        ms["tenant_id"],
        ms["app"]["client_id"],
        ms["app"]["client_secret"],
        app["ssoUrl"].rstrip("/") + "/metadata",
    )
    for person in PEOPLE:
        if person.bound and person.domain == MANAGED:  # password takeover at the User Portal
            _portal_signin(
                urls["console"], ca, cast.email(person), creds[person.username]["password"]
            )
        if person.suspended:
            api.call("PUT", f"/systemusers/{ids[person.username]}", json={"state": "SUSPENDED"})
    people = [
        {"upn": cast.email(p), "jumpcloud_username": p.username if p.jumpcloud else None,
         **creds[p.username], "shows": p.shows, "sign_in": p.sign_in}
        for p in PEOPLE
    ]  # fmt: skip
    return {
        "world_id": world.id,
        "microsoft": {k: ms[k] for k in ("tenant_id", "initial_domain", "domains",
                                         "global_admin", "app") if k in ms},
        "jumpcloud": {k: jc[k] for k in ("org_id", "api_key", "admin", "office365_id",
                                         "m365_sso_app_id") if k in jc},
        "people": people,
    }  # fmt: skip


def _portal_signin(console: str, ca: str, login: str, password: str) -> None:
    with UserAgent(ca) as agent:
        page = agent.get(console.rstrip("/") + "/userconsole/login")
        page = page.form("login-form").fill(email=login, password=password).submit()
    if page.page_id != "jc.userportal.home":
        raise RuntimeError(f"User Portal sign-in of {login} ended on {page.page_id}")


def rebuild(descriptor: LabDescriptor) -> bool:
    """After ``POST /_lab/reset``: build the default world again and rewrite lab.json."""
    data = descriptor.data
    if not data.get("people") or descriptor.path is None:
        return False
    sections = build(data, int(data.get("seed", 0)))
    data.update(sections)
    state_dir = Path(data["state_dir"])
    write_private(state_dir / "default-world.json", json.dumps(sections, indent=2))
    for path in {state_dir / "lab.json", descriptor.path}:
        write_private(path, json.dumps(data, indent=2))
    return True
