"""The shapes of JumpCloud's user records where they leave the model.

``SystemUser`` is the public document (what ``GET /api/systemusers/{id}`` returns: the fields of
the v1 API's ``systemuserreturn``); the SSO host, the User Portal and the Microsoft 365 engine
read it. ``UserRow`` is a row of the ``users`` table: the document as JSON plus the secrets and
counters that are never part of it (password hash and history, TOTP secrets, last bad login).
"""

from __future__ import annotations

from typing import Any, TypedDict


class SystemUser(TypedDict, total=False):
    """A JumpCloud system user as the v1 API renders it."""

    _id: str
    organization: str
    username: str
    email: str
    firstname: str
    middlename: str
    lastname: str
    displayname: str
    alternateEmail: str
    recoveryEmail: dict[str, Any]
    state: str
    activated: bool
    suspended: bool
    account_locked: bool
    account_locked_date: str | None
    badLoginAttempts: int
    password_expired: bool
    password_date: str | None
    password_expiration_date: str | None
    external_password_expiration_date: str | None
    password_never_expires: bool
    totp_enabled: bool
    mfa: dict[str, Any]
    mfaEnrollment: dict[str, str]
    enable_user_portal_multifactor: bool
    created: str
    creationSource: str
    company: str
    costCenter: str
    department: str
    description: str
    employeeIdentifier: str
    employeeType: str
    jobTitle: str
    location: str
    manager: str
    managedAppleId: str
    addresses: list[dict[str, Any]]
    phoneNumbers: list[dict[str, Any]]
    attributes: list[dict[str, Any]]
    relationships: list[dict[str, Any]]
    restrictedFields: list[dict[str, Any]]
    ssh_keys: list[dict[str, Any]]
    public_key: str
    allow_public_key: bool
    sudo: bool
    passwordless_sudo: bool
    samba_service_user: bool
    ldap_binding_user: bool
    enable_managed_uid: bool
    disableDeviceMaxLoginAttempts: bool
    unix_uid: int
    unix_guid: int
    external_dn: str
    external_source_type: str
    externally_managed: bool
    admin: dict[str, Any]
    delegatedAuthority: dict[str, Any]


class PasswordColumns(TypedDict):
    """A user's password hash and the JSON list of the hashes it replaced."""

    password_hash: str | None
    password_history: str


class UserRow(PasswordColumns):
    """A row of the ``users`` table (``doc`` is the JSON of the ``SystemUser`` without ``_id``)."""

    id: str
    org_id: str
    doc: str
    username_lc: str
    email_lc: str
    totp_secret: str | None
    totp_pending: str | None
    bad_login_at: float | None
