"""World documents: the jumpcloud section of POST /_lab/worlds, errors, generation, reset."""

from __future__ import annotations

import pytest


def test_minimal_world_has_everything_lab_json_needs(jc):
    world = jc.world({})
    for key in ("org_id", "api_key", "admin", "office365_id", "m365_sso_app_id", "users"):
        assert key in world
    assert len(world["api_key"]) == 40 and int(world["api_key"], 16) >= 0
    api = jc.api(world)
    app = api.get(f"/api/applications/{world['m365_sso_app_id']}").json()
    assert app["name"] == "office365"
    assert app["config"]["idpEntityId"]["value"].startswith("https://")
    assert api.get(f"/api/v2/office365s/{world['office365_id']}").ok


def test_entity_id_from_federated_microsoft_domain(jc):
    world = jc.world(
        {"office365": {"domains": ["fabrikam.com", "contoso.com"]}},
        microsoft={
            "domains": [{"name": "fabrikam.com"}, {"name": "contoso.com", "federated": True}]
        },
    )
    app = jc.api(world).get(f"/api/applications/{world['m365_sso_app_id']}").json()
    assert app["config"]["idpEntityId"]["value"] == "https://contoso.com"


def test_generated_users_are_seeded_and_sign_in_ready(jc):
    first = jc.world({"generate_users": {"count": 30, "domain": "gen.example"}}, seed=7)
    second = jc.world({"generate_users": {"count": 30, "domain": "gen2.example"}}, seed=7)
    names = [
        [
            u["firstname"]
            for u in jc.api(w).get("/api/systemusers", params={"limit": 30}).json()["results"]
        ]
        for w in (first, second)
    ]
    assert names[0] == names[1] and len(names[0]) == 30
    assert first["generated_users"]["count"] == 30
    sales = jc.api(first).get("/api/systemusers", params={"filter": "department:$eq:Sales"})
    assert sales.json()["totalCount"] == 3


@pytest.mark.parametrize(
    ("section", "needle"),
    [
        ({"bogus": 1}, "unknown key"),
        ({"password_policy": {"minLength": "x"}}, "minLength"),
        ({"settings": {"newSystemUserStateDefaults": {"manualEntry": "X"}}}, "manualEntry"),
        ({"users": [{"username": "a"}]}, "username and an email"),
        ({"users": [{"username": "a", "email": "a@x.com", "password": "weak"}]}, "Password"),
        ({"groups": [{"name": "g", "members": ["ghost"]}]}, "ghost"),
        ({"apps": [{"kind": "office365", "idpEntityId": "JumpCloud"}]}, "idpEntityId"),
        ({"office365": {"userLockoutAction": "delete"}}, "userLockoutAction"),
    ],
)
def test_bad_documents_are_400(jc, section, needle):
    reply = jc.control("POST", "/_lab/worlds", json={"jumpcloud": section})
    assert reply.status_code == 400
    assert needle in reply.json()["error"]["message"]


def test_state_and_reset(jc):
    world = jc.world({"users": [{"username": "st", "email": "st@x.com"}]})
    state = jc.control("GET", "/_lab/state").json()["systems"]["jumpcloud"]
    assert any(o["id"] == world["org_id"] and o["users"] == 1 for o in state["organizations"])
