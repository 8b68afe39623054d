"""Graph ``/users/{id}/directReports`` and ``$expand=manager|directReports`` on users."""

from __future__ import annotations

import pytest

from .graph_contract import problems

DOMAIN = "org.example"
PEOPLE = ("ceo", "lead", "dev1", "dev2", "solo")
USER_TYPE = "#microsoft.graph.user"
CHART = {"lead": "ceo", "dev1": "lead", "dev2": "lead"}
"""Who reports to whom; ``solo`` has no manager and no reports."""


@pytest.fixture(scope="module")
def world(ms):
    users = [{"userPrincipalName": f"{n}@{DOMAIN}", "password": "Chart-Pass-1"} for n in PEOPLE]
    return ms.world({"domains": [DOMAIN], "users": users})


@pytest.fixture(scope="module")
def ids(ms, graph):
    found = {n: graph.get(f"{ms.graph}/users/{n}@{DOMAIN}").json()["id"] for n in PEOPLE}
    for report, manager in CHART.items():
        ref = {"@odata.id": f"{ms.graph}/users/{found[manager]}"}
        reply = graph.put(f"{ms.graph}/users/{found[report]}/manager/$ref", json=ref)
        assert reply.status_code == 204, reply.text
    return found


def _nicks(values: list[dict]) -> list[str]:
    return [v["userPrincipalName"].split("@")[0] for v in values]


def test_direct_reports_list_the_users_a_user_manages(ms, graph, ids):
    url = f"{ms.graph}/users/{ids['lead']}/directReports"
    body = graph.get(url).json()
    assert body["@odata.context"].endswith("$metadata#directoryObjects")
    assert _nicks(body["value"]) == ["dev1", "dev2"]
    assert all(v["@odata.type"] == "#microsoft.graph.user" for v in body["value"])
    assert [p for v in body["value"] for p in problems(v, "directoryObject")] == []
    assert graph.get(f"{ms.graph}/users/solo@{DOMAIN}/directReports").json()["value"] == []
    picked = graph.get(url, params={"$select": "id,jobTitle"}).json()["value"][0]
    assert set(picked) == {"@odata.type", "id", "jobTitle"}
    assert _nicks(graph.get(url + "/microsoft.graph.user").json()["value"]) == ["dev1", "dev2"]
    assert graph.get(url + "/microsoft.graph.orgContact").json()["value"] == []
    eventual = {"ConsistencyLevel": "eventual"}
    assert graph.get(url + "/$count", headers=eventual).text == "2"
    assert graph.get(url + "/microsoft.graph.user/$count", headers=eventual).text == "2"
    assert graph.get(url + "/$count").status_code == 400  # needs ConsistencyLevel
    bad_cast = graph.get(url + "/microsoft.graph.group")
    assert bad_cast.status_code == 400 and bad_cast.json()["error"]["code"] == "BadRequest"
    missing = graph.get(f"{ms.graph}/users/nobody@{DOMAIN}/directReports")
    assert missing.status_code == 404


def test_a_deleted_report_leaves_the_list_until_restored(ms, graph, ids):
    url = f"{ms.graph}/users/{ids['lead']}/directReports"
    assert graph.delete(f"{ms.graph}/users/{ids['dev2']}").status_code == 204
    assert _nicks(graph.get(url).json()["value"]) == ["dev1"]
    restore = graph.post(f"{ms.graph}/directory/deletedItems/{ids['dev2']}/restore")
    assert restore.status_code == 200, restore.text
    assert _nicks(graph.get(url).json()["value"]) == ["dev1", "dev2"]


def test_expand_manager_on_a_user_and_on_the_collection(ms, graph, ids):
    one = graph.get(
        f"{ms.graph}/users/{ids['dev1']}",
        params={"$expand": "manager($select=id,displayName)", "$select": "id"},
    ).json()
    assert one["manager"]["id"] == ids["lead"]
    assert set(one["manager"]) == {"@odata.type", "id", "displayName"}
    top = graph.get(f"{ms.graph}/users/{ids['solo']}", params={"$expand": "manager"}).json()
    assert "manager" not in top  # no manager: no property
    listed = graph.get(f"{ms.graph}/users", params={"$expand": "Manager", "$top": "999"}).json()
    managers = {
        u["userPrincipalName"].split("@")[0]: u.get("manager", {}).get("id")
        for u in listed["value"]
        if u["userPrincipalName"].endswith(DOMAIN)  # not the tenant's admin
    }
    assert managers == {"ceo": None, "lead": ids["ceo"], "dev1": ids["lead"],
                        "dev2": ids["lead"], "solo": None}  # fmt: skip
    assert [p for u in listed["value"] for p in problems(u, "user")] == []


def test_expand_direct_reports(ms, graph, ids):
    lead = graph.get(f"{ms.graph}/users/{ids['lead']}", params={"$expand": "directReports"})
    assert _nicks(lead.json()["directReports"]) == ["dev1", "dev2"]
    assert problems(lead.json(), "user") == []
    ceo = f"userPrincipalName eq 'ceo@{DOMAIN}'"
    query = {"$expand": "directReports($select=id)", "$filter": ceo}
    listed = graph.get(f"{ms.graph}/users", params=query).json()["value"]
    assert listed[0]["directReports"] == [{"@odata.type": USER_TYPE, "id": ids["lead"]}]


def test_expand_member_of(ms, graph, ids):
    body = {
        "displayName": "Chart",
        "mailEnabled": False,
        "mailNickname": "chart",
        "securityEnabled": True,
        "members@odata.bind": [f"{ms.graph}/users/{ids['dev1']}"],
    }
    group = graph.post(f"{ms.graph}/groups", json=body)
    assert group.status_code == 201, group.text
    url = f"{ms.graph}/users/{ids['dev1']}"
    got = graph.get(url, params={"$expand": "memberOf($select=id,displayName)"}).json()
    assert got["memberOf"] == [
        {"@odata.type": "#microsoft.graph.group", "id": group.json()["id"], "displayName": "Chart"}
    ]
    assert problems(got, "user") == []
    solo = graph.get(f"{ms.graph}/users/{ids['solo']}", params={"$expand": "memberOf"}).json()
    assert solo["memberOf"] == []


@pytest.mark.parametrize(
    ("expand", "code", "message"),
    [
        ("manager,directReports", "Request_BadRequest", "more than one navigation property"),
        ("displayName", "BadRequest", "is not a navigation property or complex property"),
        ("bossOf", "BadRequest", "Could not find a property named 'bossOf' on type"),
        ("ownedDevices", "Request_BadRequest", "'$expand' of 'ownedDevices' is not supported"),
        ("memberOf($select=jobTitle)", "BadRequest", "'jobTitle' on type 'microsoft.graph.group'"),
        ("manager($filter=id eq 'x')", "Request_BadRequest", "Invalid $select properties."),
        ("manager($select=bogus)", "BadRequest", "Could not find a property named 'bogus'"),
        ("manager($select=id", "BadRequest", "Syntax error"),
    ],
)
def test_bad_expands_are_graph_errors(ms, graph, ids, expand, code, message):
    reply = graph.get(f"{ms.graph}/users/{ids['dev1']}", params={"$expand": expand})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == code
    assert message in reply.json()["error"]["message"]
