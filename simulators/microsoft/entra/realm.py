"""Home-realm discovery: userrealm (1.0 / 2.1), GetUserRealm.srf, GetCredentialType."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import Blueprint, Response, jsonify, request

from simulators.microsoft.services import services

CLOUD_AUDIENCE = "urn:federation:MicrosoftOnline"

bp = Blueprint("ms_realm", __name__)


@dataclass
class Realm:
    """What discovery tells about a sign-in name."""

    login: str
    domain: str
    kind: str  # Managed | Federated | Unknown
    brand: str | None = None
    federation: dict | None = None
    user_exists: bool = False


def realm_of(login: str) -> Realm:
    directory = services().directory
    domain = login.rpartition("@")[2].lower()
    owner = directory.tenants.verified_domain_owner(domain) if domain else None
    tenant = directory.tenants.get(owner["tenant_id"]) if owner else None
    if owner is None or tenant is None:
        return Realm(login, domain, "Unknown")
    federation = None
    if owner["authentication_type"] == "Federated":
        federation = directory.tenants.federation(tenant["id"], domain)
    return Realm(
        login,
        domain,
        "Federated" if federation else "Managed",
        brand=tenant["display_name"],
        federation=federation,
        user_exists=directory.users.get(tenant["id"], login) is not None,
    )


def _protocol(realm: Realm) -> str | None:
    if realm.federation is None:
        return None
    return (
        "SAML20" if realm.federation.get("preferredAuthenticationProtocol") == "saml" else "WSTrust"
    )


@bp.get("/common/userrealm/<path:login>")
@bp.get("/common/userrealm")
def userrealm(login: str | None = None):
    login = login or request.args.get("user", "")
    realm = realm_of(login)
    fed = realm.federation or {}
    if request.args.get("api-version", "1.0").startswith("2"):
        body: dict = {
            "NameSpaceType": realm.kind,
            "Login": login,
            "DomainName": realm.domain,
            "FederationBrandName": realm.brand,
            "TenantBrandingInfo": None,
            "cloud_instance_name": "microsoftonline.com",
        }
        if realm.federation:
            body["AuthURL"] = fed.get("passiveSignInUri")
            body["federation_protocol"] = _protocol(realm)
        return jsonify(body)
    body = {
        "ver": "1.0",
        "account_type": realm.kind,
        "domain_name": realm.domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": CLOUD_AUDIENCE,
    }
    if realm.federation:
        body.update(
            {
                "federation_protocol": _protocol(realm),
                "federation_metadata_url": fed.get("metadataExchangeUri"),
                "federation_active_auth_url": fed.get("activeSignInUri"),
            }
        )
    return jsonify(body)


@bp.get("/GetUserRealm.srf")
def get_user_realm():
    login = request.args.get("login", "")
    realm = realm_of(login)
    federated = realm.kind == "Federated"
    fields = {
        "State": 3 if federated else 4,
        "UserState": 2 if federated else 1,
        "Login": login,
        "NameSpaceType": realm.kind,
        "DomainName": realm.domain,
        "FederationGlobalVersion": -1,
        "AuthURL": (realm.federation or {}).get("passiveSignInUri"),
        "FederationBrandName": realm.brand,
        "CloudInstanceName": "microsoftonline.com",
        "CloudInstanceIssuerUri": CLOUD_AUDIENCE,
    }
    if realm.kind == "Unknown":
        fields = {k: v for k, v in fields.items() if k not in ("AuthURL", "FederationBrandName")}
    if request.args.get("xml") == "1":
        items = dict(fields, IsFederatedNS=str(federated).lower())
        inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in items.items() if v is not None)
        xml = f'<?xml version="1.0" encoding="utf-8"?><RealmInfo Success="true">{inner}</RealmInfo>'
        return Response(xml, mimetype="text/xml")
    return jsonify(fields)


@bp.post("/<tenant>/GetCredentialType")
def get_credential_type(tenant: str):
    body = request.get_json(silent=True) or {}
    login = str(body.get("username") or body.get("Username") or "")
    realm = realm_of(login)
    federated = realm.kind == "Federated"
    exists = realm.user_exists or federated
    return jsonify(
        {
            "Username": login,
            "Display": login,
            "IfExistsResult": 0 if exists else 1,
            "IsUnmanaged": False,
            "ThrottleStatus": 0,
            "Credentials": {
                "PrefCredential": 4 if federated else 1,
                "HasPassword": not federated,
                "RemoteNgcParams": None,
                "FidoParams": None,
                "SasParams": None,
                "CertAuthParams": None,
                "GoogleParams": None,
                "FacebookParams": None,
                "FederationRedirectUrl": (realm.federation or {}).get("passiveSignInUri")
                if federated
                else None,
            },
            "EstsProperties": {
                "UserTenantBranding": None,
                "DomainType": {"Managed": 3, "Federated": 4}.get(realm.kind, 1),
                "DesktopSsoEnabled": None,
            },
            "FlowToken": body.get("flowToken") or secrets.token_urlsafe(32),
            "IsSignupDisallowed": True,
            "apiCanary": secrets.token_urlsafe(24),
        }
    )
