"""System users: fields, states, passwords, lockout, TOTP, list queries."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from simulators.core import totp
from simulators.core.passwords import hash_password, verify_password

from .base import Backend, dumps, loads
from .errors import BadRequest, Conflict, JumpCloudError, NotFound, PasswordRejected
from .events import Events
from .hooks import UserChanged
from .ids import is_object_id, iso, parse_iso
from .orgs import Orgs
from .passwords import violations
from .query import Query, project, to_sql
from .records import PasswordColumns, SystemUser, UserRow
from .schema import user_field_sql

STATES = ("STAGED", "ACTIVATED", "SUSPENDED")
PUT_STATES = ("ACTIVATED", "SUSPENDED")
HISTORY_KEPT = 24
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,1023}$")

_STR_FIELDS = [
    "firstname",
    "middlename",
    "lastname",
    "displayname",
    "alternateEmail",
    "description",
    "company",
    "costCenter",
    "department",
    "employeeType",
    "jobTitle",
    "location",
    "managedAppleId",
    "external_dn",
    "external_source_type",
    "public_key",
    "external_password_expiration_date",
]
_BOOL_FIELDS = [
    "allow_public_key",
    "disableDeviceMaxLoginAttempts",
    "enable_managed_uid",
    "enable_user_portal_multifactor",
    "externally_managed",
    "ldap_binding_user",
    "password_never_expires",
    "passwordless_sudo",
    "samba_service_user",
    "sudo",
]
_INT_FIELDS = ("unix_uid", "unix_guid")
_LIST_FIELDS = ("addresses", "phoneNumbers", "attributes", "relationships", "restrictedFields")
_WRITABLE = {
    *_STR_FIELDS,
    *_BOOL_FIELDS,
    *_INT_FIELDS,
    *_LIST_FIELDS,
    "username",
    "email",
    "employeeIdentifier",
    "manager",
    "recoveryEmail",
    "mfa",
    "delegatedAuthority",
}
_ENROLLMENT_KEYS = ("overallStatus", "totpStatus", "webAuthnStatus", "pushStatus", "jcGoStatus")
BOOL_FIELDS = frozenset(
    {*_BOOL_FIELDS, "activated", "suspended", "account_locked", "password_expired", "totp_enabled"}
)
INT_FIELDS = frozenset({*_INT_FIELDS, "badLoginAttempts"})


def _blank_user(org_id: str, created: str, source: str) -> dict:
    doc: dict[str, Any] = dict.fromkeys(_STR_FIELDS, "")
    doc.update(dict.fromkeys(_BOOL_FIELDS, False))
    doc.update({k: [] for k in _LIST_FIELDS})
    doc.update(
        {
            "allow_public_key": True,
            "ssh_keys": [],
            "organization": org_id,
            "created": created,
            "creationSource": source,
            "state": "ACTIVATED",
            "activated": True,
            "suspended": False,
            "account_locked": False,
            "account_locked_date": None,
            "badLoginAttempts": 0,
            "password_expired": False,
            "password_expiration_date": None,
            "password_date": None,
            "totp_enabled": False,
            "mfa": {"configured": False, "exclusion": False},
            "mfaEnrollment": dict.fromkeys(_ENROLLMENT_KEYS, "NOT_ENROLLED"),
        }
    )
    del doc["external_password_expiration_date"]
    return doc


def _check_type(name: str, value: Any) -> Any:
    """Validate one writable field; BadRequest names the field."""
    if name in _STR_FIELDS or name in ("username", "email", "employeeIdentifier", "manager"):
        if not isinstance(value, str):
            raise BadRequest(f"{name}: must be a string")
        limit = 256 if name == "employeeIdentifier" else 1024
        if len(value) > limit:
            raise BadRequest(f"{name}: must be at most {limit} characters")
    elif name in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise BadRequest(f"{name}: must be a boolean")
    elif name in _INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BadRequest(f"{name}: must be an integer >= 1")
    elif name in _LIST_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BadRequest(f"{name}: must be an array of objects")
    elif name in ("recoveryEmail", "mfa", "delegatedAuthority") and not isinstance(
        value, dict | type(None)
    ):
        raise BadRequest(f"{name}: must be an object")
    return value


class Users:
    """System users of an organization; every method takes the org id first."""

    def __init__(self, backend: Backend, orgs: Orgs, events: Events) -> None:
        self.backend = backend
        self.orgs = orgs
        self.events = events

    # -- reading -------------------------------------------------------------------------
    def row(self, org_id: str, user_id: str) -> UserRow:
        row = None
        if is_object_id(user_id):
            row = self.backend.one(
                "SELECT * FROM users WHERE id = ? AND org_id = ?", (user_id, org_id)
            )
        if row is None:
            raise NotFound(f"User {user_id} not found")
        return cast(UserRow, row)

    def get(self, org_id: str, user_id: str) -> SystemUser:
        return self.of_row(self.row(org_id, user_id))

    def of_row(self, row: UserRow) -> SystemUser:
        """The public document of a row the caller has just read (``get`` without re-reading)."""
        return self.render(row, self.orgs.policy(row["org_id"]))

    def exists(self, org_id: str, user_id: str) -> bool:
        return bool(
            is_object_id(user_id)
            and self.backend.one(
                "SELECT 1 AS x FROM users WHERE id = ? AND org_id = ?", (user_id, org_id)
            )
        )

    def by_username(self, org_id: str, username: str) -> SystemUser | None:
        row = self.backend.one(
            "SELECT * FROM users WHERE org_id = ? AND username_lc = ?", (org_id, username.lower())
        )
        return self.render(cast(UserRow, row), self.orgs.policy(org_id)) if row else None

    def render(self, row: UserRow, policy: dict) -> SystemUser:
        """The public JumpCloud document, with lockout expiry and password expiry applied."""
        doc = loads(row["doc"], {})
        now = self.backend.now()
        locked, _ = self._lock_status(doc, policy, now)
        doc["account_locked"] = locked
        if not locked:
            doc["account_locked_date"] = None
        doc["password_expired"] = self._password_expired(doc, now)
        return cast(SystemUser, {"_id": row["id"], **doc})

    def list(self, org_id: str, query: Query) -> tuple[int, list[dict]]:
        """Filter/sort/page in SQL over the JSON document (indexed fields stay fast)."""
        where, params = to_sql(query.filter, self._column, self._sql_value)
        if query.search_terms:
            fields = query.search_fields or ("username", "email", "firstname", "lastname")
            parts = [f"{self._column(f)} LIKE ?" for f in fields for _ in query.search_terms]
            where += " AND (" + " OR ".join(parts) + ")"
            params += [f"%{t}%" for _ in fields for t in query.search_terms]
        order = [
            f"{self._column(name)} {'DESC' if desc else 'ASC'}"
            for name, desc in query.sort
            if self._sortable(name)
        ]
        order.append("users.rowid")
        base = f"FROM users WHERE org_id = ? AND {where}"
        total = self.backend.db.execute(f"SELECT COUNT(*) {base}", [org_id, *params]).fetchone()[0]
        rows = self.backend.all(
            f"SELECT * {base} ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
            [org_id, *params, query.limit, query.skip],
        )
        policy = self.orgs.policy(org_id)
        return total, [
            project(self.render(cast(UserRow, r), policy), query.fields, "_id") for r in rows
        ]

    def ids(self, org_id: str, user_ids: Iterable[str]) -> dict[str, SystemUser]:
        """Rendered users by id (unknown ids left out)."""
        wanted = list(dict.fromkeys(user_ids))
        found: dict[str, SystemUser] = {}
        policy = self.orgs.policy(org_id)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.backend.all(
                f"SELECT * FROM users WHERE org_id = ? AND id IN ({','.join('?' * len(chunk))})",
                [org_id, *chunk],
            )
            found.update({r["id"]: self.render(cast(UserRow, r), policy) for r in rows})
        return found

    def count(self, org_id: str) -> int:
        return self.backend.db.execute(
            "SELECT COUNT(*) FROM users WHERE org_id = ?", [org_id]
        ).fetchone()[0]

    @staticmethod
    def _column(name: str) -> str:
        return "id" if name in ("_id", "id") else user_field_sql(name)

    @staticmethod
    def _sql_value(name: str, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        if name in BOOL_FIELDS:
            return 1 if raw.lower() == "true" else 0
        if name in INT_FIELDS:
            try:
                return int(raw)
            except ValueError:
                return raw
        return raw

    @staticmethod
    def _sortable(name: str) -> bool:
        return (
            name in ("_id", "id")
            or name in _WRITABLE
            or name in BOOL_FIELDS
            or name
            in (
                "created",
                "state",
                "password_expiration_date",
                "password_date",
                "badLoginAttempts",
            )
        )

    # -- writing -------------------------------------------------------------------------
    def create(
        self,
        org_id: str,
        body: dict,
        *,
        source: str = "jumpcloud:api",
        state_default: str = "manualEntry",
        actor: dict | None = None,
    ) -> SystemUser:
        """Create from a ``systemuserputpost`` body; 400/409 on bad or duplicate values."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        for required in ("username", "email"):
            if not body.get(required):
                raise BadRequest(f"{required}: is required")
        settings = self.orgs.settings(org_id)
        doc = _blank_user(org_id, self.backend.now_iso(), source)
        state = body.get("state") or settings["newSystemUserStateDefaults"][state_default]
        if state not in STATES:
            raise BadRequest(f"state: must be one of {', '.join(STATES)}")
        self._apply_fields(org_id, None, doc, body)
        self._apply_state(doc, state)
        user_id = self.backend.new_id()
        password = body.get("password")
        row: UserRow = {
            "id": user_id,
            "org_id": org_id,
            "doc": "",
            "username_lc": doc["username"].lower(),
            "email_lc": doc["email"].lower(),
            "password_hash": None,
            "password_history": "[]",
            "totp_secret": None,
            "totp_pending": None,
            "bad_login_at": None,
        }
        if password is not None:
            if not isinstance(password, str):
                raise BadRequest("password: must be a string")
            self._check_password(settings["passwordPolicy"], password, doc["username"], [])
            self._stamp_password(row, doc, settings["passwordPolicy"], hash_password(password))
        row["doc"] = dumps(doc)
        with self.backend.tx():
            self.backend.insert("users", row)
            self._event(org_id, "user_create", user_id, doc, actor)
            user = self.render(row, settings["passwordPolicy"])
            self.backend.emit(UserChanged(org_id, user_id, "created", tuple(body), user))
        return user

    def bulk_insert(self, org_id: str, users: Iterable[dict], *, source: str) -> int:
        """Fast seeding (world documents): one transaction, executemany, no per-user events.

        Each item: profile fields plus optional ``password_hash`` (already hashed) and
        ``state``. Uniqueness is left to the database indexes. Items are streamed into the
        statement, so a 200,000-user world is never held in memory; returns how many.
        """
        now_iso = self.backend.now_iso()
        policy = self.orgs.policy(org_id)
        count = 0

        def rows() -> Iterator[tuple]:
            nonlocal count
            for item in users:
                doc = _blank_user(org_id, now_iso, source)
                password_hash = item.pop("password_hash", None)
                doc.update(item)
                self._apply_state(doc, item.get("state", "ACTIVATED"))
                user_id = self.backend.new_id()
                row: PasswordColumns = {"password_hash": None, "password_history": "[]"}
                if password_hash:
                    self._stamp_password(row, doc, policy, password_hash)
                count += 1
                names = (doc["username"].lower(), doc["email"].lower())
                yield (user_id, org_id, dumps(doc), *names, row["password_hash"],
                       row["password_history"])  # fmt: skip

        with self.backend.tx() as db:
            db.conn.executemany(
                "INSERT INTO users (id, org_id, doc, username_lc, email_lc, password_hash, "
                "password_history) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows(),
            )
        return count

    def update(
        self, org_id: str, user_id: str, body: dict, *, actor: dict | None = None
    ) -> SystemUser:
        """PUT semantics: partial — only the fields sent change (documented choice)."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        row = self.row(org_id, user_id)
        doc = loads(row["doc"], {})
        before = dict(doc)
        policy = self.orgs.policy(org_id)
        state = body.get("state")
        if state is not None and state not in PUT_STATES:
            raise BadRequest(f"state: must be one of {', '.join(PUT_STATES)}")
        if state is None and isinstance(body.get("suspended"), bool):
            state = "SUSPENDED" if body["suspended"] else "ACTIVATED"
        self._apply_fields(org_id, user_id, doc, body)
        if body.get("account_locked") is False:
            doc.update(account_locked=False, account_locked_date=None, badLoginAttempts=0)
        if state is not None:
            self._apply_state(doc, state)
        password = body.get("password")
        if password is not None:
            if not isinstance(password, str):
                raise BadRequest("password: must be a string")
            history = loads(row["password_history"], [])
            if row["password_hash"]:
                history = [*history, row["password_hash"]]
            self._check_password(policy, password, doc["username"], history)
            self._stamp_password(row, doc, policy, hash_password(password))
        changed = tuple(k for k in doc if doc.get(k) != before.get(k))
        with self.backend.tx() as db:
            db.execute(
                "UPDATE users SET doc = ?, username_lc = ?, email_lc = ?, password_hash = ?, "
                "password_history = ? WHERE id = ?",
                (
                    dumps(doc),
                    doc["username"].lower(),
                    doc["email"].lower(),
                    row["password_hash"],
                    row["password_history"],
                    user_id,
                ),
            )
            self._event(org_id, "user_update", user_id, doc, actor, {"changed": list(changed)})
            kind = "state_changed" if "state" in changed else "updated"
            if password is not None and kind == "updated":
                kind = "password_set"
            self.backend.emit(
                UserChanged(org_id, user_id, kind, changed, self.get(org_id, user_id))
            )
        return self.get(org_id, user_id)

    def set_state(
        self, org_id: str, user_id: str, state: str, *, actor: dict | None = None
    ) -> SystemUser:
        return self.update(org_id, user_id, {"state": state}, actor=actor)

    def activate(self, org_id: str, user_id: str, *, actor: dict | None = None) -> SystemUser:
        """``POST /systemusers/{id}/state/activate``: STAGED → ACTIVATED (else unchanged)."""
        row = self.row(org_id, user_id)
        if loads(row["doc"])["state"] == "STAGED":
            return self.update(org_id, user_id, {"state": "ACTIVATED"}, actor=actor)
        return self.get(org_id, user_id)

    def delete(
        self, org_id: str, user_id: str, *, cascade_manager: bool = False, actor: dict | None = None
    ) -> SystemUser:
        user = self.get(org_id, user_id)
        reports = self.backend.all(
            f"SELECT id, doc FROM users WHERE org_id = ? AND {user_field_sql('manager')} = ?",
            (org_id, user_id),
        )
        if reports and not cascade_manager:
            raise BadRequest(
                f"User {user_id} is the manager of {len(reports)} user(s); "
                "retry with cascade_manager=null to clear their manager first"
            )
        with self.backend.tx() as db:
            for report in reports:
                doc = loads(report["doc"])
                doc.pop("manager", None)
                db.execute("UPDATE users SET doc = ? WHERE id = ?", (dumps(doc), report["id"]))
            for table, column in (
                ("group_members", "user_id"),
                ("edges", "subject_id"),
                ("o365_bindings", "user_id"),
                ("sso_tickets", "user_id"),
            ):
                db.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
            db.execute("DELETE FROM users WHERE id = ?", (user_id,))
            self._event(org_id, "user_delete", user_id, user, actor)
            self.backend.emit(UserChanged(org_id, user_id, "deleted", (), user))
        return user

    def expire_password(
        self, org_id: str, user_id: str, *, actor: dict | None = None
    ) -> SystemUser:
        return self._patch_doc(
            org_id, user_id, {"password_expired": True}, "password_expired", actor
        )

    def unlock(self, org_id: str, user_id: str, *, actor: dict | None = None) -> SystemUser:
        return self._patch_doc(
            org_id,
            user_id,
            {"account_locked": False, "account_locked_date": None, "badLoginAttempts": 0},
            "unlocked",
            actor,
        )

    def reset_mfa(
        self, org_id: str, user_id: str, body: dict | None, *, actor: dict | None = None
    ) -> SystemUser:
        """Clear TOTP; ``{"exclusion", "exclusionDays", "exclusionUntil"}`` sets a grace period."""
        body = body or {}
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        mfa: dict[str, Any] = {"configured": False, "exclusion": bool(body.get("exclusion"))}
        if mfa["exclusion"]:
            days = body.get("exclusionDays")
            until = body.get("exclusionUntil")
            if days is not None:
                if isinstance(days, bool) or not isinstance(days, int) or days < 1:
                    raise BadRequest("exclusionDays: must be an integer >= 1")
                mfa["exclusionDays"] = days
                mfa["exclusionUntil"] = iso(self.backend.now() + dt.timedelta(days=days))
            elif until is not None:
                try:
                    mfa["exclusionUntil"] = iso(parse_iso(until))
                except (TypeError, ValueError):
                    raise BadRequest("exclusionUntil: must be an RFC 3339 date-time") from None
            else:
                raise BadRequest("exclusionDays or exclusionUntil is required with exclusion")
        enrollment = dict.fromkeys(_ENROLLMENT_KEYS, "NOT_ENROLLED")
        enrollment["totpStatus"] = enrollment["overallStatus"] = (
            "PENDING_ACTIVATION" if mfa["exclusion"] else "NOT_ENROLLED"
        )
        user = self._patch_doc(
            org_id,
            user_id,
            {"totp_enabled": False, "mfa": mfa, "mfaEnrollment": enrollment},
            "mfa_reset",
            actor,
        )
        with self.backend.tx() as db:
            db.execute(
                "UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE id = ?",
                (user_id,),
            )
        return user

    def totp_info(self, org_id: str, user_id: str) -> dict:
        doc = self.get(org_id, user_id)
        if not doc["totp_enabled"]:
            raise NotFound(f"User {user_id} has no TOTP enrollment")
        return {"enrollmentDate": doc["mfa"].get("enrollmentDate") or doc["created"]}

    # -- passwords and sign-in -----------------------------------------------------------
    def set_password(
        self,
        org_id: str,
        user_id: str,
        new_password: str,
        *,
        current_password: str | None = None,
        self_service: bool = False,
    ) -> SystemUser:
        """Change a password under the policy; self-service also checks the current password
        and the minimum change period. Clears expiry and lockout."""
        row = self.row(org_id, user_id)
        doc = loads(row["doc"])
        policy = self.orgs.policy(org_id)
        if self_service:
            if not verify_password(current_password or "", row["password_hash"]):
                raise PasswordRejected(["currentPassword"])
            last = parse_iso(doc.get("password_date"))
            min_days = policy["minChangePeriodInDays"]
            if (
                policy["enableMinChangePeriodInDays"]
                and last
                and min_days
                and not self._password_expired(doc, self.backend.now())
                and self.backend.now() < last + dt.timedelta(days=min_days)
            ):
                raise PasswordRejected(["minChangePeriod"])
        history = loads(row["password_history"], [])
        if row["password_hash"]:
            history = [*history, row["password_hash"]]
        self._check_password(policy, new_password, doc["username"], history)
        self._stamp_password(row, doc, policy, hash_password(new_password))
        doc.update(account_locked=False, account_locked_date=None, badLoginAttempts=0)
        if doc["state"] == "STAGED":
            self._apply_state(doc, "ACTIVATED")
        with self.backend.tx() as db:
            db.execute(
                "UPDATE users SET doc = ?, password_hash = ?, password_history = ? WHERE id = ?",
                (dumps(doc), row["password_hash"], row["password_history"], user_id),
            )
            self._event(org_id, "user_password_change", user_id, doc, None)
            user = self.get(org_id, user_id)
            self.backend.emit(UserChanged(org_id, user_id, "password_set", ("password",), user))
        return user

    def signin_candidates(self, login: str, org_id: str | None = None) -> builtins.list[UserRow]:
        """Rows of live orgs whose username or email is ``login`` (case-insensitive)."""
        login = login.strip().lower()
        sql = (
            "SELECT u.* FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.deleted = 0 "
            "AND (u.username_lc = ? OR u.email_lc = ?)"
        )
        params: list = [login, login]
        if org_id:
            sql += " AND u.org_id = ?"
            params.append(org_id)
        return cast(builtins.list[UserRow], self.backend.all(sql, params))

    def check_password(self, row: UserRow, password: str) -> bool:
        return verify_password(password, row["password_hash"])

    def lock_status(self, row: UserRow) -> tuple[bool, dt.datetime | None]:
        """``(locked, until)``; ``until`` None means until an admin unlocks."""
        return self._lock_status(
            loads(row["doc"]), self.orgs.policy(row["org_id"]), self.backend.now()
        )

    def time_flips(
        self,
        org_id: str,
        since: dt.datetime,
        until: dt.datetime,
        *,
        lockout: bool = True,
        expiry: bool = True,
    ) -> builtins.list[str]:
        """Users whose lockout ends or password expires at an instant between ``since`` and
        ``until`` (either order: a clock moved back un-expires): what time alone changed."""
        low, high = sorted((since, until))
        windows: list[tuple[str, dt.timedelta]] = []
        if expiry:
            windows.append(("password_expiration_date", dt.timedelta(0)))
        policy = self.orgs.policy(org_id)
        if lockout and policy["enableLockoutTimeInSeconds"]:
            windows.append(
                ("account_locked_date", dt.timedelta(seconds=policy["lockoutTimeInSeconds"]))
            )
        found: set[str] = set()
        for field, span in windows:
            column = user_field_sql(field)
            rows = self.backend.all(
                f"SELECT id FROM users WHERE org_id = ? AND {column} > ? AND {column} <= ?",
                (org_id, iso(low - span), iso(high - span)),
            )
            found |= {r["id"] for r in rows}
        return sorted(found)

    def record_bad_login(self, row: UserRow) -> SystemUser:
        """Count a failed password; lock per policy. Returns the rendered user."""
        org_id, user_id = row["org_id"], row["id"]
        policy = self.orgs.policy(org_id)
        doc = loads(row["doc"])
        now = self.backend.now()
        if doc["account_locked"] and not self._lock_status(doc, policy, now)[0]:
            doc.update(account_locked=False, account_locked_date=None, badLoginAttempts=0)
        last = row["bad_login_at"]
        if (
            policy["enableResetLockoutCounter"]
            and last
            and now.timestamp() - last > policy["resetLockoutCounterMinutes"] * 60
        ):
            doc["badLoginAttempts"] = 0
        doc["badLoginAttempts"] = doc.get("badLoginAttempts", 0) + 1
        newly_locked = (
            policy["enableMaxLoginAttempts"]
            and not doc["account_locked"]
            and doc["badLoginAttempts"] >= policy["maxLoginAttempts"]
        )
        if newly_locked:
            doc.update(account_locked=True, account_locked_date=iso(now))
        with self.backend.tx() as db:
            db.execute(
                "UPDATE users SET doc = ?, bad_login_at = ? WHERE id = ?",
                (dumps(doc), now.timestamp(), user_id),
            )
            if newly_locked:
                self._event(org_id, "user_lockout", user_id, doc, None, service="user_portal")
                user = self.get(org_id, user_id)
                self.backend.emit(UserChanged(org_id, user_id, "locked", ("account_locked",), user))
        return self.get(org_id, user_id)

    def record_good_login(self, row: UserRow) -> bool:
        """Clear the failure count and lock of ``row``'s user; True if there was one to clear."""
        doc = loads(row["doc"])
        if not (doc.get("badLoginAttempts") or doc.get("account_locked")):
            return False
        doc.update(account_locked=False, account_locked_date=None, badLoginAttempts=0)
        with self.backend.tx() as db:
            db.execute("UPDATE users SET doc = ? WHERE id = ?", (dumps(doc), row["id"]))
        return True

    # -- TOTP -----------------------------------------------------------------------------
    def totp_secret(self, org_id: str, user_id: str) -> str | None:
        return self.row(org_id, user_id)["totp_secret"]

    def begin_totp_enrollment(self, org_id: str, user_id: str) -> str:
        """A pending secret (kept until confirmed with a valid code)."""
        row = self.row(org_id, user_id)
        if row["totp_pending"]:
            return row["totp_pending"]
        secret = totp.new_secret()
        with self.backend.tx() as db:
            db.execute("UPDATE users SET totp_pending = ? WHERE id = ?", (secret, user_id))
        return secret

    def confirm_totp_enrollment(self, org_id: str, user_id: str, code: str) -> bool:
        row = self.row(org_id, user_id)
        secret = row["totp_pending"]
        if not secret or not self.totp_ok(secret, code):
            return False
        self.enable_totp(org_id, user_id, secret)
        return True

    def enable_totp(self, org_id: str, user_id: str, secret: str) -> SystemUser:
        enrollment = dict.fromkeys(_ENROLLMENT_KEYS, "NOT_ENROLLED")
        enrollment["totpStatus"] = enrollment["overallStatus"] = "ENROLLED"
        with self.backend.tx() as db:
            db.execute(
                "UPDATE users SET totp_secret = ?, totp_pending = NULL WHERE id = ?",
                (secret, user_id),
            )
            mfa = {"configured": True, "exclusion": False, "enrollmentDate": self.backend.now_iso()}
            return self._patch_doc(
                org_id,
                user_id,
                {"totp_enabled": True, "mfa": mfa, "mfaEnrollment": enrollment},
                "updated",
                None,
            )

    def totp_ok(self, secret: str, code: str) -> bool:
        return totp.verify(secret, code, self.backend.clock.timestamp())

    def mfa_required(self, org_id: str, doc: SystemUser) -> bool:
        return bool(
            doc.get("totp_enabled")
            or doc.get("enable_user_portal_multifactor")
            or self.orgs.settings(org_id).get("requireUserPortalMfa")
        )

    # -- internals -----------------------------------------------------------------------
    def _apply_fields(self, org_id: str, user_id: str | None, doc: dict, body: dict) -> None:
        for name, value in body.items():
            if name not in _WRITABLE:
                continue  # read-only or unknown keys are ignored, as generated clients send them
            if value is None:
                if name in ("manager", "employeeIdentifier", "delegatedAuthority", "recoveryEmail"):
                    doc.pop(name, None)
                continue
            doc[name] = _check_type(name, value)
        if not USERNAME.match(doc.get("username", "")):
            raise BadRequest("username: must be letters, digits and . _ - @ +")
        if not EMAIL.match(doc.get("email", "")):
            raise BadRequest(f"email: {doc.get('email')!r} is not a valid email address")
        for key in ("addresses", "phoneNumbers"):
            for item in doc.get(key, []):
                item.setdefault("id", self.backend.new_id())
        for attr in doc.get("attributes", []):
            if len(str(attr.get("value", ""))) > 1024:
                raise BadRequest("attributes: value must be at most 1024 characters")
        self._check_unique(org_id, user_id, "username_lc", doc["username"].lower(), "username")
        self._check_unique(org_id, user_id, "email_lc", doc["email"].lower(), "email")
        if doc.get("employeeIdentifier"):
            clash = self.backend.one(
                f"SELECT id FROM users WHERE org_id = ? AND "
                f"{user_field_sql('employeeIdentifier')} = ? AND id != ?",
                (org_id, doc["employeeIdentifier"], user_id or ""),
            )
            if clash:
                raise Conflict("employeeIdentifier: must be unique")
        manager = doc.get("manager")
        if manager:
            if manager == user_id:
                raise BadRequest("manager: a user cannot be their own manager")
            if not self.exists(org_id, manager):
                raise BadRequest(f"manager: user {manager} not found")

    def _check_unique(self, org_id: str, user_id: str | None, column: str, value: str, name: str):
        clash = self.backend.one(
            f"SELECT id FROM users WHERE org_id = ? AND {column} = ? AND id != ?",
            (org_id, value, user_id or ""),
        )
        if clash:
            raise Conflict(f"{name}: {value} already exists")

    @staticmethod
    def _apply_state(doc: dict, state: str) -> None:
        doc["state"] = state
        doc["suspended"] = state == "SUSPENDED"
        if state == "ACTIVATED":
            doc["activated"] = True
        elif state == "STAGED":
            doc["activated"] = False

    @staticmethod
    def _check_password(
        policy: dict, password: str, username: str, history: builtins.list[str]
    ) -> None:
        broken = violations(policy, password, username, history)
        if broken:
            raise PasswordRejected(broken)

    def _stamp_password(
        self, row: PasswordColumns, doc: dict, policy: dict, password_hash: str
    ) -> None:
        history = loads(row.get("password_history"), [])
        if row.get("password_hash"):
            history.append(row["password_hash"])
        row["password_history"] = dumps(history[-HISTORY_KEPT:])
        row["password_hash"] = password_hash
        now = self.backend.now()
        doc["password_date"] = iso(now)
        doc["password_expired"] = False
        doc["password_expiration_date"] = (
            iso(now + dt.timedelta(days=policy["passwordExpirationInDays"]))
            if policy["enablePasswordExpirationInDays"]
            else None
        )

    @staticmethod
    def _password_expired(doc: dict, now: dt.datetime) -> bool:
        if doc.get("password_never_expires"):
            return bool(doc.get("password_expired"))
        expires = parse_iso(doc.get("password_expiration_date"))
        return bool(doc.get("password_expired")) or bool(expires and now >= expires)

    @staticmethod
    def _lock_status(doc: dict, policy: dict, now: dt.datetime) -> tuple[bool, dt.datetime | None]:
        if not doc.get("account_locked"):
            return False, None
        locked_at = parse_iso(doc.get("account_locked_date"))
        if policy["enableLockoutTimeInSeconds"] and locked_at:
            until = locked_at + dt.timedelta(seconds=policy["lockoutTimeInSeconds"])
            return (now < until), until
        return True, None

    def _patch_doc(
        self, org_id: str, user_id: str, changes: dict, kind: str, actor: dict | None
    ) -> SystemUser:
        row = self.row(org_id, user_id)
        doc = loads(row["doc"])
        doc.update(changes)
        with self.backend.tx() as db:
            db.execute("UPDATE users SET doc = ? WHERE id = ?", (dumps(doc), user_id))
            self._event(org_id, f"user_{kind}", user_id, doc, actor)
            user = self.get(org_id, user_id)
            self.backend.emit(UserChanged(org_id, user_id, kind, tuple(changes), user))
        return user

    def _event(
        self,
        org_id: str,
        event_type: str,
        user_id: str,
        doc: Mapping[str, Any],
        actor: dict | None,
        details: dict | None = None,
        *,
        service: str = "directory",
    ) -> None:
        self.events.record(
            org_id,
            event_type,
            service=service,
            initiated_by=actor or {"type": "system"},
            resource={"type": "user", "id": user_id, "username": doc.get("username")},
            details=details,
        )


def password_error_details(exc: JumpCloudError) -> list[dict]:
    """The ``details`` of a password refusal, for ``?fullValidationDetails=password``."""
    names = getattr(exc, "violations", [])
    return [
        {
            "fieldViolationsList": [{"field": "password", "description": n} for n in names],
            "@type": "type.googleapis.com/google.rpc.BadRequest",
        }
    ]
