"""Directory rows as Graph JSON (property names, default property sets, @odata.context)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from simulators.microsoft.model.declared import (
    GROUP_PROFILE,
    USER_PROFILE,
    canonical,
    profile_value,
    unset_value,
)
from simulators.microsoft.model.errors import DirectoryError
from simulators.microsoft.model.schema import USER_COLLECTION_COLUMNS, USER_STRING_COLUMNS

USER_DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
USER_STORED = (
    {"id", "accountEnabled", "passwordProfile", "onPremisesSyncEnabled"}
    | set(USER_STRING_COLUMNS)
    | set(USER_COLLECTION_COLUMNS)
)
"""User properties the lab stores; ``$select`` takes every property Graph declares."""
SINGLE_ONLY = {
    "aboutMe",
    "birthday",
    "hireDate",
    "interests",
    "mySite",
    "pastProjects",
    "preferredName",
    "responsibilities",
    "schools",
    "skills",
    "mailboxSettings",
}


def context(graph_base: str, fragment: str) -> str:
    return f"{graph_base}/$metadata#{fragment}"


def parse_select(
    raw: str | None, *, collection: bool, type_name: str = "user"
) -> tuple[str, ...] | None:
    """``$select`` names in their declared spelling (Graph matches them case-insensitively);
    Graph's errors for a name its type does not declare."""
    if not raw:
        return None
    names: list[str] = []
    for given in (n.strip() for n in raw.split(",")):
        if not given:
            continue
        name = canonical(type_name, given)
        if name is None:
            raise DirectoryError(
                400,
                "BadRequest",
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{given}' on type 'microsoft.graph.{type_name}'.",
            )
        if type_name == "user" and name in SINGLE_ONLY and collection:
            raise DirectoryError(
                501,
                "NotImplemented",
                f"The property '{name}' is only supported on a single user request.",
            )
        if name not in names:
            names.append(name)
    return tuple(names)


def user_json(row: Mapping[str, Any], select: tuple[str, ...] | None = None) -> dict:
    names = select or USER_DEFAULT
    out: dict = {}
    if select and "id" not in select:
        names = (*select, "id")
    for name in names:
        if name == "accountEnabled":
            out[name] = bool(row["accountEnabled"])
        elif name == "onPremisesSyncEnabled":
            out[name] = True if row.get(name) else None
        elif name in USER_COLLECTION_COLUMNS:
            out[name] = json.loads(row[name] or "[]")
        elif name == "passwordProfile":
            out[name] = None  # write-only: Graph never returns the password
        elif name in USER_STORED:
            out[name] = row.get(name)
        elif name in USER_PROFILE:
            out[name] = profile_value("user", row, name)
        else:
            out[name] = unset_value("user", name)
    return out


GROUP_STORED = frozenset(
    {
        "id",
        "createdDateTime",
        "description",
        "displayName",
        "groupTypes",
        "mail",
        "mailEnabled",
        "mailNickname",
        "renewedDateTime",
        "securityEnabled",
        "securityIdentifier",
        "visibility",
        "deletedDateTime",
        "onPremisesSyncEnabled",
        "proxyAddresses",
    }
)
"""Group properties the lab stores in columns."""
GROUP_DEFAULT = (
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
)
"""What Graph returns for a group without ``$select`` (its list-groups example)."""


def group_json(row: dict, select: tuple[str, ...] | None = None) -> dict:
    names = select or GROUP_DEFAULT
    if select and "id" not in select:
        names = (*select, "id")
    out: dict = {}
    for name in names:
        if name in ("mailEnabled", "securityEnabled"):
            out[name] = bool(row[name])
        elif name == "groupTypes":
            out[name] = json.loads(row["groupTypes"] or "[]")
        elif name == "proxyAddresses":
            out[name] = [f"SMTP:{row['mail']}"] if row.get("mail") else []
        elif name in GROUP_STORED:
            out[name] = row.get(name)
        elif name in GROUP_PROFILE:
            out[name] = profile_value("group", row, name)
        else:
            out[name] = unset_value("group", name)
    return out


def domain_json(row: dict) -> dict:
    return {
        "authenticationType": row["authentication_type"],
        "availabilityStatus": None,
        "id": row["name"],
        "isAdminManaged": True,
        "isDefault": bool(row["is_default"]),
        "isInitial": bool(row["is_initial"]),
        "isRoot": bool(row["is_verified"]),
        "isVerified": bool(row["is_verified"]),
        "manufacturer": None,
        "model": None,
        "passwordNotificationWindowInDays": row["password_notification_days"],
        "passwordValidityPeriodInDays": row["password_validity_days"],
        "supportedServices": json.loads(row["supported_services"]),
        "state": None,
    }


def federation_json(data: dict) -> dict:
    out = {"@odata.type": "#microsoft.graph.internalDomainFederation", "id": data["id"]}
    for name in (
        "displayName",
        "issuerUri",
        "metadataExchangeUri",
        "signingCertificate",
        "passiveSignInUri",
        "preferredAuthenticationProtocol",
        "activeSignInUri",
        "signOutUri",
        "promptLoginBehavior",
        "isSignedAuthenticationRequestRequired",
        "nextSigningCertificate",
        "signingCertificateUpdateStatus",
        "federatedIdpMfaBehavior",
        "passwordResetUri",
    ):
        out[name] = data.get(name)
    return out


def verification_records(domain: str, tenant_id: str) -> list[dict]:
    label = "MS=ms" + tenant_id.replace("-", "")[:8]
    return [
        {
            "@odata.type": "#microsoft.graph.domainDnsTxtRecord",
            "isOptional": False,
            "label": domain,
            "recordType": "Txt",
            "supportedService": "Email",
            "ttl": 3600,
            "text": label,
            "id": f"aceff52c-06a5-447f-ac5f-256ad243{tenant_id[-4:]}",
        },
        {
            "@odata.type": "#microsoft.graph.domainDnsMxRecord",
            "isOptional": False,
            "label": domain,
            "recordType": "Mx",
            "supportedService": "Email",
            "ttl": 3600,
            "mailExchange": f"{label.lower()}.msv1.invalid",
            "preference": 32767,
            "id": f"5fbde38c-0865-497f-82b1-126f596b{tenant_id[-4:]}",
        },
    ]
