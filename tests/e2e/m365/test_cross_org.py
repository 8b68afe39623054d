"""Another organization's ids are 404 and change nothing (ownership before any side effect)."""

from __future__ import annotations

import pytest

from harness.clients.useragent import UserAgent

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"


def _world(lab, domain: str):
    return new_world(
        lab,
        {"domains": [{"name": domain, "verified": True}]},
        {
            "office365": {"domains": [domain]},
            "users": [{"username": "una", "email": f"una@{domain}", "password": PASSWORD}],
            "apps": [{"kind": "office365", "assign_users": ["una"]}],
            "bindings": ["una"],
        },
    )


@pytest.fixture(scope="module")
def worlds(lab):
    return _world(lab, "xorg-a.com"), _world(lab, "xorg-b.com")


def _snapshot(world) -> dict:
    app_id = world.jc["m365_sso_app_id"]
    return {
        "assigned": world.ok("GET", f"/v2/applications/{app_id}/users"),
        "bound": world.ok("GET", f"/v2/office365s/{world.o365}/users"),
        "apps": sorted(a["_id"] for a in world.ok("GET", "/applications")["results"]),
    }


def test_api_deletes_with_another_orgs_ids_are_404_and_change_nothing(worlds):
    a, b = worlds
    before = _snapshot(b)
    for path in (f"/applications/{b.jc['m365_sso_app_id']}", f"/applications/{b.o365}"):
        reply = a.api("DELETE", path)
        assert reply.status_code == 404, reply.text
        assert set(reply.json()) >= {"message"}
    assert _snapshot(b) == before


def test_console_actions_on_another_orgs_app_are_404_pages(worlds):
    a, b = worlds
    before = _snapshot(b)
    app_id = b.jc["m365_sso_app_id"]
    with UserAgent(a.ca) as agent:
        page = agent.get(f"{a.url('console')}/applications")
        page = (
            page.form("admin-login-form")
            .fill(email=a.jc["admin"]["email"], password=a.jc["admin"]["password"])
            .submit()
        )
        own = agent.get(f"{a.url('console')}/applications/{a.jc['m365_sso_app_id']}")
        form = own.forms()[0]
        token = form.get("csrf_token")
        deleted = agent.post(
            f"{a.url('console')}/applications/{app_id}/delete", data={"csrf_token": token}
        )
        assert deleted.status == 404 and deleted.text_of("error-code") == "jumpcloud:not_found"
        download = agent.get(f"{a.url('console')}/applications/{app_id}/certificate.pem")
        assert download.status == 404
    assert _snapshot(b) == before
