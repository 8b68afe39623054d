"""Graph ``/policies/identitySecurityDefaultsEnforcementPolicy``: read, switch, errors, rights."""

from __future__ import annotations

URL = "/policies/identitySecurityDefaultsEnforcementPolicy"


def test_security_defaults_read_and_switch(ms):
    world = ms.world(
        {
            "domains": ["sd.example"],
            "apps": [
                {
                    "displayName": "Reader",
                    "application_permissions": ["User.Read.All"],
                    "admin_consent": True,
                }
            ],
        }
    )
    with ms.graph_session(ms.app_token(world)) as graph:
        policy = graph.get(ms.graph + URL).json()
        assert policy["id"] == "00000000-0000-0000-0000-000000000005"
        assert policy["isEnabled"] is False and policy["displayName"] == "Security Defaults"
        assert graph.patch(ms.graph + URL, json={"isEnabled": True}).status_code == 204
        assert graph.get(ms.graph + URL).json()["isEnabled"] is True
        bad = graph.patch(ms.graph + URL, json={"isEnabled": "yes"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "Request_BadRequest"
        unknown = graph.patch(ms.graph + URL, json={"colour": "red"})
        assert unknown.status_code == 400
    reader = next(a for a in world["apps"] if a["displayName"] == "Reader")
    with ms.graph_session(ms.app_token(world, reader)) as graph:
        refused = graph.patch(ms.graph + URL, json={"isEnabled": False})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    other = ms.world({"domains": ["sd-other.example"], "security_defaults": False})
    with ms.graph_session(ms.app_token(other)) as graph:
        assert graph.get(ms.graph + URL).json()["isEnabled"] is False  # per tenant
