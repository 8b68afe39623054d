"""Build a JumpCloud organization from a world document (``POST /_lab/worlds``).

``doc["jumpcloud"]`` (every key optional)::

    name: "Contoso"                      # organization display name
    admin: {email, password}             # console admin (generated when absent)
    password_policy: {minLength: 12, maxLoginAttempts: 3, lockoutTimeInSeconds: 300, ...}
    settings: {newSystemUserStateDefaults: {manualEntry: STAGED}, requireUserPortalMfa: true,
               userPortal: {...}, passwordCompliance: custom}
    users:                               # created through the same rules as the API
      - {username, email, firstname, lastname, password (generated if absent),
         state: ACTIVATED (default)|STAGED|SUSPENDED,
         totp_secret: BASE32 (enrolled) | mfa_required: true,
         password_expired: true, manager: <username>, department, jobTitle, employeeIdentifier,
         alternateEmail, phoneNumbers, addresses, attributes, ... any systemuser field}
    generate_users: 500                  # or {count, domain, password, departments: [...]}
    groups: [{name, description, members: [usernames]}]
    office365: {name, domains: [..], defaultDomain, groupsEnabled, userLockoutAction,
                userPasswordExpirationAction, translation_rules: [builtIn, ...],
                federated_domain: "contoso.com"}
    apps:                                # kind office365 replaces the default M365 connector
      - {kind: office365|custom, label, displayLabel, idpEntityId, spEntityId, acsUrl,
         subjectField, signResponse, ... any config key, assign_users: [..], assign_groups: [..]}
    bindings: {users: [usernames], groups: [group names]}   # or a plain list of usernames

``doc["seed"]`` seeds Faker (generated users, passwords). Always created: the organization,
an admin with an API key, a service account, one Microsoft 365 directory instance and one
Microsoft 365 SAML connector whose IdP entity id is ``https://<domain>`` (the connector's
``idpEntityId``, else ``office365.federated_domain``, else the first Microsoft domain marked
federated in ``doc["microsoft"]["domains"]``, else the default/first M365 domain).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterator
from typing import Any

from simulators.core.passwords import hash_password

from .model import JumpCloudModel
from .model.apps import CONFIG_KEYS, CUSTOM, OFFICE365
from .model.errors import JumpCloudError
from .model.orgs import merged_settings

DEPARTMENTS = (
    "Sales", "Engineering", "Marketing", "Finance", "Support", "Operations", "Legal",
    "Human Resources", "Product", "IT",
)  # fmt: skip
_TOP_KEYS = {
    "name", "admin", "password_policy", "settings", "users", "generate_users", "groups",
    "office365", "apps", "bindings",
}  # fmt: skip


def _fail(message: str) -> ValueError:
    return ValueError(f"jumpcloud: {message}")


def _password(rng: random.Random) -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz"
    body = "".join(rng.choice(alphabet) for _ in range(6))
    return f"{body.capitalize()}-{rng.randint(10, 99)}!{rng.choice(alphabet).upper()}x"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "org"


class WorldBuilder:
    """One world document → one organization; raises ValueError with a readable message."""

    def __init__(self, model: JumpCloudModel, world_id: str, doc: dict) -> None:
        self.model = model
        self.world_id = world_id
        self.full = doc
        self.doc = doc.get("jumpcloud") or {}
        if not isinstance(self.doc, dict):
            raise _fail("the jumpcloud section must be an object")
        unknown = set(self.doc) - _TOP_KEYS
        if unknown:
            raise _fail(f"unknown key(s) {', '.join(sorted(unknown))}")
        seed = doc.get("seed")
        self.rng = random.Random(seed if seed is not None else random.randrange(1 << 30))
        self.faker_seed = self.rng.randrange(1 << 30)
        self.usernames: dict[str, str] = {}
        self.group_ids: dict[str, str] = {}
        self.pending_managers: list[tuple[str, str]] = []
        self.office365_spec: dict = {}
        self.m365_domains: list[str] = []

    @functools.cached_property
    def faker(self):
        """Faker takes a few hundred ms to load: only worlds that generate users pay for it."""
        from faker import Faker

        fake = Faker()
        fake.seed_instance(self.faker_seed)
        return fake

    def build(self) -> dict:
        if self.model.orgs.for_world(self.world_id):
            raise _fail(f"world {self.world_id!r} already has an organization")
        name = self.doc.get("name") or "Contoso"
        try:
            settings = merged_settings(
                name, self.doc.get("settings"), self.doc.get("password_policy")
            )
        except ValueError as exc:
            raise _fail(str(exc)) from None
        org = self.model.orgs.create(name, self.world_id, settings)
        self.org_id = org["_id"]
        try:
            return self._populate()
        except JumpCloudError as exc:
            raise _fail(exc.message) from None

    def _populate(self) -> dict:
        admin_doc = self.doc.get("admin") or {}
        admin_email = (
            admin_doc.get("email") or f"admin@{_slug(self.doc.get('name') or 'contoso')}.example"
        )
        admin_password = admin_doc.get("password") or _password(self.rng)
        admin = self.model.orgs.create_admin(self.org_id, admin_email, admin_password)
        api_key = self.model.orgs.reset_api_key(admin["id"])
        service_account = self.model.orgs.create_service_account(self.org_id, "lab automation")
        office365 = self._office365()
        users = [self._user(spec) for spec in self._list("users")]
        self._managers()
        generated = self._generate()
        for spec in self._list("groups"):
            self._group(spec)
        apps = [self._app(spec) for spec in self._list("apps")]
        m365_app = next((a for a in apps if a["name"] == OFFICE365), None)
        if m365_app is None:
            m365_app = self._app({"kind": OFFICE365})
        self._bindings(office365["id"])
        result = {
            "org_id": self.org_id,
            "api_key": api_key,
            "admin": {"email": admin_email, "password": admin_password},
            "service_account": service_account,
            "office365_id": office365["id"],
            "m365_sso_app_id": m365_app["_id"],
            "m365_sso_label": m365_app["ssoUrl"].rsplit("/", 1)[-1],
            "apps": {a["ssoUrl"].rsplit("/", 1)[-1]: a["_id"] for a in [*apps, m365_app]},
            "groups": dict(self.group_ids),
            "users": users,
        }
        if generated:
            result["generated_users"] = generated
        return result

    def _list(self, key: str) -> list:
        value = self.doc.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise _fail(f"{key} must be a list of objects")
        return value

    # -- pieces ----------------------------------------------------------------------------
    def _office365(self) -> dict:
        spec = self.doc.get("office365") or {}
        o365 = self.model.office365
        try:
            instance = o365.create(
                self.org_id,
                spec.get("name") or "Microsoft 365",
                groups_enabled=spec.get("groupsEnabled", False),
                user_lockout_action=spec.get("userLockoutAction", "maintain"),
                user_password_expiration_action=spec.get(
                    "userPasswordExpirationAction", "maintain"
                ),
            )
        except JumpCloudError as exc:
            raise _fail(f"office365: {exc.message}") from None
        domains = {}
        for name in spec.get("domains") or []:
            domains[name.lower()] = o365.add_domain(self.org_id, instance["id"], name)
        default = spec.get("defaultDomain")
        if default:
            if default.lower() not in domains:
                domains[default.lower()] = o365.add_domain(self.org_id, instance["id"], default)
            o365.patch(
                self.org_id,
                instance["id"],
                {"defaultDomain": {"id": domains[default.lower()]["objectId"]}},
            )
        for rule in spec.get("translation_rules") or []:
            o365.add_rule(self.org_id, instance["id"], {"builtIn": rule, "direction": "export"})
        self.office365_spec = spec
        self.m365_domains = list(domains)
        return instance

    def _user(self, spec: dict) -> dict:
        body = {
            k: v
            for k, v in spec.items()
            if k not in ("password", "totp_secret", "mfa_required", "password_expired", "manager")
        }
        if not body.get("username") or not body.get("email"):
            raise _fail("every user needs a username and an email")
        password = spec.get("password") or _password(self.rng)
        body["password"] = password
        body.setdefault("state", "ACTIVATED")  # seeded people can sign in unless told otherwise
        if spec.get("mfa_required"):
            body["enable_user_portal_multifactor"] = True
        try:
            user = self.model.users.create(self.org_id, body, source="jumpcloud:bulk")
        except JumpCloudError as exc:
            raise _fail(f"user {spec['username']}: {exc.message}") from None
        self.usernames[user["username"].lower()] = user["_id"]
        out = {
            "id": user["_id"],
            "username": user["username"],
            "email": user["email"],
            "password": password,
        }
        if spec.get("totp_secret"):
            self.model.users.enable_totp(self.org_id, user["_id"], spec["totp_secret"])
            out["totp_secret"] = spec["totp_secret"]
        if spec.get("password_expired"):
            self.model.users.expire_password(self.org_id, user["_id"])
        if spec.get("manager"):
            self.pending_managers.append((user["_id"], spec["manager"]))
        return out

    def _managers(self) -> None:
        for user_id, manager in self.pending_managers:
            manager_id = self._user_id(manager)
            self.model.users.update(self.org_id, user_id, {"manager": manager_id})

    def _user_id(self, username: str) -> str:
        found = self.usernames.get(str(username).lower())
        if not found:
            row = self.model.users.by_username(self.org_id, str(username))
            if row is None:
                raise _fail(f"unknown user {username!r}")
            found = row["_id"]
        return found

    def _generate(self) -> dict | None:
        spec: Any = self.doc.get("generate_users")
        if not spec:
            return None
        if isinstance(spec, int) and not isinstance(spec, bool):
            spec = {"count": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("count"), int):
            raise _fail("generate_users must be a count or {count, domain, password}")
        count = spec["count"]
        if not 0 < count <= 200_000:
            raise _fail("generate_users count must be between 1 and 200000")
        domain = spec.get("domain") or (
            self.m365_domains[0] if self.m365_domains else "example.com"
        )
        password = spec.get("password") or _password(self.rng)
        departments = spec.get("departments") or DEPARTMENTS
        # one hash for the whole batch: same salt, so seeding 50,000 users costs one PBKDF2
        shared_hash = hash_password(password)
        # Faker is slow per call: draw pools once, then combine them with the seeded rng
        pool = min(count, 400)
        firsts = [self.faker.first_name() for _ in range(pool)]
        lasts = [self.faker.last_name() for _ in range(pool)]
        jobs = [self.faker.job()[:100] for _ in range(min(pool, 100))]
        cities = [self.faker.city() for _ in range(min(pool, 100))]
        choice = self.rng.choice

        def users() -> Iterator[dict]:
            for n in range(count):
                first, last = choice(firsts), choice(lasts)
                username = re.sub(r"[^a-z0-9.]", "", f"{first}.{last}.{n}".lower())
                yield {
                    "username": username,
                    "email": f"{username}@{domain}",
                    "firstname": first,
                    "lastname": last,
                    "displayname": f"{first} {last}",
                    "department": departments[n % len(departments)],
                    "jobTitle": choice(jobs),
                    "location": choice(cities),
                    "employeeIdentifier": f"G{n:07d}",
                    "password_hash": shared_hash,
                }

        self.model.users.bulk_insert(self.org_id, users(), source="jumpcloud:bulk")
        return {"count": count, "domain": domain, "password": password}

    def _group(self, spec: dict) -> None:
        body = {k: v for k, v in spec.items() if k != "members"}
        group = self.model.groups.create(self.org_id, body)
        self.group_ids[group["name"]] = group["id"]
        for member in spec.get("members") or []:
            self.model.groups.change_member(self.org_id, group["id"], "add", self._user_id(member))

    def _group_id(self, name: str) -> str:
        if name not in self.group_ids:
            raise _fail(f"unknown group {name!r}")
        return self.group_ids[name]

    def _entity_domain(self) -> str:
        spec = self.office365_spec
        if spec.get("federated_domain"):
            return spec["federated_domain"]
        for domain in (self.full.get("microsoft") or {}).get("domains") or []:
            if isinstance(domain, dict) and (
                domain.get("federated")
                or str(domain.get("authenticationType", "")).lower() == "federated"
            ):
                return str(domain.get("name") or domain.get("id") or "")
        if spec.get("defaultDomain"):
            return spec["defaultDomain"]
        if self.m365_domains:
            return self.m365_domains[0]
        return f"{_slug(self.doc.get('name') or 'contoso')}.example"

    def _app(self, spec: dict) -> dict:
        kind = spec.get("kind") or CUSTOM
        if kind not in (OFFICE365, CUSTOM):
            raise _fail("apps[].kind must be office365 or custom")
        label = spec.get("label") or (
            f"office365-{_slug(self.world_id)}" if kind == OFFICE365 else None
        )
        if not label:
            raise _fail("custom apps need a label")
        config = {k: {"value": v} for k, v in spec.items() if k in CONFIG_KEYS}
        if kind == OFFICE365:
            config.setdefault("idpEntityId", {"value": f"https://{self._entity_domain()}"})
        body = {
            "name": kind,
            "label": label,
            "displayLabel": spec.get("displayLabel")
            or spec.get("name")
            or ("Microsoft 365" if kind == OFFICE365 else label),
            "config": config,
        }
        try:
            app = self.model.apps.create(self.org_id, body)
        except JumpCloudError as exc:
            raise _fail(f"app {label}: {exc.message}") from None
        for username in spec.get("assign_users") or []:
            self.model.graph.change(
                self.org_id, "add", "user", self._user_id(username), "application", app["_id"]
            )
        for group in spec.get("assign_groups") or []:
            self.model.graph.change(
                self.org_id, "add", "user_group", self._group_id(group), "application", app["_id"]
            )
        return app

    def _bindings(self, office365_id: str) -> None:
        spec = self.doc.get("bindings") or {}
        if isinstance(spec, list):
            spec = {"users": spec}
        for username in spec.get("users") or []:
            self.model.graph.change(
                self.org_id, "add", "user", self._user_id(username), "office_365", office365_id
            )
        for group in spec.get("groups") or []:
            self.model.graph.change(
                self.org_id, "add", "user_group", self._group_id(group), "office_365", office365_id
            )
