"""The people panel: each person of the world and their live state, read through public APIs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from harness.lab.default_world import PEOPLE, Person
from harness.studio.lab_api import LabApi, LabApiError


@dataclass(frozen=True)
class PersonState:
    """What the panel shows for one person (None: that system could not be read)."""

    username: str
    name: str
    upn: str
    shows: str
    expected: str
    jumpcloud_id: str | None
    graph_id: str | None
    bound: bool | None
    immutable_id: str | None
    suspended: bool | None
    mfa: bool | None
    assigned: bool | None
    account_enabled: bool | None
    password_authority: str
    sign_in_url: str
    password: str | None = None
    totp_secret: str | None = None


@dataclass(frozen=True)
class WorldState:
    """Every person plus the facts about the world the switches change."""

    people: list[PersonState]
    problems: list[str]
    federation: dict
    integration: dict
    faults: list[dict]
    clock: dict
    security_defaults: bool | None


def sign_in_url(portal: str, upn: str) -> str:
    """The Microsoft 365 portal's sign-in with the account already typed in."""
    return f"{portal.rstrip('/')}/signin?{urlencode({'login_hint': upn})}"


def _authority(person: Person, federated: set[str], bound: bool | None) -> str:
    if person.domain in federated:
        return "JumpCloud (SAML identity provider)"
    if bound:
        return "JumpCloud (password pushed to Microsoft 365)"
    return "Microsoft 365"


def _jumpcloud_facts(api: LabApi, problems: list[str]) -> tuple[dict, set, set]:
    """JumpCloud users by username, the ids bound to Microsoft 365, the ids assigned to the app."""
    jc = api.data["jumpcloud"]
    try:
        users = api.jumpcloud("GET", "/systemusers", params={"limit": 100})["results"]
        bound = api.jumpcloud(
            "GET", f"/v2/office365s/{jc['office365_id']}/associations", params={"targets": "user"}
        )
        assigned = api.jumpcloud("GET", f"/v2/applications/{jc['m365_sso_app_id']}/users")
    except LabApiError as exc:
        problems.append(str(exc))
        return {}, set(), set()
    return (
        {u["username"]: u for u in users},
        {a["to"]["id"] for a in bound},
        {a["id"] for a in assigned},
    )


def _graph_facts(api: LabApi, problems: list[str]) -> tuple[dict, set[str], dict]:
    """Microsoft 365 users by UPN, the federated domains, the federation configuration."""
    try:
        select = "id,userPrincipalName,onPremisesImmutableId,accountEnabled"
        users = api.graph("GET", "/users", params={"$select": select, "$top": 999})["value"]
        domains = api.graph("GET", "/domains")["value"]
        federated = {d["id"] for d in domains if d.get("authenticationType") == "Federated"}
        feds = [
            api.graph("GET", f"/domains/{d}/federationConfiguration")["value"] for d in federated
        ]
    except LabApiError as exc:
        problems.append(str(exc))
        return {}, set(), {}
    fed: dict = next((f[0] for f in feds if f), {})
    return {u["userPrincipalName"].lower(): u for u in users}, federated, fed


def _person_state(
    person: Person, jc_user: dict | None, ms_user: dict | None, facts: tuple, portal: str
) -> PersonState:
    bound_ids, assigned_ids, federated, jc_ok = facts
    jc_id = jc_user["_id"] if jc_user else None
    bound = (jc_id in bound_ids) if jc_ok else None
    return PersonState(
        username=person.username,
        name=f"{person.first} {person.last}",
        upn=person.email,
        shows=person.shows,
        expected=person.sign_in,
        jumpcloud_id=jc_id,
        graph_id=ms_user["id"] if ms_user else None,
        bound=bound,
        immutable_id=ms_user.get("onPremisesImmutableId") if ms_user else None,
        suspended=bool(jc_user["suspended"]) if jc_user else None,
        mfa=bool(jc_user.get("totp_enabled") or jc_user["mfa"]["configured"]) if jc_user else None,
        assigned=(jc_id in assigned_ids) if jc_ok and jc_id else None,
        account_enabled=ms_user.get("accountEnabled") if ms_user else None,
        password_authority=_authority(person, federated, bound),
        sign_in_url=sign_in_url(portal, person.email),
    )


def world_state(api: LabApi) -> WorldState:
    """Read every person's state and the world's switches through the public APIs."""
    problems: list[str] = []
    jc_users, bound_ids, assigned_ids = _jumpcloud_facts(api, problems)
    ms_users, federated, federation = _graph_facts(api, problems)
    facts = (bound_ids, assigned_ids, federated, bool(jc_users))
    portal = api.descriptor.url("portal")
    creds = {c["upn"]: c for c in api.data.get("people") or []}
    people = [
        replace(
            _person_state(
                p, jc_users.get(p.username), ms_users.get(p.email.lower()), facts, portal
            ),
            password=creds.get(p.email, {}).get("password"),
            totp_secret=creds.get(p.email, {}).get("totp_secret"),
        )
        for p in PEOPLE
    ]
    integration: dict = {}
    faults: list = []
    clock: dict = {}
    defaults: bool | None = None
    try:
        policy = api.graph("GET", "/policies/identitySecurityDefaultsEnforcementPolicy")
        defaults = bool(policy.get("isEnabled"))
        directories = api.jumpcloud("GET", "/v2/directories")
        integration = next((d for d in directories if d.get("type") == "office_365"), {})
        faults = api.lab("GET", "graph", "/faults")["rules"]
        clock = api.lab("GET", "sso", "/clock")
    except LabApiError as exc:
        problems.append(str(exc))
    return WorldState(people, problems, federation, integration, faults, clock, defaults)


def find_person(username: str) -> Person | None:
    return next((p for p in PEOPLE if p.username == username), None)
