"""Attribute sync: always-exported attributes on change, translation rules on and off."""

from __future__ import annotations

import pytest

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {"domains": [{"name": "fabrikam-attr.com", "verified": True},
                     {"name": "northwind.com", "verified": True}]},
        {
            "users": [
                {"username": "bo", "email": "bo@fabrikam-attr.com", "firstname": "Bo",
                 "lastname": "Berg", "jobTitle": "Clerk", "department": "Sales",
                 "location": "HQ-1", "alternateEmail": "bo.alt@northwind.com",
                 "phoneNumbers": [{"type": "mobile", "number": "+1 555 0101"},
                                  {"type": "work", "number": "+1 555 0102"}],
                 "addresses": [{"type": "work", "locality": "Oslo", "country": "NO",
                                "postalCode": "0150", "region": "Oslo",
                                "streetAddress": "Karl Johans gate 1"}],
                 "password": PASSWORD},
                {"username": "cy", "email": "cy@fabrikam-attr.com", "firstname": "Cy",
                 "lastname": "Cole", "jobTitle": "Analyst", "password": PASSWORD},
            ],
            "groups": [{"name": "m365", "members": ["bo", "cy"]}],
            "office365": {
                "domains": ["fabrikam-attr.com"],
                "translation_rules": ["user_department"],
            },
            "bindings": {"groups": ["m365"]},
        },
    )  # fmt: skip
    w.authorize()  # the bindings made at world creation wait for consent, then export
    return w


def test_group_binding_waited_for_consent_then_exported(world):
    bo = world.ms_user("bo@fabrikam-attr.com")
    assert bo["onPremisesImmutableId"] == world.user_id("bo")
    assert bo["department"] == "Sales"  # active rule at export time
    assert bo["jobTitle"] is None  # no rule: not exported
    assert bo["usageLocation"] == "NO"


def test_always_exported_attributes_follow_changes(world):
    bo = world.user_id("bo")
    world.ok("PUT", f"/systemusers/{bo}", json={"lastname": "Bergström", "displayname": "B. B."})
    user = world.ms_user("bo@fabrikam-attr.com")
    assert (user["surname"], user["displayName"]) == ("Bergström", "B. B.")
    world.ok("PUT", f"/systemusers/{bo}", json={"email": "bo.berg@fabrikam-attr.com"})
    assert world.ms_user("bo@fabrikam-attr.com") is None
    moved = world.ms_user("bo.berg@fabrikam-attr.com")
    assert moved["mail"] == "bo.berg@fabrikam-attr.com" and moved["surname"] == "Bergström"
    world.ok("PUT", f"/systemusers/{bo}", json={"email": "bo@fabrikam-attr.com"})


def test_adding_a_rule_overwrites_every_bound_user_at_once(world):
    rule = world.ok(
        "POST", f"/v2/office365s/{world.o365}/translationrules",
        json={"builtIn": "user_job_title", "direction": "export"},
    )  # fmt: skip
    assert world.ms_user("bo@fabrikam-attr.com")["jobTitle"] == "Clerk"
    assert world.ms_user("cy@fabrikam-attr.com")["jobTitle"] == "Analyst"
    world.ok("PUT", f"/systemusers/{world.user_id('cy')}", json={"jobTitle": "Lead"})
    assert world.ms_user("cy@fabrikam-attr.com")["jobTitle"] == "Lead"
    # removing the rule stops syncing that field (the Microsoft value stays as it was)
    world.api("DELETE", f"/v2/office365s/{world.o365}/translationrules/{rule['id']}")
    world.ok("PUT", f"/systemusers/{world.user_id('cy')}", json={"jobTitle": "Chief"})
    assert world.ms_user("cy@fabrikam-attr.com")["jobTitle"] == "Lead"


def test_more_translation_rules(world):
    for rule in ("user_city", "user_mobile_phone", "user_office_location",
                 "user_business_phones", "user_alternate_email"):  # fmt: skip
        world.ok(
            "POST", f"/v2/office365s/{world.o365}/translationrules",
            json={"builtIn": rule, "direction": "export"},
        )  # fmt: skip
    bo = world.ms_user("bo@fabrikam-attr.com")
    assert bo["city"] == "Oslo" and bo["mobilePhone"] == "+1 555 0101"
    assert bo["officeLocation"] == "HQ-1" and bo["businessPhones"] == ["+1 555 0102"]
    assert bo["otherMails"] == ["bo.alt@northwind.com"]
    world.ok("PUT", f"/systemusers/{world.user_id('bo')}", json={"location": ""})
    assert world.ms_user("bo@fabrikam-attr.com")["officeLocation"] is None


def test_upn_from_alternate_email_rule(world):
    world.ok(
        "POST", f"/v2/office365s/{world.o365}/translationrules",
        json={"builtIn": "user_principal_name_from_alternate_email", "direction": "export"},
    )  # fmt: skip
    moved = world.ms_user("bo.alt@northwind.com")
    assert moved is not None and moved["onPremisesImmutableId"] == world.user_id("bo")
    assert world.ms_user("cy@fabrikam-attr.com") is not None  # no alternate email: the email stays
