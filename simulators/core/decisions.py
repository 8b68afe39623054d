"""Decisions of a system (a sign-in accepted, a token refused...) in the lab journal.

The journal's entries are exchanges (method, url, status...), so a decision is written as a
pseudo-exchange with method ``DECISION`` and its details under ``decision``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import g

from simulators.core.context import LabContext

SUMMARY_SKIPS = ("event", "ok")


def journal_decision(
    ctx: LabContext,
    *,
    host: str,
    namespace: str,
    decision: Mapping[str, object],
    ok: bool,
    refused_status: int,
) -> None:
    """Journal ``decision`` (``{"event": ..., **details}``) of ``host``; the url reads
    ``<namespace>:<event> k=v, ...`` (None values left out)."""
    summary = ", ".join(
        f"{k}={v}" for k, v in decision.items() if k not in SUMMARY_SKIPS and v is not None
    )
    ctx.journal.record(
        {
            "time": ctx.clock.state()["now"],
            "trace": g.get("trace"),
            "host": host,
            "method": "DECISION",
            "url": f"{namespace}:{decision['event']} {summary}",
            "status": 200 if ok else refused_status,
            "duration_ms": 0,
            "decision": dict(decision),
        }
    )
