"""The ``browser`` driver: Playwright Chromium, pinned to the lab's server key.

Chromium comes from Playwright's own download if present, else ``$M365LAB_CHROMIUM``, else the
system's ``chromium``. The lab's certificate is trusted by pinning exactly its public key
(``--ignore-certificate-errors-spki-list``), never by ignoring TLS errors in general.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.drivers.base import Driver, DriverError
from harness.drivers.pages import ERROR_CODE, PageSpec
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
PLAYWRIGHT_MISSING = "the playwright package is not installed: pip install -e '.[browser]'"
AUTOSUBMIT_GRACE_MS = 1000
MAX_AUTOSUBMITS = 10
SETTLE_TIMEOUT_S = 30.0
"""How long a page may keep being replaced while the driver waits for it to settle."""
"""How long a self-posting form gets to submit itself (by the page's script) before we do."""

_PENDING_AUTOSUBMIT = """() => {
  const body = document.body;
  let form = document.querySelector('form[data-autosubmit]');
  if (!form && body && /submit\\(\\)/.test(body.getAttribute('onload') || '')) {
    form = document.forms[0];
  }
  window.__m365labPending = true;
  return !!form && !form.dataset.m365labSubmitted;
}"""
_TAGGED = "() => window.__m365labPending === true"
_TEXT_OF = """id => {
  const el = document.getElementById(id);
  return el ? (el.innerText || el.textContent || '').split(/\\s+/).filter(Boolean).join(' ') : null;
}"""
_FILL_FORM = """([formId, fields, boxes, buttonId]) => {
  const root = formId ? document.getElementById(formId) : document;
  if (!root) return `no form #${formId}`;
  for (const [name, value] of fields) {
    const el = root.querySelector(`[name="${name}"]`);
    if (!el) return `no field [name='${name}']`;
    el.value = value;
  }
  for (const name of boxes) {
    const el = root.querySelector(`input[name="${name}"]`);
    if (!el) return `no checkbox '${name}'`;
    el.checked = true;
  }
  return document.getElementById(buttonId) ? null : `no button #${buttonId}`;
}"""
POLL_MS = 25
_SUBMIT_AUTOSUBMIT = """() => {
  let form = document.querySelector('form[data-autosubmit]') || document.forms[0];
  form.dataset.m365labSubmitted = '1';
  HTMLFormElement.prototype.submit.call(form);
}"""


_LOADED_PAGE_ID = (
    "() => document.readyState === 'complete' && document.body && document.body.dataset.page"
)
PAGE_ID_WAIT_MS = 3000


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


def _sync_api():
    """``playwright.sync_api``; ChromiumMissing saying how to install it when it is missing."""
    try:
        from playwright import sync_api  # here: Playwright is optional (the browser extra)
    except ImportError as exc:
        raise ChromiumMissing(PLAYWRIGHT_MISSING) from exc
    return sync_api


def chromium_available() -> bool:
    """Whether the browser driver can start here (Playwright importable and a Chromium found)."""
    try:
        sync_api = _sync_api()
        if os.environ.get("M365LAB_CHROMIUM") or any(shutil.which(c) for c in SYSTEM_CHROMIUM):
            return True
        with sync_api.sync_playwright() as p:
            chromium_executable(p)
        return True
    except Exception:
        return False


def launch_args(spki_sha256: str) -> list[str]:
    """Chromium's command-line flags: quiet, and trusting exactly the lab's server key."""
    return [*LAUNCH_ARGS, f"--ignore-certificate-errors-spki-list={spki_sha256}"]


class _Chromium:
    """One Playwright and one Chromium process, for every driver of one thread."""

    def __init__(self, key: tuple, spki_sha256: str, headed: bool, slow_mo: float) -> None:
        sync_api = _sync_api()
        self.key = key
        self.playwright = sync_api.sync_playwright().start()
        try:
            executable = chromium_executable(self.playwright)
            self.browser = self.playwright.chromium.launch(
                executable_path=executable,
                headless=not headed,
                slow_mo=slow_mo or None,
                args=launch_args(spki_sha256),
            )
        except ChromiumMissing:
            self.playwright.stop()
            raise
        except sync_api.Error as exc:
            self.playwright.stop()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ChromiumMissing(f"Chromium did not start: {first}") from exc

    def usable(self, key: tuple) -> bool:
        return self.key == key and self.browser.is_connected()

    def close(self) -> None:
        for action in (self.browser.close, self.playwright.stop):
            with contextlib.suppress(Exception):
                action()


_THREAD = threading.local()
"""This thread's shared Chromium (Playwright's sync API must stay on the thread that began it)."""


def _thread_chromium(spki_sha256: str, headed: bool, slow_mo: float) -> _Chromium:
    key = (spki_sha256, headed, slow_mo)
    current: _Chromium | None = getattr(_THREAD, "chromium", None)
    if current is not None and current.usable(key):
        return current
    if current is not None:
        current.close()
    _THREAD.chromium = _Chromium(key, spki_sha256, headed, slow_mo)
    return _THREAD.chromium


def release_thread_browser() -> None:
    """Stop this thread's shared Chromium, if it started one (the next driver starts another)."""
    current: _Chromium | None = getattr(_THREAD, "chromium", None)
    _THREAD.chromium = None
    if current is not None:
        current.close()


class BrowserDriver(Driver):
    """Drives one Chromium page in a fresh browser context (its own cookies and storage).

    Drivers of one thread share one Chromium process (started by the first), so a new driver
    costs a context, not a browser launch; :func:`release_thread_browser` stops it.
    """

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
        sync_api = _sync_api()
        self._errors = (sync_api.Error,)
        self._timeout_error = sync_api.TimeoutError
        self.timeout_ms = timeout_ms
        self.browser = _thread_chromium(spki_sha256, headed, slow_mo).browser
        headers = {TRACE_HEADER: trace} if trace else {}
        self.context = self.browser.new_context(extra_http_headers=headers)
        self.context.set_default_timeout(timeout_ms)
        self.page = self.context.new_page()
        self.fast = not headed and not slow_mo
        """Act through the DOM (one round trip per action) rather than with pointer clicks."""

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
        """Wait for the page, letting (or making) self-posting forms submit themselves.

        A document with a pending self-posting form is tagged; if its own script submits it,
        the tag disappears with the document (the next one is then settled in turn); if the
        tagged document is still there after the grace period, the form is submitted for it.
        """
        forms = 0
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while True:
            self.page.wait_for_load_state("load")
            try:
                pending = self.page.evaluate(_PENDING_AUTOSUBMIT)
            except self._errors:
                # a navigation replaced the document while we looked: not a form, look again
                if time.monotonic() > deadline:
                    raise DriverError(f"the page at {self.url} did not settle") from None
                self.page.wait_for_timeout(POLL_MS)
                continue
            if not pending:
                return
            forms += 1
            if forms > MAX_AUTOSUBMITS:
                raise DriverError(
                    f"more than {MAX_AUTOSUBMITS} self-posting forms in a row, last at {self.url}"
                )
            if self._still_there_after(AUTOSUBMIT_GRACE_MS / 1000):
                with self.page.expect_navigation():
                    self.page.evaluate(_SUBMIT_AUTOSUBMIT)

    def _still_there_after(self, seconds: float) -> bool:
        """Whether the tagged document is still the page's after ``seconds`` (polled)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(POLL_MS)
            try:
                if not self.page.evaluate(_TAGGED):
                    return False
            except self._errors:
                return False  # the document is being replaced
        return True

    def open(self, url: str) -> str | None:
        return self._navigate(f"opening {url}", lambda: self.page.goto(url, wait_until="load"))

    @property
    def page_id(self) -> str | None:
        """The ``data-page`` of the document, once one has loaded (a redirect chain or a
        self-posting form may still be replacing it when this is asked)."""
        for _ in range(3):
            try:
                handle = self.page.wait_for_function(_LOADED_PAGE_ID, timeout=PAGE_ID_WAIT_MS)
                return handle.json_value() or None
            except self._timeout_error:
                return None  # loaded, but not one of the lab's pages
            except self._errors:
                continue  # the document was replaced while we looked
        return None

    @property
    def url(self) -> str:
        return self.page.url

    def _locator(self, element_id: str):
        return self.page.locator(f"[id='{element_id}']")

    def has(self, element_id: str) -> bool:
        return self._text(element_id) is not None

    def _text(self, element_id: str) -> str | None:
        """Visible text of an element, whitespace collapsed; None if absent (one round trip)."""
        try:
            return self.page.evaluate(_TEXT_OF, element_id)
        except self._errors:
            return None  # the document is being replaced

    def text_of(self, element_id: str) -> str:
        text = self._text(element_id)
        if text is None:
            raise DriverError(f"no element #{element_id} on {self.url} (page {self.page_id})")
        return text

    def error_code(self) -> str | None:
        return self._text(ERROR_CODE) or None

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
        button_id = button or page.submit
        if button_id is None:
            raise DriverError(f"page {page.id} has no submit button in the page map")
        fields = [[page.field_name(k), v] for k, v in values.items()]
        boxes = [page.field_name(k) for k in check]
        if self.fast:
            problem = self.page.evaluate(_FILL_FORM, [page.form, fields, boxes, button_id])
            if problem:
                raise DriverError(f"{problem} on {self.url} (page {self.page_id})")
            return self._press(f"submitting #{button_id} on {page.id}", button_id)
        scope = f"form[id='{page.form}'] " if page.form else ""
        for name, value in fields:
            locator = self.page.locator(f"{scope}[name='{name}']")
            if locator.count() == 0:
                raise DriverError(f"no field {scope}[name='{name}'] on {self.url} ({self.page_id})")
            if locator.first.get_attribute("type") == "hidden":
                locator.first.evaluate("(el, v) => { el.value = v }", value)
            else:
                locator.first.fill(value)
        for name in boxes:
            box = self.page.locator(f"{scope}input[name='{name}']")
            if box.count() == 0:
                raise DriverError(f"no checkbox {name!r} on {self.url} (page {self.page_id})")
            box.first.check()
        if not self.has(button_id):
            raise DriverError(f"no button #{button_id} on {self.url} (page {self.page_id})")
        return self._press(f"submitting #{button_id} on {page.id}", button_id)

    def click(self, element_id: str) -> str | None:
        if not self.has(element_id):
            raise DriverError(f"no link #{element_id} on {self.url} (page {self.page_id})")
        return self._press(f"following #{element_id}", element_id)

    def _press(self, description: str, element_id: str) -> str | None:
        """Click an element and follow the navigation it causes.

        Headless and without slow motion, the click is the DOM's own ``click()`` (the same
        form submission or link navigation, without Playwright's actionability waits); shown
        to people (headed or slowed down) it is a real pointer click.
        """

        def press():
            with self.page.expect_navigation():
                if self.fast:
                    self.page.evaluate("id => document.getElementById(id).click()", element_id)
                else:
                    self._locator(element_id).first.click()

        return self._navigate(description, press)

    def screenshot(self, path: Path) -> Path | None:
        target = path.with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.page.screenshot(path=str(target), full_page=True)
        except self._errors:
            return None
        return target

    def close(self) -> None:
        """Close this driver's context; the thread's Chromium stays up for the next driver."""
        with contextlib.suppress(Exception):
            self.context.close()
