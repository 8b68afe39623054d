"""Office365-REST-Python-Client (``office365.graph_client.GraphClient``), unmodified, on Graph.

Configured with the library's own extension points only: ``token_callback`` returns a token
msal got from the lab's authority, and a ``before_execute`` handler on the pending request
sends each call to the lab's Graph (the library builds its URLs from a fixed cloud table) with
the lab CA. Users: list, get by id and by UPN, ``$select``, ``$filter``, paging, create, update,
delete, deleted items, restore, permanent delete.
"""

from __future__ import annotations

import msal
import pytest
from office365.directory.users.password_profile import PasswordProfile
from office365.directory.users.profile import UserProfile
from office365.graph_client import GraphClient
from office365.runtime.client_request_exception import ClientRequestException

GRAPH = "https://graph.microsoft.com"
DOMAIN = "o365rest.example"


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {"tenant": "Rest", "domains": [{"name": DOMAIN}], "generate_users": 120},
    )


@pytest.fixture(scope="module")
def client(ms, world) -> GraphClient:
    app = msal.ConfidentialClientApplication(
        world["app"]["client_id"],
        client_credential=world["app"]["client_secret"],
        authority=f"{ms.login}/{world['tenant_id']}",
        instance_discovery=False,
        verify=ms.ca,
    )

    def token() -> dict:
        return app.acquire_token_for_client([f"{GRAPH}/.default"])

    client = GraphClient(token_callback=token)

    def to_the_lab(request) -> None:
        request.url = request.url.replace(GRAPH, ms.ctx.url("graph"), 1)
        request.verify = ms.ca

    client.pending_request().before_execute(to_the_lab, once=False)
    return client


def _new_user(client: GraphClient, nickname: str):
    profile = UserProfile(
        userPrincipalName=f"{nickname}@{DOMAIN}",
        passwordProfile=PasswordProfile(password="Rest-Passw0rd!1"),
        mailNickname=nickname,
        displayName=nickname.title(),
        accountEnabled=True,
    )
    return client.users.add(profile).execute_query()


def test_list_users_with_select_and_paging(client, world):
    users = client.users.select(["id", "displayName"]).get_all(page_size=50).execute_query()
    assert len(users) >= 120
    assert all(u.id and u.display_name for u in users)


def test_get_by_id_and_by_upn(client):
    created = _new_user(client, "rita")
    by_id = client.users[created.id].get().execute_query()
    by_upn = client.users[f"rita@{DOMAIN}"].get().execute_query()
    assert by_id.user_principal_name == by_upn.user_principal_name == f"rita@{DOMAIN}"


def test_filter(client):
    _new_user(client, "filterme")
    found = client.users.filter(f"userPrincipalName eq 'filterme@{DOMAIN}'").get().execute_query()
    assert [u.user_principal_name for u in found] == [f"filterme@{DOMAIN}"]


def test_update(client):
    user = _new_user(client, "upd")
    user.set_property("jobTitle", "Tester").update().execute_query()
    assert client.users[user.id].get().execute_query().job_title == "Tester"


def test_delete_restore_and_permanent_delete(client):
    user = _new_user(client, "gone")
    user.delete_object().execute_query()
    with pytest.raises(ClientRequestException) as missing:
        client.users[user.id].get().execute_query()
    assert missing.value.response.status_code == 404
    deleted = client.directory.deleted_users.get().execute_query()
    assert user.id in [u.id for u in deleted]
    client.directory.deleted_users[user.id].restore().execute_query()
    assert client.users[user.id].get().execute_query().id == user.id
    user.delete_object(permanent_delete=True).execute_query()
    deleted = client.directory.deleted_users.get().execute_query()
    assert user.id not in [u.id for u in deleted]
