"""The ``user_manager`` translation rule: the JumpCloud manager becomes the Graph manager."""

from __future__ import annotations

import pytest

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {"domains": [{"name": "fabrikam-mgr.com", "verified": True}]},
        {
            "users": [
                {"username": "boss", "email": "boss@fabrikam-mgr.com", "password": PASSWORD},
                {"username": "deputy", "email": "deputy@fabrikam-mgr.com", "password": PASSWORD},
                {"username": "ann", "email": "ann@fabrikam-mgr.com", "manager": "boss",
                 "password": PASSWORD},
            ],
            "groups": [{"name": "m365", "members": ["boss", "deputy", "ann"]}],
            "office365": {"domains": ["fabrikam-mgr.com"]},
            "bindings": {"groups": ["m365"]},
        },
    )  # fmt: skip
    w.authorize()
    return w


def _manager(world, upn: str) -> str | None:
    reply = world.graph_get(f"/users/{upn}/manager")
    if reply.status_code == 404:
        assert reply.json()["error"]["code"] == "Request_ResourceNotFound"
        return None
    assert reply.status_code == 200, reply.text
    return reply.json()["userPrincipalName"]


def _set_manager(world, username: str, manager: str | None) -> None:
    manager_id = world.user_id(manager) if manager else None
    world.ok("PUT", f"/systemusers/{world.user_id(username)}", json={"manager": manager_id})


def test_manager_follows_the_rule(world):
    ann = "ann@fabrikam-mgr.com"
    assert world.ms_user(ann) is not None
    assert _manager(world, ann) is None  # no rule yet: the manager is not exported
    rule = world.ok(
        "POST", f"/v2/office365s/{world.o365}/translationrules",
        json={"builtIn": "user_manager", "direction": "export"},
    )  # fmt: skip
    assert _manager(world, ann) == "boss@fabrikam-mgr.com"
    _set_manager(world, "ann", "deputy")
    assert _manager(world, ann) == "deputy@fabrikam-mgr.com"
    _set_manager(world, "ann", None)
    assert _manager(world, ann) is None
    _set_manager(world, "ann", "boss")
    assert _manager(world, ann) == "boss@fabrikam-mgr.com"
    # removing the rule stops syncing the manager: Microsoft keeps the last value
    world.api("DELETE", f"/v2/office365s/{world.o365}/translationrules/{rule['id']}")
    _set_manager(world, "ann", "deputy")
    assert _manager(world, ann) == "boss@fabrikam-mgr.com"
