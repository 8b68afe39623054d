"""A revoked grant pauses sync and Reauthorize recovers it; a throttling storm loses nothing;
the optional propagation delay queues changes on the lab clock."""

from __future__ import annotations

import time

import pytest

from harness.lab import wait_until
from simulators.core.httpclient import lab_session

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"
TEAM = [f"t{i:02d}" for i in range(24)]


@pytest.fixture(scope="module")
def world(lab):
    users = [
        {"username": name, "email": f"{name}@fabrikam-res.com", "firstname": name.upper(),
         "lastname": "Team", "password": PASSWORD}
        for name in [*TEAM, "ivy"]
    ]  # fmt: skip
    w = new_world(
        lab,
        {"domains": [{"name": "fabrikam-res.com", "verified": True}]},
        {
            "users": users,
            "groups": [{"name": "team", "members": TEAM}],
            "office365": {"domains": ["fabrikam-res.com"]},
            "bindings": {"users": ["ivy"]},
        },
    )
    w.authorize()
    return w


@pytest.fixture
def control(lab):
    session = lab_session(lab.ctx.ca_file)
    session.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    base = lab.ctx.url("graph") + "/_lab"
    yield lambda method, path, body=None: session.request(
        method, base + path, json=body, timeout=10
    )
    session.delete(base + "/faults", timeout=10)
    session.put(base + "/clock", json={"reset": True}, timeout=10)


def test_a_429_storm_during_a_bulk_bind_loses_no_update(world, control):
    rule = {"host": "graph", "method": "*", "path": "/v1.0/*", "status": 429,
            "retry_after": 1, "count": 10}  # fmt: skip
    assert control("PUT", "/faults", {"rules": [rule]}).status_code == 200
    started = time.monotonic()
    world.bind("user_group", world.jc["groups"]["team"])
    elapsed = time.monotonic() - started
    assert control("GET", "/faults").json()["rules"][0]["hits"] == 10  # the storm did happen
    statuses = world.statuses()
    for name in TEAM:
        user_id = world.user_id(name)
        assert statuses[user_id]["syncStatus"]["code"] == 200, statuses[user_id]
        assert world.ms_user(f"{name}@fabrikam-res.com")["onPremisesImmutableId"] == user_id
    assert elapsed < 30


def test_revoked_consent_pauses_sync_and_reauthorize_recovers(world, control):
    admin = world.ms_user(world.ms["global_admin"]["upn"])
    assert world.graph_patch(f"/users/{admin['id']}", {"accountEnabled": False}).status_code == 204
    control("PUT", "/clock", {"advance_seconds": 2 * 3600})  # the access token expires
    ivy = world.user_id("ivy")
    world.ok("PUT", f"/systemusers/{ivy}", json={"lastname": "Paused"})
    status = world.directory()["oAuthStatus"]
    assert status["status"] == "error" and status["error"]
    assert "AADSTS" in status["errorMessage"] or status["error"] == "invalid_grant"
    assert world.statuses()[ivy]["syncStatus"]["code"] == 202
    assert world.ms_user("ivy@fabrikam-res.com")["surname"] == "Team"  # not pushed

    assert world.graph_patch(f"/users/{admin['id']}", {"accountEnabled": True}).status_code == 204
    world.authorize(reauthorize=True)
    assert world.directory()["oAuthStatus"]["status"] == "authorized"
    assert world.directory()["oAuthStatus"]["error"] is None
    assert world.ms_user("ivy@fabrikam-res.com")["surname"] == "Paused"  # pending change pushed
    assert world.statuses()[ivy]["syncStatus"]["code"] == 200
    assert world.statuses()[ivy]["externalId"]  # the binding survived


def test_propagation_delay_queues_changes_on_the_lab_clock(world, control):
    settings = f"/v2/office365s/{world.o365}/lab/settings"
    assert world.ok("PUT", settings, json={"propagationDelaySeconds": 60}) == {
        "propagationDelaySeconds": 60.0
    }
    try:
        ivy = world.user_id("ivy")
        world.ok("PUT", f"/systemusers/{ivy}", json={"firstname": "Later"})
        assert world.ms_user("ivy@fabrikam-res.com")["givenName"] == "IVY"
        assert world.statuses()[ivy]["syncStatus"]["code"] == 202
        control("PUT", "/clock", {"advance_seconds": 61})
        # The worker records the status after Graph answers the push, so wait for the status.
        wait_until(
            lambda: world.statuses()[ivy]["syncStatus"]["code"] == 200,
            5,
            what="the worker pushing the queued change",
        )
        assert world.ms_user("ivy@fabrikam-res.com")["givenName"] == "Later"
    finally:
        world.ok("PUT", settings, json={"propagationDelaySeconds": 0})
    bad = world.api("PUT", settings, json={"propagationDelaySeconds": -1})
    assert bad.status_code == 400
