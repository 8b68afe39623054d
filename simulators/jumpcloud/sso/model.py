"""What the SSO host needs from the JumpCloud model, as plain values (no Flask).

``SamlApp`` is the IdP's view of one SAML connector; ``SsoUser``
the facts about a user an assertion is built from. ``IdpDirectory`` is the one place the SSO
host reads the JumpCloud model: applications by label, users, assignments, the Microsoft 365
binding (immutable id), console hand-off tickets and TOTP.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulators.jumpcloud.model.errors import JumpCloudError
from simulators.jumpcloud.model.records import SystemUser
from simulators.saml import constants as saml_spec
from simulators.saml.keys import SigningKeyPair
from simulators.saml.signing import Algorithm

OFFICE365 = "office365"
_ALGORITHMS: Mapping[str, Algorithm] = {"RSA-SHA256": "rsa-sha256", "RSA-SHA1": "rsa-sha1"}


@dataclass(frozen=True)
class SamlApp:
    """A JumpCloud SAML application as the IdP uses it."""

    id: str
    org_id: str
    label: str
    kind: str  # "office365" or a custom template name
    display_label: str
    active: bool
    idp_entity_id: str
    sp_entity_id: str
    acs_urls: tuple[str, ...]
    default_relay_state: str
    subject_field: str
    nameid_format: str
    sign_assertion: bool
    sign_response: bool
    algorithm: Algorithm
    cert_pem: str
    database_attributes: tuple[tuple[str, str], ...] = ()  # (SAML name, user field)
    constant_attributes: tuple[tuple[str, str], ...] = ()  # (SAML name, value)
    groups_attribute: str | None = None
    sp_certificate: str = ""
    """The SP's certificate (PEM or base64): signed requests must verify with it."""

    @property
    def microsoft365(self) -> bool:
        return self.kind == OFFICE365

    @property
    def acs_url(self) -> str:
        """Where responses go when the request names no (known) ACS: the first configured."""
        return self.acs_urls[0]

    @classmethod
    def from_document(cls, doc: dict) -> SamlApp:
        """Build from the JumpCloud application document (``config.<key>.value``)."""
        config: dict[str, Any] = {k: (v or {}).get("value") for k, v in doc["config"].items()}
        acs = config.get("acsUrl") or ""
        acs_urls = tuple(u.strip() for u in acs.replace("\n", ",").split(",") if u.strip())
        kind = doc.get("name") or "custom"
        nameid_format = config.get("overrideNameIdFormat") or saml_spec.NAMEID_EMAIL
        if kind == OFFICE365:
            nameid_format = saml_spec.NAMEID_PERSISTENT
        return cls(
            id=doc["_id"],
            org_id=doc["organization"],
            label=doc["ssoUrl"].rstrip("/").rpartition("/")[2],
            kind=kind,
            display_label=doc.get("displayLabel") or doc.get("name") or "",
            active=bool(doc.get("active", True)),
            idp_entity_id=config.get("idpEntityId") or "",
            sp_entity_id=config.get("spEntityId") or "",
            acs_urls=acs_urls,
            default_relay_state=config.get("defaultTargetUrl") or "",
            subject_field=config.get("subjectField") or "email",
            nameid_format=nameid_format,
            sign_assertion=bool(config.get("signAssertion", True)),
            sign_response=bool(config.get("signResponse", False)),
            algorithm=_ALGORITHMS.get(config.get("signatureAlgorithm") or "", "rsa-sha256"),
            cert_pem=config.get("idpCertificate") or "",
            database_attributes=_pairs(config.get("databaseAttributes")),
            constant_attributes=_pairs(config.get("constantAttributes")),
            groups_attribute=(config.get("groupsAttributeName") or "memberOf")
            if config.get("includeGroups")
            else None,
            sp_certificate=str(config.get("spCertificate") or ""),
        )


def _pairs(items: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        (str(i["name"]), str(i.get("value") or ""))
        for i in items
        if isinstance(i, dict) and i.get("name")
    )


@dataclass(frozen=True)
class SsoUser:
    """A JumpCloud user at the moment an assertion is issued."""

    id: str
    org_id: str
    doc: Mapping[str, Any]
    immutable_id: str | None
    group_names: tuple[str, ...] = ()
    m365_upn: str | None = None
    """The userPrincipalName the directory integration gave the user in Microsoft 365."""

    @property
    def email(self) -> str:
        return self.doc.get("email") or ""

    @property
    def upn(self) -> str:
        """What Entra expects as IDPEmail: the Microsoft 365 UPN, else the email (not synced)."""
        return self.m365_upn or self.email

    @property
    def suspended(self) -> bool:
        return bool(self.doc.get("suspended")) or self.doc.get("state") == "SUSPENDED"

    def field(self, name: str) -> str:
        """A user field by the names JumpCloud's connector forms offer."""
        if name in ("immutableId", "immutableID"):
            return self.immutable_id or ""
        if name in ("userPrincipalName", "upn"):
            return self.upn
        value = self.doc.get(name)
        return "" if value is None else str(value)


