"""What routes of the Microsoft hosts reach: the lab context, the directory, the token service."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from simulators.core.context import LabContext
from simulators.microsoft.entra.tokens import TokenService
from simulators.microsoft.model.directory import Directory

EXTENSION = "m365lab.microsoft"


@dataclass
class Services:
    ctx: LabContext
    directory: Directory
    tokens: TokenService

    @property
    def login_url(self) -> str:
        return self.ctx.url("login")

    def journal(self, event: str, *, ok: bool, **fields: object) -> None:
        """A decision of the Microsoft system, recorded in the lab journal as a pseudo-exchange.

        The journal's entries are exchanges (method, url, status...), so a decision is written
        with method ``DECISION`` and its details under ``decision``.
        """
        summary = ", ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        self.ctx.journal.record(
            {
                "time": self.ctx.clock.state()["now"],
                "trace": g.get("trace"),
                "host": "login",
                "method": "DECISION",
                "url": f"entra:{event} {summary}",
                "status": 200 if ok else 400,
                "duration_ms": 0,
                "decision": {"event": event, **fields},
            }
        )


def services() -> Services:
    return current_app.extensions[EXTENSION]
