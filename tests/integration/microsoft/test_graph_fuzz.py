"""Hostile query options and bodies against Graph: never a server error, always Graph's error
shape, and a refused write changes nothing.

Examples are deterministic (hypothesis ``derandomize``, no example database) and built from
Graph's own vocabulary (the user type's declared properties, OData operators and literals,
dates at the ends of the range) mixed with arbitrary text. ``M365LAB_FUZZ_EXAMPLES`` raises the
count for a deeper run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .graph_contract import properties

EXAMPLES = int(os.environ.get("M365LAB_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DOMAIN = "fuzz.example"

NAMES = [*sorted(properties("user")), "manager", "directReports", "memberOf", "nope", "id/x"]
LITERALS = [
    "'x'", "''", "'it''s'", "null", "true", "false", "0", "-1", "1.5", "999999999999999999999",
    "2024-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
    "2024-02-30T00:00:00Z", "00000000-0000-0000-0000-000000000000",
]  # fmt: skip
TOKENS = [
    *NAMES, *LITERALS, "eq", "ne", "gt", "lt", "ge", "le", "in", "and", "or", "not", "(", ")",
    ",", "/", ":", "any", "all", "startsWith(", "endsWith(", "$count", "x:x", "contains(",
]  # fmt: skip

_clauses = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join)
_text = st.text(min_size=0, max_size=40)
_names = st.lists(st.sampled_from([*NAMES, "", " ", "ID", "Manager"]), max_size=6).map(",".join)
_expands = st.one_of(
    _names,
    st.tuples(
        st.sampled_from(NAMES), _names, st.sampled_from(["$select", "$filter", "$levels"])
    ).map(lambda t: f"{t[0]}({t[2]}={t[1]})"),
    _text,
)
QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "$filter": st.one_of(_clauses, _text),
        "$select": st.one_of(_names, _text),
        "$expand": _expands,
        "$orderby": st.one_of(st.sampled_from(NAMES).map(lambda n: f"{n} desc"), _text),
        "$top": st.one_of(st.integers(-5, 5000).map(str), _text),
        "$search": st.one_of(_text, st.sampled_from(NAMES).map(lambda n: f'"{n}:a"')),
        "$count": st.sampled_from(["true", "false", "maybe"]),
        "$skiptoken": _text,
    },
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
    st.sampled_from(LITERALS),
)
_keys = st.sampled_from([*NAMES, "x"])
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=8,
)
BODIES = st.dictionaries(st.sampled_from([*NAMES, "@odata.type", "x"]), _values, max_size=5)


@pytest.fixture(scope="module")
def world(ms):
    users = [{"userPrincipalName": f"{n}@{DOMAIN}", "password": "Fuzz-Pass-12"} for n in "abc"]
    return ms.world({"domains": [DOMAIN], "users": users})


def _graph_error(reply) -> None:
    """No server error (501 is Graph's own answer to a single-user ``$select`` on a list)."""
    assert reply.status_code < 500 or reply.status_code == 501, (reply.request.url, reply.text)
    if reply.status_code >= 400:
        error = reply.json()["error"]
        assert error["code"] and error["message"], reply.text


@SETTINGS
@given(query=QUERIES, eventual=st.booleans())
@example(query={"$orderby": "\r"}, eventual=False)  # found by this test: were 500s
@example(query={"$expand": ","}, eventual=False)
def test_hostile_query_options(ms, graph, query, eventual):
    headers = {"ConsistencyLevel": "eventual"} if eventual else {}
    for path in ("/users", f"/users/a@{DOMAIN}", f"/users/a@{DOMAIN}/directReports", "/groups",
                 "/organization", "/domains"):  # fmt: skip
        _graph_error(graph.get(ms.graph + path, params=query, headers=headers))


@SETTINGS
@given(body=BODIES)
@example(body={"userPrincipalName": None})  # found by this test: was a 500
def test_hostile_patch_bodies_change_nothing_when_refused(ms, graph, body):
    url = f"{ms.graph}/users/b@{DOMAIN}"
    every = {"$select": ",".join(properties("user"))}
    before = graph.get(url, params=every).json()
    reply = graph.patch(url, json=body)
    _graph_error(reply)
    if reply.status_code >= 400:
        assert graph.get(url, params=every).json() == before
    else:  # accepted: put the user back for the next example
        restore = {k: before[k] for k in body if k in before and k != "id"}
        if restore:
            graph.patch(url, json=restore)


@SETTINGS
@given(body=BODIES)
def test_hostile_create_bodies(ms, graph, body):
    _graph_error(graph.post(f"{ms.graph}/users", json=body))
    _graph_error(graph.post(f"{ms.graph}/groups", json=body))
