"""Who may consent to what: roles, requested Graph scopes, scopes that need an administrator."""

from __future__ import annotations

import json

from simulators.microsoft.ids import GLOBAL_ADMIN_ROLE, USER_ADMIN_ROLE
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.permissions import needs_admin_consent

ADMIN_ROLES = {GLOBAL_ADMIN_ROLE}
CONSENT_ADMIN_ROLES = {GLOBAL_ADMIN_ROLE, USER_ADMIN_ROLE}


def roles(user: EntraUserRow) -> list[str]:
    """The user's directory role template ids."""
    value = user.get("roles") or "[]"
    return json.loads(value) if isinstance(value, str) else list(value)


def is_admin(user: EntraUserRow) -> bool:
    """A Global Administrator (may grant admin consent for an app)."""
    return bool(set(roles(user)) & ADMIN_ROLES)


def is_consent_admin(user: EntraUserRow) -> bool:
    """A user who may consent for the whole organisation."""
    return bool(set(roles(user)) & CONSENT_ADMIN_ROLES)


def needs_an_admin(user: EntraUserRow, missing: set[str]) -> bool:
    """A user who is no consent administrator cannot grant scopes that need admin consent."""
    return not is_consent_admin(user) and any(needs_admin_consent(s) for s in missing)


def requested_graph_scopes(pending: dict, app: dict) -> list[str]:
    """Graph scopes the request asks for (``.default`` means the app's configured scopes)."""
    params = pending["params"]
    scopes = list(params.get("graph_scopes") or [])
    if params.get("default_scope"):
        scopes += [s for s in app["delegated_scopes"] if s not in scopes]
    return scopes


def missing_consent(directory: Directory, pending: dict, user: EntraUserRow, app: dict) -> set[str]:
    """Requested Graph scopes the user (or the organisation) has not granted the app yet."""
    granted = directory.apps.delegated_scopes(pending["tenant_id"], app["client_id"], user["id"])
    return set(requested_graph_scopes(pending, app)) - granted
