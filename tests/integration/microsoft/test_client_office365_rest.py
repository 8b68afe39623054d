"""Office365-REST-Python-Client 3.3 (``GraphClient``), unmodified, against the lab's Graph.

Configured as its docs and maintainers say: a token callback with an msal app at the lab's
authority (the documented "custom token" flow, client credentials with the world's automation
app); the lab CA through ``with_transport``; and, since the client only knows Microsoft's clouds'
Graph hosts, a ``before_execute`` hook that sends its requests to the lab's Graph instead (the
maintainer's advice for other Graph hosts). Paging follows the ``@odata.nextLink`` the lab sends.
"""

from __future__ import annotations

import pytest
import requests
from office365.directory.users.password_profile import PasswordProfile
from office365.directory.users.profile import UserProfile
from office365.graph_client import GraphClient
from office365.runtime.client_request_exception import ClientRequestException
from office365.runtime.http.request_options import RequestOptions

from .graph_clients import DOMAIN, GRAPH_DEFAULT, MEGAN, PAGE, lab_msal_app, new_user, user_total

GRAPH = "https://graph.microsoft.com/v1.0"


@pytest.fixture(scope="module")
def sent() -> list[str]:
    """Every URL the client sent, as it reached the lab."""
    return []


@pytest.fixture(scope="module")
def client(ms, clients_world, sent) -> GraphClient:
    app = clients_world["app"]
    msal_app = lab_msal_app(ms, clients_world["tenant_id"], app["client_id"], app["client_secret"])

    def acquire_token() -> dict:
        return msal_app.acquire_token_for_client(scopes=GRAPH_DEFAULT)

    def to_the_lab(request: RequestOptions) -> None:
        if request.url.startswith(GRAPH):
            request.url = ms.graph + request.url.removeprefix(GRAPH)

    session = requests.Session()
    session.hooks["response"].append(lambda response, **_: sent.append(response.request.url))
    client = GraphClient(tenant=clients_world["tenant_id"], token_callback=acquire_token)
    client.with_transport(session=session, verify=ms.ca, timeout=30)
    client.pending_request().before_execute(to_the_lab, once=False)
    yield client
    session.close()


def _profile(nick: str, display_name: str) -> UserProfile:
    body = new_user(nick, display_name)
    return UserProfile(
        **{k: v for k, v in body.items() if k != "passwordProfile"},
        passwordProfile=PasswordProfile(password=body["passwordProfile"]["password"]),
    )


def _raises(status: int, code: str, call) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as raised:
        call()
    assert raised.value.response.status_code == status and raised.value.code == code
    assert raised.value.request_id
    return raised.value


def test_lists_every_user_by_following_next_links(client, ms, clients_world, sent):
    first = client.users.get().top(PAGE).execute_query()
    assert len(first) == PAGE and first.has_next
    sent.clear()
    everyone = client.users.get_all(page_size=PAGE).execute_query()
    ids = [user.id for user in everyone]
    total = user_total(ms, clients_world)
    assert total > 3 * PAGE
    assert len(ids) == len(set(ids)) == total
    assert all(url.startswith(f"{ms.graph}/users?") for url in sent)
    assert len(sent) == -(-total // PAGE) and all("$skiptoken=" in url for url in sent[1:])


def test_gets_a_user_by_upn_and_by_id_with_select(client):
    megan = client.users[MEGAN["userPrincipalName"]].get().execute_query()
    assert megan.display_name == MEGAN["displayName"] and megan.job_title == MEGAN["jobTitle"]
    by_id = client.users[megan.id].select(["displayName", "department"]).get().execute_query()
    assert by_id.properties == {
        "id": megan.id,
        "displayName": MEGAN["displayName"],
        "department": MEGAN["department"],
    }


def test_filters_users(client):
    found = client.users.filter("startsWith(displayName,'Megan B')").get().execute_query()
    # the generated users are random: one of them may be a Megan B… too
    assert MEGAN["userPrincipalName"] in [u.user_principal_name for u in found]
    assert all(u.display_name.startswith("Megan B") for u in found)
    by_department = client.users.filter("department eq 'Marketing'").get().execute_query()
    assert [u.id for u in by_department] == [found[0].id]


def test_user_lifecycle_create_update_delete_restore_purge(client):
    created = client.users.add(_profile("alex", "Alex Wilber")).execute_query()
    assert created.id and created.user_principal_name == f"alex@{DOMAIN}"
    _raises(
        400, "Request_BadRequest", client.users.add(_profile("alex", "Alex again")).execute_query
    )

    created.set_property("jobTitle", "Buyer").update().execute_query()
    assert client.users[f"alex@{DOMAIN}"].get().execute_query().job_title == "Buyer"

    created.delete_object().execute_query()
    _raises(404, "Request_ResourceNotFound", client.users[created.id].get().execute_query)
    deleted = client.directory.deleted_users.get().execute_query()
    assert created.id in [u.id for u in deleted]

    client.directory.deleted_users[created.id].restore().execute_query()
    restored = client.users[created.id].get().execute_query()
    assert restored.job_title == "Buyer"

    # Soft delete then purge at /directory/deletedItems/microsoft.graph.user/{id}.
    restored.delete_object(permanent_delete=True).execute_query()
    assert created.id not in [u.id for u in client.directory.deleted_users.get().execute_query()]
    gone = client.directory.deleted_users[created.id]
    _raises(404, "Request_ResourceNotFound", gone.get().execute_query)
    _raises(404, "Request_ResourceNotFound", gone.restore().execute_query)
