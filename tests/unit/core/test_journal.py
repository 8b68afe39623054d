"""Journal bounds and secret redaction."""

from __future__ import annotations

import json

from simulators.core.journal import (
    BODY_CAP,
    Journal,
    redact_body,
    redact_headers,
    redact_query,
)

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def test_journal_drops_oldest_past_the_entry_cap():
    journal = Journal(max_entries=3)
    for i in range(5):
        journal.record({"i": i, "trace": "t"})
    assert [e["i"] for e in journal.query()] == [2, 3, 4]
    assert journal.stats()["dropped"] == 2


def test_journal_drops_oldest_past_the_byte_cap():
    journal = Journal(max_entries=1000, max_bytes=10_000)
    for i in range(20):
        journal.record({"i": i, "request_body": "x" * 2000})
    stats = journal.stats()
    assert stats["bytes"] <= 10_000 and stats["entries"] < 20
    assert journal.query()[-1]["i"] == 19


def test_query_by_trace_since_and_limit():
    journal = Journal()
    for i in range(6):
        journal.record({"i": i, "trace": "a" if i % 2 else "b", "host": "login"})
    assert [e["i"] for e in journal.query(trace="a")] == [1, 3, 5]
    assert [e["i"] for e in journal.query(since=4)] == [4, 5]
    assert [e["i"] for e in journal.query(limit=2)] == [4, 5]


def test_form_bodies_redact_passwords_and_secrets_but_keep_saml():
    raw = b"username=ann&password=pw1&client_secret=cs&SAMLResponse=PHNhbWw%2B&passwd=x"
    text = redact_body(raw, "application/x-www-form-urlencoded")
    assert "pw1" not in text and "=cs" not in text and "passwd=[redacted]" in text
    assert "username=ann" in text and "SAMLResponse=PHNhbWw%2B" in text


def test_json_bodies_keep_jwt_claims_but_drop_signatures_and_refresh_tokens():
    body = {
        "access_token": JWT,
        "refresh_token": "0.AAA-opaque",
        "token_type": "Bearer",
        "nested": {"apiKey": "k", "items": [{"password": "p", "name": "n"}]},
    }
    text = redact_body(json.dumps(body).encode(), "application/json")
    data = json.loads(text)
    assert data["access_token"] == JWT.rsplit(".", 1)[0] + ".[signature-redacted]"
    assert data["refresh_token"] == "[redacted]" and data["token_type"] == "Bearer"
    assert data["nested"]["apiKey"] == "[redacted]"
    assert data["nested"]["items"] == [{"password": "[redacted]", "name": "n"}]


def test_headers_and_query_strings_are_redacted():
    headers = redact_headers(
        [
            ("Authorization", f"Bearer {JWT}"),
            ("x-api-key", "k"),
            ("Cookie", "a=b"),
            ("Accept", "*/*"),
        ]
    )
    assert headers["Authorization"].endswith(".[signature-redacted]")
    assert headers["x-api-key"] == headers["Cookie"] == "[redacted]"
    assert headers["Accept"] == "*/*"
    url = redact_query("https://h/cb?code=abc&client_secret=s&state=1")
    assert "client_secret=[redacted]" in url and "state=1" in url


def test_bodies_are_capped():
    text = redact_body(b"a" * (BODY_CAP * 2), "text/plain")
    assert len(text.encode()) < BODY_CAP + 100 and "truncated" in text
    assert redact_body(b"\x00\x01", "image/png") == "[2 bytes of image/png]"


def test_large_json_bodies_are_redacted_without_a_full_parse():
    items = [{"name": f"user{i}", "password": f"pw{i}", "bio": "x" * 200} for i in range(600)]
    text = redact_body(json.dumps(items).encode(), "application/json")
    assert "pw1" not in text and '"password": "[redacted]"' in text and "truncated" in text
