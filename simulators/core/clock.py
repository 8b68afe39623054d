"""The lab clock: real time plus an offset, or frozen at an instant; every host reads it."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Callable

log = logging.getLogger("m365lab.clock")

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp()
"""The range lab time may be set to: token, SAML and certificate arithmetic holds within it."""


class LabClock:
    """Thread-safe shared clock. All token lifetimes, SAML windows and TOTP codes read it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen: float | None = None
        self._subscribers: list[Callable[[], object]] = []

    def subscribe(self, fn: Callable[[], object]) -> None:
        """Call ``fn()`` after every ``apply()`` (``PUT /_lab/clock``) that succeeded, so work
        that depends on time alone (lockouts ending, passwords expiring) happens at once."""
        with self._lock:
            self._subscribers.append(fn)

    def unsubscribe(self, fn: Callable[[], object]) -> None:
        with self._lock:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

    def timestamp(self) -> float:
        with self._lock:
            return self._frozen if self._frozen is not None else time.time() + self._offset

    def now(self) -> dt.datetime:
        """Current lab time, timezone-aware UTC."""
        return dt.datetime.fromtimestamp(self.timestamp(), dt.UTC)

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset, self._frozen = float(seconds), None

    def freeze(self, at: dt.datetime | None = None) -> None:
        """Stop the clock at ``at`` (default: now)."""
        instant = at.timestamp() if at is not None else None
        with self._lock:
            if instant is None:
                instant = self._frozen if self._frozen is not None else time.time() + self._offset
            self._frozen = instant

    def advance(self, seconds: float) -> None:
        """Move time forward (or back, if negative), frozen or running."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds

    def reset(self) -> None:
        self.set_offset(0)

    def state(self) -> dict:
        with self._lock:
            frozen, offset = self._frozen, self._offset
        now = frozen if frozen is not None else time.time() + offset
        return {
            "now": dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z"),
            "offset_seconds": round(now - time.time(), 3) if frozen is not None else offset,
            "frozen": frozen is not None,
        }

    def apply(self, body: object) -> None:
        """Apply a ``PUT /_lab/clock`` body.

        Accepted keys: ``offset_seconds`` (real time plus offset), ``frozen_at`` (ISO instant,
        or ``"now"``), ``advance_seconds``, ``reset: true``. Raises ValueError on anything else.
        """
        if not isinstance(body, dict) or not body:
            raise ValueError(
                "body must be a JSON object with offset_seconds, frozen_at, advance_seconds "
                "or reset"
            )
        unknown = set(body) - {"offset_seconds", "frozen_at", "advance_seconds", "reset"}
        if unknown:
            raise ValueError(f"unknown clock field(s): {', '.join(sorted(unknown))}")
        self._check_range(body)
        if body.get("reset"):
            self.reset()
        if "offset_seconds" in body:
            self.set_offset(_number(body["offset_seconds"], "offset_seconds"))
        if "frozen_at" in body:
            value = body["frozen_at"]
            if value == "now":
                self.freeze()
            elif value is None:
                current = self.timestamp()
                self.set_offset(current - time.time())
            else:
                self.freeze(parse_instant(value))
        if "advance_seconds" in body:
            self.advance(_number(body["advance_seconds"], "advance_seconds"))
        self._notify()

    def _check_range(self, body: dict) -> None:
        """Refuse, before anything changes, a body that would put lab time out of range."""
        with self._lock:
            frozen, offset = self._frozen, self._offset
        if body.get("reset"):
            frozen, offset = None, 0.0
        if "offset_seconds" in body:
            frozen, offset = None, _number(body["offset_seconds"], "offset_seconds")
        value = body.get("frozen_at")
        if isinstance(value, str) and value != "now":
            frozen = parse_instant(value).timestamp()
        if "advance_seconds" in body:
            step = _number(body["advance_seconds"], "advance_seconds")
            if frozen is not None:
                frozen += step
            else:
                offset += step
        at = frozen if frozen is not None else time.time() + offset
        if not EARLIEST <= at <= LATEST:
            raise ValueError(
                "the lab clock must stay between 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z "
                f"(this change would set it to {at:.0f} s after the epoch)"
            )

    def _notify(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn()
            except Exception:  # a subscriber's failure never undoes the clock change
                log.exception("clock subscriber %r failed", fn)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number of seconds")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        raise ValueError(f"{name} must be a finite number of seconds") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number of seconds")
    return number


def parse_instant(value: object) -> dt.datetime:
    """Parse an ISO-8601 instant; naive values are taken as UTC."""
    if not isinstance(value, str):
        raise ValueError("frozen_at must be an ISO-8601 timestamp, 'now' or null")
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"frozen_at is not an ISO-8601 timestamp: {value!r}") from exc
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
