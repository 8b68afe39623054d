"""Graph ``/groups``: create, list ($filter, $select, $top, paging, $count), get, PATCH,
DELETE, members and ``$ref``, ``/users/{id}/memberOf`` (and their OData casts and ``$count``),
error bodies and rights."""

from __future__ import annotations

import pytest

PASSWORD = "Strong-Pass-1"
DOMAIN = "grp.example"


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {
            "domains": [DOMAIN],
            "users": [
                {"userPrincipalName": f"{nick}@{DOMAIN}", "password": PASSWORD}
                for nick in ("ann", "ben", "cat")
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


def _error(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()["error"]
    assert body["code"] == code, body
    return body


def _user_id(graph, ms, nick: str) -> str:
    return graph.get(f"{ms.graph}/users/{nick}@{DOMAIN}").json()["id"]


def _security_group(graph, ms, name: str, **extra) -> dict:
    body = {"displayName": name, "mailNickname": name.replace(" ", ""), "mailEnabled": False,
            "securityEnabled": True, **extra}  # fmt: skip
    reply = graph.post(f"{ms.graph}/groups", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_security_group_lifecycle(graph, ms):
    created = _security_group(graph, ms, "Sales Team", description="Everyone in sales")
    assert created["@odata.context"].endswith("$metadata#groups/$entity")
    assert (created["securityEnabled"], created["mailEnabled"], created["groupTypes"]) == (
        True, False, [],
    )  # fmt: skip
    assert created["mail"] is None and created["securityIdentifier"].startswith("S-1-12-1-")
    url = f"{ms.graph}/groups/{created['id']}"
    got = graph.get(url, params={"$select": "displayName,description"}).json()
    assert got == {
        "@odata.context": got["@odata.context"],
        "displayName": "Sales Team",
        "description": "Everyone in sales",
        "id": created["id"],
    }
    assert graph.patch(url, json={"displayName": "Sales"}).status_code == 204
    assert graph.get(url).json()["displayName"] == "Sales"
    assert graph.delete(url).status_code == 204
    _error(graph.get(url), 404, "Request_ResourceNotFound")
    _error(graph.delete(url), 404, "Request_ResourceNotFound")


def test_members_add_list_remove_and_member_of(graph, ms):
    group = _security_group(graph, ms, "Engineers")
    ann, ben = _user_id(graph, ms, "ann"), _user_id(graph, ms, "ben")
    members = f"{ms.graph}/groups/{group['id']}/members"
    for user_id in (ann, ben):
        reply = graph.post(members + "/$ref", json={"@odata.id": f"{ms.graph}/users/{user_id}"})
        assert reply.status_code == 204, reply.text
    again = graph.post(members + "/$ref", json={"@odata.id": f"{ms.graph}/directoryObjects/{ann}"})
    assert "already exist" in _error(again, 400, "Request_BadRequest")["message"]
    listed = graph.get(members).json()["value"]
    assert [m["id"] for m in listed] == [ann, ben]
    assert listed[0]["@odata.type"] == "#microsoft.graph.user"
    refs = graph.get(members + "/$ref").json()["value"]
    assert refs == [{"@odata.id": f"{ms.graph}/directoryObjects/{u}"} for u in (ann, ben)]
    member_of = graph.get(f"{ms.graph}/users/ann@{DOMAIN}/memberOf").json()["value"]
    assert group["id"] in [g["id"] for g in member_of]
    assert member_of[0]["@odata.type"] == "#microsoft.graph.group"

    assert graph.delete(f"{members}/{ben}/$ref").status_code == 204
    _error(graph.delete(f"{members}/{ben}/$ref"), 404, "Request_ResourceNotFound")
    assert [m["id"] for m in graph.get(members).json()["value"]] == [ann]

    # a soft-deleted member drops out, and comes back with a restore
    assert graph.delete(f"{ms.graph}/users/{ann}").status_code == 204
    assert graph.get(members).json()["value"] == []
    restored = graph.post(f"{ms.graph}/directory/deletedItems/{ann}/restore")
    assert restored.status_code == 200, restored.text
    assert [m["id"] for m in graph.get(members).json()["value"]] == [ann]


def test_members_bound_at_creation(graph, ms):
    cat = _user_id(graph, ms, "cat")
    group = _security_group(
        graph, ms, "Cats", **{"members@odata.bind": [f"{ms.graph}/directoryObjects/{cat}"]}
    )
    listed = graph.get(f"{ms.graph}/groups/{group['id']}/members").json()["value"]
    assert [m["id"] for m in listed] == [cat]


def test_member_casts_and_counts(graph, ms):
    eventual = {"ConsistencyLevel": "eventual"}
    cat = _user_id(graph, ms, "cat")
    group = _security_group(
        graph, ms, "Cast Club", **{"members@odata.bind": [f"{ms.graph}/directoryObjects/{cat}"]}
    )
    members = f"{ms.graph}/groups/{group['id']}/members"
    member_of = f"{ms.graph}/users/cat@{DOMAIN}/memberOf"
    for cast in ("microsoft.graph.user", "graph.user"):
        users = graph.get(f"{members}/{cast}").json()["value"]
        assert [m["id"] for m in users] == [cat]
        assert graph.get(f"{members}/{cast}/$count", headers=eventual).text == "1"
    assert graph.get(f"{members}/microsoft.graph.group").json()["value"] == []
    assert graph.get(f"{members}/$count", headers=eventual).text == "1"
    all_groups = [g["id"] for g in graph.get(member_of).json()["value"]]
    assert group["id"] in all_groups
    for cast in ("microsoft.graph.group", "graph.group"):
        groups = graph.get(f"{member_of}/{cast}", params={"$select": "id,displayName"})
        assert [g["id"] for g in groups.json()["value"]] == all_groups
        assert set(groups.json()["value"][0]) == {"@odata.type", "id", "displayName"}
        count = graph.get(f"{member_of}/{cast}/$count", headers=eventual)
        assert count.headers["Content-Type"].startswith("text/plain")
        assert count.text == str(len(all_groups))
    assert graph.get(f"{member_of}/microsoft.graph.administrativeUnit").json()["value"] == []
    _error(graph.get(f"{member_of}/$count"), 400, "Request_BadRequest")
    body = _error(graph.get(f"{member_of}/microsoft.graph.user"), 400, "BadRequest")
    assert body["message"] == "Resource not found for the segment 'microsoft.graph.user'."
    _error(graph.get(f"{ms.graph}/users/nobody@{DOMAIN}/memberOf/graph.group"), 404,
           "Request_ResourceNotFound")  # fmt: skip


def test_list_filter_select_top_paging_and_count(graph, ms):
    made = [_security_group(graph, ms, f"Paging {i}")["id"] for i in range(5)]
    url = f"{ms.graph}/groups"
    page = graph.get(
        url,
        params={"$filter": "startsWith(displayName,'Paging')", "$top": "2",
                "$select": "id,displayName"},
    ).json()  # fmt: skip
    seen = [g["id"] for g in page["value"]]
    assert set(page["value"][0]) == {"id", "displayName"}
    while "@odata.nextLink" in page:
        page = graph.get(page["@odata.nextLink"]).json()
        seen += [g["id"] for g in page["value"]]
    assert seen == made
    unified = graph.get(url, params={"$filter": "securityEnabled eq true"}).json()["value"]
    assert set(made) <= {g["id"] for g in unified}
    counted = graph.get(
        url,
        params={"$filter": "endsWith(displayName,'4')", "$count": "true"},
        headers={"ConsistencyLevel": "eventual"},
    ).json()
    assert counted["@odata.count"] == 1 and counted["value"][0]["id"] == made[4]
    _error(
        graph.get(url, params={"$filter": "endsWith(displayName,'4')"}),
        400,
        "Request_UnsupportedQuery",
    )
    _error(graph.get(url, params={"$filter": "nope eq 1"}), 400, "BadRequest")
    _error(graph.get(url, params={"$top": "1000"}), 400, "Request_UnsupportedQuery")


def test_microsoft_365_group_gets_a_mail_address(graph, ms, world):
    reply = graph.post(
        f"{ms.graph}/groups",
        json={"displayName": "Project X", "mailNickname": "projectx", "mailEnabled": True,
              "securityEnabled": False, "groupTypes": ["Unified"]},
    )  # fmt: skip
    assert reply.status_code == 201, reply.text
    group = reply.json()
    assert group["groupTypes"] == ["Unified"] and group["visibility"] == "Public"
    assert group["mail"] == f"projectx@{world['initial_domain']}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"mailEnabled": True, "securityEnabled": True},
         "Cannot Create a mail-enabled security groups and or distribution list."),
        ({"mailEnabled": True, "securityEnabled": False},
         "Cannot Create a mail-enabled security groups and or distribution list."),
        ({"mailNickname": ""},
         "Invalid value specified for property 'mailNickname' of resource 'Group'."),
        ({"displayName": None},
         "Invalid value specified for property 'displayName' of resource 'Group'."),
        ({"securityEnabled": "yes"},
         "Invalid value specified for property 'securityEnabled' of resource 'Group'."),
        ({"colour": "red"}, "Property 'colour' does not exist on type 'microsoft.graph.group'."),
    ],
)  # fmt: skip
def test_bad_groups_are_refused_with_graphs_messages(graph, ms, body, message):
    full = {"displayName": "Bad", "mailNickname": "bad", "mailEnabled": False,
            "securityEnabled": True, **body}  # fmt: skip
    error = _error(graph.post(f"{ms.graph}/groups", json=full), 400, "Request_BadRequest")
    assert error["message"].startswith(message)


def test_kind_cannot_change_after_creation(graph, ms):
    group = _security_group(graph, ms, "Fixed kind")
    reply = graph.patch(f"{ms.graph}/groups/{group['id']}", json={"mailEnabled": True})
    _error(reply, 400, "Request_BadRequest")


def test_reader_without_group_permissions_is_forbidden(ms, world):
    reader = next(a for a in world["apps"] if a["displayName"] == "Reader")
    with ms.graph_session(ms.app_token(world, reader)) as s:
        _error(s.get(f"{ms.graph}/groups"), 403, "Authorization_RequestDenied")
        _error(
            s.post(f"{ms.graph}/groups", json={"displayName": "x"}),
            403,
            "Authorization_RequestDenied",
        )


def test_another_tenants_group_is_not_found(graph, ms):
    group = _security_group(graph, ms, "Private to this tenant")
    other = ms.world({"domains": ["grp-other.example"]})
    with ms.graph_session(ms.app_token(other)) as s:
        _error(s.get(f"{ms.graph}/groups/{group['id']}"), 404, "Request_ResourceNotFound")
        _error(s.delete(f"{ms.graph}/groups/{group['id']}"), 404, "Request_ResourceNotFound")
        assert s.get(f"{ms.graph}/groups").json()["value"] == []
    assert graph.get(f"{ms.graph}/groups/{group['id']}").status_code == 200
