"""Identifiers and timestamps in the formats Microsoft uses."""

from __future__ import annotations

import datetime as dt
import uuid

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GLOBAL_ADMIN_ROLE = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN_ROLE = "fe930be7-5e62-47db-91af-98c3a49a38b1"
ROLE_TEMPLATES = {"Global Administrator": GLOBAL_ADMIN_ROLE, "User Administrator": USER_ADMIN_ROLE}
OFFICE_HOME_APP_ID = "4765445b-32c6-49b0-83e6-1d93765276ca"
OFFICE_HOME_SECRET = "microsoft-officehome-secret"
"""The state directory's secret that is OfficeHome's client secret: written by the Microsoft
system into each world's app, sent by the portal (so both must share the state directory)."""


def new_guid() -> str:
    return str(uuid.uuid4())


def is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(value) == 36


def iso(moment: dt.datetime) -> str:
    """Graph's DateTimeOffset format: ``2024-01-01T00:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def sts_timestamp(moment: dt.datetime) -> str:
    """The STS's error timestamp format: ``2025-01-01 00:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
