"""Identifiers both systems know without sharing state: the JumpCloud multi-tenant app in Entra.

JumpCloud's directory integration is one multi-tenant Entra application owned by JumpCloud.
The lab registers it in every tenant; its client secret is derived from the lab's admin token,
so a JumpCloud and a Microsoft process of the same lab agree on it without talking.
"""

from __future__ import annotations

import hashlib
import hmac

JUMPCLOUD_M365_APP_ID = "5f0b7c2e-4a1d-4c55-9a57-6a3f1c0de365"
JUMPCLOUD_M365_APP_NAME = "JumpCloud Microsoft 365 Directory Integration"
JUMPCLOUD_M365_CALLBACK_PATH = "/m365/oauth/callback"
"""Path on the console host where Entra sends the admin back after consent."""

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_RESOURCE = "https://graph.microsoft.com"


def jumpcloud_m365_app_secret(admin_token: str) -> str:
    """The JumpCloud app's client secret in this lab (same in every process of the lab)."""
    digest = hmac.new(admin_token.encode(), b"jumpcloud-m365-app", hashlib.sha256).hexdigest()
    return "jc~" + digest[:37]
