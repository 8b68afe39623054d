"""Attribute mapping, translation rules, immutable ids and the consent scope list."""

from __future__ import annotations

import re

import pytest

from simulators.jumpcloud.m365 import mapping
from simulators.jumpcloud.m365.directory import odata_quote
from simulators.jumpcloud.m365.importer import skiptoken_of
from simulators.jumpcloud.m365.scopes import GRAPH_SCOPES, scope_string
from simulators.jumpcloud.model.office365 import BUILT_INS

USER = {
    "_id": "65a1b2c3d4e5f60718293a4b",
    "username": "ann",
    "email": "ann@fabrikam.com",
    "firstname": "Ann",
    "lastname": "Lee",
    "displayname": "",
    "alternateEmail": "ann.lee@contoso.com",
    "department": "Sales",
    "jobTitle": "  ",
    "location": "HQ 4",
    "manager": "65a1b2c3d4e5f60718293a4c",
    "phoneNumbers": [
        {"type": "mobile", "number": "+1 555 0100"},
        {"type": "work", "number": "+1 555 0199"},
        {"type": "work", "number": "+1 555 0198"},
    ],
    "addresses": [
        {"type": "home", "locality": "Nowhere"},
        {"type": "work", "locality": "Seattle", "country": "us", "postalCode": "98101",
         "region": "WA", "streetAddress": "1 Main St"},
    ],
    "state": "ACTIVATED",
    "suspended": False,
}  # fmt: skip


def test_always_exported_attributes():
    desired = mapping.desired_attributes(USER, [])
    assert desired == {
        "givenName": "Ann",
        "surname": "Lee",
        "displayName": "Ann Lee",
        "userPrincipalName": "ann@fabrikam.com",
        "mail": "ann@fabrikam.com",
        "accountEnabled": True,
    }


def test_display_name_prefers_the_explicit_one_then_falls_back_to_the_username():
    assert mapping.display_name({**USER, "displayname": "Dr. Ann"}) == "Dr. Ann"
    assert mapping.display_name({"username": "bob", "firstname": "", "lastname": ""}) == "bob"


def test_every_translation_rule_maps_to_its_graph_property():
    assert set(mapping.TRANSLATION_RULES) == set(BUILT_INS)  # all 13 of the model's enum
    desired = mapping.desired_attributes(USER, list(BUILT_INS))
    assert desired["otherMails"] == ["ann.lee@contoso.com"]
    assert desired["businessPhones"] == ["+1 555 0199"]  # the first work number only
    assert desired["mobilePhone"] == "+1 555 0100"
    assert (desired["city"], desired["country"], desired["postalCode"]) == (
        "Seattle",
        "us",
        "98101",
    )
    assert (desired["state"], desired["streetAddress"]) == ("WA", "1 Main St")
    assert desired["department"] == "Sales"
    assert desired["jobTitle"] is None  # blank clears the Microsoft value
    assert desired["officeLocation"] == "HQ 4"
    assert desired[mapping.MANAGER] == "65a1b2c3d4e5f60718293a4c"
    assert desired["userPrincipalName"] == "ann.lee@contoso.com"  # from the alternate email
    assert desired["mail"] == "ann@fabrikam.com"


def test_rules_not_active_are_not_exported():
    desired = mapping.desired_attributes(USER, ["user_department", "not_a_rule"])
    assert "department" in desired and "jobTitle" not in desired and "city" not in desired


def test_empty_sources_export_empty_values():
    bare = {"username": "x", "email": "x@a.com"}
    desired = mapping.desired_attributes(bare, list(BUILT_INS))
    assert desired["otherMails"] == [] and desired["businessPhones"] == []
    assert desired["city"] is None and desired["userPrincipalName"] == "x@a.com"


@pytest.mark.parametrize(
    ("changes", "lockout", "expiry", "enabled"),
    [
        ({}, "suspend", "suspend", True),
        ({"state": "SUSPENDED", "suspended": True}, "maintain", "maintain", False),
        ({"state": "STAGED"}, "maintain", "maintain", True),
        ({"account_locked": True}, "suspend", "maintain", False),
        ({"account_locked": True}, "maintain", "maintain", True),
        ({"password_expired": True}, "maintain", "suspend", False),
        ({"password_expired": True}, "suspend", "maintain", True),
    ],
)
def test_account_enabled_follows_state_and_the_instance_actions(changes, lockout, expiry, enabled):
    user = {**USER, **changes}
    assert (
        mapping.account_enabled(user, lockout_action=lockout, expiration_action=expiry) is enabled
    )


def test_changed_reports_new_and_different_properties_only():
    pushed = {"givenName": "Ann", "surname": "Lee", "department": "Sales"}
    desired = {"givenName": "Ann", "surname": "Li", "jobTitle": None}
    assert mapping.changed(desired, pushed) == {"surname": "Li", "jobTitle": None}


def test_immutable_id_is_the_object_id_and_must_be_usable():
    assert mapping.immutable_id(USER["_id"]) == USER["_id"]
    assert re.fullmatch(r"[A-Za-z0-9]{1,64}", mapping.immutable_id(USER["_id"]))
    for bad in ("", "a$b", "x" * 65, "under_score"):
        with pytest.raises(ValueError):
            mapping.immutable_id(bad)


def test_new_user_body_has_what_graph_requires():
    desired = mapping.desired_attributes(USER, ["user_manager", "user_job_title"])
    body = mapping.new_user_body(USER, desired, USER["_id"])
    for key in ("accountEnabled", "displayName", "mailNickname", "passwordProfile",
                "userPrincipalName", "onPremisesImmutableId"):  # fmt: skip
        assert key in body
    assert mapping.MANAGER not in body and "jobTitle" not in body  # null values are left out
    assert body["mailNickname"] == "ann" and body["usageLocation"] == "US"
    assert body["passwordProfile"]["forceChangePasswordNextSignIn"] is False
    assert mapping.redact(body)["passwordProfile"]["password"] == "[redacted]"
    assert body["passwordProfile"]["password"] != "[redacted]"


def test_random_password_meets_the_entra_strong_policy():
    for _ in range(50):
        password = mapping.random_password()
        assert 8 <= len(password) <= 256
        classes = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"]
        assert all(re.search(c, password) for c in classes)


def test_mail_nickname_is_cleaned():
    assert mapping.mail_nickname("o'brien (x)@contoso.com") == "o'brienx"
    assert mapping.mail_nickname("@contoso.com") == "user"
    assert len(mapping.mail_nickname("a" * 80 + "@c.com")) == 64


def test_scope_list_is_delegated_graph_plus_refresh_and_oidc():
    scopes = scope_string().split()
    assert "offline_access" in scopes and "openid" in scopes
    assert all(s.startswith("https://graph.microsoft.com/") for s in scopes if "." in s)
    assert {"User.ReadWrite.All", "Directory.ReadWrite.All"} <= set(GRAPH_SCOPES)
    assert not any(s.endswith("/.default") for s in scopes)  # delegated, not app-only


def test_odata_quoting_and_skiptoken_extraction():
    assert odata_quote("o'brien@contoso.com") == "'o''brien@contoso.com'"
    link = "https://graph/v1.0/users?$top=100&$skiptoken=abc%3D%3D&$select=id"
    assert skiptoken_of(link) == "abc=="
    assert skiptoken_of(None) is None and skiptoken_of("https://graph/v1.0/users") is None
