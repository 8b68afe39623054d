"""Applications (with their service principal in a tenant), secrets and admin/user consent."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

from simulators.core.repository import Repository
from simulators.microsoft.ids import iso, new_guid

ALL_PRINCIPALS = "AllPrincipals"
SECRET_YEARS = 2


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_client_secret() -> str:
    """A secret shaped like Entra's (40 chars with a ``~``)."""
    raw = secrets.token_urlsafe(30).replace("-", "a").replace("_", "b")
    return f"{raw[:3]}8Q~{raw[:36]}"[:40]


class Apps(Repository):
    """An app row per tenant: a registration there, or a multi-tenant app's service principal."""

    def register(
        self,
        tenant_id: str,
        *,
        display_name: str,
        client_id: str | None = None,
        redirect_uris: list[str] | None = None,
        application_permissions: list[str] | None = None,
        delegated_scopes: list[str] | None = None,
        multi_tenant: bool = False,
        first_party: bool = False,
        secret: str | None = None,
        secret_expires: dt.datetime | None = None,
    ) -> dict:
        """Register an app in ``tenant_id``; returns the row plus ``client_secret``."""
        app: dict[str, Any] = {
            "tenant_id": tenant_id,
            "client_id": client_id or new_guid(),
            "object_id": new_guid(),
            "sp_object_id": new_guid(),
            "display_name": display_name,
            "redirect_uris": json.dumps(redirect_uris or []),
            "multi_tenant": int(multi_tenant),
            "first_party": int(first_party),
            "application_permissions": json.dumps(application_permissions or []),
            "delegated_scopes": json.dumps(delegated_scopes or []),
        }
        secret = secret or new_client_secret()
        expires = secret_expires or self.clock.now() + dt.timedelta(days=365 * SECRET_YEARS)
        with self.store.transaction() as db:
            db.table("apps").insert(app, replace=True)
            self.add_secret(app["client_id"], tenant_id, secret, expires)
        return {**app, "client_secret": secret}

    def add_secret(self, client_id: str, tenant_id: str, secret: str, expires: dt.datetime) -> str:
        key_id = new_guid()
        with self.store.transaction() as db:
            db.table("app_secrets").insert(
                {
                    "tenant_id": tenant_id,
                    "client_id": client_id,
                    "key_id": key_id,
                    "secret_hash": secret_hash(secret),
                    "hint": secret[:3],
                    "expires": iso(expires),
                }
            )
        return key_id

    def get(self, tenant_id: str, client_id: str) -> dict | None:
        row = self.one(
            "SELECT * FROM apps WHERE tenant_id = ? AND client_id = ?", (tenant_id, client_id)
        )
        return self._decode(row) if row is not None else None

    def in_any_tenant(self, client_id: str) -> dict | None:
        """The app ``client_id`` in the first live tenant that has it (``/common`` requests)."""
        row = self.one(
            "SELECT a.* FROM apps a JOIN tenants t ON t.id = a.tenant_id "
            "WHERE a.client_id = ? AND t.deleted = 0 LIMIT 1",
            (client_id,),
        )
        return self._decode(row) if row is not None else None

    @staticmethod
    def _decode(row: dict) -> dict:
        for key in ("redirect_uris", "application_permissions", "delegated_scopes"):
            row[key] = json.loads(row[key])
        return row

    def check_secret(self, tenant_id: str, client_id: str, secret: str) -> str:
        """'ok', 'expired' or 'invalid' for a presented client secret."""
        digest = secret_hash(secret)
        rows = self.all(
            "SELECT secret_hash, expires FROM app_secrets WHERE tenant_id = ? AND client_id = ?",
            (tenant_id, client_id),
        )
        for row in rows:
            if hmac.compare_digest(row["secret_hash"], digest):
                return "ok" if row["expires"] > iso(self.clock.now()) else "expired"
        return "invalid"

    # -- consent ---------------------------------------------------------------------------
    def grant_app_roles(self, tenant_id: str, client_id: str, permissions: list[str]) -> None:
        with self.store.transaction() as db:
            for permission in permissions:
                db.table("app_role_grants").insert(
                    {"tenant_id": tenant_id, "client_id": client_id, "permission": permission},
                    ignore=True,
                )

    def app_roles(self, tenant_id: str, client_id: str) -> list[str]:
        rows = self.all(
            "SELECT permission FROM app_role_grants WHERE tenant_id = ? AND client_id = ? "
            "ORDER BY permission",
            (tenant_id, client_id),
        )
        return [r["permission"] for r in rows]

    def grant_delegated(
        self, tenant_id: str, client_id: str, principal_id: str, scopes: list[str]
    ) -> None:
        """Record consent for ``scopes``; ``principal_id`` ALL_PRINCIPALS is admin consent."""
        with self.store.transaction() as db:
            for scope in scopes:
                db.table("delegated_grants").insert(
                    {
                        "tenant_id": tenant_id,
                        "client_id": client_id,
                        "principal_id": principal_id,
                        "scope": scope,
                    },
                    ignore=True,
                )

    def delegated_scopes(self, tenant_id: str, client_id: str, user_id: str) -> set[str]:
        """Scopes consented for this user (own consent plus the tenant-wide admin consent)."""
        rows = self.all(
            "SELECT scope FROM delegated_grants WHERE tenant_id = ? AND client_id = ? "
            "AND principal_id IN (?, ?)",
            (tenant_id, client_id, user_id, ALL_PRINCIPALS),
        )
        return {r["scope"] for r in rows}

    def revoke_delegated(self, tenant_id: str, client_id: str, principal_id: str) -> None:
        """Remove a consent grant; the app's refresh tokens for those users stop working."""
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM delegated_grants WHERE tenant_id = ? AND client_id = ? "
                "AND principal_id = ?",
                (tenant_id, client_id, principal_id),
            )
            sql = "UPDATE refresh_tokens SET revoked = 1 WHERE tenant_id = ? AND client_id = ?"
            params: tuple = (tenant_id, client_id)
            if principal_id != ALL_PRINCIPALS:
                sql += " AND user_id = ?"
                params = (*params, principal_id)
            db.execute(sql, params)
