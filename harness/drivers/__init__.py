"""Drivers: how a scenario's user reaches the pages (``http`` user agent or ``browser``)."""

from __future__ import annotations

from harness.drivers.base import Driver, DriverError, UnexpectedPage
from harness.drivers.browser import BrowserDriver, release_thread_browser
from harness.drivers.http import HttpDriver

DRIVERS = ("http", "browser")


def make_driver(
    name: str,
    *,
    ca_bundle: str,
    spki_sha256: str | None,
    trace: str | None,
    headed: bool = False,
    slow_mo: float = 0,
) -> Driver:
    """A new driver of kind ``name`` carrying ``trace`` on every request."""
    if name == "http":
        return HttpDriver(ca_bundle, trace=trace)
    if name == "browser":
        if not spki_sha256:
            raise DriverError("lab.json has no tls.server_spki_sha256 to pin the lab's key with")
        return BrowserDriver(spki_sha256, trace=trace, headed=headed, slow_mo=slow_mo)
    raise DriverError(f"unknown driver {name!r}; choose from {', '.join(DRIVERS)}")


def release_thread_resources() -> None:
    """Stop what drivers of this thread keep between scenarios (the shared Chromium)."""
    release_thread_browser()


__all__ = [
    "DRIVERS",
    "Driver",
    "DriverError",
    "UnexpectedPage",
    "make_driver",
    "release_thread_resources",
]
