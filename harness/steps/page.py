"""Generic driver steps: open a page of a lab host, follow a link."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed
from harness.scenario.registry import step


def _check(ctx: StepContext, expect_page: str | None, action: str) -> dict:
    driver = ctx.driver
    if expect_page is not None and driver.page_id != expect_page:
        raise ExpectationFailed(
            f"{action}: expected page {expect_page!r}, reached {driver.page_id!r} at {driver.url}"
            + (f" showing error {code}" if (code := driver.error_code()) else ""),
            expected=expect_page,
            actual=driver.page_id,
        )
    return {"page": driver.page_id, "url": driver.url}


@step("page.open")
def open_page(
    ctx: StepContext,
    host: str,
    path: str = "/",
    expect_page: str | None = None,
    auth: Literal["none", "admin"] = "none",
) -> dict:
    """Open ``path`` on a lab host with the scenario's driver; returns ``page`` and ``url``.
    ``auth: admin`` signs in to the dashboard first with the lab's admin token, as its sign-in
    link does (the token never shows in the scenario)."""
    url = ctx.url(host) + (path if path.startswith("/") else "/" + path)
    if auth == "admin":
        separator = "&" if "?" in url else "?"
        url += separator + urlencode({"token": ctx.descriptor.data["admin_token"]})
    ctx.driver.open(url)
    return _check(ctx, expect_page, f"opening {url}")


@step("page.click")
def click(ctx: StepContext, element: str, expect_page: str | None = None) -> dict:
    """Follow the link with this element id on the current page."""
    ctx.driver.click(element)
    return _check(ctx, expect_page, f"following #{element}")


@step("driver.fresh")
def fresh(ctx: StepContext) -> None:
    """Continue with a new user agent: no cookies and no sessions anywhere (another person at
    another computer). The old one's page is gone."""
    ctx.new_driver()
