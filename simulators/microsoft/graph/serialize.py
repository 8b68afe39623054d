"""Directory rows as Graph JSON (property names, default property sets, @odata.context)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

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
USER_SELECTABLE = (
    {"id", "accountEnabled", "passwordProfile", "onPremisesSyncEnabled"}
    | set(USER_STRING_COLUMNS)
    | set(USER_COLLECTION_COLUMNS)
)
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
    raw: str | None,
    *,
    collection: bool,
    selectable: frozenset[str] | set[str] = USER_SELECTABLE,
    type_name: str = "user",
) -> tuple[str, ...] | None:
    """``$select`` names, checked against the type's properties (Graph's errors otherwise)."""
    if not raw:
        return None
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    for name in names:
        if type_name == "user" and name in SINGLE_ONLY:
            if collection:
                raise DirectoryError(
                    501,
                    "NotImplemented",
                    f"The property '{name}' is only supported on a single user request.",
                )
            continue
        if name not in selectable:
            raise DirectoryError(
                400,
                "BadRequest",
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{name}' on type 'microsoft.graph.{type_name}'.",
            )
    return names


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
        elif name == "passwordProfile" or name in SINGLE_ONLY:
            out[name] = None
        else:
            out[name] = row.get(name)
    return out


GROUP_DEFAULT = (
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
)
GROUP_SELECTABLE = frozenset(GROUP_DEFAULT)


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
        else:
            out[name] = row.get(name)
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
