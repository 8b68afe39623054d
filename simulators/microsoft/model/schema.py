"""Tables and indexes of ``microsoft.db``; every row carries its tenant."""

from __future__ import annotations

import sqlite_utils

from simulators.core.store import add_missing_columns

_KEY_COLUMNS = (
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "mailNickname",
    "onPremisesImmutableId",
)
"""Names and keys of a user: the first string columns, and each one indexed."""

USER_STRING_COLUMNS = (
    *_KEY_COLUMNS,
    "passwordPolicies",
    "usageLocation",
    "jobTitle",
    "department",
    "employeeId",
    "companyName",
    "officeLocation",
    "mobilePhone",
    "preferredLanguage",
    "city",
    "state",
    "country",
    "streetAddress",
    "postalCode",
    "userType",
    "createdDateTime",
    "lastPasswordChangeDateTime",
    "deletedDateTime",
)
"""Scalar string properties of a Graph user, stored under their Graph names (NOCASE)."""

USER_COLLECTION_COLUMNS = ("businessPhones", "otherMails", "proxyAddresses")
"""String collections, stored as JSON arrays."""

INDEXED_USER_COLUMNS = (*_KEY_COLUMNS, "employeeId", "jobTitle", "department")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY, world_id TEXT NOT NULL, display_name TEXT NOT NULL,
  initial_domain TEXT NOT NULL, created TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  generated_password TEXT, security_defaults INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tenants_world ON tenants(world_id);
