"""Lab clock steps (``PUT /_lab/clock`` in every lab process). The clock is lab-wide, so a
scenario using them runs alone and the clock is reset after it."""

from __future__ import annotations

import re

from harness.scenario.context import StepContext
from harness.scenario.errors import StepError
from harness.scenario.registry import step

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|ms)")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: float | str) -> float:
    """Seconds from a number or a text like ``90s``, ``5m``, ``1h30m``, ``2d`` (``-`` for back)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(" ", "")
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    try:
        return sign * float(text)
    except ValueError:
        pass
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise StepError(f"{value!r} is not a duration (use seconds, or e.g. 90s, 5m, 1h30m, 2d)")
    return sign * total


def _apply(ctx: StepContext, body: dict) -> dict:
    return ctx.each_process("PUT", "/_lab/clock", json=body)[0].json()


@step("clock.advance", exclusive=True)
def advance(ctx: StepContext, by: float | str) -> dict:
    """Move lab time forward by a duration (``300``, ``5m``, ``1h30m``; negative goes back)."""
    return _apply(ctx, {"advance_seconds": parse_duration(by)})


@step("clock.freeze", exclusive=True)
def freeze(ctx: StepContext, at: str = "now") -> dict:
    """Stop the lab clock at an ISO-8601 instant (or ``now``)."""
    return _apply(ctx, {"frozen_at": at})


@step("clock.reset", exclusive=True)
def reset(ctx: StepContext) -> dict:
    """Back to real time."""
    return _apply(ctx, {"reset": True})


@step("clock.read")
def read(ctx: StepContext, host: str = "login") -> dict:
    """The lab clock (``now``, ``frozen``, ``offset_seconds``) of the process serving ``host``."""
    reply = ctx.control.call("GET", host, "/_lab/clock")
    if reply.status_code != 200:
        raise StepError(f"GET /_lab/clock on {host}: HTTP {reply.status_code}")
    return reply.json()
