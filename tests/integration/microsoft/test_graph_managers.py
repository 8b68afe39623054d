"""Graph ``/users/{id}/manager`` and ``/manager/$ref``: assign, read, remove, errors, rights."""

from __future__ import annotations

import pytest

PASSWORD = "Strong-Pass-1"


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {
            "domains": ["mgr.example"],
            "users": [
                {"userPrincipalName": f"{nick}@mgr.example", "password": PASSWORD}
                for nick in ("boss", "worker", "other")
            ],
            "apps": [
                {
                    "displayName": "Reader",
                    "application_permissions": ["User.Read.All"],
                    "admin_consent": True,
                }
            ],
        }
    )


def _id(graph, ms, nick: str) -> str:
    return graph.get(f"{ms.graph}/users/{nick}@mgr.example").json()["id"]


def _error(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()["error"]
    assert body["code"] == code, body
    return body


def test_assign_read_replace_and_remove_a_manager(graph, ms):
    worker, boss, other = (_id(graph, ms, n) for n in ("worker", "boss", "other"))
    url = f"{ms.graph}/users/{worker}/manager"
    none = _error(graph.get(url), 404, "Request_ResourceNotFound")
    assert "'manager'" in none["message"]
    _error(graph.delete(url + "/$ref"), 404, "Request_ResourceNotFound")

    reply = graph.put(url + "/$ref", json={"@odata.id": f"{ms.graph}/users/{boss}"})
    assert reply.status_code == 204 and not reply.content
    shown = graph.get(url).json()
    assert shown["id"] == boss and shown["userPrincipalName"] == "boss@mgr.example"
    assert shown["@odata.type"] == "#microsoft.graph.user"
    assert shown["@odata.context"].endswith("$metadata#directoryObjects/$entity")
    ref = graph.get(url + "/$ref").json()
    assert ref["@odata.id"].endswith(f"/directoryObjects/{boss}")
    # by UPN, and through a directoryObjects reference
    assert graph.get(f"{ms.graph}/users/worker@mgr.example/manager").json()["id"] == boss
    reply = graph.put(
        url + "/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{other}"},
    )
    assert reply.status_code == 204
    assert graph.get(url, params={"$select": "id,displayName"}).json()["id"] == other

    assert graph.delete(url + "/$ref").status_code == 204
    _error(graph.get(url), 404, "Request_ResourceNotFound")


def test_a_deleted_manager_is_not_shown(graph, ms):
    worker, other = _id(graph, ms, "worker"), _id(graph, ms, "other")
    url = f"{ms.graph}/users/{worker}/manager"
    assert (
        graph.put(url + "/$ref", json={"@odata.id": f"{ms.graph}/users/{other}"}).status_code == 204
    )
    assert graph.delete(f"{ms.graph}/users/{other}").status_code == 204
    _error(graph.get(url), 404, "Request_ResourceNotFound")
    restored = graph.post(f"{ms.graph}/directory/deletedItems/{other}/restore")
    assert restored.status_code == 200, restored.text
    assert graph.get(url).json()["id"] == other
    assert graph.delete(url + "/$ref").status_code == 204


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "Request_BadRequest"),
        ({"@odata.id": 42}, 400, "Request_BadRequest"),
        ({"@odata.id": "https://graph.microsoft.com/v1.0/groups/x"}, 400, "Request_BadRequest"),
        (
            {
                "@odata.id": "https://graph.microsoft.com/v1.0/users/00000000-0000-0000-0000-000000000001"
            },
            404,
            "Request_ResourceNotFound",
        ),
    ],
)
def test_bad_references(graph, ms, body, status, code):
    worker = _id(graph, ms, "worker")
    _error(graph.put(f"{ms.graph}/users/{worker}/manager/$ref", json=body), status, code)


def test_no_self_no_cross_tenant_no_unknown_user(graph, ms):
    worker = _id(graph, ms, "worker")
    ref = f"{ms.graph}/users/{worker}/manager/$ref"
    _error(
        graph.put(ref, json={"@odata.id": f"{ms.graph}/users/{worker}"}), 400, "Request_BadRequest"
    )
    stranger = ms.world({"domains": ["mgr-other.example"], "users": [
        {"userPrincipalName": "x@mgr-other.example", "password": PASSWORD}]})  # fmt: skip
    with ms.graph_session(ms.app_token(stranger)) as s:
        foreign = s.get(f"{ms.graph}/users/x@mgr-other.example").json()["id"]
        # the other tenant cannot see this one's users either
        _error(s.get(f"{ms.graph}/users/{worker}/manager"), 404, "Request_ResourceNotFound")
    _error(graph.put(ref, json={"@odata.id": f"{ms.graph}/users/{foreign}"}), 404,
           "Request_ResourceNotFound")  # fmt: skip
    _error(
        graph.put(f"{ms.graph}/users/nobody@mgr.example/manager/$ref",
                  json={"@odata.id": f"{ms.graph}/users/{worker}"}),
        404, "Request_ResourceNotFound",
    )  # fmt: skip


def test_manager_writes_need_write_permissions(ms, world, graph):
    worker, boss = _id(graph, ms, "worker"), _id(graph, ms, "boss")
    with ms.graph_session(ms.app_token(world, world["apps"][0])) as reader:
        ref = f"{ms.graph}/users/{worker}/manager/$ref"
        body = {"@odata.id": f"{ms.graph}/users/{boss}"}
        _error(reader.put(ref, json=body), 403, "Authorization_RequestDenied")
        _error(reader.delete(ref), 403, "Authorization_RequestDenied")
        _error(reader.get(f"{ms.graph}/users/{worker}/manager"), 404, "Request_ResourceNotFound")
    with ms.graph_session("not-a-token") as anonymous:
        _error(anonymous.put(ref, json=body), 401, "InvalidAuthenticationToken")
