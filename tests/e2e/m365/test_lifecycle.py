"""Password authority, suspension, lockout and expiry actions, unbind and delete."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from .helpers import error_code, new_world

PASSWORD = "Jc-Passw0rd!2024"
MS_OLD = "Ms-Old-Passw0rd!"


def _certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "JumpCloud test IdP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {
            "domains": [
                {"name": "fabrikam-life.com", "verified": True},
                {"name": "contoso.com", "verified": True,
                 "federation": {"issuerUri": "https://contoso.com",
                                "passiveSignInUri": "https://sso.example/saml2/o365",
                                "signingCertificate": _certificate()}},
            ],
            "users": [
                {"userPrincipalName": "dee@fabrikam-life.com", "displayName": "Dee",
                 "password": MS_OLD},
                {"userPrincipalName": "fed@contoso.com", "displayName": "Fed",
                 "onPremisesImmutableId": "legacyid123", "password": MS_OLD},
            ],
        },
        {
            "password_policy": {"maxLoginAttempts": 3},
            "users": [
                {"username": "dee", "email": "dee@fabrikam-life.com", "firstname": "Dee",
                 "lastname": "Dunn", "password": PASSWORD},
                {"username": "eve", "email": "eve@fabrikam-life.com", "firstname": "Eve",
                 "lastname": "Eng", "password": PASSWORD},
                {"username": "fed", "email": "fed@contoso.com", "firstname": "Fed",
                 "lastname": "Ferro", "password": PASSWORD},
                {"username": "gus", "email": "gus@contoso.com", "firstname": "Gus",
                 "lastname": "Grey", "password": PASSWORD},
                {"username": "hal", "email": "hal@fabrikam-life.com", "firstname": "Hal",
                 "lastname": "Holm", "password": PASSWORD},
            ],
            "groups": [{"name": "staff", "members": ["eve"]}],
            "office365": {"domains": ["fabrikam-life.com", "contoso.com"]},
            "bindings": {"users": ["dee", "eve", "fed", "gus", "hal"], "groups": ["staff"]},
        },
    )  # fmt: skip
    w.authorize()
    return w


def test_password_takeover_at_the_first_portal_signin(world):
    assert error_code(world.microsoft_signin("dee@fabrikam-life.com", PASSWORD)) == "AADSTS50126"
    assert world.portal_signin("dee", PASSWORD).page_id == "jc.userportal.home"
    assert world.microsoft_signin("dee@fabrikam-life.com", PASSWORD).page_id == "portal.signedin"
    assert error_code(world.microsoft_signin("dee@fabrikam-life.com", MS_OLD)) == "AADSTS50126"
    assert world.statuses()[world.user_id("dee")]["syncStatus"]["code"] == 200


def test_a_password_changed_at_microsoft_is_overwritten_at_the_next_portal_signin(world):
    dee = world.ms_user("dee@fabrikam-life.com")
    # Graph's lastPasswordChangeDateTime has one-second resolution: a change at Microsoft in
    # the very second of JumpCloud's own push cannot be told apart from it.
    time.sleep(1.1)
    changed = world.graph_patch(
        f"/users/{dee['id']}",
        {"passwordProfile": {"password": "Ms-Changed-9!x", "forceChangePasswordNextSignIn": False}},
    )
    assert changed.status_code == 204
    assert (
        world.microsoft_signin("dee@fabrikam-life.com", "Ms-Changed-9!x").page_id
        == "portal.signedin"
    )
    world.portal_signin("dee", PASSWORD)
    assert world.microsoft_signin("dee@fabrikam-life.com", PASSWORD).page_id == "portal.signedin"
    assert (
        error_code(world.microsoft_signin("dee@fabrikam-life.com", "Ms-Changed-9!x"))
        == "AADSTS50126"
    )


def test_no_password_push_without_a_reason(world):
    before = world.engine.counter.snapshot()
    world.portal_signin("dee", PASSWORD)
    after = world.engine.counter.snapshot()
    assert after.get("PATCH", 0) == before.get("PATCH", 0)  # only a read to compare


def test_federated_users_get_the_immutable_id_but_no_password(world):
    fed = world.ms_user("fed@contoso.com")
    assert fed["onPremisesImmutableId"] == world.user_id("fed")  # via the initial domain
    assert fed["userPrincipalName"] == "fed@contoso.com"
    gus = world.ms_user("gus@contoso.com")  # created: federated UPN carries the immutable id
    assert gus["onPremisesImmutableId"] == world.user_id("gus")
    world.portal_signin("gus", PASSWORD)
    status = world.statuses()[world.user_id("gus")]["syncStatus"]
    assert status["code"] == 200 and "federated" in status["message"]
    model = world.lab.model("jumpcloud")
    skipped = model.events.list(world.jc["org_id"], event_type="m365_password_skipped")
    assert skipped and skipped[0]["resource"]["id"] == world.user_id("gus")


def test_suspend_blocks_microsoft_signin_and_activate_restores_it(world):
    world.portal_signin("hal", PASSWORD)
    hal = world.user_id("hal")
    world.ok("PUT", f"/systemusers/{hal}", json={"state": "SUSPENDED"})
    assert world.ms_user("hal@fabrikam-life.com")["accountEnabled"] is False
    assert error_code(world.microsoft_signin("hal@fabrikam-life.com", PASSWORD)) == "AADSTS50057"
    world.ok("PUT", f"/systemusers/{hal}", json={"state": "ACTIVATED"})
    assert world.microsoft_signin("hal@fabrikam-life.com", PASSWORD).page_id == "portal.signedin"


def test_lockout_action_suspend_and_maintain(world):
    hal = world.user_id("hal")
    world.ok("PATCH", f"/v2/office365s/{world.o365}", json={"userLockoutAction": "maintain"})
    for _ in range(3):
        world.portal_signin("hal", "wrong-Passw0rd!")
    assert world.ok("GET", f"/systemusers/{hal}")["account_locked"] is True
    assert world.ms_user("hal@fabrikam-life.com")["accountEnabled"] is True  # maintain: untouched
    world.ok("POST", f"/systemusers/{hal}/unlock")

    world.ok("PATCH", f"/v2/office365s/{world.o365}", json={"userLockoutAction": "suspend"})
    for _ in range(3):
        world.portal_signin("hal", "wrong-Passw0rd!")
    assert world.ms_user("hal@fabrikam-life.com")["accountEnabled"] is False
    world.ok("POST", f"/systemusers/{hal}/unlock")
    assert world.ms_user("hal@fabrikam-life.com")["accountEnabled"] is True


def test_password_expiration_action_suspend(world):
    hal = world.user_id("hal")
    world.ok(
        "PATCH", f"/v2/office365s/{world.o365}", json={"userPasswordExpirationAction": "suspend"}
    )
    world.ok("POST", f"/systemusers/{hal}/expire")
    assert world.ms_user("hal@fabrikam-life.com")["accountEnabled"] is False
    world.ok("PUT", f"/systemusers/{hal}", json={"password": "Jc-N3w-Passw0rd!x"})
    assert world.ms_user("hal@fabrikam-life.com")["accountEnabled"] is True


def test_unbind_disables_unless_still_bound_through_a_group(world):
    eve = world.user_id("eve")
    world.bind("user", eve, op="remove")  # still in the bound group "staff"
    assert world.ms_user("eve@fabrikam-life.com")["accountEnabled"] is True
    assert eve in world.statuses()
    group = world.jc["groups"]["staff"]
    world.ok(
        "POST", f"/v2/usergroups/{group}/members", json={"op": "remove", "type": "user", "id": eve}
    )
    assert world.ms_user("eve@fabrikam-life.com")["accountEnabled"] is False
    assert eve not in world.statuses()
    world.bind("user", eve)  # bind again: same account, enabled again
    again = world.ms_user("eve@fabrikam-life.com")
    assert again["accountEnabled"] is True and again["onPremisesImmutableId"] == eve


def test_deleting_a_jumpcloud_user_disables_but_keeps_the_microsoft_account(world):
    dee = world.user_id("dee")
    external = world.statuses()[dee]["externalId"]
    reply = world.api("DELETE", f"/systemusers/{dee}")
    assert reply.status_code == 200
    kept = world.ms_user(external)
    assert kept is not None and kept["accountEnabled"] is False
