"""Waiting for something the lab does in the background (a host to answer, a worker to finish)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from simulators.core.httpclient import LabClient
from simulators.core.topology import HostSpec
from simulators.core.wire import TransportError

T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """The condition did not hold before the timeout; the message says what was awaited."""


def wait_until(
    predicate: Callable[[], T], timeout: float, every: float = 0.1, *, what: str = ""
) -> T:
    """Call ``predicate`` every ``every`` seconds until it returns something truthy, and return
    that. Raises :class:`WaitTimeout` (naming ``what``) once ``timeout`` seconds pass first; an
    exception from ``predicate`` ends the wait at once (a way to give up early)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(f"{what or 'condition'} not reached within {timeout:g} s")
        time.sleep(min(every, left))


def wait_answering(
    specs: list[HostSpec],
    ca_file: str | Path,
    timeout: float,
    *,
    each_try: Callable[[], None] | None = None,
) -> HostSpec | None:
    """Poll each host's ``/_lab/health`` over verified HTTPS until it answers 200; returns the
    first spec still silent when ``timeout`` runs out, else None. ``each_try`` runs before every
    attempt (it may raise to give up early)."""
    deadline = time.monotonic() + timeout
    client = LabClient(ca_file, timeout=2)

    def healthy(spec: HostSpec) -> bool:
        if each_try is not None:
            each_try()
        try:
            return client.request("GET", spec.base_url + "/_lab/health").status == 200
        except TransportError:
            return False

    try:
        for spec in specs:
            try:
                wait_until(partial(healthy, spec), max(0.0, deadline - time.monotonic()), 0.02)
            except WaitTimeout:
                return spec
    finally:
        client.close()
    return None
