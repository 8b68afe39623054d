"""IDs and SAML UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from simulators.saml.errors import Reason, SamlError
from simulators.saml.ids import as_utc, format_instant, is_ncname_id, new_id, parse_instant


def test_new_id_is_ncname_and_unique() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_ncname_id(i) and i.startswith("_") and len(i) == 33 for i in ids)
    assert not is_ncname_id("1abc")
    assert not is_ncname_id("a b")
    assert not is_ncname_id("")


def test_format_instant_is_millisecond_utc() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert format_instant(moment) == "2026-01-02T03:04:05.678Z"
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    assert format_instant(plus_two) == "2026-01-02T03:04:05.678Z"
    assert format_instant(moment.replace(tzinfo=None)) == "2026-01-02T03:04:05.678Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05.1Z", datetime(2026, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
        ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    ],
)
def test_parse_instant_accepts_utc(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "2026-01-02T03:04:05",
        "2026-01-02T03:04:05+00:00",
        "2026-01-02T05:04:05+02:00",
        "2026-01-02T03:04:05z",
        "2026-01-02 03:04:05Z",
        "2026-01-02T03:04:05Z\n",
        "2026-02-30T03:04:05Z",
        "2026-01-02T03:04:05.1234567890Z",
        "\uff12\uff10\uff12\uff16-01-02T03:04:05Z"  # full-width digits,
        "2026-01-02T24:00:00Z",
    ],
)
def test_parse_instant_rejects_non_saml(text: str | None) -> None:
    with pytest.raises(SamlError) as info:
        parse_instant(text)
    assert info.value.reason is Reason.BAD_TIMESTAMP


def test_round_trip() -> None:
    moment = datetime(2026, 11, 28, 12, 0, 0, 123000, tzinfo=UTC)
    assert parse_instant(format_instant(moment)) == moment
    assert as_utc(moment.replace(tzinfo=None)) == moment
