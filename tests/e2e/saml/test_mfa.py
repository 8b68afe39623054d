"""federatedIdpMfaBehavior: who does the MFA when Entra requires it."""

from __future__ import annotations

import pyotp
import pytest

from harness.testkit import assert_signed_in, decisions, jumpcloud_signin, portal_signin


@pytest.fixture
def behaviour(world):
    """Set the domain's federatedIdpMfaBehavior through Graph; back to accept afterwards."""

    def set_behaviour(value: str) -> None:
        world.patch_federation(federatedIdpMfaBehavior=value)

    yield set_behaviour
    world.patch_federation(federatedIdpMfaBehavior="acceptIfMfaDoneByFederatedIdp")


def microsoft_mfa(world, person, page):
    assert page.page_id == "ms.signin.mfa", page
    return page.form().fill(otc=person.ms_totp(world.lab)).submit()


def test_accept_idp_mfa_done(world, behaviour):
    behaviour("acceptIfMfaDoneByFederatedIdp")
    bob = world.people["bob"]
    assert_signed_in(portal_signin(world, bob), bob)  # JumpCloud TOTP, no Microsoft prompt


def test_accept_without_idp_mfa_means_microsoft_mfa(world, behaviour):
    behaviour("acceptIfMfaDoneByFederatedIdp")
    frank = world.people["frank"]
    page = microsoft_mfa(world, frank, portal_signin(world, frank))
    assert_signed_in(page, frank)


def test_reject_always_means_microsoft_mfa(world, behaviour):
    behaviour("rejectMfaByFederatedIdp")
    bob = world.people["bob"]
    page = portal_signin(world, bob)  # JumpCloud TOTP done, and still Microsoft's prompt
    assert_signed_in(microsoft_mfa(world, bob, page), bob)


def test_reject_with_a_wrong_code(world, behaviour):
    behaviour("rejectMfaByFederatedIdp")
    bob = world.people["bob"]
    page = portal_signin(world, bob)
    again = page.form().fill(otc="000000").submit()
    assert again.page_id == "ms.signin.mfa"
    assert again.text_of("error-code") == "AADSTS50074"


def test_enforce_with_idp_mfa_done(world, behaviour):
    behaviour("enforceMfaByFederatedIdp")
    bob = world.people["bob"]
    assert_signed_in(portal_signin(world, bob), bob)


def test_enforce_on_an_idp_initiated_signin(world, behaviour):
    behaviour("enforceMfaByFederatedIdp")
    judy = world.people["judy"]
    agent = world.agent()
    home = jumpcloud_signin(world, judy, agent.get(world.url("console") + "/userconsole/login"))
    page = agent.get(home.link(f"app-tile-{world.jumpcloud['m365_sso_app_id']}"))
    assert page.page_id == "jc.userportal.mfa.enroll", page  # Entra asked the IdP for MFA
    code = pyotp.TOTP(page.text_of("totp-secret")).at(world.lab.clock.now())
    page = page.form("mfa-enroll-form").fill(otp=code).submit()
    assert_signed_in(page, judy)
    accepted = decisions(world, agent, "login", "saml_assertion_accepted")[0]
    assert accepted["idp_mfa"] is True and accepted["in_response_to"]


def test_enforce_sends_the_user_back_to_the_idp_for_mfa(world, behaviour):
    behaviour("enforceMfaByFederatedIdp")
    # frank has no JumpCloud MFA: the IdP enrols him, then asserts MFA (keep this test last,
    # the enrolment makes JumpCloud ask frank for TOTP from now on)
    frank = world.people["frank"]
    agent = world.agent()
    page = portal_signin(world, frank, agent)
    assert page.page_id == "jc.userportal.mfa.enroll", page
    assert page.url.startswith(world.url("sso"))
    secret = page.text_of("totp-secret")
    code = pyotp.TOTP(secret).at(world.lab.clock.now())
    bad = page.form("mfa-enroll-form").fill(otp="000000").submit()
    assert bad.text_of("error-code") == "jumpcloud:mfa_failed"
    page = bad.form("mfa-enroll-form").fill(otp=code).submit()
    assert_signed_in(page, frank)
    sent = decisions(world, agent, "sso", "sso_auth")
    assert [d["mfa"] for d in reversed(sent)] == [False, True]
    assert decisions(world, agent, "sso", "sso_mfa")[0]["ok"] is True
