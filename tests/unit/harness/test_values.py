"""``${...}`` resolution."""

from __future__ import annotations

import pytest

from harness.scenario.context import people_of
from harness.scenario.errors import ResolveError
from harness.scenario.values import expressions, parse, resolve, static_problems

SCOPE = {
    "steps": {"mk": {"id": "u1", "items": [{"id": "a"}, {"id": "b"}], "ok": True}},
    "world": {"microsoft": {"tenant_id": "t-1"}},
    "vars": {"n": 3},
}


def test_whole_expression_keeps_type_and_interpolation_makes_text():
    assert resolve("${steps.mk.items}", SCOPE) == [{"id": "a"}, {"id": "b"}]
    assert resolve("${vars.n}", SCOPE) == 3
    assert resolve("user ${steps.mk.id} in ${world.microsoft.tenant_id}", SCOPE) == (
        "user u1 in t-1"
    )
    assert resolve("${steps.mk.items[-1].id}/${steps.mk.ok}", SCOPE) == "b/true"
    assert resolve({"a": ["${vars.n}", "$${literal}"]}, SCOPE) == {"a": [3, "${literal}"]}


def test_missing_segment_names_what_exists():
    with pytest.raises(ResolveError) as info:
        resolve("${steps.mk.name}", SCOPE)
    assert str(info.value) == (
        "cannot resolve ${steps.mk.name}: no 'name' in steps.mk (it has: id, items, ok)"
    )
    with pytest.raises(ResolveError, match=r"no item \[5\] in steps.mk.items \(2\)"):
        resolve("${steps.mk.items[5]}", SCOPE)


def test_parse_and_static_checks():
    assert parse("steps.a.items[0].id") == ["steps", "a", "items", 0, "id"]
    assert list(expressions({"x": ["${a.b}", "y ${c}"]})) == ["a.b", "c"]
    assert static_problems("steps.x.id", {"x"}, {}) is None
    assert "no earlier step has id 'y'" in static_problems("steps.y", {"x"}, {})
    assert "malformed" in static_problems("steps..x", set(), {})


def test_people_are_keyed_and_merged_across_systems():
    sections = {
        "microsoft": {"people": [{"upn": "Alice@contoso.com", "sign_in": "ok"}]},
        "jumpcloud": {"people": [{"upn": "alice@contoso.com", "totp_secret": "S"}]},
        "people": {"bob": {"upn": "bob@fabrikam.com"}},
    }
    people = people_of(sections)
    assert people["alice"] == {"upn": "alice@contoso.com", "sign_in": "ok", "totp_secret": "S"}
    assert people["bob"]["upn"] == "bob@fabrikam.com"
