"""Signing in in Chromium gives ONE journey per sign-in: title, diagram, messages, explanation."""

from __future__ import annotations

import time

import pytest

from .conftest import drive_sign_in, person, screenshot, sign_in_as

pytestmark = pytest.mark.browser
CASES = {
    # username: (title, outcome in the list, explanation title's code or None)
    "alice": ("alice → Microsoft 365: signed in", "signed in", None),
    "nora": ("nora → AADSTS51004", "AADSTS51004", "AADSTS51004"),
    "carol": ("carol → jumpcloud:suspended", "jumpcloud:suspended", "jumpcloud:suspended"),
    "dave": ("dave → Microsoft 365: signed in", "signed in", None),
}


def _journeys_of(dashboard, lab, upn: str) -> list[dict]:
    if not dashboard.url.startswith(lab.ctx.url("dashboard")):
        dashboard.goto(lab.ctx.url("dashboard") + "/journeys")
    listed = dashboard.evaluate("fetch('/api/journeys').then(r => r.json())")
    return [j for j in listed["journeys"] if j["who"] == upn]


def _new_journey(dashboard, lab, upn: str, before: int) -> dict:
    deadline = time.monotonic() + 5
    while True:
        found = _journeys_of(dashboard, lab, upn)
        if len(found) > before or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(found) == before + 1, found  # one sign-in, one journey
    return found[0]


def test_sign_in_as_opens_the_portal_in_a_new_tab_with_the_account_filled_in(lab, dashboard):
    who = person(lab, "alice")
    before = len(_journeys_of(dashboard, lab, who["upn"]))
    dashboard.goto(lab.ctx.url("dashboard") + "/people")
    with dashboard.context.expect_page() as tab:
        dashboard.click("#sign-in-as-alice")
    page = tab.value
    page.wait_for_load_state()
    # the hint lets Entra skip its account page and send alice straight to her IdP
    assert page.evaluate("document.body.dataset.page") == "jc.userportal.signin"
    assert drive_sign_in(page, who).page_id == "portal.signedin"
    screenshot(page, "sign-in-as-tab")
    page.close()
    journey = _new_journey(dashboard, lab, who["upn"], before)
    assert journey["title"] == CASES["alice"][0]


@pytest.mark.parametrize("username", list(CASES))
def test_each_sign_in_is_one_journey_with_its_diagram_and_explanation(
    lab, browser, dashboard, username
):
    title, listed, code = CASES[username]
    upn = person(lab, username)["upn"]
    before = len(_journeys_of(dashboard, lab, upn))
    sign_in_as(browser, dashboard, lab, username)
    journey = _new_journey(dashboard, lab, upn, before)
    assert (journey["title"], journey["outcome"]) == (title, listed)

    dashboard.goto(lab.ctx.url("dashboard") + "/journeys")
    row = dashboard.locator(f"li[data-journey='{journey['id']}']")
    assert row.locator(".outcome").inner_text() == listed
    row.locator("a").click()
    assert dashboard.inner_text("#journey-title") == title
    arrows = dashboard.locator("#diagram a[id^=arrow-]")
    assert arrows.count() >= 5
    labels = [arrows.nth(i).text_content() or "" for i in range(arrows.count())]
    if code is None:
        assert dashboard.locator("#why").count() == 0
        _open_the_saml_response(dashboard, labels, expect_match=True)
    else:
        assert dashboard.inner_text("#why-title").startswith(code)
        assert dashboard.locator("#why-fix-link").get_attribute("href").startswith("https://")
    if username == "nora":
        _open_the_saml_response(dashboard, labels, expect_match=False)
    if username == "carol":
        assert dashboard.locator("#diagram a.error").count() >= 1
    screenshot(dashboard, f"journey-{username}")


def _open_the_saml_response(dashboard, labels: list[str], expect_match: bool) -> None:
    """Click the SAMLResponse arrow: its exchange opens with the NameID compared."""
    index = next(i for i, label in enumerate(labels) if "SAMLResponse" in label)
    arrow = dashboard.locator("#diagram a[id^=arrow-]").nth(index)
    anchor = arrow.get_attribute("href").lstrip("#")
    arrow.click()
    details = dashboard.locator(f"details#{anchor}")
    dashboard.wait_for_function(f"() => document.getElementById('{anchor}').open")
    name_id = details.locator("tr.field", has=dashboard.locator("th", has_text="NameID")).first
    assert "decisive" in name_id.get_attribute("class")
    assert ("match" if expect_match else "mismatch") in name_id.get_attribute("class").split()
