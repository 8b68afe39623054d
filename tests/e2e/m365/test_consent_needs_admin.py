"""Consent to the integration's Graph permissions needs an administrator (AADSTS90094)."""

from __future__ import annotations

import pytest

from harness.clients.consent import authorize_with_user_agent
from harness.clients.useragent import UserAgent
from harness.errors import ConsentError

from .helpers import new_world

DOMAIN = "fabrikam-adm.com"
PASSWORD = "Norm-Passw0rd!1"


@pytest.fixture(scope="module")
def world(lab):
    return new_world(
        lab,
        {
            "domains": [{"name": DOMAIN, "verified": True}],
            "users": [{"userPrincipalName": f"norm@{DOMAIN}", "password": PASSWORD}],
        },
        {"office365": {"domains": [DOMAIN]}},
    )


def _as_norm(world, agent: UserAgent | None = None):
    return authorize_with_user_agent(
        {"urls": world.lab.ctx.topology.urls()},
        world.o365,
        world.jc["admin"]["email"],
        world.jc["admin"]["password"],
        f"norm@{DOMAIN}",
        PASSWORD,
        world.ca,
        agent=agent,
    )


def test_a_user_gets_need_admin_approval_and_nothing_is_granted(world):
    with pytest.raises(ConsentError) as info:
        _as_norm(world)
    assert info.value.code == "AADSTS90094"
    assert "only an admin can grant" in info.value.message
    assert info.value.page.page_id == "jc.error"
    assert world.directory()["oAuthStatus"]["status"] == "not_authorized"
    with UserAgent(world.ca) as agent:
        page = agent.get(f"{world.url('console')}/directories")
        page = (
            page.form("admin-login-form")
            .fill(email=world.jc["admin"]["email"], password=world.jc["admin"]["password"])
            .submit()
        )
        assert "m365_authorize" in page.text and "failed: AADSTS90094" in page.text


def test_the_approval_page_names_the_admin_only_scopes_and_refuses_a_forged_accept(world):
    with UserAgent(world.ca) as agent:
        page = agent.get(f"{world.url('console')}/m365/authorize?office365_id={world.o365}")
        page = (
            page.form("admin-login-form")
            .fill(email=world.jc["admin"]["email"], password=world.jc["admin"]["password"])
            .submit()
        )
        page = page.form("credentials").fill(loginfmt=f"norm@{DOMAIN}").submit()
        page = page.form("credentials").fill(passwd=PASSWORD).submit()
        assert page.page_id == "ms.consent.admin_required"
        assert page.text_of("error-code") == "AADSTS90094"
        assert "Need admin approval" in page.text
        assert "Directory.ReadWrite.All" in page.text and "User.ReadWrite.All" in page.text
        # the page offers no accept button: post one by hand
        form = page.form("consent")
        forged = agent.post(
            f"{world.url('login')}/common/Consent/Set",
            data={"ctx": form.get("ctx"), "decision": "accept", "consent_org": "true"},
        )
        assert forged.page_id == "jc.error" and forged.text_of("error-code") == "AADSTS90094"
    assert world.directory()["oAuthStatus"]["status"] == "not_authorized"


def test_the_global_administrator_then_authorizes(world):
    assert world.authorize().page_id == "jc.admin.m365.authorized"
    assert world.directory()["oAuthStatus"]["status"] == "authorized"
