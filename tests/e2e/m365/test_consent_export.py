"""Consent through the HTTP user agent, then export on bind with the immutable ID."""

from __future__ import annotations

import pytest

from harness.errors import ConsentError

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"


MICROSOFT = {
    "domains": [
        {"name": "fabrikam-ce.com", "verified": True},
        {"name": "unverified.example", "verified": False},
    ],
    "users": [
        {"userPrincipalName": "old.timer@fabrikam-ce.com", "displayName": "Old T",
         "givenName": "Old", "surname": "Timer", "jobTitle": "Keeper",
         "password": "Ms-Old-Passw0rd!"},
    ],
}  # fmt: skip
JUMPCLOUD = {
    "users": [
        {"username": "ann", "email": "ann@fabrikam-ce.com", "firstname": "Ann",
         "lastname": "Lee", "password": PASSWORD},
        {"username": "olly", "email": "old.timer@fabrikam-ce.com", "firstname": "Oliver",
         "lastname": "Timer", "password": PASSWORD},
        {"username": "una", "email": "una@unverified.example", "firstname": "Una",
         "lastname": "Known", "password": PASSWORD},
    ],
    "office365": {"domains": ["fabrikam-ce.com"]},
}  # fmt: skip


@pytest.fixture(scope="module")
def world(lab):
    return new_world(lab, MICROSOFT, JUMPCLOUD)


def test_declined_consent_leaves_the_instance_unauthorized(world):
    with pytest.raises(ConsentError) as info:
        world.authorize(decision="cancel")
    assert info.value.page.page_id == "jc.error"
    assert info.value.code.startswith(("AADSTS", "jumpcloud:"))
    assert world.directory()["oAuthStatus"]["status"] == "not_authorized"


def test_consent_authorizes_the_instance(world):
    assert world.directory()["oAuthStatus"]["status"] == "not_authorized"
    page = world.authorize()
    assert page.page_id == "jc.admin.m365.authorized"
    status = world.directory()["oAuthStatus"]
    assert status["status"] == "authorized" and status["error"] is None
    assert status["tenantId"] == world.ms["tenant_id"]
    assert status["authorizedBy"].lower() == world.ms["global_admin"]["upn"].lower()
    assert status["expiresAt"].endswith("Z")


def test_bind_exports_a_new_user_with_the_immutable_id(world):
    ann = world.user_id("ann")
    world.bind("user", ann)
    created = world.ms_user("ann@fabrikam-ce.com")
    assert created is not None
    assert created["onPremisesImmutableId"] == ann
    assert (created["givenName"], created["surname"], created["displayName"]) == (
        "Ann", "Lee", "Ann Lee",
    )  # fmt: skip
    assert created["accountEnabled"] is True and created["mail"] == "ann@fabrikam-ce.com"
    status = world.statuses()[ann]
    assert status["externalId"] == created["id"]
    assert status["syncStatus"]["code"] == 200


def test_bind_to_an_existing_user_overwrites_its_attributes(world):
    before = world.ms_user("old.timer@fabrikam-ce.com")
    olly = world.user_id("olly")
    world.bind("user", olly)
    after = world.ms_user("old.timer@fabrikam-ce.com")
    assert after["id"] == before["id"]  # matched, not created again
    assert (after["givenName"], after["displayName"]) == ("Oliver", "Oliver Timer")
    assert after["onPremisesImmutableId"] == olly
    assert after["jobTitle"] == "Keeper"  # no translation rule: not JumpCloud's to overwrite
    assert world.statuses()[olly]["externalId"] == before["id"]


def test_unverified_domain_is_a_sync_error_and_nothing_is_created(world):
    una = world.user_id("una")
    world.bind("user", una)
    assert world.ms_user("una@unverified.example") is None
    status = world.statuses()[una]
    assert status["syncStatus"]["code"] == 400
    assert "not a verified domain" in status["syncStatus"]["message"]
    assert "externalId" not in status


def test_every_graph_write_is_in_the_event_log(world):
    logged = world.ok("GET", f"/v2/office365s/{world.o365}/lab/events")
    created = [e for e in logged if e["event_type"] == "m365_user_create"]
    assert [e["details"]["request"]["body"]["userPrincipalName"] for e in created] == [
        "ann@fabrikam-ce.com"
    ]
    body = created[0]["details"]["request"]["body"]
    assert body["passwordProfile"]["password"] == "[redacted]"
    assert created[0]["details"]["result"]["status"] == 201 and created[0]["success"]
    updated = [e for e in logged if e["event_type"] == "m365_user_update"]
    assert updated and updated[0]["details"]["request"]["method"] == "PATCH"
