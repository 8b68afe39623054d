"""Admin console: sign-in and one action per page through the HTTP user agent."""

from __future__ import annotations

import pytest

from harness.clients.useragent import UserAgent
from simulators.saml.metadata import parse_idp_metadata

from .conftest import PASSWORD


@pytest.fixture(scope="module")
def world(jc):
    return jc.world(
        {
            "admin": {"email": "root@contoso.example", "password": "Admin-Passw0rd!"},
            "users": [{"username": "ivy", "email": "ivy@contoso.com", "password": PASSWORD}],
            "groups": [{"name": "crew"}],
            "office365": {"domains": ["contoso.com"]},
            "bindings": {"users": ["ivy"]},
        }
    )


@pytest.fixture(scope="module")
def admin(jc, world):
    with UserAgent(jc.ca) as ua:
        page = ua.get(jc.console + "/users")
        assert page.page_id == "jc.admin.signin"
        home = (
            page.form("admin-login-form")
            .fill(email=world["admin"]["email"], password=world["admin"]["password"])
            .submit()
        )
        assert home.page_id == "jc.admin.users"
        yield ua


def ivy(world):
    return world["users"][0]["id"]


def test_wrong_admin_password(jc, world):
    with UserAgent(jc.ca) as ua:
        page = ua.get(jc.console + "/login").form("admin-login-form")
        refused = page.fill(email=world["admin"]["email"], password="nope").submit()
        assert refused.page_id == "jc.admin.signin" and refused.status == 401
        assert refused.text_of("error-code") == "jumpcloud:invalid_credentials"


def test_users_page_shows_binding_columns_and_creates(jc, world, admin):
    model = jc.lab.model("jumpcloud")
    model.office365.upsert_binding(world["org_id"], world["office365_id"], ivy(world),
                                   immutable_id="SU1NVVQ=")  # fmt: skip
    page = admin.get(jc.console + "/users")
    row = page.by_id(f"user-row-{ivy(world)}")
    assert row.find_class("m365")[0].text_content().startswith("Bound")
    assert row.find_class("immutable-id")[0].text_content() == "SU1NVVQ="
    created = (
        page.form("create-user-form")
        .fill(username="newbie", email="newbie@contoso.com", password="Newbie-Passw0rd!")
        .submit()
    )
    assert created.page_id == "jc.admin.user" and created.text_of("user-username") == "newbie"
    dup = (
        admin.get(jc.console + "/users")
        .form("create-user-form")
        .fill(username="newbie", email="x@contoso.com")
        .submit()
    )
    assert dup.status == 409 and "already exists" in dup.text_of("error-message")


def test_user_actions(jc, world, admin):
    page = admin.get(f"{jc.console}/users/{ivy(world)}")
    assert page.page_id == "jc.admin.user"
    suspended = page.form("action-suspend").submit()
    assert suspended.text_of("user-state") == "SUSPENDED"
    assert jc.api(world).get(f"/api/systemusers/{ivy(world)}").json()["state"] == "SUSPENDED"
    active = suspended.form("action-activate").submit()
    assert active.text_of("user-state") == "ACTIVATED"
    weak = active.form("set-password-form").fill(password="weak").submit()
    assert weak.status == 400 and weak.text_of("error-code") == "jumpcloud:password_policy"
    unbound = weak.form("action-unbind_m365").submit()
    assert "Not bound" in unbound.text_of(f"m365-{world['office365_id']}")
    group = unbound.form("add-group-form").submit()
    assert group.has(f"user-group-{world['groups']['crew']}")
    assigned = group.form("assign-app-form").submit()
    assert assigned.has(f"user-app-{world['m365_sso_app_id']}")
    expired = assigned.form("action-expire_password").submit()
    assert expired.text_of("user-password-expired") == "yes"


def test_csrf_is_required(jc, world, admin):
    form = admin.get(f"{jc.console}/users/{ivy(world)}").form("action-suspend")
    form.set("csrf_token", "forged")
    refused = form.submit()
    assert refused.status == 400 and refused.page_id == "jc.error"
    assert refused.text_of("error-code") == "jumpcloud:csrf"
    assert jc.api(world).get(f"/api/systemusers/{ivy(world)}").json()["state"] == "ACTIVATED"


def test_directories_page(jc, world, admin):
    page = admin.get(jc.console + "/directories")
    assert page.page_id == "jc.admin.directories"
    o365 = world["office365_id"]
    assert page.text_of(f"oauth-status-{o365}") == "not_authorized"
    assert page.link(f"authorize-{o365}").endswith(f"/m365/authorize?office365_id={o365}")
    added = page.form(f"add_domain-{o365}").fill(domain="fabrikam.com").submit()
    assert "fabrikam.com" in added.text_of(f"domains-{o365}")
    rule = added.form(f"add_rule-{o365}").submit()
    assert rule.text_of(f"rules-{o365}")


def test_apps_pages_create_configure_rotate_metadata(jc, world, admin):
    page = admin.get(jc.console + "/applications")
    assert page.page_id == "jc.admin.apps"
    created = page.form("create-app-form").fill(
        label="console-app", displayLabel="Console App", idpEntityId="jc-console",
        spEntityId="https://sp.example", acsUrl="https://sp.example/acs",
    ).submit()  # fmt: skip
    assert created.page_id == "jc.admin.app"
    before = created.text_of("cert-fingerprint")
    saved = created.form("app-config-form").fill(spEntityId="https://sp2.example").submit()
    assert saved.by_id("config-spEntityId").get("value") == "https://sp2.example"
    rotated = saved.form("rotate-cert-form").submit()
    assert rotated.text_of("cert-fingerprint") != before
    metadata = admin.get(rotated.link("metadata-link"))
    assert parse_idp_metadata(metadata.content).entity_id == "jc-console"
    pem = admin.get(rotated.link("certificate-link"))
    assert pem.text.startswith("-----BEGIN CERTIFICATE-----")
    bad = (
        admin.get(jc.console + "/applications")
        .form("create-app-form")
        .fill(kind="office365", label="console-o365", idpEntityId="JumpCloud")
        .submit()
    )
    assert bad.status == 400 and "idpEntityId" in bad.text_of("error-message")


def test_signin_returns_to_the_page_asked_for(jc, world):
    with UserAgent(jc.ca) as ua:
        page = ua.get(jc.console + "/directories")
        assert page.page_id == "jc.admin.signin"
        landed = (
            page.form("admin-login-form")
            .fill(email=world["admin"]["email"], password=world["admin"]["password"])
            .submit()
        )
        assert landed.page_id == "jc.admin.directories"
        evil = ua.get(jc.console + "/login", params={"return_to": "https://evil.example/"})
        assert evil.page_id == "jc.admin.users"
