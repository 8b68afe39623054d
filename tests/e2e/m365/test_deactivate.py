"""Deactivating the integration: bindings dropped, accounts untouched, reauthorize + rebind."""

from __future__ import annotations

import pytest

from .helpers import new_world

DOMAIN = "fabrikam-deact.com"
PASSWORD = "Jc-Passw0rd!2024"


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {"domains": [{"name": DOMAIN, "verified": True}]},
        {
            "office365": {"domains": [DOMAIN], "groupsEnabled": True},
            "users": [
                {"username": u, "email": f"{u}@{DOMAIN}", "firstname": u.title(), "lastname": "D",
                 "password": PASSWORD}
                for u in ("dora", "dirk")
            ],
        },
    )  # fmt: skip
    w.authorize()
    return w


def test_deactivation_unbinds_everyone_and_changes_nothing_in_microsoft_365(world):
    world.bind("user", world.user_id("dora"))
    group = world.ok("POST", "/v2/usergroups", json={"name": "Deact team"})
    world.ok(
        "POST",
        f"/v2/usergroups/{group['id']}/members",
        json={"op": "add", "type": "user", "id": world.user_id("dirk")},
    )
    world.bind("user_group", group["id"])
    for upn in (f"dora@{DOMAIN}", f"dirk@{DOMAIN}"):
        assert world.ms_user(upn)["accountEnabled"] is True
    before = world.engine.counter.snapshot()

    result = world.ok("POST", f"/v2/office365s/{world.o365}/deactivate")

    assert result == {"unboundUsers": 1, "unboundGroups": 1}
    assert world.engine.counter.snapshot() == before  # not one Graph request
    assert world.ok("GET", f"/v2/office365s/{world.o365}/users") == []
    assert world.ok("GET", f"/v2/office365s/{world.o365}/usergroups") == []
    assert world.directory()["oAuthStatus"]["status"] == "not_authorized"
    for name in ("dora", "dirk"):
        user = world.ms_user(f"{name}@{DOMAIN}")
        assert user["accountEnabled"] is True and user["onPremisesImmutableId"]
        assert world.ok("GET", f"/systemusers/{world.user_id(name)}")["state"] == "ACTIVATED"
    assert world.ok("GET", f"/v2/office365s/{world.o365}")["groupsEnabled"] is True  # kept


def test_after_reauthorizing_users_must_be_bound_again(world):
    world.authorize()
    assert world.ok("GET", f"/v2/office365s/{world.o365}/users") == []
    world.bind("user", world.user_id("dora"))
    status = world.statuses()[world.user_id("dora")]
    assert status["syncStatus"]["code"] == 200 and status["externalId"]


def test_another_organizations_instance_cannot_be_deactivated(world, lab):
    other = new_world(lab, {"domains": [{"name": "deact-other.com"}]},
                      {"office365": {"domains": ["deact-other.com"]}})  # fmt: skip
    reply = world.api("POST", f"/v2/office365s/{other.o365}/deactivate")
    assert reply.status_code == 404 and set(reply.json()) >= {"code", "message", "status"}
