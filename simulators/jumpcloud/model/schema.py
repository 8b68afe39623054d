"""Tables and indexes of ``jumpcloud.db``; every row carries its organization id.

A query that filters on a selective key (a user, group or target id) *and* the organization
writes ``+org_id``: the unary plus keeps SQLite (which has no ANALYZE statistics) on the
selective index instead of the org index, which would scan the whole organization.
"""

from __future__ import annotations

import sqlite_utils

from simulators.core.store import add_missing_columns

INDEXED_USER_FIELDS = ("department", "state", "employeeIdentifier", "manager", "lastname")
"""User fields with an expression index (the list filters clients use most)."""
TIME_INDEXED_USER_FIELDS = ("password_expiration_date", "account_locked_date")
"""User instants with an expression index: the M365 engine asks which states time flipped."""

_TABLES = """
CREATE TABLE IF NOT EXISTS orgs (
  id TEXT PRIMARY KEY, world_id TEXT, name TEXT NOT NULL, settings TEXT NOT NULL,
  created TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS orgs_world ON orgs(world_id);
CREATE TABLE IF NOT EXISTS admins (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, email TEXT NOT NULL, email_lc TEXT NOT NULL,
  password_hash TEXT NOT NULL, totp_secret TEXT, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS admins_email ON admins(email_lc);
CREATE INDEX IF NOT EXISTS admins_org ON admins(org_id);
CREATE TABLE IF NOT EXISTS api_keys (
  key_hash TEXT PRIMARY KEY, admin_id TEXT NOT NULL, org_id TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS api_keys_admin ON api_keys(admin_id);
CREATE TABLE IF NOT EXISTS service_accounts (
  client_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, secret_hash TEXT NOT NULL, name TEXT);
CREATE INDEX IF NOT EXISTS service_accounts_org ON service_accounts(org_id);
CREATE TABLE IF NOT EXISTS access_tokens (
  token_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, org_id TEXT NOT NULL,
  expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS access_tokens_org ON access_tokens(org_id);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, doc TEXT NOT NULL,
  username_lc TEXT NOT NULL, email_lc TEXT NOT NULL,
  password_hash TEXT, password_history TEXT NOT NULL DEFAULT '[]',
  totp_secret TEXT, totp_pending TEXT, bad_login_at REAL);
CREATE UNIQUE INDEX IF NOT EXISTS users_org_username ON users(org_id, username_lc);
CREATE UNIQUE INDEX IF NOT EXISTS users_org_email ON users(org_id, email_lc);
CREATE INDEX IF NOT EXISTS users_username ON users(username_lc);
CREATE INDEX IF NOT EXISTS users_email ON users(email_lc);
CREATE TABLE IF NOT EXISTS groups (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name_lc TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS groups_org ON groups(org_id, name_lc);
CREATE TABLE IF NOT EXISTS group_members (
  org_id TEXT NOT NULL, group_id TEXT NOT NULL, user_id TEXT NOT NULL,
  PRIMARY KEY (group_id, user_id));
CREATE INDEX IF NOT EXISTS group_members_user ON group_members(user_id);
CREATE INDEX IF NOT EXISTS group_members_org ON group_members(org_id);
CREATE TABLE IF NOT EXISTS apps (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, label TEXT NOT NULL, doc TEXT NOT NULL,
  key_pem TEXT NOT NULL, cert_pem TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS apps_org ON apps(org_id);
CREATE INDEX IF NOT EXISTS apps_label ON apps(label);
CREATE TABLE IF NOT EXISTS edges (
  org_id TEXT NOT NULL, subject_type TEXT NOT NULL, subject_id TEXT NOT NULL,
  target_type TEXT NOT NULL, target_id TEXT NOT NULL, attributes TEXT,
  PRIMARY KEY (subject_id, target_type, target_id));
CREATE INDEX IF NOT EXISTS edges_target ON edges(target_id);
CREATE INDEX IF NOT EXISTS edges_org ON edges(org_id);
CREATE TABLE IF NOT EXISTS office365s (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, doc TEXT NOT NULL, oauth_status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS office365s_org ON office365s(org_id);
CREATE TABLE IF NOT EXISTS o365_domains (
  id TEXT PRIMARY KEY, office365_id TEXT NOT NULL, org_id TEXT NOT NULL, domain TEXT NOT NULL,
  domain_lc TEXT NOT NULL, resource_object_id TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS o365_domains_name ON o365_domains(office365_id, domain_lc);
CREATE INDEX IF NOT EXISTS o365_domains_org ON o365_domains(org_id);
CREATE TABLE IF NOT EXISTS o365_rules (
  id TEXT PRIMARY KEY, office365_id TEXT NOT NULL, org_id TEXT NOT NULL, built_in TEXT NOT NULL,
  direction TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS o365_rules_o365 ON o365_rules(office365_id);
CREATE INDEX IF NOT EXISTS o365_rules_org ON o365_rules(org_id);
CREATE TABLE IF NOT EXISTS o365_bindings (
  office365_id TEXT NOT NULL, user_id TEXT NOT NULL, org_id TEXT NOT NULL,
  external_id TEXT, immutable_id TEXT, sync_status TEXT, upn TEXT,
  PRIMARY KEY (office365_id, user_id));
CREATE INDEX IF NOT EXISTS o365_bindings_user ON o365_bindings(user_id);
CREATE INDEX IF NOT EXISTS o365_bindings_org ON o365_bindings(org_id);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, org_id TEXT NOT NULL,
  time TEXT NOT NULL, event_type TEXT NOT NULL, service TEXT NOT NULL, success INTEGER NOT NULL,
  initiated_by TEXT NOT NULL, resource TEXT NOT NULL, details TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_org ON events(org_id, seq);
CREATE INDEX IF NOT EXISTS events_org_time ON events(org_id, time, seq);
CREATE TABLE IF NOT EXISTS sso_tickets (
  ticket_hash TEXT PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL,
  mfa_done INTEGER NOT NULL, auth_time REAL NOT NULL, expires REAL NOT NULL,
  used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS sso_tickets_org ON sso_tickets(org_id);
CREATE TABLE IF NOT EXISTS signouts (
  org_id TEXT NOT NULL, user_id TEXT NOT NULL, generation INTEGER NOT NULL,
  PRIMARY KEY (org_id, user_id));
"""

URL_COLUMNS = (("apps", "doc"),)
"""Columns that may name a lab host's URL (the SAML connectors' ACS URLs; rewritten when the
hosts move)."""

ORG_TABLES = (
    "admins",
    "api_keys",
    "service_accounts",
    "access_tokens",
    "users",
    "groups",
    "group_members",
    "apps",
    "edges",
    "office365s",
    "o365_domains",
    "o365_rules",
    "o365_bindings",
    "events",
    "sso_tickets",
    "signouts",
)
"""Tables purged when an organization's world is deleted."""


def user_field_sql(field: str) -> str:
    """The SQL expression for a user document field (matches the expression indexes)."""
    return f"json_extract(doc, '$.{field}')"


ADDED_COLUMNS = (("o365_bindings", "upn", "TEXT"),)
"""Columns added after a table first shipped: state directories made before get them on start."""


def create_schema(db: sqlite_utils.Database) -> None:
    # one statement at a time: executescript() would commit the store's open transaction
    for statement in _TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    add_missing_columns(db, ADDED_COLUMNS)
    for field in (*INDEXED_USER_FIELDS, *TIME_INDEXED_USER_FIELDS):
        db.execute(
            f"CREATE INDEX IF NOT EXISTS users_{field.lower()} ON users(org_id, "
            f"{user_field_sql(field)})"
        )
