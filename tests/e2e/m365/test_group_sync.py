"""Security-group sync: user groups bound to the instance mirrored in Microsoft 365."""

from __future__ import annotations

import pytest

from .helpers import new_world

DOMAIN = "fabrikam-grp.com"


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {
            "domains": [{"name": DOMAIN, "verified": True}],
            "users": [{"userPrincipalName": f"old@{DOMAIN}", "password": "Ms-Old-Passw0rd!"}],
        },
        {
            "office365": {"domains": [DOMAIN]},
            "users": [
                {"username": u, "email": f"{u}@{DOMAIN}", "firstname": u.title(), "lastname": "X"}
                for u in ("amy", "bob", "cyd")
            ],
        },
    )
    w.authorize()
    return w


def _group(world, name: str) -> dict:
    return world.ok("POST", "/v2/usergroups", json={"name": name})


def _member(world, group: dict, user: str, op: str = "add") -> None:
    world.ok(
        "POST",
        f"/v2/usergroups/{group['id']}/members",
        json={"op": op, "type": "user", "id": world.user_id(user)},
    )


def _ms_groups(world, name: str) -> list[dict]:
    reply = world.graph_get("/groups", **{"$filter": f"displayName eq '{name}'"})
    return reply.json()["value"]


def _ms_members(world, group_id: str) -> list[str]:
    reply = world.graph_get(f"/groups/{group_id}/members", **{"$select": "userPrincipalName"})
    return sorted(m["userPrincipalName"] for m in reply.json()["value"])


def _status(world, group: dict) -> dict:
    found = world.ok("GET", f"/v2/office365s/{world.o365}/usergroups?syncStatus=true")
    return next(g for g in found if g["id"] == group["id"])


def _patch(world, **body) -> None:
    world.ok("PATCH", f"/v2/office365s/{world.o365}", json=body)


def test_nothing_is_exported_while_group_management_is_off(world):
    group = _group(world, "Finance")
    _member(world, group, "amy")
    world.bind("user_group", group["id"])
    assert _ms_groups(world, "Finance") == []
    assert "syncStatus" not in _status(world, group)
    _patch(world, groupsEnabled=True)
    [created] = _ms_groups(world, "Finance")
    assert created["securityEnabled"] is True and created["mailEnabled"] is False
    assert _ms_members(world, created["id"]) == [f"amy@{DOMAIN}"]
    status = _status(world, group)
    assert status["externalId"] == created["id"]
    assert status["syncStatus"]["code"] == 200


def test_an_empty_group_waits_for_its_first_member(world):
    group = _group(world, "Empty for now")
    world.bind("user_group", group["id"])
    assert _ms_groups(world, "Empty for now") == []
    assert _status(world, group)["syncStatus"]["code"] == 202
    _member(world, group, "bob")
    [created] = _ms_groups(world, "Empty for now")
    assert _ms_members(world, created["id"]) == [f"bob@{DOMAIN}"]


def test_an_existing_security_group_of_that_name_is_taken_over(world):
    made = world.graph_call(
        "POST",
        "/groups",
        json={"displayName": "Legal", "mailNickname": "legal", "mailEnabled": False,
              "securityEnabled": True},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    group = _group(world, "Legal")
    _member(world, group, "cyd")
    world.bind("user_group", group["id"])
    [legal] = _ms_groups(world, "Legal")
    assert legal["id"] == made.json()["id"]
    assert _ms_members(world, legal["id"]) == [f"cyd@{DOMAIN}"]
    assert "Took over" in _status(world, group)["syncStatus"]["message"]


def test_only_members_jumpcloud_added_are_removed_and_every_write_is_an_event(world):
    [legal] = _ms_groups(world, "Legal")
    old = world.graph_get(f"/users/old@{DOMAIN}").json()["id"]
    added = world.graph_call(
        "POST",
        f"/groups/{legal['id']}/members/$ref",
        json={"@odata.id": f"{world.url('graph')}/v1.0/directoryObjects/{old}"},
    )
    assert added.status_code == 204
    group = next(g for g in world.ok("GET", "/v2/usergroups") if g["name"] == "Legal")
    _member(world, group, "cyd", op="remove")
    assert _ms_members(world, legal["id"]) == [f"old@{DOMAIN}"]  # not added by JumpCloud
    events = world.ok("GET", f"/v2/office365s/{world.o365}/usergroups")  # still bound
    assert any(e["id"] == group["id"] for e in events)
    url = f"{world.url('console')}/insights/directory/v1/events"
    body = {"service": ["office_365"], "start_time": "2000-01-01T00:00:00Z"}
    log = world.jc_api.post(url, json=body, timeout=30).json()
    kinds = {e["event_type"] for e in log if e["resource"].get("id") == group["id"]}
    assert {"m365_group_member_add", "m365_group_member_remove"} <= kinds
