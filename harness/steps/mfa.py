"""MFA steps: TOTP codes at the lab clock's time (so they stay right when the clock moves)."""

from __future__ import annotations

from typing import Literal

from harness.scenario.context import StepContext
from harness.scenario.registry import step


@step("mfa.code")
def code(
    ctx: StepContext, secret: str, system: Literal["microsoft", "jumpcloud"] = "jumpcloud"
) -> str:
    """The current 6-digit TOTP code for a base32 ``secret``, at the lab time of the system that
    will check it (JumpCloud's console, or Microsoft's login host)."""
    return ctx.totp(secret, "console" if system == "jumpcloud" else "login")
