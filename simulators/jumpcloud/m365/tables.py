"""The engine's own tables in ``jumpcloud.db`` (created idempotently beside the model's).

- ``m365_grants``: per instance, the Entra tenant, encrypted tokens, lab-clock expiry, error.
- ``m365_auth_requests``: one row per authorize redirect in flight (state → PKCE verifier).
- ``m365_links``: per (instance, user) what the engine pushed: Entra object id, immutable id,
  last pushed attributes, pending work and its due time, record/password versions.
- ``m365_group_links``: per (instance, user group) the Microsoft 365 security group, its name
  and the members JumpCloud added, and the group's sync status.
- ``m365_settings``: per instance lab settings (``propagationDelaySeconds``) and a fingerprint
  of the export settings (rules, lockout/expiry actions) last applied.
"""

from __future__ import annotations

import sqlite_utils

_TABLES = """
CREATE TABLE IF NOT EXISTS m365_grants (
  office365_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, tenant_id TEXT,
  access_token TEXT, refresh_token TEXT, expires_at REAL, scope TEXT,
  admin_upn TEXT, authorized_at TEXT, error TEXT, error_message TEXT);
CREATE INDEX IF NOT EXISTS m365_grants_org ON m365_grants(org_id);
CREATE TABLE IF NOT EXISTS m365_auth_requests (
  state TEXT PRIMARY KEY, office365_id TEXT NOT NULL, org_id TEXT NOT NULL,
  verifier TEXT NOT NULL, nonce TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS m365_auth_requests_o365 ON m365_auth_requests(office365_id);
CREATE INDEX IF NOT EXISTS m365_auth_requests_org ON m365_auth_requests(org_id);
CREATE TABLE IF NOT EXISTS m365_links (
  office365_id TEXT NOT NULL, user_id TEXT NOT NULL, org_id TEXT NOT NULL,
  state TEXT NOT NULL, external_id TEXT, immutable_id TEXT, pushed TEXT NOT NULL DEFAULT '{}',
  dirty INTEGER NOT NULL DEFAULT 1, due_at REAL NOT NULL DEFAULT 0,
  record_version INTEGER NOT NULL DEFAULT 1, password_version INTEGER NOT NULL DEFAULT 0,
  ms_password_changed TEXT, last_error TEXT,
  PRIMARY KEY (office365_id, user_id));
CREATE INDEX IF NOT EXISTS m365_links_user ON m365_links(user_id);
CREATE INDEX IF NOT EXISTS m365_links_dirty ON m365_links(dirty, due_at);
CREATE INDEX IF NOT EXISTS m365_links_org ON m365_links(org_id);
CREATE TABLE IF NOT EXISTS m365_settings (
  office365_id TEXT PRIMARY KEY, org_id TEXT NOT NULL,
  propagation_delay_seconds REAL NOT NULL DEFAULT 0, fingerprint TEXT);
CREATE INDEX IF NOT EXISTS m365_settings_org ON m365_settings(org_id);
CREATE TABLE IF NOT EXISTS m365_group_links (
  office365_id TEXT NOT NULL, group_id TEXT NOT NULL, org_id TEXT NOT NULL,
  external_id TEXT, name TEXT, members TEXT NOT NULL DEFAULT '[]', sync_status TEXT,
  PRIMARY KEY (office365_id, group_id));
CREATE INDEX IF NOT EXISTS m365_group_links_org ON m365_group_links(org_id);
"""

TABLES = ("m365_grants", "m365_auth_requests", "m365_links", "m365_settings", "m365_group_links")


def create_m365_schema(db: sqlite_utils.Database) -> None:
    for statement in _TABLES.split(";"):
        if statement.strip():
            db.execute(statement)


def forget_instance(db: sqlite_utils.Database, office365_id: str) -> None:
    """Drop every row the engine keeps for an instance (the instance or its org is gone)."""
    for table in TABLES:
        db.execute(f"DELETE FROM {table} WHERE office365_id = ?", (office365_id,))


def forget_org(db: sqlite_utils.Database, org_id: str) -> set[str]:
    """Drop every row the engine keeps for an organization; return the instances it had."""
    instances: set[str] = set()
    for table in TABLES:
        rows = db.execute(
            f"SELECT DISTINCT office365_id FROM {table} WHERE org_id = ?", (org_id,)
        ).fetchall()
        instances |= {r[0] for r in rows}
        db.execute(f"DELETE FROM {table} WHERE org_id = ?", (org_id,))
    return instances


def forget_all(db: sqlite_utils.Database) -> None:
    for table in TABLES:
        db.execute(f"DELETE FROM {table}")
