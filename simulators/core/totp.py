"""Time-based one-time passwords (RFC 6238, 6 digits, 30 s): one verifier for every system."""

from __future__ import annotations

import datetime as dt

import pyotp

WINDOW = 1
"""Steps accepted either side of now: an authenticator app's clock may be a step off."""


def new_secret() -> str:
    """A fresh base32 shared secret."""
    return pyotp.random_base32()


def clean_code(code: str | None) -> str | None:
    """The code as typed without whitespace ("123 456" → "123456"); None unless all digits."""
    cleaned = "".join((code or "").split())
    return cleaned if cleaned.isdigit() else None


def verify(
    secret: str | None, code: str | None, at: dt.datetime | float, *, window: int = WINDOW
) -> bool:
    """Whether ``code`` is the secret's code at ``at`` (lab clock time), give or take ``window``."""
    cleaned = clean_code(code)
    if not secret or cleaned is None:
        return False
    for_time = at if isinstance(at, dt.datetime) else int(at)
    return pyotp.TOTP(secret).verify(cleaned, for_time=for_time, valid_window=window)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app scans (shown as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)
