"""What routes of the Microsoft hosts reach: the lab context, the directory, the token service."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from simulators.core.context import LabContext
from simulators.core.decisions import journal_decision
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
        """A decision of the Microsoft system, recorded in the lab journal."""
        journal_decision(
            self.ctx,
            host="login",
            namespace="entra",
            decision={"event": event, **fields},
            ok=ok,
            refused_status=400,
        )


def services() -> Services:
    return current_app.extensions[EXTENSION]
