"""The ``browser`` driver: Playwright Chromium, pinned to the lab's server key.

Chromium comes from Playwright's own download if present, else ``$M365LAB_CHROMIUM``, else the
system's ``chromium``. The lab's certificate is trusted by pinning exactly its public key
(``--ignore-certificate-errors-spki-list``), never by ignoring TLS errors in general.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.drivers.base import Driver, DriverError
from harness.drivers.pages import PageSpec
from simulators.core.journal import TRACE_HEADER

SYSTEM_CHROMIUM = ("chromium", "chromium-browser", "/usr/bin/chromium")
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
MISSING_MESSAGE = (
    "the browser driver needs Chromium: install it with 'apt-get install chromium' "
    "(or 'playwright install chromium'), or set M365LAB_CHROMIUM to a Chromium executable"
)
AUTOSUBMIT_GRACE_MS = 1000
"""How long a self-posting form gets to submit itself (by the page's script) before we do."""

_PENDING_AUTOSUBMIT = """() => {
  const body = document.body;
  let form = document.querySelector('form[data-autosubmit]');
  if (!form && body && /submit\\(\\)/.test(body.getAttribute('onload') || '')) {
    form = document.forms[0];
  }
  return !!form && !form.dataset.m365labSubmitted;
}"""
_SUBMIT_AUTOSUBMIT = """() => {
  let form = document.querySelector('form[data-autosubmit]') || document.forms[0];
  form.dataset.m365labSubmitted = '1';
  HTMLFormElement.prototype.submit.call(form);
}"""


class ChromiumMissing(DriverError):
    """No Chromium (or no Playwright) to drive; the message says how to get one."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(MISSING_MESSAGE + (f" ({detail})" if detail else ""))


def chromium_executable(playwright=None) -> str | None:
    """The Chromium to launch: None means Playwright's own; ChromiumMissing if there is none."""
    if playwright is not None:
        try:
            own = playwright.chromium.executable_path
        except Exception:
            own = ""
        if own and Path(own).exists():
            return None
    configured = os.environ.get("M365LAB_CHROMIUM")
    if configured:
        if Path(configured).exists():
            return configured
        raise ChromiumMissing(f"M365LAB_CHROMIUM={configured} does not exist")
    for candidate in SYSTEM_CHROMIUM:
        found = shutil.which(candidate)
        if found:
            return found
    raise ChromiumMissing()


def chromium_available() -> bool:
    """Whether the browser driver can start here (Playwright importable and a Chromium found)."""
    try:
        import playwright.sync_api  # noqa: F401

        if os.environ.get("M365LAB_CHROMIUM") or any(shutil.which(c) for c in SYSTEM_CHROMIUM):
            return True
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            chromium_executable(p)
        return True
    except Exception:
        return False


def launch_args(spki_sha256: str) -> list[str]:
    """Chromium's command-line flags: quiet, and trusting exactly the lab's server key."""
    return [*LAUNCH_ARGS, f"--ignore-certificate-errors-spki-list={spki_sha256}"]


class BrowserDriver(Driver):
    """Drives one Chromium page (its own Playwright, browser and context: thread-confined)."""

    name = "browser"

    def __init__(
        self,
        spki_sha256: str,
        *,
        trace: str | None = None,
        headed: bool = False,
        slow_mo: float = 0,
        timeout_ms: float = 20_000,
    ) -> None:
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import TimeoutError as PlaywrightTimeout
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise ChromiumMissing("the playwright package is not installed") from exc
        self._errors = (PlaywrightError,)
        self._timeout_error = PlaywrightTimeout
        self.timeout_ms = timeout_ms
        self._playwright = sync_playwright().start()
        try:
            executable = chromium_executable(self._playwright)
            self.browser = self._playwright.chromium.launch(
                executable_path=executable,
                headless=not headed,
                slow_mo=slow_mo or None,
                args=launch_args(spki_sha256),
            )
        except ChromiumMissing:
            self._playwright.stop()
            raise
        except PlaywrightError as exc:
            self._playwright.stop()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ChromiumMissing(f"Chromium did not start: {first}") from exc
        headers = {TRACE_HEADER: trace} if trace else {}
        self.context = self.browser.new_context(extra_http_headers=headers)
        self.context.set_default_timeout(timeout_ms)
        self.page = self.context.new_page()

    # -- navigation -------------------------------------------------------------------------
    def _navigate(self, description: str, action) -> str | None:
        try:
            action()
            self._settle()
        except self._errors as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "ERR_CERT" in text or "SSL" in text:
                text += " (the lab's server key is not the one pinned: is lab.json current?)"
            raise DriverError(f"{description}: {text}") from exc
        return self.page_id

    def _settle(self) -> None:
        """Wait for the page, letting (or making) self-posting forms submit themselves."""
        for _ in range(10):
            self.page.wait_for_load_state("load")
            try:
                pending = self.page.evaluate(_PENDING_AUTOSUBMIT)
            except self._errors:
                continue  # a navigation replaced the document while we looked
            if not pending:
                return
            try:
                with self.page.expect_navigation(timeout=AUTOSUBMIT_GRACE_MS):
                    pass
                continue
            except self._timeout_error:
                pass
            with self.page.expect_navigation():
                self.page.evaluate(_SUBMIT_AUTOSUBMIT)
        raise DriverError(f"more than 10 self-posting forms in a row, last at {self.url}")

    def open(self, url: str) -> str | None:
        return self._navigate(f"opening {url}", lambda: self.page.goto(url, wait_until="load"))

    @property
    def page_id(self) -> str | None:
        try:
            return self.page.evaluate("() => document.body && document.body.dataset.page") or None
        except self._errors:
            return None

    @property
    def url(self) -> str:
        return self.page.url

    def _locator(self, element_id: str):
        return self.page.locator(f"[id='{element_id}']")

    def has(self, element_id: str) -> bool:
        return self._locator(element_id).count() > 0

    def text_of(self, element_id: str) -> str:
        locator = self._locator(element_id)
        if locator.count() == 0:
            raise DriverError(f"no element #{element_id} on {self.url} (page {self.page_id})")
        return " ".join(locator.first.inner_text().split())

    def page_text(self) -> str:
        return " ".join(self.page.inner_text("body").split())

    def submit(
        self,
        page: PageSpec,
        values: Mapping[str, str],
        *,
        button: str | None = None,
        check: Iterable[str] = (),
    ) -> str | None:
        scope = f"form[id='{page.form}'] " if page.form else ""
        for logical, value in values.items():
            selector = f"{scope}[name='{page.field_name(logical)}']"
            locator = self.page.locator(selector)
            if locator.count() == 0:
                raise DriverError(f"no field {selector} on {self.url} (page {self.page_id})")
            if locator.first.get_attribute("type") == "hidden":
                locator.first.evaluate("(el, v) => { el.value = v }", value)
            else:
                locator.first.fill(value)
        for logical in check:
            box = self.page.locator(f"{scope}input[name='{page.field_name(logical)}']")
            if box.count() == 0:
                raise DriverError(f"no checkbox {logical!r} on {self.url} (page {self.page_id})")
            box.first.check()
        button_id = button or page.submit
        if button_id is None:
            raise DriverError(f"page {page.id} has no submit button in the page map")
        target = self._locator(button_id)
        if target.count() == 0:
            raise DriverError(f"no button #{button_id} on {self.url} (page {self.page_id})")

        def press():
            with self.page.expect_navigation():
                target.first.click()

        return self._navigate(f"submitting #{button_id} on {page.id}", press)

    def click(self, element_id: str) -> str | None:
        target = self._locator(element_id)
        if target.count() == 0:
            raise DriverError(f"no link #{element_id} on {self.url} (page {self.page_id})")

        def press():
            with self.page.expect_navigation():
                target.first.click()

        return self._navigate(f"following #{element_id}", press)

    def screenshot(self, path: Path) -> Path | None:
        target = path.with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.page.screenshot(path=str(target), full_page=True)
        except self._errors:
            return None
        return target

    def close(self) -> None:
        for action in (self.context.close, self.browser.close, self._playwright.stop):
            with contextlib.suppress(Exception):
                action()
