"""The lab clock as a test sees it: read it, and move it through the control plane."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from harness.lab.descriptor import LabClient


class LabClock:
    """``lab.clock``: every change is a ``PUT /_lab/clock`` to each lab process (so what depends
    on time alone, such as lockouts ending or passwords expiring, follows at once)."""

    def __init__(self, control: LabClient, read: Callable[[], float]) -> None:
        self._control = control
        self._read = read

    def timestamp(self) -> float:
        """Lab time in epoch seconds."""
        return self._read()

    def now(self) -> dt.datetime:
        """Lab time, timezone-aware UTC."""
        return dt.datetime.fromtimestamp(self._read(), dt.UTC)

    def set(self, at: dt.datetime | str) -> dict:
        """Stop the clock at ``at`` (an aware datetime or an ISO instant)."""
        instant = at.isoformat() if isinstance(at, dt.datetime) else at
        return self._control.set_clock(frozen_at=instant)

    def advance(self, seconds: float) -> dict:
        """Move time forward (or back, if negative), frozen or running."""
        return self._control.set_clock(advance_seconds=seconds)

    def reset(self) -> dict:
        """Back to real time."""
        return self._control.set_clock(reset=True)
