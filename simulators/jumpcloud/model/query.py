"""Filters, sort, fields and paging as data, evaluated in Python or compiled to SQL.

The API layer parses v1/v2 query strings and search bodies into these objects; the model
evaluates them (users in SQL over the JSON document, small collections in Python).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

OPS = ("eq", "ne", "gt", "ge", "lt", "le", "in", "search")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Condition:
    """``field op value``; ``value`` is a list for ``in``."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class All:
    parts: tuple


@dataclass(frozen=True)
class Any_:
    parts: tuple


Node = Condition | All | Any_


@dataclass
class Query:
    """One list request: filter tree, text search, sort keys, projected fields, page."""

    filter: Node | None = None
    search_terms: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    sort: list[tuple[str, bool]] = field(default_factory=list)
    fields: list[str] | None = None
    limit: int = 10
    skip: int = 0


def lookup(doc: dict, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, dict)]
        else:
            return None
    return value


def _typed(sample: Any, raw: Any) -> Any:
    """Convert a query-string value to the type of the stored value it is compared with."""
    if not isinstance(raw, str):
        return raw
    if isinstance(sample, bool):
        return raw.lower() == "true"
    if isinstance(sample, int | float):
        try:
            return type(sample)(raw)
        except ValueError:
            return raw
    return raw


def _compare(actual: Any, op: str, raw: Any) -> bool:
    if isinstance(actual, list) and op in ("eq", "in", "search"):
        return any(_compare(item, op, raw) for item in actual)
    if op == "in":
        return any(_compare(actual, "eq", v) for v in raw)
    if op == "search":
        return actual is not None and str(raw).lower() in str(actual).lower()
    value = _typed(actual, raw)
    if op == "eq":
        return actual == value
    if op == "ne":
        return actual != value
    if actual is None:
        return False
    try:
        return {
            "gt": actual > value,
            "ge": actual >= value,
            "lt": actual < value,
            "le": actual <= value,
        }[op]
    except TypeError:
        return False


def matches(doc: dict, node: Node | None) -> bool:
    if node is None:
        return True
    if isinstance(node, All):
        return all(matches(doc, p) for p in node.parts)
    if isinstance(node, Any_):
        return any(matches(doc, p) for p in node.parts)
    return _compare(lookup(doc, node.field), node.op, node.value)


def text_match(doc: dict, terms: tuple[str, ...], fields: tuple[str, ...]) -> bool:
    if not terms:
        return True
    return any(term.lower() in str(lookup(doc, f) or "").lower() for term in terms for f in fields)


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value).lower())


def _key_of(name: str, doc: dict) -> tuple:
    return _sort_key(lookup(doc, name))


def apply(docs: list[dict], query: Query, known: Callable[[str], bool]) -> tuple[int, list[dict]]:
    """Filter, sort (unknown keys ignored), page: ``(total, page)``; for small collections."""
    chosen = [
        d
        for d in docs
        if matches(d, query.filter) and text_match(d, query.search_terms, query.search_fields)
    ]
    for name, desc in reversed([(n, d) for n, d in query.sort if known(n)]):
        chosen.sort(key=functools.partial(_key_of, name), reverse=desc)
    return len(chosen), chosen[query.skip : query.skip + query.limit]


def project(doc: Mapping[str, Any], fields: list[str] | None, keep: str | tuple[str, ...]) -> dict:
    """Keep only ``fields`` (plus ``keep``: the id, or every property the schema requires)."""
    if not fields:
        return doc if isinstance(doc, dict) else dict(doc)
    always = (keep,) if isinstance(keep, str) else keep
    return {k: v for k, v in doc.items() if k in fields or k in always}


# -- SQL -------------------------------------------------------------------------------
_SQL_OPS = {"eq": "=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def to_sql(
    node: Node | None, column: Callable[[str], str], sql_value: Callable[[str, Any], Any]
) -> tuple[str, list]:
    """A WHERE fragment for ``node``; ``column`` maps a field to its SQL expression."""
    if node is None:
        return "1", []
    if isinstance(node, All | Any_):
        parts = [to_sql(p, column, sql_value) for p in node.parts]
        if not parts:
            return "1", []
        joiner = " AND " if isinstance(node, All) else " OR "
        return (
            "(" + joiner.join(p[0] for p in parts) + ")",
            [v for p in parts for v in p[1]],
        )
    expr = column(node.field)
    if node.op == "in":
        values = [sql_value(node.field, v) for v in node.value]
        return f"{expr} IN ({', '.join('?' * len(values))})", values
    if node.op == "search":
        return f"{expr} LIKE ?", [f"%{node.value}%"]
    value = sql_value(node.field, node.value)
    if node.op == "ne":
        return f"({expr} IS NULL OR {expr} != ?)", [value]
    return f"{expr} {_SQL_OPS[node.op]} ?", [value]
