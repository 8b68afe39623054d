"""Organizations, their settings, admins, API keys and service accounts."""

from __future__ import annotations

import copy
import hashlib
import secrets

from simulators.core.passwords import hash_password, verify_password

from .base import Backend, dumps, loads
from .errors import BadRequest, NotFound, Unauthorized
from .passwords import merged_policy

USER_STATES_ON_CREATE = ("ACTIVATED", "STAGED")
TOKEN_LIFETIME_SECONDS = 3600

DEFAULT_SETTINGS: dict = {
    "newSystemUserStateDefaults": {
        "manualEntry": "ACTIVATED",
        "csvImport": "ACTIVATED",
        "applicationImport": "STAGED",
    },
    "passwordCompliance": "custom",
    "userPortal": {"cookieExpirationType": "session", "idleSessionDurationMinutes": 60},
    "enableO365": True,
    "requireUserPortalMfa": False,
}
"""Org settings besides the password policy. ``requireUserPortalMfa`` is a lab setting: every
user must enrol TOTP at User Portal sign-in (JumpCloud sets this through MFA policies)."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def merged_settings(name: str, overrides: dict | None, policy: dict | None) -> dict:
    """Full settings document; ValueError on a bad key or enum."""
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    for key, value in (overrides or {}).items():
        if key not in settings:
            raise ValueError(f"unknown jumpcloud setting {key!r}")
        if isinstance(settings[key], dict):
            if not isinstance(value, dict) or set(value) - set(settings[key]):
                raise ValueError(f"setting {key} accepts {sorted(settings[key])}")
            settings[key].update(value)
        else:
            settings[key] = value
    for key, state in settings["newSystemUserStateDefaults"].items():
        if state not in USER_STATES_ON_CREATE:
            raise ValueError(f"newSystemUserStateDefaults.{key} must be ACTIVATED or STAGED")
    if settings["userPortal"]["cookieExpirationType"] not in ("session", "date"):
        raise ValueError("userPortal.cookieExpirationType must be session or date")
    if settings["passwordCompliance"] not in ("custom", "pci3", "windows"):
        raise ValueError("passwordCompliance must be custom, pci3 or windows")
    settings["passwordPolicy"] = merged_policy(policy)
    settings["name"] = name
    return settings


class Orgs:
    """Organizations (soft-deleted with their world), admins, keys and service-account tokens."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.live_rows = backend.row_cache()

    # -- organizations -----------------------------------------------------------------
    def create(self, name: str, world_id: str | None, settings: dict) -> dict:
        org_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "orgs",
                {
                    "id": org_id,
                    "world_id": world_id,
                    "name": name,
                    "settings": dumps(settings),
                    "created": self.backend.now_iso(),
                    "deleted": 0,
                },
            )
        return self.get(org_id)

    def _live_row(self, org_id: str) -> dict | None:
        # read on nearly every request (password policy, settings): cached, see RowCache
        return self.live_rows.get(
            org_id,
            lambda: self.backend.one("SELECT * FROM orgs WHERE id = ? AND deleted = 0", (org_id,)),
        )

    def get(self, org_id: str) -> dict:
        row = self._live_row(org_id)
        if row is None:
            raise NotFound(f"Organization {org_id} not found")
        return self._render(row)

    def exists(self, org_id: str) -> bool:
        return self._live_row(org_id) is not None

    def visible(self, caller_org_id: str, org_id: str) -> dict:
        """``org_id`` as its own API key sees it: any other organization is not found."""
        if org_id != caller_org_id:
            raise NotFound(f"Organization {org_id} not found")
        return {k: v for k, v in self.get(org_id).items() if k != "world_id"}

    def listing(self, org_id: str) -> list[dict]:
        """``GET /api/organizations``: the caller's organization, in the list's short form."""
        org = self.get(org_id)
        return [{"_id": org["_id"], "displayName": org["displayName"], "logoUrl": ""}]

    def settings(self, org_id: str) -> dict:
        return self.get(org_id)["settings"]

    def policy(self, org_id: str) -> dict:
        return self.settings(org_id)["passwordPolicy"]

    def update_settings(self, org_id: str, changes: dict) -> dict:
        """Merge ``changes`` (same shape as the settings document; passwordPolicy merged)."""
        current = self.get(org_id)
        settings = current["settings"]
        policy = {**settings["passwordPolicy"], **(changes.get("passwordPolicy") or {})}
        rest = {k: v for k, v in settings.items() if k not in ("passwordPolicy", "name")}
        for key, value in changes.items():
            if key == "passwordPolicy":
                continue
            rest[key] = {**rest[key], **value} if isinstance(rest.get(key), dict) else value
        try:
            merged = merged_settings(current["displayName"], rest, policy)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        with self.backend.tx() as db:
            db.execute("UPDATE orgs SET settings = ? WHERE id = ?", (dumps(merged), org_id))
            self.backend.after_commit(lambda: self.live_rows.forget(org_id))
        return self.get(org_id)

    def for_world(self, world_id: str) -> dict | None:
        row = self.backend.one(
            "SELECT * FROM orgs WHERE world_id = ? AND deleted = 0 ORDER BY created DESC LIMIT 1",
            (world_id,),
        )
        return self._render(row) if row else None

    def live(self) -> list[dict]:
        return [self._render(r) for r in self.backend.all("SELECT * FROM orgs WHERE deleted = 0")]

    def mark_deleted(self, org_id: str) -> None:
        with self.backend.tx() as db:
            db.execute("UPDATE orgs SET deleted = 1 WHERE id = ?", (org_id,))
            self.backend.after_commit(
                self.backend.forget_cached_rows
            )  # its applications went with it

    def _render(self, row: dict) -> dict:
        return {
            "_id": row["id"],
            "displayName": row["name"],
            "created": row["created"],
            "logoUrl": "",
            "settings": loads(row["settings"], {}),
            "world_id": row["world_id"],
        }

    # -- admins and API keys -------------------------------------------------------------
    def create_admin(self, org_id: str, email: str, password: str) -> dict:
        admin_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "admins",
                {
                    "id": admin_id,
                    "org_id": org_id,
                    "email": email,
                    "email_lc": email.lower(),
                    "password_hash": hash_password(password),
                    "totp_secret": None,
                    "created": self.backend.now_iso(),
                },
            )
        return {"id": admin_id, "org_id": org_id, "email": email}

    def admin(self, admin_id: str) -> dict | None:
        row = self.backend.one(
            "SELECT a.id, a.org_id, a.email FROM admins a JOIN orgs o ON o.id = a.org_id "
            "WHERE a.id = ? AND o.deleted = 0",
            (admin_id,),
        )
        return row

    def authenticate_admin(self, email: str, password: str) -> dict | None:
        """The live admin with that email whose password matches (emails may repeat by world)."""
        rows = self.backend.all(
            "SELECT a.* FROM admins a JOIN orgs o ON o.id = a.org_id "
            "WHERE a.email_lc = ? AND o.deleted = 0",
            (email.strip().lower(),),
        )
        for row in rows:
            if verify_password(password, row["password_hash"]):
                return {"id": row["id"], "org_id": row["org_id"], "email": row["email"]}
        return None

    def reset_api_key(self, admin_id: str) -> str:
        """A new 40-hex key for the admin; every older key of that admin stops working."""
        admin = self.admin(admin_id)
        if admin is None:
            raise NotFound("admin not found")
        key = secrets.token_hex(20)
        with self.backend.tx() as db:
            db.execute("DELETE FROM api_keys WHERE admin_id = ?", (admin_id,))
            self.backend.insert(
                "api_keys",
                {
                    "key_hash": _digest(key),
                    "admin_id": admin_id,
                    "org_id": admin["org_id"],
                    "created": self.backend.now_iso(),
                },
            )
        return key

    def resolve_api_key(self, key: str) -> dict:
        """``{"org_id", "admin_id", "email"}`` for a live key; Unauthorized otherwise."""
        row = self.backend.one(
            "SELECT k.org_id, k.admin_id, a.email FROM api_keys k "
            "JOIN orgs o ON o.id = k.org_id JOIN admins a ON a.id = k.admin_id "
            "WHERE k.key_hash = ? AND o.deleted = 0",
            (_digest(key),),
        )
        if row is None:
            raise Unauthorized("Unauthorized: invalid API key")
        return row

    # -- service accounts (client credentials) -----------------------------------------
    def create_service_account(self, org_id: str, name: str) -> dict:
        client_id = secrets.token_hex(16)
        secret = secrets.token_urlsafe(32)
        with self.backend.tx():
            self.backend.insert(
                "service_accounts",
                {
                    "client_id": client_id,
                    "org_id": org_id,
                    "secret_hash": _digest(secret),
                    "name": name,
                },
            )
        return {"client_id": client_id, "client_secret": secret, "name": name}

    def issue_token(self, client_id: str, client_secret: str) -> dict:
        row = self.backend.one(
            "SELECT s.* FROM service_accounts s JOIN orgs o ON o.id = s.org_id "
            "WHERE s.client_id = ? AND o.deleted = 0",
            (client_id,),
        )
        if row is None or not secrets.compare_digest(row["secret_hash"], _digest(client_secret)):
            raise Unauthorized("invalid_client")
        token = secrets.token_urlsafe(32)
        with self.backend.tx():
            self.backend.insert(
                "access_tokens",
                {
                    "token_hash": _digest(token),
                    "client_id": client_id,
                    "org_id": row["org_id"],
                    "expires": self.backend.clock.timestamp() + TOKEN_LIFETIME_SECONDS,
                },
            )
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": "api",
        }

    def resolve_token(self, token: str) -> dict:
        row = self.backend.one(
            "SELECT t.org_id, t.client_id, t.expires FROM access_tokens t "
            "JOIN orgs o ON o.id = t.org_id WHERE t.token_hash = ? AND o.deleted = 0",
            (_digest(token),),
        )
        if row is None or row["expires"] <= self.backend.clock.timestamp():
            raise Unauthorized("Unauthorized: invalid or expired access token")
        return {"org_id": row["org_id"], "client_id": row["client_id"]}
