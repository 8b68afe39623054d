"""ObjectIds (24 hex, timestamp first, as MongoDB makes them) and JumpCloud timestamps."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import secrets
import threading

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
_lock = threading.Lock()
_process = secrets.token_bytes(5)


def new_object_id(now: dt.datetime) -> str:
    """A MongoDB-style ObjectId: 4-byte seconds (lab clock), 5 random bytes, 3-byte counter."""
    with _lock:
        count = next(_counter) & 0xFFFFFF
    return (int(now.timestamp()).to_bytes(4, "big") + _process + count.to_bytes(3, "big")).hex()


def is_object_id(value: str) -> bool:
    return bool(OBJECT_ID.match(value or ""))


def iso(moment: dt.datetime | None) -> str | None:
    """``2024-05-01T12:00:00.000Z`` (JumpCloud's millisecond UTC format)."""
    if moment is None:
        return None
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
