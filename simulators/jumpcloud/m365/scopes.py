"""The delegated Microsoft Graph scopes JumpCloud's directory integration asks for at consent.

JumpCloud does not publish its list; this one is the least set that covers
everything the engine does, each scope for a reason:

- ``User.ReadWrite.All``: list users for import, create, update and disable them.
- ``User-PasswordProfile.ReadWrite.All``: write ``passwordProfile`` (password takeover); Graph
  treats passwords as a separate, sensitive permission.
- ``Directory.ReadWrite.All``: ``onPremisesImmutableId``, the manager relationship and other
  directory-wide writes that ``User.ReadWrite.All`` alone does not grant to a delegated caller.
- ``Domain.Read.All``: read the tenant's verified domains and whether each is federated
  (checked before an export; a federated user gets no password).
- ``offline_access``: a refresh token, so sync goes on after the first hour without the admin.
- ``openid profile``: an ID token naming the tenant (``tid``) and the authorizing admin.

All Graph writes are made as the consenting Global Administrator (delegated), as JumpCloud's
FAQ says they show in the Entra audit log under that admin.
"""

from __future__ import annotations

GRAPH = "https://graph.microsoft.com"

GRAPH_SCOPES: tuple[str, ...] = (
    "User.ReadWrite.All",
    "User-PasswordProfile.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Domain.Read.All",
)
OIDC_SCOPES: tuple[str, ...] = ("offline_access", "openid", "profile")


def scope_string() -> str:
    """The space-separated ``scope`` parameter of the authorize and token requests."""
    return " ".join([f"{GRAPH}/{name}" for name in GRAPH_SCOPES] + list(OIDC_SCOPES))
