"""Federated sign-ins end to end through the HTTP user agent: every person of the world."""

from __future__ import annotations

from harness.testkit import (
    assert_error,
    assert_signed_in,
    decisions,
    forget_entra_session,
    jumpcloud_signin,
    portal_signin,
    signin_log,
)


def test_sp_initiated_signin_from_the_portal(world):
    alice = world.people["alice"]
    agent = world.agent()
    page = portal_signin(world, alice, agent)
    assert_signed_in(page, alice)
    hosts = [h.url.split("/")[2] for h in agent.history]
    sso = world.url("sso").split("/")[2]
    assert sso in hosts  # the assertion came from JumpCloud's IdP
    accepted = decisions(world, agent, "login", "saml_assertion_accepted")
    assert accepted and accepted[0]["in_response_to"]
    assert decisions(world, agent, "sso", "sso_auth")[0]["immutable_id"] == alice.jc_id


def test_second_signin_reuses_the_jumpcloud_session(world):
    alice = world.people["alice"]
    agent = world.agent()
    assert_signed_in(portal_signin(world, alice, agent), alice)
    forget_entra_session(world, agent)
    page = portal_signin(world, alice, agent)  # straight through the IdP, no JumpCloud prompt
    assert_signed_in(page, alice)


def test_user_portal_signout_ends_the_jumpcloud_sso_session(world):
    alice = world.people["alice"]
    agent = world.agent()
    assert_signed_in(portal_signin(world, alice, agent), alice)
    out = agent.get(world.url("console") + "/userconsole/logout")
    assert out.page_id == "jc.userportal.signin"
    forget_entra_session(world, agent)
    page = agent.get(world.url("portal"))
    page = agent.get(page.link("signin-link"))
    page = page.form("credentials").fill(loginfmt=alice.email).submit()
    assert page.page_id == "jc.userportal.signin"  # asked again, not silently asserted


def test_idp_initiated_from_the_user_portal_tile(world):
    alice = world.people["alice"]
    agent = world.agent()
    login = agent.get(world.url("console") + "/userconsole/login")
    home = jumpcloud_signin(world, alice, login)
    assert home.page_id == "jc.userportal.home"
    tile = home.link(f"app-tile-{world.jumpcloud['m365_sso_app_id']}")
    assert tile == f"{world.url('sso')}/saml2/{world.m365_label}?idp_init=1"
    page = agent.get(tile)
    assert_signed_in(page, alice)
    accepted = decisions(world, agent, "login", "saml_assertion_accepted")
    assert accepted and accepted[0]["in_response_to"] is None  # unsolicited


def test_totp_at_jumpcloud_is_mfa_for_entra(world):
    bob = world.people["bob"]  # Microsoft requires MFA; JumpCloud's counts (accept behaviour)
    agent = world.agent()
    page = portal_signin(world, bob, agent)
    assert_signed_in(page, bob)
    assert decisions(world, agent, "login", "saml_assertion_accepted")[0]["idp_mfa"] is True


def test_password_is_never_asked_of_a_federated_user(world):
    alice = world.people["alice"]
    agent = world.agent()
    username = agent.get(agent.get(world.url("portal") + "/").link("signin-link"))
    form = username.form("credentials").fill(loginfmt=alice.email)
    page = form.set("passwd", alice.password, create=True).submit()
    assert page.page_id == "jc.userportal.signin"  # handed to the IdP, the password ignored


def test_suspended_user_is_refused_by_jumpcloud(world):
    page = portal_signin(world, world.people["carol"])
    assert page.text_of("error-code") == "jumpcloud:suspended"


def test_user_suspended_after_signing_in_is_refused_by_the_idp(world):
    ivan = world.people["ivan"]
    agent = world.agent()
    assert_signed_in(portal_signin(world, ivan, agent), ivan)
    reply = world.jc_api().put(
        f"{world.url('console')}/api/systemusers/{ivan.jc_id}",
        json={"state": "SUSPENDED"},
        timeout=20,
    )
    assert reply.status_code == 200, reply.text
    forget_entra_session(world, agent)
    page = portal_signin(world, ivan, agent)
    assert_error(page, "jumpcloud:suspended")
    assert page.url.startswith(world.url("sso"))


def test_unassigned_user_is_refused_by_the_idp(world):
    page = portal_signin(world, world.people["dave"])
    assert_error(page, "jumpcloud:not_assigned")


def test_user_without_immutable_id_is_not_found_by_entra(world):
    erin = world.people["erin"]
    agent = world.agent()
    page = portal_signin(world, erin, agent)
    assert_error(page, "AADSTS51004", "IMMUTABLE_ID_NOT_FOUND")
    assert page.has("correlation-id") and page.has("timestamp")
    sent = decisions(world, agent, "sso", "sso_auth")[0]
    assert "immutable_id" not in sent and sent["name_id"] == erin.email  # email NameID, signed


def test_idpemail_must_be_the_upn(world):
    page = portal_signin(world, world.people["grace"])
    assert_error(page, "AADSTS50008", "IDPEMAIL_MISMATCH")


def test_disabled_entra_user(world):
    page = portal_signin(world, world.people["heidi"])
    assert_error(page, "AADSTS50057", "USER_DISABLED")


def test_every_decision_reaches_the_signin_log(world):
    erin = world.people["erin"]
    agent = world.agent()
    portal_signin(world, erin, agent)
    journaled = decisions(world, agent, "login", "signin")
    assert any(d.get("aadsts") == 51004 for d in journaled)
    logged = [r for r in signin_log(world) if r["error_code"] == 51004]
    assert logged and logged[0]["sub_reason"] == "IMMUTABLE_ID_NOT_FOUND"
    assert logged[0]["upn"] == erin.email


def test_a_session_of_another_organization_ends_on_an_error_page_within_ten_hops(lab, world):
    """A User Portal session of org A meets org B's app: an error page, never a redirect loop."""
    from harness.testkit import build_world

    other = build_world(lab)
    alice = world.people["alice"]
    agent = world.agent()
    home = jumpcloud_signin(world, alice, agent.get(world.url("console") + "/userconsole/login"))
    assert home.page_id == "jc.userportal.home"
    seen = len(agent.history)
    page = agent.get(f"{other.url('sso')}/saml2/{other.m365_label}?idp_init=1")
    hops = agent.history[seen:]
    assert len(hops) <= 10, [h.url for h in hops]
    assert (page.page_id, page.status) == ("jc.error", 400), page
    assert page.text_of("error-code") == "jumpcloud:signin_incomplete"
