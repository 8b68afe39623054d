"""SAML identifiers (xs:ID / NCName) and SAML UTC timestamps (format and strict parse)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from .errors import Reason, SamlError

_INSTANT_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?Z"
)
_NCNAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def new_id() -> str:
    """Return a fresh NCName-safe SAML ID: ``"_" + uuid4().hex``."""
    return "_" + uuid.uuid4().hex


def is_ncname_id(value: str) -> bool:
    """True if ``value`` is a plain-ASCII NCName usable as xs:ID."""
    return bool(_NCNAME_RE.fullmatch(value))


def as_utc(moment: datetime) -> datetime:
    """Normalise a datetime to aware UTC (naive values are taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """Render ``YYYY-MM-DDTHH:MM:SS.fffZ`` in UTC (milliseconds, truncated)."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_instant(value: str | None) -> datetime:
    """Strictly parse a SAML UTC timestamp (``Z`` required, 0-9 fraction digits)."""
    if value is None:
        raise SamlError(Reason.BAD_TIMESTAMP, "timestamp missing")
    match = _INSTANT_RE.fullmatch(value)
    if match is None:
        raise SamlError(Reason.BAD_TIMESTAMP, f"not a SAML UTC timestamp: {value[:64]!r}")
    year, month, day, hour, minute, second, frac = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC
        )
    except ValueError:
        raise SamlError(Reason.BAD_TIMESTAMP, f"impossible date/time: {value[:64]!r}") from None
