"""What the third-party Graph client suites share: the lab as an msal authority, a tenant with
several pages of users, and the profiles of the users they create."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msal

if TYPE_CHECKING:
    from .conftest import MicrosoftLab

GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]
DOMAIN = "clients.example"
PAGE = 40  # the page size the suites ask for: the tenant holds several pages of users
GENERATED_USERS = 150
MEGAN = {
    "userPrincipalName": f"megan@{DOMAIN}",
    "displayName": "Megan Bowen",
    "jobTitle": "Marketing Manager",
    "department": "Marketing",
}


def world_document() -> dict:
    """The ``microsoft`` section of the client suites' world."""
    return {
        "tenant": "Northwind",
        "domains": [{"name": DOMAIN}],
        "users": [{**MEGAN, "password": "Megan-Pass-12"}],
        "generate_users": {"count": GENERATED_USERS, "domain": DOMAIN},
    }


def lab_msal_app(
    ms: MicrosoftLab, tenant: str, client_id: str, secret: str, token_cache=None
) -> msal.ConfidentialClientApplication:
    """An msal app at the lab's authority, set up with msal's documented options only.

    ``instance_discovery=False`` because msal would otherwise ask login.microsoftonline.com
    whether it knows the authority; ``verify`` is the lab CA.
    """
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{ms.login}/{tenant}",
        token_cache=token_cache,
        verify=ms.ca,
        instance_discovery=False,
    )


def user_total(ms: MicrosoftLab, world: dict) -> int:
    """How many users the tenant holds, asked of ``/users/$count`` without any client."""
    with ms.graph_session(ms.app_token(world)) as graph:
        reply = graph.get(f"{ms.graph}/users/$count", headers={"ConsistencyLevel": "eventual"})
    assert reply.status_code == 200, reply.text
    return int(reply.text)


def new_user(nick: str, display_name: str) -> dict:
    """A Graph user creation body for ``nick@DOMAIN``."""
    return {
        "accountEnabled": True,
        "displayName": display_name,
        "mailNickname": nick,
        "userPrincipalName": f"{nick}@{DOMAIN}",
        "passwordProfile": {"password": f"{nick.title()}-Pass-123"},
    }
