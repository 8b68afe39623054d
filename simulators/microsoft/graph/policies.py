"""``/v1.0/policies/identitySecurityDefaultsEnforcementPolicy``: the tenant's security defaults."""

from __future__ import annotations

from simulators.microsoft.graph.auth import DOMAIN_ADMIN_ROLES, require
from simulators.microsoft.graph.common import (
    graph_base,
    graph_blueprint,
    json_body,
    no_content,
    reply,
)
from simulators.microsoft.graph.serialize import context
from simulators.microsoft.model.errors import bad_request, unknown_property
from simulators.microsoft.permissions import POLICIES_READ, POLICIES_WRITE
from simulators.microsoft.services import services

bp = graph_blueprint("policies", __name__)

POLICY_ID = "00000000-0000-0000-0000-000000000005"
PATH = "/policies/identitySecurityDefaultsEnforcementPolicy"
WRITABLE = {"isEnabled", "displayName", "description"}


@bp.get(PATH)
def get_security_defaults():
    who = require(POLICIES_READ)
    tenant = services().directory.tenants.get(who.tenant_id) or {}
    return reply(
        {
            "@odata.context": context(
                graph_base(), "policies/identitySecurityDefaultsEnforcementPolicy/$entity"
            ),
            "id": POLICY_ID,
            "displayName": "Security Defaults",
            "description": "Security defaults is a set of basic identity security mechanisms "
            "recommended by Microsoft. When enabled, these recommendations will be "
            "automatically enforced in your organization.",
            "isEnabled": bool(tenant.get("security_defaults")),
        }
    )


@bp.patch(PATH)
def update_security_defaults():
    who = require(POLICIES_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    body = json_body()
    for name in body:
        if name not in WRITABLE and name != "@odata.type":
            raise unknown_property(name, "identitySecurityDefaultsEnforcementPolicy")
    if "isEnabled" in body:
        if not isinstance(body["isEnabled"], bool):
            raise bad_request(
                "Invalid value specified for property 'isEnabled' of resource "
                "'IdentitySecurityDefaultsEnforcementPolicy'."
            )
        services().directory.tenants.set_security_defaults(who.tenant_id, body["isEnabled"])
    return no_content()
