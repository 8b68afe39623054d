"""The studio's commands run as a trainer runs them: ``m365lab …`` in a process of its own."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.drivers.browser import chromium_available, chromium_executable, launch_args

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "reports" / "screenshots"

NEEDS_CHROMIUM = pytest.mark.skipif(not chromium_available(), reason="no Chromium here")


class Command:
    """One ``m365lab`` process: its output read line by line, its stdin writable."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
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
                self.process.wait(15)
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
