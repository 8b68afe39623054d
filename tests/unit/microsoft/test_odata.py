"""The $filter parser: grammar, operator support per property, parameterised SQL."""

from __future__ import annotations

import pytest

from simulators.microsoft.model.errors import DirectoryError
from simulators.microsoft.model.odata import compile_filter


def test_comparison_and_boolean_structure():
    compiled = compile_filter(
        "(displayName eq 'O''Neil' or givenName eq 'x') and not(accountEnabled eq false)"
    )
    assert compiled.sql == (
        '((("displayName" = ? OR "givenName" = ?)) AND NOT (("accountEnabled" = ?)))'
    )
    assert compiled.params == ["O'Neil", "x", 0]
    assert compiled.advanced


def test_starts_with_is_a_range_and_default():
    compiled = compile_filter("startsWith(displayName,'Al')")
    assert compiled.sql == '("displayName" >= ? AND "displayName" < ?)'
    assert compiled.params[0] == "Al" and compiled.params[1].startswith("Al")
    assert not compiled.advanced


def test_in_null_any_and_count():
    assert compile_filter("mail in ('a@x','b@x')").params == ["a@x", "b@x"]
    assert compile_filter("jobTitle eq null").sql == '"jobTitle" IS NULL'
    assert compile_filter("jobTitle ne null").advanced
    any_eq = compile_filter("otherMails/any(x:x eq 'a@b.c')")
    assert "json_each" in any_eq.sql and any_eq.params == ["a@b.c"]
    counted = compile_filter("otherMails/$count eq 0")
    assert counted.advanced and "json_array_length" in counted.sql


def test_datetime_literals_are_normalised():
    compiled = compile_filter("createdDateTime ge 2024-01-01T00:00:00+01:00")
    assert compiled.params == ["2023-12-31T23:00:00Z"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nope eq 'x'", "BadRequest"),
        ("displayName eq", "BadRequest"),
        ("displayName eq 'x' extra", "BadRequest"),
        ("displayName eq 'x", "BadRequest"),
        ("id ge 'x'", "Request_UnsupportedQuery"),
        ("displayName gt 'x'", "Request_UnsupportedQuery"),
        ("accountEnabled eq 'true'", "BadRequest"),
        ("startsWith(otherMails,'a')", "Request_UnsupportedQuery"),
    ],
)
def test_errors(text, code):
    with pytest.raises(DirectoryError) as caught:
        compile_filter(text)
    assert caught.value.code == code and caught.value.status == 400


def test_like_wildcards_are_escaped():
    compiled = compile_filter("endsWith(mail,'%_x')")
    assert compiled.params == ["%\\%\\_x"] and compiled.advanced
