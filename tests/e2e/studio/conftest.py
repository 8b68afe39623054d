"""Two ways the studio is used: an in-process lab with the default world and one Chromium per
module (the dashboard's pages), and the studio's commands run as a trainer runs them:
``m365lab …`` in a process of its own (demo, classroom)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

from harness.drivers.browser import chromium_available, chromium_executable, launch_args
from harness.lab import Lab, LabOptions

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "reports" / "screenshots"
DOC_IMAGES = {"people": "people", "journey-nora": "journey-nora", "switch-reset": "switches"}
"""Screenshot name -> docs/img/ picture, refreshed when M365LAB_DOCS_IMG is set."""
STEP_TIMEOUT_MS = 10_000
MAX_STEPS = 12
DONE_PAGES = {"portal.signedin", "ms.error", "jc.error", "lab.error"}
ANSWERED = {"ms.signin.username", "ms.signin.password", "jc.userportal.signin", "jc.userportal.mfa"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    lab = Lab(LabOptions(state_dir=tmp_path_factory.mktemp("studio"), port_base=0)).start()
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def browser(lab):
    if not chromium_available():
        pytest.skip("no Chromium here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        spki = lab.descriptor()["tls"]["server_spki_sha256"]
        chromium = p.chromium.launch(executable_path=chromium_executable(p), args=launch_args(spki))
        yield chromium
        chromium.close()


@pytest.fixture
def dashboard(lab, browser):
    """A browser page signed in to the dashboard through the one-time link."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    page.goto(lab.system("dashboard").signin_link())
    assert page.evaluate("document.body.dataset.page") == "dashboard.timeline"
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save the page as ``reports/screenshots/<name>.png`` (the CI artifact directory)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("M365LAB_DOCS_IMG") and name in DOC_IMAGES:
        page.screenshot(path=str(ROOT / "docs" / "img" / f"{DOC_IMAGES[name]}.png"))
    return path


def person(lab: Lab, username: str) -> dict:
    return next(p for p in lab.descriptor()["people"] if p["upn"].startswith(username + "@"))


@dataclass
class SignIn:
    """Where a browser sign-in ended."""

    page_id: str
    error_code: str | None
    pages: list[str]


def _page_id(page) -> str:
    page.wait_for_function("() => document.body && document.body.dataset.page")
    return page.evaluate("document.body.dataset.page")


def drive_sign_in(page, who: dict) -> SignIn:
    """Answer each page of a sign-in the way the person would, until it ends."""
    seen: list[str] = []
    for _ in range(MAX_STEPS):
        page.wait_for_load_state()
        page_id = _page_id(page)
        again = bool(seen) and seen[-1] == page_id  # the same page again: it refused the answer
        seen.append(page_id)
        if page_id in DONE_PAGES or page_id not in ANSWERED or again:
            code = page.locator("#error-code")
            error = code.inner_text().strip() if code.count() else None
            return SignIn(page_id, error, seen)
        if page.locator("form[data-autosubmit]").count():
            page.wait_for_function(f"() => document.body.dataset.page !== '{page_id}'")
            continue
        with page.expect_navigation():
            _answer(page, page_id, who)
    raise AssertionError(f"the sign-in did not end: {seen}")


def _answer(page, page_id: str, who: dict) -> None:
    if page_id == "ms.signin.username":
        page.fill("input[name=loginfmt]", who["upn"])
        page.click("#idSIButton9")
    elif page_id == "ms.signin.password":
        page.fill("input[name=passwd]", who["password"])
        page.click("#idSIButton9")
    elif page_id == "jc.userportal.signin":
        page.fill("#login-form input[name=email]", who["upn"])
        page.fill("#login-form input[name=password]", who["password"])
        page.click("#login-submit")
    elif page_id == "jc.userportal.mfa":
        # the person's authenticator app: real time, not the lab's clock
        page.fill("#mfa-form input[name=otp]", pyotp.TOTP(who["totp_secret"]).now())
        page.click("#mfa-submit")


def sign_in_as(browser, dashboard, lab: Lab, username: str) -> SignIn:
    """Follow the people panel's "Sign in as" link in a browser of the person's own."""
    dashboard.goto(lab.ctx.url("dashboard") + "/people")
    url = dashboard.get_attribute(f"#sign-in-as-{username}", "href")
    context = browser.new_context()
    context.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(url)
        return drive_sign_in(page, person(lab, username))
    finally:
        context.close()


NEEDS_CHROMIUM = pytest.mark.skipif(not chromium_available(), reason="no Chromium here")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Command:
    """One ``m365lab`` process: its output read line by line, its stdin writable."""

    def __init__(
        self, *args: str, env: dict[str, str] | None = None, sigint_ignored: bool = False
    ) -> None:
        """``sigint_ignored``: start it the way a shell starts a background job (SIGINT
        ignored), as CI jobs often inherit it."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            preexec_fn=_ignore_sigint if sigint_ignored else None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match:
        """The first output line (from now on) matching ``pattern``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}; saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}; saw {self.seen}")
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def output(self, timeout: float = 15) -> str:
        """Everything printed, once the process has ended."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                return "\n".join(self.seen)
            self.seen.append(line)

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT, as Ctrl-C
            try:
                # the lab stops first (its world torn down, its stores closed): on a busy CI
                # machine with two test workers that took over 15 s
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


@pytest.fixture
def command() -> Iterator[type[Command]]:
    started: list[Command] = []

    def start(*args: str, **kwargs) -> Command:
        cmd = Command(*args, **kwargs)
        started.append(cmd)
        return cmd

    yield start  # type: ignore[misc]
    for cmd in started:
        cmd.stop()


def lab_of(descriptor_path: str | Path) -> dict:
    return json.loads(Path(descriptor_path).read_text())


@pytest.fixture
def chromium() -> Iterator:
    """``chromium(pin)``: a page of a new Chromium trusting exactly that key."""
    from playwright.sync_api import sync_playwright

    started: list = []  # Playwright starts at the first page: a test may drive others before
    browsers: list = []

    def page_for(pin: str):
        if not started:
            started.append(sync_playwright().start())
        p = started[0]
        browser = p.chromium.launch(executable_path=chromium_executable(p), args=launch_args(pin))
        browsers.append(browser)
        return browser.new_page()

    yield page_for
    for browser in browsers:
        browser.close()
    for p in started:
        p.stop()


__all__ = ["NEEDS_CHROMIUM", "SCREENSHOTS", "Command", "lab_of"]
