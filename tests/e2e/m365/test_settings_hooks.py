"""Settings changes reach the engine through the model's hook, whoever makes them (API,
console, or code calling the model directly), and nothing else."""

from __future__ import annotations

import pytest

from harness.clients.useragent import UserAgent

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {"domains": [{"name": "fabrikam-set.com", "verified": True}]},
        {
            "admin": {"email": "root@fabrikam-set.com", "password": "Admin-Passw0rd!"},
            "users": [
                {"username": "kim", "email": "kim@fabrikam-set.com", "jobTitle": "Pilot",
                 "password": PASSWORD},
                {"username": "lou", "email": "lou@fabrikam-set.com", "password_expired": True,
                 "password": PASSWORD},
            ],
            "office365": {"domains": ["fabrikam-set.com"]},
            "bindings": {"users": ["kim", "lou"]},
        },
    )  # fmt: skip
    w.authorize()
    return w


def test_a_rule_added_through_the_model_alone_is_pushed(world):
    """No HTTP request names the instance: only the model's hook can tell the engine."""
    model = world.lab.model("jumpcloud")
    org = world.jc["org_id"]
    assert world.ms_user("kim@fabrikam-set.com")["jobTitle"] is None
    rule = model.office365.add_rule(org, world.o365, {"builtIn": "user_job_title"})
    assert world.ms_user("kim@fabrikam-set.com")["jobTitle"] == "Pilot"
    model.office365.delete_rule(org, world.o365, rule["id"])
    world.ok("PUT", f"/systemusers/{world.user_id('kim')}", json={"jobTitle": "Captain"})
    assert world.ms_user("kim@fabrikam-set.com")["jobTitle"] == "Pilot"


def test_console_settings_form_applies_the_expiration_action(world):
    lou = "lou@fabrikam-set.com"
    assert world.ms_user(lou)["accountEnabled"] is True  # maintain: expired but enabled
    with UserAgent(world.ca) as agent:
        page = agent.get(world.url("console") + "/directories")
        page = (
            page.form("admin-login-form")
            .fill(email="root@fabrikam-set.com", password="Admin-Passw0rd!")
            .submit()
        )
        page = agent.get(world.url("console") + "/directories")
        assert page.page_id == "jc.admin.directories"
        saved = (
            page.form(f"settings-{world.o365}")
            .fill(userPasswordExpirationAction="suspend")
            .submit()
        )
        assert saved.page_id == "jc.admin.directories"
        assert world.ms_user(lou)["accountEnabled"] is False
        page = (
            saved.form(f"settings-{world.o365}")
            .fill(userPasswordExpirationAction="maintain")
            .submit()
        )
    assert world.ms_user(lou)["accountEnabled"] is True
