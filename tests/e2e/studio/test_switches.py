"""Each failure switch changes the next sign-in (or sync) and "Reset the world" mends it all."""

from __future__ import annotations

import time

import pytest

from simulators.core.httpclient import lab_session

from .conftest import screenshot, sign_in_as

pytestmark = pytest.mark.browser
SIGNED_IN = "portal.signedin"


def press(lab, dashboard, button: str, page: str = "/switches", **fields: str) -> str:
    """Press a switch's button on its page; the flash message it answers with."""
    dashboard.goto(lab.ctx.url("dashboard") + page)
    form = dashboard.locator("form.switch", has=dashboard.locator(f"#switch-{button}"))
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value) if name == "count" else form.locator(
            f"[name={name}]"
        ).select_option(value)
    with dashboard.expect_navigation():
        dashboard.click(f"#switch-{button}")
    flash = dashboard.locator("#flash")
    assert "ok" in (flash.get_attribute("class") or ""), flash.inner_text()
    return flash.inner_text()


def outcome(browser, dashboard, lab, username: str) -> str:
    """``ok``, the error code shown, or the page the sign-in stopped on."""
    signed = sign_in_as(browser, dashboard, lab, username)
    if signed.page_id == SIGNED_IN:
        return "ok"
    return signed.error_code or signed.page_id


@pytest.fixture
def admin(lab):
    session = lab_session(lab.ctx.ca_file)
    session.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    return session


def test_suspend_and_activate(lab, browser, dashboard):
    press(lab, dashboard, "suspend-alice", "/people")
    assert dashboard.locator("#person-alice td.suspended").inner_text() == "suspended"
    screenshot(dashboard, "switch-suspend")
    assert outcome(browser, dashboard, lab, "alice") == "jumpcloud:suspended"
    press(lab, dashboard, "activate-alice", "/people")
    assert outcome(browser, dashboard, lab, "alice") == "ok"


def test_bind_gives_nora_her_immutable_id_and_unbind_takes_the_binding_away(
    lab, browser, dashboard
):
    assert outcome(browser, dashboard, lab, "nora") == "AADSTS51004"
    press(lab, dashboard, "bind-nora", "/people")
    assert len(dashboard.locator("#person-nora td.immutable-id").inner_text()) == 24
    screenshot(dashboard, "switch-bind")
    assert outcome(browser, dashboard, lab, "nora") == "ok"
    press(lab, dashboard, "unbind-nora", "/people")
    assert dashboard.locator("#person-nora td.bound").inner_text() == "no"


def test_disable_the_microsoft_account(lab, browser, dashboard):
    press(lab, dashboard, "disable-account-alice", "/people")
    screenshot(dashboard, "switch-disable-account")
    assert outcome(browser, dashboard, lab, "alice") == "AADSTS50057"
    press(lab, dashboard, "enable-account-alice", "/people")
    assert outcome(browser, dashboard, lab, "alice") == "ok"


def test_rotating_the_idp_certificate_breaks_sso_until_entra_trusts_the_next_one(
    lab, browser, dashboard
):
    press(lab, dashboard, "rotate-certificate")
    code = outcome(browser, dashboard, lab, "alice")
    assert code.startswith("AADSTS"), code
    dashboard.goto(lab.ctx.url("dashboard") + "/journeys")
    dashboard.locator("li.journey a").first.click()
    assert dashboard.inner_text("#why-title").startswith(code)
    certificate = dashboard.locator("tr.field", has=dashboard.locator("th", has_text="certificate"))
    assert "mismatch" in certificate.first.get_attribute("class").split()
    screenshot(dashboard, "journey-rotated-certificate")
    press(lab, dashboard, "trust-next-certificate")
    assert "set" in dashboard.inner_text("#fact-federation")
    screenshot(dashboard, "switch-certificate")
    assert outcome(browser, dashboard, lab, "alice") == "ok"


