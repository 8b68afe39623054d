"""What the receiving side of a sign-in expects, and ``facts_from_lab`` to read it from a running
lab through public APIs only: Graph with the world's app, JumpCloud with its API key, the clock
with the admin token. Nothing here opens the lab's databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulators.core.httpclient import lab_session

if TYPE_CHECKING:  # requests loads with the first session, off the lab's start-up path
    import requests

MICROSOFT_AUDIENCE = "urn:federation:MicrosoftOnline"
TIMEOUT = 10
_USER_FIELDS = "id,userPrincipalName,onPremisesImmutableId,accountEnabled"


@dataclass
class UserFacts:
    """What Microsoft 365 (and JumpCloud) hold for one person."""

    upn: str
    immutable_id: str | None = None
    account_enabled: bool | None = None
    jumpcloud_id: str | None = None
    jumpcloud_state: str | None = None


@dataclass
class DomainFacts:
    """A Microsoft 365 domain and, when federated, its federation configuration."""

    name: str
    authentication_type: str = "Managed"
    issuer_uri: str | None = None
    signing_certificate: str | None = None
    """Base64 DER, as Graph's ``signingCertificate``."""
    next_signing_certificate: str | None = None
    passive_sign_in_uri: str | None = None
    federated_idp_mfa_behavior: str | None = None


@dataclass
class Facts:
    """What the side receiving a message expects; supplied by the caller or ``facts_from_lab``."""

    users: dict[str, UserFacts] = field(default_factory=dict)
    """By lower-case UPN."""
    domains: dict[str, DomainFacts] = field(default_factory=dict)
    """By lower-case domain name."""
    now: dt.datetime | None = None
    """The lab clock, for messages whose exchange time is unknown."""
    audience: str = MICROSOFT_AUDIENCE
    acs_url: str | None = None
    """Entra's assertion consumer service (``…/login.srf``)."""

    def user(self, upn: str | None) -> UserFacts | None:
        return self.users.get((upn or "").lower()) if upn else None

    def user_by_immutable_id(self, immutable_id: str | None) -> UserFacts | None:
        for user in self.users.values():
            if immutable_id and user.immutable_id == immutable_id:
                return user
        return None

    def domain_of(self, upn: str | None) -> DomainFacts | None:
        if not upn or "@" not in upn:
            return None
        return self.domains.get(upn.rsplit("@", 1)[1].lower())


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def facts_from_lab(
    lab: dict, *, microsoft: dict | None = None, jumpcloud: dict | None = None
) -> Facts:
    """The expectations of one world, read through public APIs only.

    ``lab`` is ``lab.json`` (urls, ``ca_bundle``, ``admin_token``); ``microsoft`` and
    ``jumpcloud`` are the world's credentials as ``lab.json`` or ``POST /_lab/worlds`` give them
    (default: the default world's). Graph is read with the world's app (client credentials),
    JumpCloud with its API key, the clock with the admin token.
    """
    return gather(
        lab, microsoft or lab.get("microsoft") or {}, jumpcloud or lab.get("jumpcloud") or {}
    )


def gather(lab: dict, microsoft: dict, jumpcloud: dict) -> Facts:
    urls = lab["urls"]
    with lab_session(lab["ca_bundle"]) as session:
        facts = Facts(now=_clock(session, urls["login"], lab.get("admin_token")))
        facts.acs_url = f"{urls['login']}/login.srf"
        if microsoft.get("tenant_id") and (microsoft.get("app") or {}).get("client_id"):
            _microsoft(session, urls, microsoft, facts)
        if jumpcloud.get("api_key"):
            _jumpcloud(session, urls["console"], jumpcloud["api_key"], facts)
    return facts


def _clock(session: requests.Session, login: str, admin_token: str | None) -> dt.datetime | None:
    if not admin_token:
        return None
    reply = session.get(
        f"{login}/_lab/clock", headers={"Authorization": f"Bearer {admin_token}"}, timeout=TIMEOUT
    )
    return parse_time(reply.json().get("now")) if reply.ok else None


def _graph_token(session: requests.Session, login: str, microsoft: dict) -> str:
    reply = session.post(
        f"{login}/{microsoft['tenant_id']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": microsoft["app"]["client_id"],
            "client_secret": microsoft["app"]["client_secret"],
            "scope": "https://graph.microsoft.com/.default",
        },
        timeout=TIMEOUT,
    )
    reply.raise_for_status()
    return reply.json()["access_token"]


def _pages(session: requests.Session, url: str, headers: dict) -> Iterator[dict]:
    while url:
        reply = session.get(url, headers=headers, timeout=TIMEOUT)
        reply.raise_for_status()
        data = reply.json()
        yield from data.get("value", [])
        url = data.get("@odata.nextLink")


def _microsoft(session: requests.Session, urls: dict, microsoft: dict, facts: Facts) -> None:
    headers = {"Authorization": f"Bearer {_graph_token(session, urls['login'], microsoft)}"}
    graph = urls["graph"].rstrip("/")
    for user in _pages(session, f"{graph}/users?$select={_USER_FIELDS}&$top=999", headers):
        upn = user.get("userPrincipalName") or ""
        facts.users[upn.lower()] = UserFacts(
            upn=upn,
            immutable_id=user.get("onPremisesImmutableId"),
            account_enabled=user.get("accountEnabled"),
        )
    for domain in _pages(session, f"{graph}/domains", headers):
        name = domain["id"]
        facts_domain = DomainFacts(name, domain.get("authenticationType") or "Managed")
        if facts_domain.authentication_type == "Federated":
            _federation(session, f"{graph}/domains/{name}/federationConfiguration", headers,
                        facts_domain)  # fmt: skip
        facts.domains[name.lower()] = facts_domain


def _federation(session: requests.Session, url: str, headers: dict, domain: DomainFacts) -> None:
    for config in _pages(session, url, headers):
        domain.issuer_uri = config.get("issuerUri")
        domain.signing_certificate = config.get("signingCertificate")
        domain.next_signing_certificate = config.get("nextSigningCertificate")
        domain.passive_sign_in_uri = config.get("passiveSignInUri")
        domain.federated_idp_mfa_behavior = config.get("federatedIdpMfaBehavior")
        return


def _jumpcloud(session: requests.Session, console: str, api_key: str, facts: Facts) -> None:
    headers = {"x-api-key": api_key, "Accept": "application/json"}
    skip = 0
    while True:
        reply = session.get(
            f"{console}/api/systemusers",
            params={"limit": 100, "skip": skip},
            headers=headers,
            timeout=TIMEOUT,
        )
        reply.raise_for_status()
        results = reply.json().get("results", [])
        for user in results:
            email = (user.get("email") or "").lower()
            known = facts.users.get(email)
            state = "SUSPENDED" if user.get("suspended") else user.get("state") or "ACTIVATED"
            if known is None:
                facts.users[email] = known = UserFacts(upn=user.get("email") or "")
            known.jumpcloud_id = user.get("_id") or user.get("id")
            known.jumpcloud_state = state
        skip += len(results)
        if len(results) < 100:
            return
