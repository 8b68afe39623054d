"""The shape of an Entra user where it leaves the model: a row of the ``users`` table.

Graph properties keep their Graph names (strings NOCASE; ``businessPhones``, ``otherMails`` and
``proxyAddresses`` as JSON arrays; ``accountEnabled`` as 0/1); the rest are the lab's own
columns: password hash, forced change, failed sign-ins and lockout, TOTP secret, directory roles
(a JSON array) and ``live`` (0 once soft-deleted). Graph's JSON of it is ``graph.users.user_json``.
"""

from __future__ import annotations

from typing import TypedDict


class EntraUserRow(TypedDict):
    """A user of one tenant, as the sign-in, token and Graph code read it."""

    pk: int
    id: str
    tenant_id: str
    accountEnabled: int
    userPrincipalName: str
    displayName: str | None
    givenName: str | None
    surname: str | None
    mail: str | None
    mailNickname: str | None
    onPremisesImmutableId: str | None
    onPremisesSyncEnabled: int | None
    profile: str | None
    """Graph's writable user properties without a column of their own, as a JSON object
    (``simulators.microsoft.model.declared.USER_PROFILE``)."""
    passwordPolicies: str | None
    usageLocation: str | None
    jobTitle: str | None
    department: str | None
    employeeId: str | None
    companyName: str | None
    officeLocation: str | None
    mobilePhone: str | None
    preferredLanguage: str | None
    city: str | None
    state: str | None
    country: str | None
    streetAddress: str | None
    postalCode: str | None
    userType: str | None
    createdDateTime: str | None
    lastPasswordChangeDateTime: str | None
    deletedDateTime: str | None
    businessPhones: str
    otherMails: str
    proxyAddresses: str
    password_hash: str | None
    force_change: int
    force_change_mfa: int
    failed_signins: int
    locked_until: int | None
    totp_secret: str | None
    mfa_required: int
    roles: str
    live: int
