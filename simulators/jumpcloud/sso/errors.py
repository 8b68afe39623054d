"""Why the JumpCloud IdP refuses a sign-in (``jc.error`` page, ``jumpcloud:<code>``)."""

from __future__ import annotations

MESSAGES = {
    "suspended": "Your JumpCloud account is suspended. Contact your administrator.",
    "not_assigned": "You do not have access to this application. Ask your administrator to "
    "assign it to you.",
    "app_not_found": "This SSO application does not exist.",
    "app_inactive": "This SSO application is not active.",
    "mfa_failed": "The verification code is not valid.",
    "signin_incomplete": "JumpCloud could not complete the sign-in to this application. Start "
    "again from the application.",
}


class SsoRefusal(Exception):
    """A refusal with JumpCloud's reason code (``jumpcloud:<code>``) and a readable message."""

    def __init__(self, code: str, message: str | None = None, *, status: int = 403) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, "The sign-in cannot continue.")
        self.status = status

    @property
    def page_code(self) -> str:
        return f"jumpcloud:{self.code}"
