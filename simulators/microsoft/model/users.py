"""Users: creation and update rules of Graph, soft delete, sign-in state."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from simulators.core.passwords import hash_password
from simulators.core.repository import Repository
from simulators.microsoft.ids import ROLE_TEMPLATES, is_guid, iso, new_guid
from simulators.microsoft.model.declared import USER_PROFILE, merged_profile, refusal
from simulators.microsoft.model.errors import (
    DirectoryError,
    bad_request,
    invalid_values,
    not_found,
)
from simulators.microsoft.model.passwords import is_complex
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.model.schema import USER_COLLECTION_COLUMNS, USER_STRING_COLUMNS
from simulators.microsoft.model.tenants import Tenants

LOCKOUT_THRESHOLD = 10
LOCKOUT_SECONDS = 60
SOFT_DELETE_DAYS = 30
UPN_LOCAL = re.compile(r"^[A-Za-z0-9'.\-_!#^~]+$")
IMMUTABLE_ID = re.compile(r"^[^$_\s]{1,64}$")
MAX_LENGTHS = {
    "displayName": 256,
    "givenName": 64,
    "surname": 64,
    "mailNickname": 64,
    "jobTitle": 128,
    "department": 64,
    "employeeId": 16,
    "companyName": 64,
    "mobilePhone": 64,
    "city": 128,
    "state": 128,
    "country": 128,
    "streetAddress": 1024,
    "postalCode": 40,
    "officeLocation": 128,
}
NOT_CLEARABLE = {"userPrincipalName", "mailNickname", "displayName"}
"""Properties every user has: ``null`` is an invalid value, not a way to clear them."""
PASSWORD_POLICIES = {"DisablePasswordExpiration", "DisableStrongPassword", "None"}
READ_ONLY = {
    "id",
    "@odata.type",
    "createdDateTime",
    "deletedDateTime",
    "lastPasswordChangeDateTime",
    "proxyAddresses",
}
WRITABLE = (
    set(USER_STRING_COLUMNS) | set(USER_COLLECTION_COLUMNS) | {"accountEnabled"}
) - READ_ONLY
ON_PREMISES_MASTERED = (
    "Unable to update the specified properties for on-premises mastered Directory Sync objects "
    "or objects currently undergoing migration."
)
CLOUD_MASTERED = {"usageLocation", "id", "@odata.type"}
"""What Graph still changes on a user synchronized from on-premises Active Directory."""
COMPLEXITY_MESSAGE = (
    "The specified password does not comply with password complexity requirements. "
    "Please provide a different password."
)


SETTABLE = WRITABLE | USER_PROFILE | {"passwordProfile", "id", "@odata.type"}


def _check_names(body: dict, *, creating: bool) -> None:
    """Graph's errors for a property the user type does not declare, or one it does not let
    clients set (on create, the read-only ones the lab fills in are ignored)."""
    for name in body:
        if name in SETTABLE:
            continue
        if creating and name in READ_ONLY:
            continue
        raise refusal("user", name)


def policies_of(password_policies: str | None) -> set[str]:
    """The names in a ``passwordPolicies`` value (comma-separated)."""
    return {p.strip() for p in (password_policies or "").split(",") if p.strip()}


class Users(Repository):
    """Users of every tenant; every read and write is scoped by tenant id."""

    def __init__(self, store, clock, tenants: Tenants) -> None:
        super().__init__(store, clock)
        self.tenants = tenants

    # -- reads -----------------------------------------------------------------------------
    def _user(self, sql: str, params: tuple) -> EntraUserRow | None:
        return cast("EntraUserRow | None", self.one(sql, params))

    def get(self, tenant_id: str, key: str, *, live: bool = True) -> EntraUserRow | None:
        """A user by object id or userPrincipalName."""
        column = "id" if is_guid(key) else "userPrincipalName"
        return self._user(
            f'SELECT * FROM users WHERE tenant_id = ? AND live = ? AND "{column}" = ?',
            (tenant_id, int(live), key.lower() if column == "id" else key),
        )

    def require(self, tenant_id: str, key: str, *, live: bool = True) -> EntraUserRow:
        user = self.get(tenant_id, key, live=live)
        if user is None:
            raise not_found(key)
        return user

    def by_upn_anywhere(self, upn: str) -> tuple[dict, EntraUserRow] | None:
        """(tenant, user) for a UPN in the live tenant that owns its verified domain."""
        _, _, domain = upn.rpartition("@")
        owner = self.tenants.verified_domain_owner(domain) if domain else None
        if owner is None:
            return None
        tenant = self.tenants.get(owner["tenant_id"])
        user = self.get(owner["tenant_id"], upn) if tenant else None
        return (tenant, user) if tenant and user else None

    def by_immutable_id(self, tenant_id: str, immutable_id: str) -> EntraUserRow | None:
        return self._user(
            'SELECT * FROM users WHERE tenant_id = ? AND live = 1 AND "onPremisesImmutableId" = ?',
            (tenant_id, immutable_id),
        )

    def count_on_domain(self, tenant_id: str, domain: str) -> int:
        row = self.one(
            'SELECT COUNT(*) AS n FROM users WHERE tenant_id = ? AND "userPrincipalName" LIKE ?',
            (tenant_id, f"%@{domain}"),
        )
        return row["n"] if row else 0

    def count(self, tenant_id: str) -> int:
        row = self.one(
            "SELECT COUNT(*) AS n FROM users WHERE tenant_id = ? AND live = 1", (tenant_id,)
        )
        return row["n"] if row else 0

    def deleted(self, tenant_id: str) -> list[dict]:
        self.purge_expired(tenant_id)
        return self.all(
            "SELECT * FROM users WHERE tenant_id = ? AND live = 0 ORDER BY pk", (tenant_id,)
        )

    # -- create ----------------------------------------------------------------------------
    def create(self, tenant_id: str, body: dict, *, extra: dict | None = None) -> EntraUserRow:
        """POST /users rules; ``extra`` holds lab-only columns (roles, totp_secret...)."""
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        _check_names(body, creating=True)
        for required in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName"):
            if body.get(required) in (None, ""):
                raise bad_request(
                    f"Invalid value specified for property '{required}' of resource 'User'.",
                    target=required,
                )
        profile = body.get("passwordProfile")
        if not isinstance(profile, dict) or not profile.get("password"):
            raise bad_request(
                "Invalid value specified for property 'passwordProfile' of resource 'User'.",
                target="passwordProfile",
            )
        row = self._validated_columns(tenant_id, body, current=None)
        domain = self._upn_domain(tenant_id, row["userPrincipalName"])
        if domain["authentication_type"] == "Federated" and not row.get("onPremisesImmutableId"):
            raise bad_request(
                "SourceAnchor is a required property for creation of a federated user."
            )
        self._check_password(profile["password"], row.get("passwordPolicies"))
        now = iso(self.clock.now())
        row.update(
            {
                "id": new_guid(),
                "tenant_id": tenant_id,
                "userType": row.get("userType") or "Member",
                "createdDateTime": now,
                "lastPasswordChangeDateTime": now,
                "password_hash": hash_password(profile["password"]),
                "force_change": int(bool(profile.get("forceChangePasswordNextSignIn", False))),
                "force_change_mfa": int(
                    bool(profile.get("forceChangePasswordNextSignInWithMfa", False))
                ),
                "live": 1,
            }
        )
        if row.get("mail") and "proxyAddresses" not in row:
            row["proxyAddresses"] = json.dumps([f"SMTP:{row['mail']}"])
        row.update(extra or {})
        with self.store.transaction():
            self._check_unique(tenant_id, row, None)
            self.store.insert("users", row)
        return self.require(tenant_id, row["id"])

    def insert_generated(self, rows: Iterable[dict]) -> None:
        """Bulk insert of pre-built rows (world generation); no per-row validation.

        Rows are streamed into one statement, so a 200,000-user world is never held in memory.
        """
        stream = iter(rows)
        first = next(stream, None)
        if first is None:
            return
        columns = list(first)
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        values = (tuple(r[c] for c in columns) for r in itertools.chain([first], stream))
        with self.store.transaction() as db:
            db.conn.executemany(f"INSERT INTO users ({quoted}) VALUES ({marks})", values)

    # -- update ----------------------------------------------------------------------------
    def update(self, tenant_id: str, key: str, body: dict) -> EntraUserRow:
        """PATCH /users/{id}: omitted properties keep their values."""
        user = self.require(tenant_id, key)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        _check_names(body, creating=False)
        if "displayName" in body and not body["displayName"]:
            raise bad_request(
                "Invalid value specified for property 'displayName' of resource 'User'."
            )
        if user.get("onPremisesSyncEnabled") and set(body) - CLOUD_MASTERED:
            raise bad_request(ON_PREMISES_MASTERED)
        columns = self._validated_columns(tenant_id, body, current=user)
        merged = {**user, **columns}
        upn_changed = merged["userPrincipalName"].lower() != user["userPrincipalName"].lower()
        if upn_changed or "onPremisesImmutableId" in columns:
            domain = self._upn_domain(tenant_id, merged["userPrincipalName"])
            federated = domain["authentication_type"] == "Federated"
            current_domain = self.tenants.domain(tenant_id, user["userPrincipalName"].split("@")[1])
            was_federated = bool(
                current_domain and current_domain["authentication_type"] == "Federated"
            )
            immutable_changed = (merged.get("onPremisesImmutableId") or None) != (
                user.get("onPremisesImmutableId") or None
            )
            if immutable_changed and was_federated and not upn_changed:
                raise bad_request(
                    "Unable to update the onPremisesImmutableId of a user in a federated domain."
                )
            if federated and not merged.get("onPremisesImmutableId"):
                raise bad_request(
                    "SourceAnchor is a required property for creation of a federated user."
                )
        profile = body.get("passwordProfile")
        if profile is not None:
            if not isinstance(profile, dict):
                raise invalid_values()
            if profile.get("password"):
                self._check_password(profile["password"], merged.get("passwordPolicies"))
                columns["password_hash"] = hash_password(profile["password"])
                columns["lastPasswordChangeDateTime"] = iso(self.clock.now())
                columns["failed_signins"] = 0
                columns["locked_until"] = None
                columns["force_change"] = int(
                    bool(profile.get("forceChangePasswordNextSignIn", True))
                )
            elif "forceChangePasswordNextSignIn" in profile:
                columns["force_change"] = int(bool(profile["forceChangePasswordNextSignIn"]))
            if "forceChangePasswordNextSignInWithMfa" in profile:
                columns["force_change_mfa"] = int(
                    bool(profile["forceChangePasswordNextSignInWithMfa"])
                )
        with self.store.transaction() as db:
            self._check_unique(tenant_id, merged, user["id"])
            if columns:
                self._write(db, user["id"], columns)
            if columns.get("accountEnabled") == 0:
                revoke_user_tokens(db, tenant_id, user["id"])
        return self.require(tenant_id, user["id"])

    def set_columns(self, tenant_id: str, user_id: str, columns: dict) -> None:
        """Lab-internal update (sign-in counters, MFA registration...)."""
        with self.store.transaction() as db:
            self._write(db, user_id, columns, tenant_id=tenant_id)

    @staticmethod
    def _write(db, user_id: str, columns: dict, tenant_id: str | None = None) -> None:
        assignments = ", ".join(f'"{c}" = ?' for c in columns)
        sql = f"UPDATE users SET {assignments} WHERE id = ?"
        params: list[Any] = [*columns.values(), user_id]
        if tenant_id is not None:
            sql += " AND tenant_id = ?"
            params.append(tenant_id)
        db.execute(sql, params)

    def change_password(self, tenant_id: str, user: EntraUserRow, new_password: str) -> None:
        """The user's own change (forced or expired): complexity applies, the flag clears."""
        self._check_password(new_password, user.get("passwordPolicies"))
        self.set_columns(
            tenant_id,
            user["id"],
            {
                "password_hash": hash_password(new_password),
                "lastPasswordChangeDateTime": iso(self.clock.now()),
                "force_change": 0,
                "force_change_mfa": 0,
            },
        )

    # -- delete / restore ------------------------------------------------------------------
    def soft_delete(self, tenant_id: str, key: str) -> None:
        user = self.require(tenant_id, key)
        with self.store.transaction() as db:
            self._write(db, user["id"], {"live": 0, "deletedDateTime": iso(self.clock.now())})
            revoke_user_tokens(db, tenant_id, user["id"])

    def require_deleted(self, tenant_id: str, user_id: str) -> EntraUserRow:
        self.purge_expired(tenant_id)
        user = self.get(tenant_id, user_id, live=False) if is_guid(user_id) else None
        if user is None:
            raise not_found(user_id)
        return user

    def restore(self, tenant_id: str, user_id: str) -> EntraUserRow:
        user = self.require_deleted(tenant_id, user_id)
        with self.store.transaction() as db:
            self._check_unique(tenant_id, user, user["id"])
            self._write(db, user["id"], {"live": 1, "deletedDateTime": None})
        return self.require(tenant_id, user["id"])

    def purge(self, tenant_id: str, user_id: str) -> None:
        user = self.require_deleted(tenant_id, user_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM users WHERE id = ? AND tenant_id = ?", (user["id"], tenant_id))

    def purge_expired(self, tenant_id: str) -> None:
        """Deleted users older than 30 days (lab clock) are gone for good."""
        cutoff = iso(self.clock.now() - dt.timedelta(days=SOFT_DELETE_DAYS))
        if self.one(
            'SELECT 1 AS x FROM users WHERE tenant_id = ? AND live = 0 AND "deletedDateTime" < ?',
            (tenant_id, cutoff),
        ):
            with self.store.transaction() as db:
                db.execute(
                    'DELETE FROM users WHERE tenant_id = ? AND live = 0 AND "deletedDateTime" < ?',
                    (tenant_id, cutoff),
                )

    # -- sign-in state ---------------------------------------------------------------------
    def is_locked(self, user: EntraUserRow) -> bool:
        locked_until = user["locked_until"]
        return locked_until is not None and locked_until > self.now_ts()

    def record_failed_password(self, tenant_id: str, user: EntraUserRow) -> bool:
        """Count a wrong password; True when this failure locks the account."""
        failures = int(user.get("failed_signins") or 0) + 1
        columns: dict[str, Any] = {"failed_signins": failures}
        locked = failures >= LOCKOUT_THRESHOLD
        if locked:
            columns["locked_until"] = self.now_ts() + LOCKOUT_SECONDS
        self.set_columns(tenant_id, user["id"], columns)
        return locked

    def record_good_password(self, tenant_id: str, user: EntraUserRow) -> None:
        if user.get("failed_signins") or user.get("locked_until"):
            self.set_columns(tenant_id, user["id"], {"failed_signins": 0, "locked_until": None})

    def password_expired(self, tenant_id: str, user: EntraUserRow) -> bool:
        if "DisablePasswordExpiration" in policies_of(user["passwordPolicies"]):
            return False
        domain = self.tenants.domain(tenant_id, user["userPrincipalName"].rpartition("@")[2])
        days = self.tenants.password_validity_days(domain)
        changed = user.get("lastPasswordChangeDateTime") or user.get("createdDateTime")
        if not changed:
            return False
        changed_at = dt.datetime.fromisoformat(changed.replace("Z", "+00:00"))
        return self.clock.now() >= changed_at + dt.timedelta(days=days)

    # -- validation ------------------------------------------------------------------------
    def _validated_columns(self, tenant_id: str, body: dict, current: EntraUserRow | None) -> dict:
        row: dict[str, Any] = {}
        for key, value in body.items():
            if key in READ_ONLY or key == "passwordProfile" or key in USER_PROFILE:
                continue
            if key == "accountEnabled":
                if not isinstance(value, bool):
                    raise bad_request(
                        "Invalid value specified for property 'accountEnabled' of resource 'User'."
                    )
                row[key] = int(value)
            elif key in USER_COLLECTION_COLUMNS:
                if value is None:
                    value = []
                if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
                    raise invalid_values()
                if key == "businessPhones" and len(value) > 1:
                    raise bad_request("Only one value can be set for property 'businessPhones'.")
                row[key] = json.dumps(value)
            else:
                cleared = value is None and key in NOT_CLEARABLE
                if cleared or (value is not None and not isinstance(value, str)):
                    raise bad_request(
                        f"Invalid value specified for property '{key}' of resource 'User'."
                    )
                if value is not None and len(value) > MAX_LENGTHS.get(key, 1024):
                    raise bad_request(
                        f"Invalid value specified for property '{key}' of resource 'User'."
                    )
                row[key] = value
        if "userPrincipalName" in row:
            row["userPrincipalName"] = self._check_upn(row["userPrincipalName"])
        if row.get("onPremisesImmutableId") and not IMMUTABLE_ID.match(
            row["onPremisesImmutableId"]
        ):
            raise bad_request(
                "Invalid value specified for property 'onPremisesImmutableId' of resource 'User'."
            )
        if "passwordPolicies" in row and row["passwordPolicies"] is not None:
            parts = {p.strip() for p in row["passwordPolicies"].split(",")}
            if not parts <= PASSWORD_POLICIES:
                raise bad_request(
                    "Invalid value specified for property 'passwordPolicies' of resource 'User'."
                )
            if "None" in parts:
                row["passwordPolicies"] = None
        if row.get("usageLocation") and not re.fullmatch(r"[A-Za-z]{2}", row["usageLocation"]):
            raise bad_request(
                "Invalid value specified for property 'usageLocation' of resource 'User'."
            )
        if USER_PROFILE & set(body):
            stored = current.get("profile") if current else None
            row["profile"] = merged_profile("user", stored, body)
        return row

    @staticmethod
    def _check_upn(upn: str) -> str:
        local, at, domain = upn.rpartition("@")
        ok = (
            at
            and local
            and domain
            and len(upn) <= 113
            and len(local) <= 64
            and len(domain) <= 48
            and UPN_LOCAL.match(local)
            and not local.startswith(".")
            and not local.endswith(".")
        )
        if not ok:
            raise bad_request(
                "Invalid value specified for property 'userPrincipalName' of resource 'User'.",
                target="userPrincipalName",
            )
        return f"{local}@{domain.lower()}"

    def _upn_domain(self, tenant_id: str, upn: str) -> dict:
        domain = self.tenants.domain(tenant_id, upn.rpartition("@")[2])
        if domain is None or not domain["is_verified"]:
            raise bad_request(
                "The domain portion of the userPrincipalName property is invalid. You must use "
                "one of the verified domain names in your organization.",
                target="userPrincipalName",
            )
        return domain

    @staticmethod
    def _check_password(password: Any, policies: str | None) -> None:
        if not isinstance(password, str) or not password:
            raise invalid_values()
        strong = "DisableStrongPassword" not in policies_of(policies)
        if strong and not is_complex(password):
            raise bad_request(COMPLEXITY_MESSAGE)

    def _check_unique(self, tenant_id: str, row: Mapping[str, Any], own_id: str | None) -> None:
        for prop in ("userPrincipalName", "onPremisesImmutableId"):
            value = row.get(prop)
            if not value:
                continue
            clash = self.one(
                f'SELECT id FROM users WHERE tenant_id = ? AND live = 1 AND "{prop}" = ? '
                "AND id != ?",
                (tenant_id, value, own_id or ""),
            )
            if clash:
                raise DirectoryError(
                    400,
                    "Request_BadRequest",
                    f"Another object with the same value for property {prop} already exists.",
                    details=[{"target": prop, "code": "ObjectConflict"}],
                )


def revoke_user_tokens(db, tenant_id: str, user_id: str) -> None:
    """Disabling or deleting a user ends its refresh tokens and browser sessions."""
    db.execute(
        "UPDATE refresh_tokens SET revoked = 1 WHERE tenant_id = ? AND user_id = ?",
        (tenant_id, user_id),
    )
    db.execute(
        "UPDATE sessions SET revoked = 1 WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id)
    )


def role_ids(names: list[str]) -> list[str]:
    """Directory role template ids for role display names (or ids) in a world document."""
    out = []
    for name in names:
        if name in ROLE_TEMPLATES:
            out.append(ROLE_TEMPLATES[name])
        elif name in ROLE_TEMPLATES.values():
            out.append(name)
        else:
            raise ValueError(
                f"unknown directory role {name!r}; use one of {', '.join(ROLE_TEMPLATES)}"
            )
    return out