def test_a_skewed_clock_breaks_daves_totp_and_reset_mends_it(lab, browser, dashboard):
    press(lab, dashboard, "clock-ahead")
    assert "offset 600" in dashboard.inner_text("#fact-clock")
    screenshot(dashboard, "switch-clock")
    assert outcome(browser, dashboard, lab, "dave") == "jumpcloud:invalid_otp"  # phone vs lab
    press(lab, dashboard, "clock-reset")
    assert outcome(browser, dashboard, lab, "dave") == "ok"


def test_rejecting_the_idps_mfa_makes_entra_ask_for_its_own(lab, browser, dashboard):
    press(lab, dashboard, "require-mfa")
    assert dashboard.inner_text("#fact-mfa") == "security defaults on"
    assert outcome(browser, dashboard, lab, "dave") == "ok"  # JumpCloud's TOTP counts
    assert outcome(browser, dashboard, lab, "alice").startswith("ms.signin.mfa")  # no IdP MFA
    press(lab, dashboard, "mfa-behavior", behavior="rejectMfaByFederatedIdp")
    assert "rejectMfaByFederatedIdp" in dashboard.inner_text("#fact-federation")
    screenshot(dashboard, "switch-mfa-behavior")
    assert outcome(browser, dashboard, lab, "dave").startswith("ms.signin.mfa")
    press(lab, dashboard, "mfa-behavior", behavior="acceptIfMfaDoneByFederatedIdp")
    assert outcome(browser, dashboard, lab, "dave") == "ok"
    press(lab, dashboard, "stop-requiring-mfa")
    assert outcome(browser, dashboard, lab, "alice") == "ok"


def test_throttled_graph_answers_429_with_retry_after_and_the_sync_retries(lab, dashboard, admin):
    press(lab, dashboard, "throttle-graph", count="3")
    rules = admin.get(lab.ctx.url("graph") + "/_lab/faults").json()["rules"]
    assert rules[0]["status"] == 429 and rules[0]["count"] == 3
    press(lab, dashboard, "bind-nora", "/people")
    deadline = time.monotonic() + 15
    while len(dashboard.locator("#person-nora td.immutable-id").inner_text()) != 24:
        assert time.monotonic() < deadline, "the sync did not get through the throttling"
        time.sleep(0.5)
        dashboard.reload()
    screenshot(dashboard, "switch-throttle")
    throttled = [e for e in lab.ctx.journal.query(host="graph") if e["status"] == 429]
    assert len(throttled) == 3
    assert throttled[0]["response_headers"].get("Retry-After") == "2"
    press(lab, dashboard, "unbind-nora", "/people")


def test_revoked_consent_pauses_the_sync_once_the_token_expires(lab, dashboard, admin):
    press(lab, dashboard, "revoke-consent")
    admin.put(lab.ctx.url("login") + "/_lab/clock", json={"advance_seconds": 2 * 3600})
    press(lab, dashboard, "suspend-bob", "/people")  # a change JumpCloud must push
    dashboard.goto(lab.ctx.url("dashboard") + "/switches")
    assert dashboard.inner_text("#fact-integration").startswith("error")
    screenshot(dashboard, "switch-revoke-consent")
    dashboard.goto(lab.ctx.url("dashboard") + "/people")
    assert dashboard.locator("#person-bob td.account").inner_text() == "enabled"  # not pushed
    press(lab, dashboard, "reset-world")  # a new consent is the way back


def test_reset_the_world_puts_everything_back(lab, browser, dashboard, admin):
    press(lab, dashboard, "suspend-alice", "/people")
    press(lab, dashboard, "rotate-certificate")
    press(lab, dashboard, "clock-behind")
    press(lab, dashboard, "throttle-graph", count="50")
    flash = press(lab, dashboard, "reset-world")
    assert "default world built again" in flash
    screenshot(dashboard, "switch-reset")
    assert dashboard.inner_text("#fact-faults") == "none"
    assert "offset 0" in dashboard.inner_text("#fact-clock")
    assert dashboard.inner_text("#fact-integration") == "authorized"
    assert outcome(browser, dashboard, lab, "alice") == "ok"
    assert outcome(browser, dashboard, lab, "nora") == "AADSTS51004"
    assert outcome(browser, dashboard, lab, "carol") == "jumpcloud:suspended"