@dataclass
class KeyCache:
    """Parsed signing keys by application and certificate (parsing a PEM key costs ~40 ms)."""

    _keys: dict[tuple[str, str], SigningKeyPair] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, app: SamlApp, load) -> SigningKeyPair:
        key = (app.id, hashlib.sha256(app.cert_pem.encode()).hexdigest())
        with self._lock:
            pair = self._keys.get(key)
        if pair is None:
            pair = load()
            with self._lock:
                if len(self._keys) > 1000:
                    self._keys.clear()
                self._keys[key] = pair
        return pair


@dataclass
class AppCache:
    """``SamlApp`` values by the stored application row they are built from.

    The key holds every column the value depends on, so a changed row (config, certificate)
    is simply a new key: nothing to invalidate. It spares the JSON parse and rebuild per request.
    """

    _apps: dict[tuple[str, str, str], SamlApp] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, row: dict, build: Callable[[dict], SamlApp]) -> SamlApp:
        key = (row["id"], row["doc"], row["cert_pem"])
        with self._lock:
            app = self._apps.get(key)
        if app is None:
            app = build(row)
            with self._lock:
                if len(self._apps) > 1000:
                    self._apps.clear()
                self._apps[key] = app
        return app


class IdpDirectory:
    """The JumpCloud model as the IdP reads it (``model`` is a ``JumpCloudModel``)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.keys = KeyCache()
        self.apps = AppCache()

    def session_generation(self, org_id: str, user_id: str) -> int:
        """A session started in an older generation was ended by a User Portal sign-out."""
        return self.model.session_generation(org_id, user_id)

    # -- applications --------------------------------------------------------------------
    def app(self, label: str) -> SamlApp | None:
        row = self.model.apps.row_by_label(label)
        if row is None:
            return None
        return self.apps.get(row, lambda r: SamlApp.from_document(self.model.apps.render(r)))

    def signing_key(self, app: SamlApp) -> SigningKeyPair:
        return self.keys.get(app, lambda: self.model.apps.signing_key(app.org_id, app.id))

    # -- users ---------------------------------------------------------------------------
    def user(self, org_id: str, user_id: str) -> SystemUser | None:
        """The rendered user document, or None when the user or the org is gone."""
        try:
            return self.model.users.get(org_id, user_id)
        except JumpCloudError:
            return None

    def sso_user(self, doc: SystemUser, app: SamlApp) -> SsoUser:
        """What an assertion needs about ``doc`` (immutable id, group names when wanted)."""
        org_id, user_id = doc["organization"], doc["_id"]
        groups: tuple[str, ...] = ()
        if app.groups_attribute:
            groups = tuple(
                self.model.groups.get(org_id, g).get("name", "")
                for g in self.model.groups.group_ids_of(org_id, user_id)
            )
        binding = self.model.binding_for(doc)
        upn = binding.get("userPrincipalName") if binding else None
        return SsoUser(user_id, org_id, doc, self.immutable_id(doc, binding), groups, upn)

    def immutable_id(self, doc: SystemUser, binding: dict | None) -> str | None:
        """The user's Microsoft 365 immutable id, None while the user is not bound.

        The directory integration writes it on the user's binding row. A user associated with
        a Microsoft 365 instance is bound even before the engine has run; the id is then the
        scheme's value (the 24-hex object id), which the engine writes as it binds.
        """
        if binding and binding.get("immutableId"):
            return binding["immutableId"]
        org_id, user_id = doc["organization"], doc["_id"]
        if self.model.graph.reaches(org_id, user_id, "office_365"):
            return user_id
        return None

    def is_assigned(self, org_id: str, user_id: str, app_id: str) -> bool:
        """Bound to the application directly or through one of the user's groups."""
        return self.model.graph.reaches(org_id, user_id, "application", app_id)

    def mfa_required(self, doc: SystemUser) -> bool:
        return bool(self.model.users.mfa_required(doc["organization"], doc))

    # -- console hand-off ----------------------------------------------------------------
    def redeem_ticket(self, ticket: str) -> tuple[SystemUser, bool, float] | None:
        """(user, mfa_done, auth_time as a timestamp) for a fresh one-time ticket."""
        found = self.model.redeem_sso_ticket(ticket)
        if found is None:
            return None
        user, mfa_done, auth_time = found
        return user, bool(mfa_done), auth_time.timestamp()

    # -- TOTP ----------------------------------------------------------------------------
    def totp_secret(self, doc: SystemUser) -> str | None:
        return self.model.users.totp_secret(doc["organization"], doc["_id"])

    def totp_ok(self, secret: str, code: str) -> bool:
        return bool(self.model.users.totp_ok(secret, code))

    def begin_enrollment(self, doc: SystemUser) -> str:
        return self.model.users.begin_totp_enrollment(doc["organization"], doc["_id"])

    def confirm_enrollment(self, doc: SystemUser, code: str) -> bool:
        return bool(self.model.users.confirm_totp_enrollment(doc["organization"], doc["_id"], code))
