"""Bearer tokens on Graph: who is calling, for which tenant, with which permissions."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import g, request

from simulators.microsoft.entra.tokens import TokenError
from simulators.microsoft.ids import GLOBAL_ADMIN_ROLE, USER_ADMIN_ROLE
from simulators.microsoft.model.errors import DirectoryError
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.services import services

WRITE_ROLES = {GLOBAL_ADMIN_ROLE, USER_ADMIN_ROLE}
DOMAIN_ADMIN_ROLES = {GLOBAL_ADMIN_ROLE}


@dataclass
class Caller:
    """The verified token of the request."""

    tenant: dict
    claims: dict
    permissions: frozenset[str]

    @property
    def tenant_id(self) -> str:
        return self.tenant["id"]

    @property
    def app_only(self) -> bool:
        return self.claims.get("idtyp") == "app" or "scp" not in self.claims

    @property
    def user_id(self) -> str | None:
        return None if self.app_only else self.claims.get("oid")

    @property
    def directory_roles(self) -> set[str]:
        return set(self.claims.get("wids") or [])


def unauthenticated(message: str) -> DirectoryError:
    return DirectoryError(401, "InvalidAuthenticationToken", message)


def forbidden() -> DirectoryError:
    return DirectoryError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def authenticate() -> Caller:
    """Verify ``Authorization: Bearer``: signature, audience, lab-clock lifetime, live tenant."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header or not token.strip():
        raise unauthenticated("Access token is empty.")
    if scheme.lower() != "bearer":
        raise unauthenticated("Access token validation failure.")
    svc = services()
    try:
        claims = svc.tokens.verify_graph_token(token.strip())
    except TokenError as exc:
        raise unauthenticated(str(exc)) from exc
    tenant = svc.directory.tenants.get(claims["tid"])
    if tenant is None:
        raise unauthenticated("Access token validation failure. Invalid tenant.")
    if "scp" in claims:
        permissions = frozenset(claims["scp"].split())
    else:
        permissions = frozenset(claims.get("roles") or [])
    return Caller(tenant, claims, permissions)


def caller() -> Caller:
    found = g.get("graph_caller")
    if found is None:
        found = authenticate()
        g.graph_caller = found
    return found


def require(accepted: frozenset[str], *, admin_roles: set[str] | None = None) -> Caller:
    """The caller, if it holds one of ``accepted``; delegated callers also need an admin role
    from ``admin_roles`` when given (delegated writes act with the signed-in user's rights)."""
    who = caller()
    if not who.permissions & accepted:
        raise forbidden()
    if admin_roles and not who.app_only and not who.directory_roles & admin_roles:
        raise forbidden()
    return who


def roles_of(user: EntraUserRow) -> list[str]:
    roles = user.get("roles") or "[]"
    return json.loads(roles) if isinstance(roles, str) else list(roles)
