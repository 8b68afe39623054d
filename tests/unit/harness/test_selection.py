"""Choosing scenarios with -k and --tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.scenario.loader import Scenario
from harness.scenario.selection import SelectionError, keyword_matches, select


def scenario(name: str, tags: list[str]) -> Scenario:
    return Scenario(Path(f"{name.replace(' ', '_')}.yaml"), name, [], tags=tags)


def test_keyword_expressions():
    words = ["Suspended user SSO", "suspended_sso", "sso"]
    assert keyword_matches("suspended", words)
    assert keyword_matches("sso and not mfa", words)
    assert not keyword_matches("mfa or (graph and sso)", words)
    with pytest.raises(SelectionError):
        keyword_matches("sso and", words)


def test_select_by_keyword_and_tags():
    all_ = [scenario("a sso", ["sso"]), scenario("b mfa", ["mfa", "slow"]), scenario("c", [])]
    assert [s.name for s in select(all_, "sso or mfa")] == ["a sso", "b mfa"]
    assert [s.name for s in select(all_, tags=["slow,sso"])] == ["a sso", "b mfa"]
    assert [s.name for s in select(all_, "not sso", ["mfa"])] == ["b mfa"]
