"""Building a tenant from the ``microsoft`` section of a world document.

World document (``doc["microsoft"]``; every key optional)::

    {
      "tenant": "Contoso" | {"display_name": "Contoso",
                             "initial_domain": "contoso.onmicrosoft.com"},
      "domains": [{"name": "contoso.com", "verified": true, "default": false,
                   "password_validity_days": 90,
                   "federation": {"issuerUri": ..., "passiveSignInUri": ...,
                                  "signingCertificate": ..., ...any internalDomainFederation
                                  property}}],
      "users": [{"userPrincipalName": "ann@contoso.com", "displayName": "Ann", "givenName": ...,
                 "password": "...",              # default: a generated one (returned)
                 "accountEnabled": true, "onPremisesImmutableId": "...",
                 "forceChangePasswordNextSignIn": false,
                 "lastPasswordChangeDateTime": "2020-01-01T00:00:00Z",   # lab-only back-dating
                 "mfa": "required" | {"totp_secret": "BASE32", "required": true},
                 "roles": ["Global Administrator" | "User Administrator"],
                 ...any other Graph user property (jobTitle, department, otherMails...)}],
      "generate_users": 50000 | {"count": 50000, "domain": "contoso.com"},
      "security_defaults": false,   # true: every user must register and use MFA at sign-in
      "apps": [{"displayName": "...", "client_id": "...", "client_secret": "...",
                "application_permissions": ["User.Read.All"], "delegated_scopes": ["User.Read"],
                "redirect_uris": ["https://..."], "admin_consent": false,
                "secret_expires_days": 730}]
    }

Always created: a Global Administrator ``admin@<initial domain>``, the automation app (application
permissions User.ReadWrite.All, Domain.ReadWrite.All, Directory.ReadWrite.All,
Policy.ReadWrite.ConditionalAccess, admin-consented),
the OfficeHome portal app and JumpCloud's multi-tenant app (not consented). Generated users share
one password (one precomputed hash per world) and have UPNs ``first.lastN@<domain>``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from simulators.core.passwords import hash_password
from simulators.microsoft.ids import OFFICE_HOME_APP_ID, iso, new_guid
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.errors import DirectoryError
from simulators.microsoft.model.passwords import generate_password
from simulators.microsoft.model.users import role_ids
from simulators.microsoft.permissions import APPLICATION_PERMISSIONS, DELEGATED_SCOPES

AUTOMATION_PERMISSIONS = [
    "User.ReadWrite.All",
    "Domain.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Policy.ReadWrite.ConditionalAccess",
]
JUMPCLOUD_SCOPES = [
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Domain.ReadWrite.All",
    "Directory.AccessAsUser.All",
    "offline_access",
]
OFFICE_HOME_SCOPES = ["User.Read"]
USER_LAB_KEYS = {
    "password",
    "mfa",
    "roles",
    "forceChangePasswordNextSignIn",
    "lastPasswordChangeDateTime",
    "onPremisesSyncEnabled",
}


@dataclass
class WellKnownApps:
    """Apps registered in every tenant, with the secrets this lab gives them."""

    portal_url: str
    office_home_secret: str
    jumpcloud_app_id: str
    jumpcloud_app_name: str
    jumpcloud_secret: str
    jumpcloud_redirect: str


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text) or "x"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower()) or "tenant"


class WorldBuilder:
    """Creates one world's tenant; raises ValueError for a bad document."""

    def __init__(self, directory: Directory, apps: WellKnownApps, seed: int) -> None:
        self.directory = directory
        self.wellknown = apps
        self.rng = random.Random(seed)
        self.seed = seed

    def build(self, world_id: str, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise ValueError("microsoft: the section must be an object")
        tenant_doc = doc.get("tenant") or {}
        if isinstance(tenant_doc, str):
            tenant_doc = {"display_name": tenant_doc}
        if not isinstance(tenant_doc, dict):
            raise ValueError("microsoft.tenant must be a string or an object")
        display = str(tenant_doc.get("display_name") or tenant_doc.get("displayName") or "Contoso")
        initial = tenant_doc.get("initial_domain") or self._initial_domain(display, world_id)
        tenants = self.directory.tenants
        try:
            tenant = tenants.create(world_id, display, initial)
        except DirectoryError as exc:
            raise ValueError(f"microsoft.tenant.initial_domain: {exc.message}") from exc
        tid = tenant["id"]
        if doc.get("security_defaults"):
            tenants.set_security_defaults(tid, True)
        domains = self._domains(tid, doc.get("domains") or [])
        admin_password = generate_password(self.rng)
        self._user(
            tid,
            {
                "userPrincipalName": f"admin@{tenant['initial_domain']}",
                "displayName": f"{display} Administrator",
                "givenName": display,
                "surname": "Administrator",
                "password": admin_password,
                "roles": ["Global Administrator"],
            },
            "global admin",
        )
        users = [self._user(tid, u, f"users[{i}]") for i, u in enumerate(doc.get("users") or [])]
        generated = self._generate(tid, doc.get("generate_users"), tenant["initial_domain"])
        automation = self.directory.apps.register(
            tid,
            display_name="m365lab automation",
            application_permissions=AUTOMATION_PERMISSIONS,
            redirect_uris=["https://localhost/m365lab"],
        )
        self.directory.apps.grant_app_roles(tid, automation["client_id"], AUTOMATION_PERMISSIONS)
        self._wellknown_apps(tid)
        apps = [self._app(tid, a, f"apps[{i}]") for i, a in enumerate(doc.get("apps") or [])]
        result = {
            "tenant_id": tid,
            "display_name": display,
            "initial_domain": tenant["initial_domain"],
            "domains": domains,
            "global_admin": {
                "upn": f"admin@{tenant['initial_domain']}",
                "password": admin_password,
            },
            "app": {
                "client_id": automation["client_id"],
                "client_secret": automation["client_secret"],
            },
            "users": users,
        }
        if apps:
            result["apps"] = apps
        if generated:
            result["generated_users"] = generated
        return result

    def _initial_domain(self, display: str, world_id: str) -> str:
        base = (_slug(display)[:12] + _slug(world_id))[:27]
        name, n = base, 1
        while self.directory.tenants.verified_domain_owner(f"{name}.onmicrosoft.com"):
            n += 1
            name = f"{base[:24]}{n}"
        return f"{name}.onmicrosoft.com"

    def _domains(self, tid: str, items: list) -> list[str]:
        if not isinstance(items, list):
            raise ValueError("microsoft.domains must be a list")
        names = []
        tenants = self.directory.tenants
        for i, item in enumerate(items):
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not item.get("name"):
                raise ValueError(f"microsoft.domains[{i}] needs a name")
            try:
                row = tenants.add_domain(
                    tid,
                    item["name"],
                    verified=bool(item.get("verified", True)),
                    default=bool(item.get("default", False)),
                )
                if "password_validity_days" in item:
                    tenants.update_domain(
                        tid,
                        row["name"],
                        {"passwordValidityPeriodInDays": item["password_validity_days"]},
                    )
                if item.get("federation"):
                    tenants.create_federation(tid, row["name"], item["federation"])
            except DirectoryError as exc:
                raise ValueError(f"microsoft.domains[{i}] ({item['name']}): {exc.message}") from exc
            except ValueError as exc:
                raise ValueError(f"microsoft.domains[{i}]: {exc}") from exc
            names.append(row["name"])
        return names

    def _user(self, tid: str, item: dict, where: str) -> dict:
        if not isinstance(item, dict) or not item.get("userPrincipalName"):
            raise ValueError(f"microsoft.{where} needs a userPrincipalName")
        upn = item["userPrincipalName"]
        password = item.get("password") or generate_password(self.rng)
        body = {k: v for k, v in item.items() if k not in USER_LAB_KEYS}
        body.setdefault("accountEnabled", True)
        body.setdefault("displayName", upn.split("@")[0])
        body.setdefault("mailNickname", re.sub(r"[^A-Za-z0-9]", "", upn.split("@")[0]) or "user")
        body["passwordProfile"] = {
            "password": password,
            "forceChangePasswordNextSignIn": bool(item.get("forceChangePasswordNextSignIn", False)),
        }
        extra: dict = {}
        try:
            extra["roles"] = json.dumps(role_ids(list(item.get("roles") or [])))
        except ValueError as exc:
            raise ValueError(f"microsoft.{where}: {exc}") from exc
        mfa = item.get("mfa")
        if mfa == "required":
            extra["mfa_required"] = 1
        elif isinstance(mfa, dict):
            if mfa.get("totp_secret"):
                extra["totp_secret"] = str(mfa["totp_secret"])
            extra["mfa_required"] = int(bool(mfa.get("required", True)))
        elif mfa is not None:
            raise ValueError(f'microsoft.{where}.mfa must be "required" or {{"totp_secret": ...}}')
        if item.get("lastPasswordChangeDateTime"):
            extra["lastPasswordChangeDateTime"] = item["lastPasswordChangeDateTime"]
        if item.get("onPremisesSyncEnabled"):
            # synchronized from on-premises Active Directory (e.g. by Entra Connect)
            extra["onPremisesSyncEnabled"] = 1
        try:
            user = self.directory.users.create(tid, body, extra=extra)
        except DirectoryError as exc:
            raise ValueError(f"microsoft.{where} ({upn}): {exc.message}") from exc
        out = {
            "id": user["id"],
            "userPrincipalName": user["userPrincipalName"],
            "password": password,
        }
        if extra.get("totp_secret"):
            out["totp_secret"] = extra["totp_secret"]
        return out

    def _generate(self, tid: str, spec, initial_domain: str) -> dict | None:
        if not spec:
            return None
        if isinstance(spec, int):
            spec = {"count": spec}
        if (
            not isinstance(spec, dict)
            or not isinstance(spec.get("count"), int)
            or spec["count"] < 0
        ):
            raise ValueError("microsoft.generate_users must be a count or {count, domain}")
        domain = (spec.get("domain") or initial_domain).lower()
        row = self.directory.tenants.domain(tid, domain)
        if row is None or not row["is_verified"]:
            raise ValueError(f"microsoft.generate_users.domain {domain} is not a verified domain")
        if row["authentication_type"] == "Federated":
            raise ValueError("microsoft.generate_users.domain must be a managed domain")
        password = generate_password(self.rng)
        shared_hash = hash_password(password)
        from faker import Faker  # slow to import: only worlds that generate users need it

        fake = Faker()
        fake.seed_instance(self.seed)
        now = iso(self.directory.clock.now())

        def rows() -> Iterator[dict]:
            for n in range(spec["count"]):
                first, last = fake.first_name(), fake.last_name()
                clean_first, clean_last = _alnum(first), _alnum(last)
                nick = f"{clean_first}{clean_last}{n}"
                upn = f"{clean_first}.{clean_last}{n}@{domain}"
                yield {
                    "id": new_guid(),
                    "tenant_id": tid,
                    "accountEnabled": 1,
                    "userPrincipalName": upn.lower(),
                    "displayName": f"{first} {last}",
                    "givenName": first,
                    "surname": last,
                    "mail": upn.lower(),
                    "mailNickname": nick,
                    "jobTitle": fake.job()[:128],
                    "department": self.rng.choice(["Sales", "Finance", "IT", "HR", "Legal", "R&D"]),
                    "usageLocation": "US",
                    "userType": "Member",
                    "createdDateTime": now,
                    "lastPasswordChangeDateTime": now,
                    "proxyAddresses": f'["SMTP:{upn.lower()}"]',
                    "password_hash": shared_hash,
                }

        self.directory.users.insert_generated(rows())
        self.directory.tenants.set_generated_password(tid, password)
        return {"count": spec["count"], "domain": domain, "password": password}

    def _wellknown_apps(self, tid: str) -> None:
        known = self.wellknown
        apps = self.directory.apps
        apps.register(
            tid,
            display_name="OfficeHome",
            client_id=OFFICE_HOME_APP_ID,
            redirect_uris=[f"{known.portal_url}/landing"],
            delegated_scopes=OFFICE_HOME_SCOPES,
            first_party=True,
            multi_tenant=True,
            secret=known.office_home_secret,
        )
        apps.register(
            tid,
            display_name=known.jumpcloud_app_name,
            client_id=known.jumpcloud_app_id,
            redirect_uris=[known.jumpcloud_redirect],
            delegated_scopes=JUMPCLOUD_SCOPES,
            multi_tenant=True,
            secret=known.jumpcloud_secret,
        )

    def _app(self, tid: str, item: dict, where: str) -> dict:
        if not isinstance(item, dict) or not item.get("displayName"):
            raise ValueError(f"microsoft.{where} needs a displayName")
        app_perms = list(item.get("application_permissions") or [])
        scopes = list(item.get("delegated_scopes") or [])
        unknown = [p for p in app_perms if p not in APPLICATION_PERMISSIONS]
        unknown += [s for s in scopes if s not in DELEGATED_SCOPES]
        if unknown:
            raise ValueError(f"microsoft.{where}: unknown Graph permission(s) {', '.join(unknown)}")
        expires = None
        if "secret_expires_days" in item:
            expires = self.directory.clock.now() + dt.timedelta(
                days=int(item["secret_expires_days"])
            )
        app = self.directory.apps.register(
            tid,
            display_name=str(item["displayName"]),
            client_id=item.get("client_id"),
            redirect_uris=list(item.get("redirect_uris") or []),
            application_permissions=app_perms,
            delegated_scopes=scopes,
            secret=item.get("client_secret"),
            secret_expires=expires,
        )
        if item.get("admin_consent"):
            self.directory.apps.grant_app_roles(tid, app["client_id"], app_perms)
            self.directory.apps.grant_delegated(tid, app["client_id"], "AllPrincipals", scopes)
        return {
            "displayName": app["display_name"],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        }
