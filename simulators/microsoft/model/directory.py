"""The whole directory of the Microsoft system: one SQLite store, one object per area."""

from __future__ import annotations

from pathlib import Path

from simulators.core.clock import LabClock
from simulators.core.store import Store
from simulators.microsoft.model.apps import Apps
from simulators.microsoft.model.groups import Groups
from simulators.microsoft.model.managers import Managers
from simulators.microsoft.model.oauth import OAuthState
from simulators.microsoft.model.schema import create_schema
from simulators.microsoft.model.tenants import Tenants
from simulators.microsoft.model.users import Users

PURGED_TABLES = (
    "users",
    "domains",
    "federations",
    "apps",
    "app_secrets",
    "app_role_grants",
    "delegated_grants",
    "auth_codes",
    "refresh_tokens",
    "pending_signins",
    "sessions",
    "signin_log",
    "user_managers",
    "groups",
    "group_members",
)


class Directory:
    """Entry point of the model: ``tenants``, ``users``, ``managers``, ``groups``, ``apps``,
    ``oauth``."""

    def __init__(self, path: Path, clock: LabClock) -> None:
        self.store = Store(path, create_schema)
        self.clock = clock
        self.tenants = Tenants(self.store, clock)
        self.users = Users(self.store, clock, self.tenants)
        self.managers = Managers(self.store, clock, self.users)
        self.groups = Groups(self.store, clock, self.users)
        self.apps = Apps(self.store, clock)
        self.oauth = OAuthState(self.store, clock)

    def purge_deleted_tenants(self) -> int:
        """Drop every row of tenants whose world was deleted (run off the request path)."""
        ids = self.tenants.deleted_ids()
        for tenant_id in ids:
            with self.store.transaction() as db:
                for table in PURGED_TABLES:
                    db.execute(f"DELETE FROM {table} WHERE tenant_id = ?", (tenant_id,))
                db.execute("DELETE FROM tenants WHERE id = ?", (tenant_id,))
        return len(ids)

    def reset(self) -> None:
        with self.store.transaction() as db:
            for table in (*PURGED_TABLES, "tenants"):
                db.execute(f"DELETE FROM {table}")
        self.tenants.clear_cache()

    def counts(self) -> dict:
        db = self.store.db

        def count(sql: str) -> int:
            return db.execute(sql).fetchone()[0]

        return {
            "tenants": count("SELECT COUNT(*) FROM tenants WHERE deleted = 0"),
            "deleted_tenants": count("SELECT COUNT(*) FROM tenants WHERE deleted = 1"),
            "domains": count("SELECT COUNT(*) FROM domains"),
            "users": count("SELECT COUNT(*) FROM users WHERE live = 1"),
            "groups": count("SELECT COUNT(*) FROM groups"),
            "deleted_users": count("SELECT COUNT(*) FROM users WHERE live = 0"),
            "apps": count("SELECT COUNT(*) FROM apps"),
            "signins": count("SELECT COUNT(*) FROM signin_log"),
        }

    def close(self) -> None:
        self.store.close()
