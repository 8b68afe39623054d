"""Pure rules: password policy, hashing, query evaluation, SQL, ids, QR PNG."""

from __future__ import annotations

import base64
import datetime as dt
import struct
import zlib

import pytest

from simulators.core.passwords import hash_password, verify_password
from simulators.jumpcloud.model.ids import is_object_id, iso, new_object_id
from simulators.jumpcloud.model.passwords import DEFAULT_POLICY, merged_policy, violations
from simulators.jumpcloud.model.query import All, Any_, Condition, Query, apply, matches, to_sql
from simulators.jumpcloud.web import qr_png_data_uri


def test_hash_is_salted_and_verifies():
    a, b = hash_password("Secret-1"), hash_password("Secret-1")
    assert a != b and verify_password("Secret-1", a) and not verify_password("secret-1", a)
    assert not verify_password("x", None) and not verify_password("x", "garbage")


@pytest.mark.parametrize(
    ("overrides", "password", "expected"),
    [
        ({}, "Good-Passw0rd", []),
        ({}, "short", ["minLength", "uppercase", "numeric", "specialCharacter"]),
        ({"allowUsernameSubstring": False}, "Xalice-123!", ["usernameSubstring"]),
        ({"disallowCommonlyUsedPasswords": True, "needsSymbolic": False, "needsUppercase": False},
         "password123", ["commonPassword"]),
        ({"disallowSequentialOrRepetitiveChars": True}, "Abc-1234!x",
         ["sequentialOrRepetitiveChars"]),
    ],
)  # fmt: skip
def test_policy_violations(overrides, password, expected):
    assert violations(merged_policy(overrides), password, "alice", []) == expected


def test_history_window():
    policy = merged_policy({"maxHistory": 1})
    old, older = hash_password("Old-Passw0rd!"), hash_password("Older-Passw0rd!")
    assert violations(policy, "Old-Passw0rd!", "u", [older, old]) == ["passwordHistory"]
    assert violations(policy, "Older-Passw0rd!", "u", [older, old]) == []


def test_policy_overrides_are_checked():
    assert merged_policy({})["minLength"] == DEFAULT_POLICY["minLength"]
    for bad in ({"nope": 1}, {"lockoutTimeInSeconds": 10}, {"needsNumeric": 1}):
        with pytest.raises(ValueError):
            merged_policy(bad)


def test_query_evaluation_and_sort():
    docs = [{"n": "b", "on": True, "k": 2}, {"n": "a", "on": False, "k": 10}, {"n": "c"}]
    assert matches(docs[0], All((Condition("on", "eq", "true"), Condition("k", "ge", "2"))))
    assert matches(docs[1], Any_((Condition("n", "eq", "z"), Condition("n", "search", "A"))))
    assert not matches(docs[2], Condition("k", "gt", "1"))
    total, page = apply(
        docs, Query(sort=[("n", True), ("bogus", False)], limit=2), lambda n: n == "n"
    )
    assert total == 3 and [d["n"] for d in page] == ["c", "b"]


def test_sql_fragments():
    sql, values = to_sql(
        All(
            (Condition("a", "eq", "x"), Condition("b", "ne", "y"), Condition("c", "in", ["1", "2"]))
        ),
        lambda f: f"col_{f}",
        lambda f, v: v,
    )
    assert sql == "(col_a = ? AND (col_b IS NULL OR col_b != ?) AND col_c IN (?, ?))"
    assert values == ["x", "y", "1", "2"]


def test_object_ids_and_iso():
    now = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    oid = new_object_id(now)
    assert is_object_id(oid) and int(oid[:8], 16) == int(now.timestamp())
    assert iso(now) == "2026-01-02T03:04:05.678Z"


def test_qr_png_is_a_valid_png():
    uri = qr_png_data_uri("otpauth://totp/JumpCloud:a@b.c?secret=JBSWY3DPEHPK3PXP")
    png = base64.b64decode(uri.split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    _length, kind = struct.unpack(">I4s", png[8:16])
    width, height = struct.unpack(">II", png[16:24])
    assert kind == b"IHDR" and width == height > 0
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41 : 41 + idat_len])
    assert len(raw) == height * (width + 1)
