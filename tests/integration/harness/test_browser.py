"""The browser driver (system Chromium) trusts exactly the lab's key; the report opens in it."""

from __future__ import annotations

import pytest

from harness.drivers import browser
from harness.drivers.base import DriverError
from harness.drivers.browser import BrowserDriver, chromium_available
from harness.drivers.pages import DASHBOARD

from .helpers import EXAMPLES, run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="no Chromium here"),
]


def test_browser_driver_loads_the_dashboard_over_https_without_tls_errors(harness_lab, tmp_path):
    descriptor = harness_lab.descriptor()
    driver = BrowserDriver(descriptor["tls"]["server_spki_sha256"], trace="browser-test-trace")
    try:
        url = harness_lab.ctx.url("dashboard") + "/"
        assert driver.open(harness_lab.system("dashboard").signin_link()) == DASHBOARD.id
        assert driver.url == url and driver.url.startswith("https://")
        assert driver.text_of("dashboard-title") == "m365lab timeline"
        shot = driver.screenshot(tmp_path / "dashboard")
        assert shot is not None and shot.stat().st_size > 1000
    finally:
        driver.close()
    traced = harness_lab.ctx.journal.query(trace="browser-test-trace")
    assert url in [e["url"] for e in traced]  # every browser request carries the trace


def test_endless_self_posting_forms_are_a_clear_driver_error(harness_lab, monkeypatch):
    monkeypatch.setattr(browser, "AUTOSUBMIT_GRACE_MS", 50)  # the driver submits each at once
    driver = BrowserDriver(harness_lab.descriptor()["tls"]["server_spki_sha256"])
    try:
        with pytest.raises(DriverError, match="more than 10 self-posting forms in a row"):
            driver.open(harness_lab.ctx.url("console") + "/loop")
    finally:
        driver.close()


def test_scenario_under_the_browser_driver_and_report_opens_in_chromium(lab_json, tmp_path):
    code, out = run(
        str(EXAMPLES / "dashboard_page.yaml"),
        "--lab",
        lab_json,
        "--driver",
        "browser",
        "--report",
        str(tmp_path),
    )
    assert code == 0, out
    assert (tmp_path / "artifacts" / "dashboard_page" / "end.png").exists()
    html_path = tmp_path / "report.html"
    assert "data:image/png;base64," in html_path.read_text()

    from playwright.sync_api import sync_playwright

    from harness.drivers.browser import LAUNCH_ARGS, chromium_executable

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable(p), args=list(LAUNCH_ARGS))
        page = browser.new_page()
        page.goto(html_path.as_uri())
        timeline = page.locator("#timeline-1")
        assert page.evaluate("document.body.dataset.page") == "report"
        assert timeline.is_visible()
        assert timeline.locator("tr.exchange").count() >= 1
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert (tmp_path / "report.png").stat().st_size > 1000
