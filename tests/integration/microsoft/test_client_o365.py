"""O365 (python-o365) 2.1, unmodified, against the lab's Graph with the world's automation app.

Configured as O365 and its maintainers document it: a protocol subclass for another Graph host
(``MSGraphProtocol`` with the lab's URL), a ``Connection`` subclass for another authority whose msal
app skips instance discovery, the lab CA as ``verify_ssl``, and the credentials flow. O365 reads
users itself (``Directory``); for writes and deleted items it has no class, so ``DirectoryWrites``
extends it the way its docs show (an ``ApiComponent`` that sends through the connection).
"""

from __future__ import annotations

import pytest
from O365 import Account, Connection, MSGraphProtocol
from O365.directory import User
from O365.utils import ApiComponent, Pagination
from O365.utils.token import MemoryTokenBackend
from requests.exceptions import HTTPError

from .graph_clients import DOMAIN, MEGAN, PAGE, lab_msal_app, new_user, user_total


class LabGraphProtocol(MSGraphProtocol):
    """Microsoft Graph at the lab's host (O365's docs: inherit a protocol for another URL)."""

    def __init__(self, graph_root: str, **kwargs) -> None:
        self._protocol_url = graph_root
        super().__init__(**kwargs)


class LabConnection(Connection):
    """A connection that signs in at the lab's authority (the subclass O365's maintainers advise
    for other clouds); its msal app shares O365's token backend as cache."""

    def __init__(self, credentials: tuple[str, str], *, lab, **kwargs) -> None:
        super().__init__(credentials, **kwargs)
        self._msal_authority = f"{lab.login}/{self.tenant_id}"
        self._msal_client = lab_msal_app(
            lab, self.tenant_id, *credentials, token_cache=self.token_backend
        )


class LabAccount(Account):
    connection_constructor = LabConnection


class DirectoryWrites(ApiComponent):
    """Creating, updating, deleting and recovering users, which O365's ``Directory`` lacks."""

    _endpoints = {
        "users": "/users",
        "user": "/users/{id}",
        "deleted_users": "/directory/deletedItems/microsoft.graph.user",
        "deleted": "/directory/deletedItems/{id}",
        "restore": "/directory/deletedItems/{id}/restore",
    }

    def __init__(self, *, parent: Account) -> None:
        self.con = parent.con
        super().__init__(protocol=parent.protocol, main_resource="")

    def _user(self, data: dict) -> User:
        return User(parent=self, **{self._cloud_data_key: data})

    def _url(self, name: str, **ids: str) -> str:
        return self.build_url(self._endpoints[name].format(**ids))

    def create(self, body: dict) -> User:
        return self._user(self.con.post(self._url("users"), data=body).json())

    def update(self, user_id: str, changes: dict) -> None:
        self.con.patch(self._url("user", id=user_id), data=changes)

    def delete(self, user_id: str) -> None:
        self.con.delete(self._url("user", id=user_id))

    def deleted_users(self) -> list[User]:
        return [self._user(u) for u in self.con.get(self._url("deleted_users")).json()["value"]]

    def restore(self, user_id: str) -> User:
        return self._user(self.con.post(self._url("restore", id=user_id)).json())

    def purge(self, user_id: str) -> None:
        self.con.delete(self._url("deleted", id=user_id))


@pytest.fixture(scope="module")
def account(ms, clients_world) -> Account:
    app = clients_world["app"]
    account = LabAccount(
        (app["client_id"], app["client_secret"]),
        auth_flow_type="credentials",
        tenant_id=clients_world["tenant_id"],
        protocol=LabGraphProtocol(ms.graph.removesuffix("v1.0")),
        lab=ms,
        token_backend=MemoryTokenBackend(),
        verify_ssl=ms.ca,
        requests_delay=0,  # O365 waits 200 ms between calls by default
        timeout=30,
    )
    assert account.authenticate()
    return account


def _not_found(call) -> HTTPError:
    with pytest.raises(HTTPError) as raised:
        call()
    assert raised.value.response.status_code == 404
    assert raised.value.response.json()["error"]["code"] == "Request_ResourceNotFound"
    return raised.value


def test_lists_every_user_by_following_next_links(account, ms, clients_world):
    users = account.directory().get_users(limit=999, batch=PAGE)
    assert isinstance(users, Pagination)
    assert users.next_link.startswith(f"{ms.graph}/users?") and "$skiptoken=" in users.next_link
    ids = [user.object_id for user in users]
    total = user_total(ms, clients_world)
    assert total > 3 * PAGE
    assert len(ids) == len(set(ids)) == total


def test_gets_a_user_by_upn_and_by_id_with_select(account):
    directory = account.directory()
    megan = directory.get_user(MEGAN["userPrincipalName"])
    assert megan.display_name == MEGAN["displayName"] and megan.job_title == MEGAN["jobTitle"]
    assert megan.department is None  # not in Graph's default property set
    query = directory.new_query().select("display_name", "department")
    by_id = directory.get_user(megan.object_id, query=query)
    assert by_id.object_id == megan.object_id
    assert (by_id.display_name, by_id.department) == (MEGAN["displayName"], MEGAN["department"])
    assert by_id.user_principal_name is None and by_id.job_title is None


def test_filters_users(account):
    directory = account.directory()
    builder = directory.new_query()
    found = list(directory.get_users(query=builder.startswith("display_name", "Megan B")))
    # the generated users are random: one of them may be a Megan B… too
    assert MEGAN["userPrincipalName"] in [u.user_principal_name for u in found]
    assert all(u.display_name.startswith("Megan B") for u in found)
    by_department = directory.get_users(query="department eq 'Marketing'")
    assert [u.display_name for u in by_department] == [MEGAN["displayName"]]


def test_user_lifecycle_create_update_delete_restore_purge(account):
    directory, writes = account.directory(), DirectoryWrites(parent=account)
    created = writes.create(new_user("adele", "Adele Vance"))
    assert created.object_id and created.user_principal_name == f"adele@{DOMAIN}"
    with pytest.raises(HTTPError) as duplicate:
        writes.create(new_user("adele", "Adele again"))
    assert duplicate.value.response.status_code == 400
    assert "already exists" in str(duplicate.value)

    writes.update(created.object_id, {"jobTitle": "Buyer"})
    assert directory.get_user(f"adele@{DOMAIN}").job_title == "Buyer"

    writes.delete(created.object_id)
    _not_found(lambda: directory.get_user(created.object_id))
    deleted = {u.object_id: u for u in writes.deleted_users()}
    assert deleted[created.object_id].user_principal_name == f"adele@{DOMAIN}"

    restored = writes.restore(created.object_id)
    assert restored.object_id == created.object_id
    assert directory.get_user(created.object_id).job_title == "Buyer"

    writes.delete(created.object_id)
    writes.purge(created.object_id)
    assert created.object_id not in [u.object_id for u in writes.deleted_users()]
    _not_found(lambda: writes.restore(created.object_id))
