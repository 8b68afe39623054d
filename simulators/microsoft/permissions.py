"""Graph permissions the lab knows: application roles and delegated scopes."""

from __future__ import annotations

_BOTH = frozenset(
    {
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "User-PasswordProfile.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Domain.Read.All",
        "Domain.ReadWrite.All",
        "Domain-InternalFederation.Read.All",
        "Domain-InternalFederation.ReadWrite.All",
        "Organization.Read.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Policy.Read.All",
        "Policy.ReadWrite.ConditionalAccess",
    }
)
"""Graph permissions that exist both as application roles and as delegated scopes."""

APPLICATION_PERMISSIONS = _BOTH | {
    "User.EnableDisableAccount.All",
    "Organization.ReadWrite.All",
    "AuditLog.Read.All",
}

DELEGATED_SCOPES = _BOTH | {
    "User.Read",
    "User.ReadWrite",
    "Directory.AccessAsUser.All",
    "email",
    "openid",
    "profile",
    "offline_access",
}

OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})

USER_CONSENTABLE = frozenset({"User.Read", "User.ReadWrite", "User.ReadBasic.All"} | OIDC_SCOPES)
"""Delegated scopes a user may consent to alone; every other Graph scope needs an admin
(Graph's permissions reference marks them "Admin consent required: Yes")."""


def needs_admin_consent(scope: str) -> bool:
    return scope not in USER_CONSENTABLE


USERS_READ = frozenset(
    {
        "User.Read.All",
        "User.ReadWrite.All",
        "User.ReadBasic.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
USERS_WRITE = frozenset(
    {"User.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
)
DOMAINS_READ = frozenset(
    {
        "Domain.Read.All",
        "Domain.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
DOMAINS_WRITE = frozenset({"Domain.ReadWrite.All", "Directory.AccessAsUser.All"})
FEDERATION_READ = frozenset(
    {
        "Domain-InternalFederation.Read.All",
        "Domain-InternalFederation.ReadWrite.All",
        "Domain.Read.All",
        "Domain.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
FEDERATION_WRITE = frozenset(
    {
        "Domain-InternalFederation.ReadWrite.All",
        "Domain.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
ORGANIZATION_READ = frozenset(
    {
        "Organization.Read.All",
        "Organization.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
        "User.Read",
    }
)
ME_READ = frozenset({"User.Read", "User.ReadWrite", "User.ReadBasic.All"} | USERS_READ)
GROUPS_READ = frozenset(
    {
        "Group.Read.All",
        "Group.ReadWrite.All",
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
GROUPS_WRITE = frozenset(
    {"Group.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
)
GROUP_MEMBERS_WRITE = GROUPS_WRITE | {"GroupMember.ReadWrite.All"}
POLICIES_READ = frozenset({"Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"})
POLICIES_WRITE = frozenset({"Policy.ReadWrite.ConditionalAccess"})
