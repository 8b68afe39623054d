"""Tenants, their domains and each domain's federation configuration."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from cryptography import x509

from simulators.core.clock import LabClock
from simulators.core.repository import Repository
from simulators.core.store import Store
from simulators.microsoft.ids import is_guid, iso, new_guid
from simulators.microsoft.model.errors import (
    DirectoryError,
    bad_request,
    not_found,
    unknown_property,
)

DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SUPPORTED_SERVICES = (
    "Email",
    "Sharepoint",
    "EmailInternalRelayOnly",
    "OfficeCommunicationsOnline",
    "SharePointDefaultDomain",
    "FullRedelegation",
    "SharePointPublic",
    "OrgIdAuthentication",
    "Yammer",
    "Intune",
)
FEDERATION_ENUMS = {
    "preferredAuthenticationProtocol": ("wsFed", "saml", "unknownFutureValue"),
    "promptLoginBehavior": (
        "translateToFreshPasswordAuthentication",
        "nativeSupport",
        "disabled",
        "unknownFutureValue",
    ),
    "federatedIdpMfaBehavior": (
        "acceptIfMfaDoneByFederatedIdp",
        "enforceMfaByFederatedIdp",
        "rejectMfaByFederatedIdp",
        "unknownFutureValue",
    ),
}
FEDERATION_STRINGS = (
    "displayName",
    "issuerUri",
    "metadataExchangeUri",
    "signingCertificate",
    "passiveSignInUri",
    "activeSignInUri",
    "signOutUri",
    "nextSigningCertificate",
    "passwordResetUri",
)
FEDERATION_FIELDS = (
    *FEDERATION_STRINGS,
    *FEDERATION_ENUMS,
    "isSignedAuthenticationRequestRequired",
    "signingCertificateUpdateStatus",
)


def check_certificate(value: Any, name: str) -> None:
    """A signing certificate is base64 of a DER X.509 certificate."""
    try:
        x509.load_der_x509_certificate(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise bad_request(
            f"Invalid value specified for property '{name}' of resource 'InternalDomainFederation'."
        ) from exc


class Tenants(Repository):
    """Tenant rows (soft-deleted with their world), domains and federation configurations."""

    def __init__(self, store: Store, clock: LabClock) -> None:
        super().__init__(store, clock)
        self._live_cache: dict[str, dict] = {}

    # -- tenants ---------------------------------------------------------------------------
    def create(self, world_id: str, display_name: str, initial_domain: str) -> dict:
        tenant: dict[str, Any] = {
            "id": new_guid(),
            "world_id": world_id,
            "display_name": display_name,
            "initial_domain": initial_domain.lower(),
            "created": iso(self.clock.now()),
            "deleted": 0,
        }
        with self.store.transaction() as db:
            db.table("tenants").insert(tenant)
            self.add_domain(tenant["id"], initial_domain, verified=True, initial=True, default=True)
        return tenant

    def get(self, tenant_id: str) -> dict | None:
        """A live tenant by id (cached: world deletion drops it from the cache at once)."""
        cached = self._live_cache.get(tenant_id)
        if cached is not None:
            return cached
        row = self.one("SELECT * FROM tenants WHERE id = ? AND deleted = 0", (tenant_id,))
        if row is not None:
            self._live_cache[tenant_id] = row
        return row

    def resolve(self, segment: str) -> dict | None:
        """The tenant an authority path segment names: a tenant id or a verified domain."""
        if is_guid(segment):
            return self.get(segment.lower())
        domain = self.verified_domain_owner(segment)
        return self.get(domain["tenant_id"]) if domain else None

    def by_world(self, world_id: str) -> list[dict]:
        return self.all("SELECT * FROM tenants WHERE world_id = ? AND deleted = 0", (world_id,))

    def mark_world_deleted(self, world_id: str) -> bool:
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE tenants SET deleted = 1 WHERE world_id = ? AND deleted = 0", (world_id,)
            )
        self._live_cache.clear()
        return cursor.rowcount > 0

    def deleted_ids(self) -> list[str]:
        return [r["id"] for r in self.all("SELECT id FROM tenants WHERE deleted = 1", ())]

    def set_generated_password(self, tenant_id: str, password: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE tenants SET generated_password = ? WHERE id = ?", (password, tenant_id)
            )

    def set_security_defaults(self, tenant_id: str, enabled: bool) -> None:
        """Security defaults on or off: on, every user of the tenant must use MFA."""
        self.write(
            "UPDATE tenants SET security_defaults = ? WHERE id = ?", (int(enabled), tenant_id)
        )
        self._live_cache.pop(tenant_id, None)

    def clear_cache(self) -> None:
        self._live_cache.clear()

    # -- domains ---------------------------------------------------------------------------
    def verified_domain_owner(self, name: str) -> dict | None:
        """The live tenant's verified domain row for ``name`` (verified domains are unique)."""
        return self.one(
            "SELECT d.* FROM domains d JOIN tenants t ON t.id = d.tenant_id "
            "WHERE d.name = ? AND d.is_verified = 1 AND t.deleted = 0",
            (name.lower(),),
        )

    def domains(self, tenant_id: str) -> list[dict]:
        return self.all(
            "SELECT * FROM domains WHERE tenant_id = ? ORDER BY is_initial DESC, name", (tenant_id,)
        )

    def domain(self, tenant_id: str, name: str) -> dict | None:
        return self.one(
            "SELECT * FROM domains WHERE tenant_id = ? AND name = ?", (tenant_id, name.lower())
        )

    def require_domain(self, tenant_id: str, name: str) -> dict:
        row = self.domain(tenant_id, name)
        if row is None:
            raise not_found(name)
        return row

    def add_domain(
        self,
        tenant_id: str,
        name: str,
        *,
        verified: bool = True,
        default: bool = False,
        initial: bool = False,
    ) -> dict:
        name = (name or "").lower()
        if not DOMAIN_RE.match(name):
            raise bad_request(f"Invalid domain name '{name}'.", target="id")
        with self.store.transaction() as db:
            if self.domain(tenant_id, name) is not None:
                raise DirectoryError(
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    f"Another object with the same value for property id already exists: {name}.",
                )
            if verified:
                self._check_unclaimed(tenant_id, name)
            if default:
                db.execute("UPDATE domains SET is_default = 0 WHERE tenant_id = ?", (tenant_id,))
            row = {
                "tenant_id": tenant_id,
                "name": name,
                "is_verified": int(verified),
                "is_default": int(default),
                "is_initial": int(initial),
                "authentication_type": "Managed",
                "password_validity_days": None,
                "password_notification_days": None,
                "supported_services": json.dumps(["Email", "OfficeCommunicationsOnline"]),
                "created": iso(self.clock.now()),
            }
            db.table("domains").insert(row)
        return row

    def _check_unclaimed(self, tenant_id: str, name: str) -> None:
        owner = self.verified_domain_owner(name)
        if owner is not None and owner["tenant_id"] != tenant_id:
            raise ValueError(f"domain {name} is already a verified domain of another tenant")

    def verify_domain(self, tenant_id: str, name: str) -> dict:
        row = self.require_domain(tenant_id, name)
        if row["is_verified"]:
            return row
        try:
            self._check_unclaimed(tenant_id, row["name"])
        except ValueError as exc:
            raise bad_request(
                f"Domain verification failed for '{row['name']}': the domain is already "
                "verified in another tenant."
            ) from exc
        with self.store.transaction() as db:
            db.execute(
                "UPDATE domains SET is_verified = 1 WHERE tenant_id = ? AND name = ?",
                (tenant_id, row["name"]),
            )
        return self.require_domain(tenant_id, name)

    def update_domain(self, tenant_id: str, name: str, changes: dict) -> dict:
        row = self.require_domain(tenant_id, name)
        columns: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "isDefault":
                if value is not True or not row["is_verified"]:
                    raise bad_request("Only a verified domain can be made the default domain.")
                if row["authentication_type"] == "Federated":
                    raise bad_request(
                        "The domain authentication type must be 'Managed' to be set as the "
                        "default domain."
                    )
                columns["is_default"] = 1
            elif key in ("passwordValidityPeriodInDays", "passwordNotificationWindowInDays"):
                if value is not None and (not isinstance(value, int) or value < 0):
                    raise bad_request(f"Invalid value specified for property '{key}'.")
                column = (
                    "password_validity_days"
                    if key == "passwordValidityPeriodInDays"
                    else "password_notification_days"
                )
                columns[column] = value
            elif key == "supportedServices":
                if not isinstance(value, list) or any(v not in SUPPORTED_SERVICES for v in value):
                    raise bad_request("Invalid value specified for property 'supportedServices'.")
                columns["supported_services"] = json.dumps(value)
            elif key == "authenticationType":
                if value not in ("Managed", "Federated"):
                    raise bad_request("Invalid value specified for property 'authenticationType'.")
                if value == "Federated" and self.federation(tenant_id, name) is None:
                    raise bad_request(
                        "Federated authentication needs a federation configuration on the domain."
                    )
                columns["authentication_type"] = value
            elif key != "id":
                raise unknown_property(key, "domain")
        with self.store.transaction() as db:
            if columns.get("is_default"):
                db.execute("UPDATE domains SET is_default = 0 WHERE tenant_id = ?", (tenant_id,))
            if columns:
                assignments = ", ".join(f"{c} = ?" for c in columns)
                db.execute(
                    f"UPDATE domains SET {assignments} WHERE tenant_id = ? AND name = ?",
                    (*columns.values(), tenant_id, row["name"]),
                )
        return self.require_domain(tenant_id, name)

    def delete_domain(self, tenant_id: str, name: str, users_on_domain: Callable[[], int]) -> None:
        row = self.require_domain(tenant_id, name)
        if row["is_initial"] or row["is_default"]:
            raise bad_request("The initial or default domain cannot be deleted.")
        if users_on_domain():
            raise bad_request(
                f"Unable to delete domain '{row['name']}': objects in the directory still "
                "reference it."
            )
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM federations WHERE tenant_id = ? AND domain = ?",
                (tenant_id, row["name"]),
            )
            db.execute(
                "DELETE FROM domains WHERE tenant_id = ? AND name = ?", (tenant_id, row["name"])
            )

    def password_validity_days(self, domain_row: dict | None) -> int:
        value = domain_row["password_validity_days"] if domain_row else None
        return 90 if value is None else int(value)

    # -- federation ------------------------------------------------------------------------
    def federation(self, tenant_id: str, domain: str) -> dict | None:
        row = self.one(
            "SELECT * FROM federations WHERE tenant_id = ? AND domain = ?",
            (tenant_id, domain.lower()),
        )
        if row is None:
            return None
        return {"id": row["id"], **json.loads(row["data"])}

    def create_federation(self, tenant_id: str, domain: str, body: dict) -> dict:
        row = self.require_domain(tenant_id, domain)
        if row["is_initial"]:
            raise bad_request("The initial domain cannot be federated.")
        if row["is_default"]:
            raise bad_request(
                f"Domain '{row['name']}' is the default domain of the tenant and cannot be "
                "federated. Make another verified domain the default domain first."
            )
        if not row["is_verified"]:
            raise bad_request(f"Domain '{row['name']}' must be verified before it is federated.")
        if self.federation(tenant_id, domain) is not None:
            raise DirectoryError(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                f"Domain '{row['name']}' already has a federation configuration.",
            )
        data = self._federation_data({}, body)
        for required in ("issuerUri", "passiveSignInUri", "signingCertificate"):
            if not data.get(required):
                raise bad_request(f"The property '{required}' is required.", target=required)
        data.setdefault("preferredAuthenticationProtocol", "wsFed")
        data.setdefault("promptLoginBehavior", "nativeSupport")
        data.setdefault("federatedIdpMfaBehavior", "acceptIfMfaDoneByFederatedIdp")
        data.setdefault("isSignedAuthenticationRequestRequired", False)
        data["signingCertificateUpdateStatus"] = {
            "certificateUpdateResult": "Success",
            "lastRunDateTime": iso(self.clock.now()),
        }
        with self.store.transaction() as db:
            self._check_issuer_free(data["issuerUri"], None)
            db.table("federations").insert(
                {
                    "id": new_guid(),
                    "tenant_id": tenant_id,
                    "domain": row["name"],
                    "data": json.dumps(data),
                }
            )
            db.execute(
                "UPDATE domains SET authentication_type = 'Federated' "
                "WHERE tenant_id = ? AND name = ?",
                (tenant_id, row["name"]),
            )
        result = self.federation(tenant_id, domain)
        assert result is not None
        return result

    def _check_issuer_free(self, issuer: str | None, own_id: str | None) -> None:
        """An issuer names one federated domain in all of Entra: another domain's (of any live
        tenant) is 409, as Graph answers a duplicate ``issuerUri``."""
        if not issuer:
            return
        clash = self.one(
            "SELECT f.id FROM federations f JOIN tenants t ON t.id = f.tenant_id AND t.deleted = 0 "
            "WHERE json_extract(f.data, '$.issuerUri') = ? AND f.id != ?",
            (issuer, own_id or ""),
        )
        if clash:
            raise DirectoryError(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "Another object with the same value for property issuerUri already exists.",
                target="issuerUri",
            )

    def require_federation(self, tenant_id: str, domain: str, federation_id: str) -> dict:
        self.require_domain(tenant_id, domain)
        current = self.federation(tenant_id, domain)
        if current is None or current["id"] != federation_id:
            raise not_found(federation_id)
        return current

    def update_federation(
        self, tenant_id: str, domain: str, federation_id: str, body: dict
    ) -> dict:
        current = self.require_federation(tenant_id, domain, federation_id)
        data = self._federation_data({k: v for k, v in current.items() if k != "id"}, body)
        with self.store.transaction() as db:
            self._check_issuer_free(data.get("issuerUri"), federation_id)
            db.execute(
                "UPDATE federations SET data = ? WHERE id = ?", (json.dumps(data), federation_id)
            )
        result = self.federation(tenant_id, domain)
        assert result is not None
        return result

    def delete_federation(self, tenant_id: str, domain: str, federation_id: str) -> None:
        self.require_federation(tenant_id, domain, federation_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM federations WHERE id = ?", (federation_id,))
            db.execute(
                "UPDATE domains SET authentication_type = 'Managed' "
                "WHERE tenant_id = ? AND name = ?",
                (tenant_id, domain.lower()),
            )

    @staticmethod
    def _federation_data(data: dict, body: dict) -> dict:
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        for key, value in body.items():
            if key in ("id", "@odata.type", "signingCertificateUpdateStatus"):
                continue
            if key not in FEDERATION_FIELDS:
                raise unknown_property(key, "internalDomainFederation")
            if key in FEDERATION_ENUMS:
                if value not in FEDERATION_ENUMS[key]:
                    raise bad_request(
                        f"Invalid value specified for property '{key}' of resource "
                        "'InternalDomainFederation'."
                    )
            elif key == "isSignedAuthenticationRequestRequired":
                if not isinstance(value, bool):
                    raise bad_request(f"Invalid value specified for property '{key}'.")
            elif value is not None and not isinstance(value, str):
                raise bad_request(f"Invalid value specified for property '{key}'.")
            if key in ("signingCertificate", "nextSigningCertificate") and value:
                check_certificate(value, key)
            data[key] = value
        if "signingCertificate" in body and not body["signingCertificate"]:
            raise bad_request("The property 'signingCertificate' is required.")
        return data
