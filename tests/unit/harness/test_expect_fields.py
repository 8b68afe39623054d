"""expect_fields: one rule for the steps that compare an object's fields with expected values."""

from __future__ import annotations

import pytest

from harness.scenario.errors import ExpectationFailed, expect_fields


def test_matching_fields_pass():
    expect_fields("user u", {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2})


def test_differing_fields_are_named_sorted_with_what_was_expected_and_found():
    with pytest.raises(ExpectationFailed) as failed:
        expect_fields("user u", {"a": 1, "b": 5}, {"b": 2, "a": 1, "z": None, "m": "x"})
    assert str(failed.value) == "user u: b, m differ"
    assert failed.value.expected == {"b": 2, "m": "x"}
    assert failed.value.actual == {"b": 5, "m": None}


def test_fields_the_caller_compared_its_own_way_join_the_report():
    with pytest.raises(ExpectationFailed) as failed:
        expect_fields("x", {"s": 1}, {"s": 2}, mismatched={"error": ("shown", "... want ...")})
    assert str(failed.value) == "x: error, s differ"
    assert failed.value.expected == {"s": 2, "error": "... want ..."}
    assert failed.value.actual == {"s": 1, "error": "shown"}