CREATE TABLE IF NOT EXISTS domains (
  tenant_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE,
  is_verified INTEGER NOT NULL, is_default INTEGER NOT NULL, is_initial INTEGER NOT NULL,
  authentication_type TEXT NOT NULL DEFAULT 'Managed',
  password_validity_days INTEGER, password_notification_days INTEGER,
  supported_services TEXT NOT NULL DEFAULT '[]', created TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
CREATE INDEX IF NOT EXISTS domains_name ON domains(name, is_verified);
CREATE TABLE IF NOT EXISTS federations (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, domain TEXT NOT NULL COLLATE NOCASE,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS federations_domain ON federations(tenant_id, domain);
CREATE INDEX IF NOT EXISTS federations_issuer ON federations(json_extract(data, '$.issuerUri'));
CREATE TABLE IF NOT EXISTS apps (
  tenant_id TEXT NOT NULL, client_id TEXT NOT NULL, object_id TEXT NOT NULL,
  sp_object_id TEXT NOT NULL, display_name TEXT NOT NULL, redirect_uris TEXT NOT NULL,
  multi_tenant INTEGER NOT NULL DEFAULT 0, first_party INTEGER NOT NULL DEFAULT 0,
  application_permissions TEXT NOT NULL DEFAULT '[]', delegated_scopes TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (tenant_id, client_id)
);
CREATE INDEX IF NOT EXISTS apps_client ON apps(client_id);
CREATE TABLE IF NOT EXISTS app_secrets (
  tenant_id TEXT NOT NULL, client_id TEXT NOT NULL, key_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL, hint TEXT NOT NULL, expires TEXT NOT NULL,
  PRIMARY KEY (tenant_id, client_id, key_id)
);
CREATE TABLE IF NOT EXISTS app_role_grants (
  tenant_id TEXT NOT NULL, client_id TEXT NOT NULL, permission TEXT NOT NULL,
  PRIMARY KEY (tenant_id, client_id, permission)
);
CREATE TABLE IF NOT EXISTS delegated_grants (
  tenant_id TEXT NOT NULL, client_id TEXT NOT NULL, principal_id TEXT NOT NULL,
  scope TEXT NOT NULL, PRIMARY KEY (tenant_id, client_id, principal_id, scope)
);
CREATE TABLE IF NOT EXISTS auth_codes (
  code_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, client_id TEXT NOT NULL,
  user_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL,
  nonce TEXT, code_challenge TEXT, code_challenge_method TEXT, amr TEXT NOT NULL,
  auth_time INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, client_id TEXT NOT NULL,
  user_id TEXT NOT NULL, scopes TEXT NOT NULL, amr TEXT NOT NULL, created INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refresh_user ON refresh_tokens(tenant_id, user_id);
CREATE INDEX IF NOT EXISTS refresh_client ON refresh_tokens(tenant_id, client_id);
CREATE TABLE IF NOT EXISTS pending_signins (
  id TEXT PRIMARY KEY, tenant_segment TEXT NOT NULL, tenant_id TEXT, kind TEXT NOT NULL,
  params TEXT NOT NULL, user_id TEXT, amr TEXT NOT NULL DEFAULT '[]',
  correlation_id TEXT NOT NULL, created INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, amr TEXT NOT NULL,
  auth_time INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS signin_log (
  id TEXT PRIMARY KEY, tenant_id TEXT, user_id TEXT, upn TEXT, client_id TEXT,
  result TEXT NOT NULL, error_code INTEGER, sub_reason TEXT, time TEXT NOT NULL,
  correlation_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS signin_tenant ON signin_log(tenant_id, time);
CREATE TABLE IF NOT EXISTS user_managers (
  user_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, manager_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS user_managers_tenant ON user_managers(tenant_id);
CREATE INDEX IF NOT EXISTS user_managers_manager ON user_managers(tenant_id, manager_id);
CREATE TABLE IF NOT EXISTS groups (
  pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
  "displayName" TEXT NOT NULL COLLATE NOCASE, "description" TEXT COLLATE NOCASE,
  "mailNickname" TEXT NOT NULL COLLATE NOCASE, "mail" TEXT COLLATE NOCASE,
  "mailEnabled" INTEGER NOT NULL, "securityEnabled" INTEGER NOT NULL,
  "groupTypes" TEXT NOT NULL DEFAULT '[]', "visibility" TEXT, "createdDateTime" TEXT NOT NULL,
  "renewedDateTime" TEXT NOT NULL, "securityIdentifier" TEXT NOT NULL, profile TEXT
);
CREATE INDEX IF NOT EXISTS groups_tenant ON groups(tenant_id, "displayName");
CREATE TABLE IF NOT EXISTS group_members (
  tenant_id TEXT NOT NULL, group_id TEXT NOT NULL, member_id TEXT NOT NULL,
  PRIMARY KEY (group_id, member_id)
);
CREATE INDEX IF NOT EXISTS group_members_member ON group_members(tenant_id, member_id);
"""


def _users_table() -> str:
    strings = ",\n  ".join(f'"{c}" TEXT COLLATE NOCASE' for c in USER_STRING_COLUMNS)
    collections = ",\n  ".join(
        f"\"{c}\" TEXT NOT NULL DEFAULT '[]'" for c in USER_COLLECTION_COLUMNS
    )
    return f"""
CREATE TABLE IF NOT EXISTS users (
  pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
  accountEnabled INTEGER NOT NULL DEFAULT 1,
  {strings},
  {collections},
  password_hash TEXT, force_change INTEGER NOT NULL DEFAULT 0,
  force_change_mfa INTEGER NOT NULL DEFAULT 0, failed_signins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER, totp_secret TEXT, mfa_required INTEGER NOT NULL DEFAULT 0,
  roles TEXT NOT NULL DEFAULT '[]', live INTEGER NOT NULL DEFAULT 1,
  "onPremisesSyncEnabled" INTEGER, profile TEXT
);
"""


def _user_indexes() -> str:
    lines = [
        f'CREATE INDEX IF NOT EXISTS users_{c} ON users(tenant_id, live, "{c}");'
        for c in INDEXED_USER_COLUMNS
    ]
    return "\n".join(lines)


URL_COLUMNS = (
    ("federations", "data"),
    ("apps", "redirect_uris"),
    ("auth_codes", "redirect_uri"),
    ("pending_signins", "params"),
)
"""Columns that may name a lab host's URL (rewritten when the hosts move)."""

ADDED_COLUMNS = (
    ("users", "onPremisesSyncEnabled", "INTEGER"),
    ("users", "profile", "TEXT"),
    ("groups", "profile", "TEXT"),
    ("tenants", "security_defaults", "INTEGER NOT NULL DEFAULT 0"),
)
"""Columns added after a table first shipped: state directories made before get them on start."""


def create_schema(db: sqlite_utils.Database) -> None:
    script = SCHEMA + _users_table() + _user_indexes()
    script += "\nCREATE INDEX IF NOT EXISTS users_tenant ON users(tenant_id, live);"
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
    add_missing_columns(db, ADDED_COLUMNS)
