"""The dashboard's token link and the people panel, in Chromium."""

from __future__ import annotations

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser
NAV = (
    ("People", "studio.people"),
    ("Journeys", "studio.journeys"),
    ("Failure switches", "studio.switches"),
    ("Timeline", "dashboard.timeline"),
)


def test_the_token_link_works_once_and_the_nav_reaches_every_page(lab, browser, dashboard):
    assert dashboard.url == lab.ctx.url("dashboard") + "/"  # the token left the address
    assert dashboard.inner_text("#dashboard-title") == "m365lab timeline"
    for label, page_id in NAV:
        dashboard.click(f"#studio-nav >> text={label}")
        assert dashboard.evaluate("document.body.dataset.page") == page_id
    screenshot(dashboard, "token-link")

    link = lab.system("dashboard").signin_link()
    context = browser.new_context()
    try:
        first = context.new_page()
        first.goto(link)
        assert first.evaluate("document.body.dataset.page") == "dashboard.timeline"
        other = browser.new_context()
        again = other.new_page()
        reply = again.goto(link)
        assert reply.status == 401
        assert again.evaluate("document.body.dataset.page") == "dashboard.signin"
        other.close()
    finally:
        context.close()


def _cells(dashboard, username: str) -> dict[str, str]:
    row = dashboard.locator(f"#person-{username}")
    names = ("bound", "immutable-id", "suspended", "mfa", "assigned", "account", "authority")
    return {name: row.locator(f"td.{name}").inner_text().strip() for name in names}


def test_the_people_panel_shows_each_persons_live_state(lab, dashboard):
    dashboard.goto(lab.ctx.url("dashboard") + "/people")
    rows = dashboard.locator("#people tbody tr")
    assert rows.count() == 8
    alice = _cells(dashboard, "alice")
    assert alice["bound"] == "yes" and len(alice["immutable-id"]) == 24
    assert alice["suspended"] == "active" and alice["assigned"] == "yes"
    assert alice["authority"] == "JumpCloud (SAML identity provider)"
    nora = _cells(dashboard, "nora")
    assert nora["bound"] == "no" and nora["immutable-id"] == "none"
    assert _cells(dashboard, "carol")["suspended"] == "suspended"
    assert _cells(dashboard, "carol")["account"] == "disabled"  # suspension reaches Entra
    assert _cells(dashboard, "dave")["mfa"] == "TOTP"
    assert _cells(dashboard, "erin")["assigned"] == "no"
    bob = _cells(dashboard, "bob")
    assert bob["authority"] == "JumpCloud (password pushed to Microsoft 365)"
    ivan = _cells(dashboard, "ivan")
    assert ivan["suspended"] == "—" and ivan["authority"] == "Microsoft 365"

    link = dashboard.locator("#sign-in-as-alice")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == (
        lab.ctx.url("portal") + "/signin?login_hint=alice%40contoso.com"
    )
    screenshot(dashboard, "people")
