"""Requests built exactly as JumpCloud's own clients build them.

No JumpCloud client on PyPI takes a base URL without heavy dependencies (saltext-jumpcloud
pulls in salt; jcapi-python is GitHub-only), so each client's wire behaviour is reproduced
here with requests: headers on every call, CSV-joined v2 lists, ``$``-less v1 filters,
x-org-id, and JumpCloud's paging stop rules.
"""

from __future__ import annotations

import pytest

from .conftest import PASSWORD

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@pytest.fixture(scope="module")
def world(jc):
    return jc.world(
        {
            "users": [
                {
                    "username": f"user{n:02d}",
                    "email": f"user{n:02d}@contoso.com",
                    "password": PASSWORD,
                    "department": "Sales" if n % 2 else "Ops",
                }
                for n in range(25)
            ],
            "groups": [{"name": "Sales Team", "members": ["user01", "user03"]}],
        }
    )


@pytest.fixture(scope="module")
def sdk(jc, world):
    """jcapi-python v4: Content-Type and Accept on every call, x-org-id, CSV collections."""
    session = jc.session

    def call(method, path, **kw):
        headers = {**JSON, "x-api-key": world["api_key"], "x-org-id": world["org_id"]}
        return session.request(method, jc.console + path, headers=headers, timeout=30, **kw)

    return call


def test_jcapi_v4_headers_on_get_and_delete(sdk, world):
    listed = sdk("GET", "/api/systemusers", params={"limit": 10, "skip": 0})
    assert listed.status_code == 200 and listed.json()["totalCount"] == 25
    group = sdk("POST", "/api/v2/usergroups", json={"name": "Temp"}).json()
    deleted = sdk("DELETE", f"/api/v2/usergroups/{group['id']}")
    assert deleted.status_code in (200, 204)
    user = sdk("POST", "/api/systemusers", json={"username": "tmp", "email": "tmp@contoso.com"})
    assert sdk("DELETE", f"/api/systemusers/{user.json()['_id']}").status_code == 200


def test_jcapi_v2_csv_filter_fields_sort(sdk, world):
    reply = sdk(
        "GET",
        "/api/v2/usergroups",
        params={"filter": "name:eq:Sales Team,type:eq:user_group", "fields": "name,type",
                "sort": "-name,type", "limit": 100},
    )  # fmt: skip
    assert reply.status_code == 200
    assert reply.json() == [
        {"id": world["groups"]["Sales Team"], "name": "Sales Team", "type": "user_group"}
    ]
    assert reply.headers["X-Total-Count"] == "1"


def test_saltext_lookup_by_name_and_paging(jc, world):
    """saltext: ``filter=<field>:eq:<value>`` on v1, ``sort=_id``, pages of 100 until short."""
    session = jc.session
    headers = {"x-api-key": world["api_key"], "Accept": "application/json"}
    found = session.get(
        jc.console + "/api/systemusers",
        params={"filter": "username:eq:user07", "limit": 100, "skip": 0, "sort": "_id"},
        headers=headers,
    ).json()
    assert [u["username"] for u in found["results"]] == ["user07"]
    collected, skip = [], 0
    while True:
        page = session.get(
            jc.console + "/api/systemusers",
            params={"limit": 10, "skip": skip, "sort": "_id"},
            headers=headers,
        ).json()["results"]
        collected += page
        skip += len(page)
        if len(page) < 10:
            break
    assert len({u["_id"] for u in collected}) == 25
    v2_pages, skip = [], 0
    while True:
        page = session.get(
            jc.console + "/api/v2/usergroups",
            params={"limit": 100, "skip": skip, "sort": "name"},
            headers=headers,
        ).json()
        v2_pages += page
        if len(page) < 100:
            break
    assert [g["name"] for g in v2_pages] == ["Sales Team"]


def test_saltext_associations_with_comma_targets_and_errors(jc, world):
    session = jc.session
    headers = {"x-api-key": world["api_key"], "Content-Type": "application/json"}
    user_id = next(u["id"] for u in world["users"] if u["username"] == "user05")
    group_id = world["groups"]["Sales Team"]
    members = session.post(
        f"{jc.console}/api/v2/usergroups/{group_id}/members",
        json={"op": "add", "type": "user", "id": user_id, "attributes": {}},
        headers=headers,
    )
    assert members.status_code == 204 and not members.content
    conns = session.get(
        f"{jc.console}/api/v2/users/{user_id}/associations",
        params={"targets": "active_directory,application,g_suite,ldap_server,office_365,"
                           "radius_server,system,system_group"},
        headers=headers,
    )  # fmt: skip
    assert conns.status_code == 200 and conns.json() == []
    error = session.get(f"{jc.console}/api/v2/usergroups/{'f' * 24}", headers=headers)
    body = error.json()
    assert error.status_code == 404 and (body.get("message") or body.get("error"))


def test_jccli_v1_paging_until_total_and_repeated_v2_filters(jc, world):
    """jc CLI: v1 until ``skip >= totalCount``; v2 ``filter`` repeated, Bearer from the token
    endpoint."""
    account = world["service_account"]
    token = jc.session.post(
        jc.console + "/oauth2/token",
        data="grant_type=client_credentials&scope=api",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(account["client_id"], account["client_secret"]),
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    seen, skip, total = [], 0, None
    while total is None or skip < total:
        body = jc.session.get(
            jc.console + "/api/systemusers",
            params=[("limit", "7"), ("skip", str(skip)), ("filter", "department:$eq:Sales")],
            headers=headers,
        ).json()
        total = body["totalCount"]
        seen += body["results"]
        skip += 7
    assert len(seen) == total == 12
    repeated = jc.session.get(
        jc.console + "/api/v2/usergroups",
        params=[("filter", "name:eq:Sales Team"), ("filter", "type:eq:user_group")],
        headers=headers,
    )
    assert len(repeated.json()) == 1


def test_powershell_invoke_jcapi_space_joined_fields(jc, world):
    reply = jc.session.get(
        jc.console + "/api/organizations",
        params={"fields": "_id displayName", "limit": 100, "skip": 0},
        headers={**JSON, "x-api-key": world["api_key"]},
    )
    assert reply.json()["results"] == [
        {"_id": world["org_id"], "displayName": reply.json()["results"][0]["displayName"]}
    ]
    users = jc.session.get(
        jc.console + "/api/systemusers",
        params={"fields": "username email suspended", "limit": 100},
        headers={**JSON, "x-api-key": world["api_key"], "x-org-id": world["org_id"]},
    ).json()
    assert set(users["results"][0]) == {"_id", "username", "email", "suspended"}
