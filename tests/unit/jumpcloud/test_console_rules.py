"""The admin console's rules without a server: admin sign-in and the form actions' outcomes."""

from __future__ import annotations

import pytest

from simulators.jumpcloud.console.rules import AdminAuthenticator, ConsoleActions, Reason

from .webrules_support import PASSWORD, new_model, new_org, new_user

ACTOR = {"type": "admin", "id": None, "email": None}


@pytest.fixture
def model(tmp_path):
    found = new_model(tmp_path)
    yield found
    found.close()


@pytest.fixture
def actions(model) -> ConsoleActions:
    return ConsoleActions(model)


def test_admin_sign_in(model):
    org = new_org(model, "A")
    model.orgs.create_admin(org, "admin@a.example", PASSWORD)
    admins = AdminAuthenticator(model)
    assert admins.sign_in("admin@a.example", "wrong") is None
    found = admins.sign_in("admin@a.example", PASSWORD)
    assert found["org_id"] == org
    assert admins.current({"id": found["id"]})["email"] == "admin@a.example"
    assert admins.current("not a dict") is None and admins.current({"id": "gone"}) is None
    signins = model.events.query(org, start="", services=["admin_console"])
    assert [e["event_type"] for e in signins] == ["admin_login_attempt"]


def test_user_actions(model, actions):
    org = new_org(model, "A")
    user_id = new_user(model, org, "alice")["_id"]
    done = actions.user_action(org, user_id, "suspend", {}, ACTOR)
    assert done.ok and done.message == "Done: suspend."
    assert model.users.get(org, user_id)["state"] == "SUSPENDED"
    assert actions.user_action(org, user_id, "activate", {}, ACTOR).ok
    assert model.users.get(org, user_id)["state"] == "ACTIVATED"


def test_refused_user_actions(model, actions):
    org, other = new_org(model, "A"), new_org(model, "B")
    user_id = new_user(model, org, "alice")["_id"]
    unknown = actions.user_action(org, user_id, "explode", {}, ACTOR)
    assert (unknown.reason, unknown.status) == (Reason.INVALID_REQUEST, 400)
    assert unknown.message == "Unknown action 'explode'."
    weak = actions.user_action(org, user_id, "set_password", {"password": "x"}, ACTOR)
    assert weak.reason is Reason.PASSWORD_POLICY and weak.message.startswith("Password rejected")
    foreign = actions.user_action(other, user_id, "suspend", {}, ACTOR)
    assert (foreign.reason, foreign.status) == (Reason.INVALID_REQUEST, 404)
    group = actions.user_action(org, user_id, "add_group", {"group_id": "nope"}, ACTOR)
    assert not group.ok


def test_create_user(model, actions):
    org = new_org(model, "A")
    form = {"username": " carol ", "email": "carol@a.example", "password": PASSWORD}
    created = actions.create_user(org, form, ACTOR)
    assert created.ok and created.created["username"] == "carol"
    again = actions.create_user(org, form, ACTOR)
    assert again.reason is Reason.INVALID_REQUEST and again.status == 409


def test_unknown_directory_action(model, actions):
    org = new_org(model, "A")
    refused = actions.directory_action(org, "0" * 24, "explode", {})
    assert (refused.reason, refused.status) == (Reason.INVALID_REQUEST, 400)


def test_applications(model, actions):
    org = new_org(model, "A")
    form = {"label": "wiki", "idpEntityId": "https://wiki.example/idp",
            "spEntityId": "https://wiki.example/sp",
            "acsUrl": "https://wiki.example/acs"}  # fmt: skip
    created = actions.create_app(org, form)
    assert created.ok, created.message
    app_id = created.created["_id"]
    assert not actions.create_app(org, form).ok  # the label is taken
    saved = actions.save_app_config(org, app_id, {"signResponse": "on"})
    assert saved.ok and model.apps.get(org, app_id)["config"]["signResponse"]["value"] is True
    before = model.apps.signing_key(org, app_id).fingerprint_sha1
    assert actions.rotate_certificate(org, app_id).ok
    assert model.apps.signing_key(org, app_id).fingerprint_sha1 != before
    assert actions.delete_app(org, app_id).message == "Application deleted."
    assert model.apps.list(org) == []
