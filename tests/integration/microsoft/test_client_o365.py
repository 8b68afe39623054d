"""O365 (python-o365), unmodified, on Graph: its directory of users and its connection.

O365 takes the Graph URL from its protocol, so the lab's is given by a protocol subclass
(``_protocol_url``, as O365's own protocols set it); its msal authority is fixed to
login.microsoftonline.com, so the connection gets an msal app made for the lab
(``instance_discovery=False``) before it first needs one; the lab CA comes from
``REQUESTS_CA_BUNDLE``. Users: list with ``$select``, ``$filter``, ``$orderby``, paging in
batches, get by id and by UPN, manager; create, update, delete, restore and permanent delete
through the connection's own ``post``/``patch``/``delete``.
"""

from __future__ import annotations

import msal
import pytest
import requests
from O365 import Account
from O365.connection import MSGraphProtocol

DOMAIN = "o365lib.example"


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {
            "tenant": "Lib",
            "domains": [{"name": DOMAIN}],
            "users": [
                {"userPrincipalName": f"boss@{DOMAIN}", "displayName": "Boss"},
                {"userPrincipalName": f"worker@{DOMAIN}", "displayName": "Worker"},
            ],
            "generate_users": 60,
        }
    )


@pytest.fixture(scope="module")
def account(ms, world):
    class LabGraphProtocol(MSGraphProtocol):
        _protocol_url = ms.ctx.url("graph") + "/"

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", ms.ca)
        credentials = (world["app"]["client_id"], world["app"]["client_secret"])
        account = Account(
            credentials,
            auth_flow_type="credentials",
            tenant_id=world["tenant_id"],
            protocol=LabGraphProtocol(),
        )
        account.con._msal_client = msal.ConfidentialClientApplication(
            credentials[0],
            client_credential=credentials[1],
            authority=f"{ms.login}/{world['tenant_id']}",
            instance_discovery=False,
            token_cache=account.con.token_backend,
            verify=ms.ca,
        )
        assert account.authenticate()
        yield account


def _users_url(account) -> str:
    return account.protocol.service_url + "users"


def test_list_users_in_batches(account):
    users = list(account.directory().get_users(limit=None, batch=25))
    assert len(users) >= 62
    assert len({u.object_id for u in users}) == len(users)


def test_select_filter_and_order(account):
    directory = account.directory()
    builder = directory.new_query()
    query = builder.select("id", "displayName", "userPrincipalName") & builder.startswith(
        "displayName", "Bo"
    )
    assert [u.display_name for u in directory.get_users(limit=10, query=query)] == ["Boss"]
    ordered = [u.display_name for u in directory.get_users(limit=999, order_by="displayName")]
    assert ordered == sorted(ordered, key=str.lower)
    # $orderby with $filter is an advanced query in Graph: refused without ConsistencyLevel
    with pytest.raises(requests.HTTPError) as refused:
        list(directory.get_users(limit=10, query=query, order_by="displayName"))
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_get_by_upn_and_by_id(account):
    directory = account.directory()
    boss = directory.get_user(f"boss@{DOMAIN}")
    assert boss.user_principal_name == f"boss@{DOMAIN}"
    assert directory.get_user(boss.object_id).display_name == "Boss"


def test_manager(account):
    directory = account.directory()
    boss, worker = directory.get_user(f"boss@{DOMAIN}"), directory.get_user(f"worker@{DOMAIN}")
    ref = {"@odata.id": f"{account.protocol.service_url}users/{boss.object_id}"}
    account.con.put(f"{_users_url(account)}/{worker.object_id}/manager/$ref", data=ref)
    assert directory.get_user_manager(worker.object_id).object_id == boss.object_id


def test_create_update_delete_restore_purge(account):
    con, users = account.con, _users_url(account)
    created = con.post(
        users,
        data={
            "accountEnabled": True,
            "displayName": "Temp",
            "mailNickname": "temp",
            "userPrincipalName": f"temp@{DOMAIN}",
            "passwordProfile": {"password": "Lib-Passw0rd!1"},
        },
    ).json()
    con.patch(f"{users}/{created['id']}", data={"jobTitle": "Tester"})
    assert account.directory().get_user(created["id"]).job_title == "Tester"
    con.delete(f"{users}/{created['id']}")
    deleted = f"{account.protocol.service_url}directory/deletedItems"
    listed = con.get(f"{deleted}/microsoft.graph.user").json()["value"]
    assert created["id"] in [u["id"] for u in listed]
    con.post(f"{deleted}/{created['id']}/restore")
    assert account.directory().get_user(created["id"]).object_id == created["id"]
    con.delete(f"{users}/{created['id']}")
    con.delete(f"{deleted}/{created['id']}")
    listed = con.get(f"{deleted}/microsoft.graph.user").json()["value"]
    assert created["id"] not in [u["id"] for u in listed]
