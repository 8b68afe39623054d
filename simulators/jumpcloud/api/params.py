"""Parsing of paging, filters, sort, fields and search bodies — used by every API route.

Choices (README fidelity table): v1 ``limit`` above 100 is clamped to 100, v2 answers 400;
unknown sort keys are ignored; v1 accepts operators with and without ``$``; v2 filters come
repeated or comma-joined; ``in`` values are separated by ``|``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from simulators.core.jsonbody import parse_json

from ..model.errors import BadRequest
from ..model.query import FIELD_NAME, All, Any_, Condition, Node, Query

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
_V1_OPS = {
    "eq": "eq", "ne": "ne", "gt": "gt", "gte": "ge", "ge": "ge", "lt": "lt", "lte": "le",
    "le": "le", "in": "in", "search": "search",
}  # fmt: skip
_V2_OPS = ("eq", "ne", "gt", "ge", "lt", "le", "in", "search")
_V2_SPLIT = re.compile(r",(?=[A-Za-z_][\w.]*:(?:eq|ne|gt|ge|lt|le|in|search|between):)")
_INDEXED = re.compile(r"^filter\[(?:(and|or)\])?\[?(\d+)\]$")


MAX_INTEGER = 2**31 - 1
"""Largest ``limit``/``skip`` taken (SQLite's integers stop at 2^63; no list is that long)."""


def integer(args: MultiDict, name: str, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}: must be an integer") from None
    return in_range(name, value)


def in_range(name: str, value: int) -> int:
    """A paging integer between 0 and MAX_INTEGER, else JumpCloud's 400."""
    if value < 0:
        raise BadRequest(f"{name}: must not be negative")
    if value > MAX_INTEGER:
        raise BadRequest(f"{name}: must be at most {MAX_INTEGER}")
    return value


def _condition(text: str, ops: dict[str, str] | tuple[str, ...], v1: bool) -> Condition:
    parts = text.split(":", 2)
    if len(parts) != 3 or not parts[0]:
        raise BadRequest(f"filter: {text!r} is not <field>:<operator>:<value>")
    field, op, value = parts
    if not FIELD_NAME.match(field):
        raise BadRequest(f"filter: invalid field name {field!r}")
    op = op.lstrip("$") if v1 else op
    if op == "between":
        raise BadRequest("filter: the between operator is not supported by this lab")
    if op not in ops:
        raise BadRequest(f"filter: unknown operator {parts[1]!r}")
    name = ops[op] if isinstance(ops, dict) else op
    return Condition(field, name, value.split("|") if name == "in" else value)


def v1_filter(args: MultiDict) -> Node | None:
    """``filter=a:$eq:x`` repeated (AND), ``filter[0]=…`` (AND), ``filter[or][0]=…`` (OR)."""
    ands: list[Node] = [_condition(f, _V1_OPS, True) for f in args.getlist("filter") if f]
    ors: list[Node] = []
    for key in args:
        match = _INDEXED.match(key)
        if not match:
            continue
        target = ors if match.group(1) == "or" else ands
        target.extend(_condition(f, _V1_OPS, True) for f in args.getlist(key) if f)
    if ors:
        ands.append(Any_(tuple(ors)))
    if not ands:
        return None
    return ands[0] if len(ands) == 1 else All(tuple(ands))


def v2_filter(args: MultiDict, name: str = "filter") -> Node | None:
    conditions = [
        _condition(piece, _V2_OPS, False)
        for raw in args.getlist(name)
        for piece in _V2_SPLIT.split(raw)
        if piece
    ]
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else All(tuple(conditions))


def _sort(raw: str, separator: str | None) -> list[tuple[str, bool]]:
    keys = [k.strip() for k in (raw.split(separator) if separator else raw.split()) if k.strip()]
    return [(k.lstrip("-"), k.startswith("-")) for k in keys]


def _fields(raw: str | None, separator: str | None) -> list[str] | None:
    if not raw:
        return None
    parts = raw.split(separator) if separator else raw.split()
    return [p.strip() for p in parts if p.strip()] or None


def v1_query(args: MultiDict | None = None) -> Query:
    args = args if args is not None else request.args
    return Query(
        filter=v1_filter(args),
        sort=_sort(args.get("sort", ""), None),
        fields=_fields(args.get("fields"), None),
        limit=min(integer(args, "limit", DEFAULT_LIMIT), MAX_LIMIT),
        skip=integer(args, "skip", 0),
    )


def v2_query(args: MultiDict | None = None) -> Query:
    args = args if args is not None else request.args
    limit = integer(args, "limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise BadRequest(f"limit: must be between 0 and {MAX_LIMIT}")
    return Query(
        filter=v2_filter(args),
        sort=_sort(",".join(args.getlist("sort")), ","),
        fields=_fields(",".join(args.getlist("fields")), ","),
        limit=limit,
        skip=integer(args, "skip", 0),
    )


def _search_node(value: Any) -> Node | None:
    """A v1 search ``filter``: ``{"and": [...]}``, ``{"or": [...]}``, a list, or field map."""
    if value is None or value == {} or value == []:
        return None
    if isinstance(value, list):
        return All(tuple(n for n in (_search_node(v) for v in value) if n is not None))
    if not isinstance(value, dict):
        raise BadRequest("filter: must be an object or an array of objects")
    parts: list[Node] = []
    for key, item in value.items():
        if key in ("and", "$and", "or", "$or"):
            if not isinstance(item, list):
                raise BadRequest(f"filter.{key}: must be an array")
            nodes = tuple(n for n in (_search_node(v) for v in item) if n is not None)
            parts.append(Any_(nodes) if key.lstrip("$") == "or" else All(nodes))
        elif FIELD_NAME.match(key):
            if isinstance(item, dict):
                for op, operand in item.items():
                    name = _V1_OPS.get(op.lstrip("$"))
                    if name is None:
                        raise BadRequest(f"filter.{key}: unknown operator {op!r}")
                    parts.append(Condition(key, name, operand))
            else:
                parts.append(Condition(key, "eq", item))
        else:
            raise BadRequest(f"filter: invalid field name {key!r}")
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def search_query(body: Any) -> Query:
    """``POST /api/search/systemusers`` body."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    search = body.get("searchFilter") or {}
    if not isinstance(search, dict):
        raise BadRequest("searchFilter: must be an object")
    terms = search.get("searchTerm") or []
    terms = [terms] if isinstance(terms, str) else terms
    fields = search.get("fields") or []
    if not isinstance(terms, list) or not isinstance(fields, list):
        raise BadRequest("searchFilter: searchTerm must be a string or array, fields an array")
    for name in fields:
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            raise BadRequest(f"searchFilter.fields: invalid field {name!r}")
    limit, skip = body.get("limit", DEFAULT_LIMIT), body.get("skip", 0)
    for key, value in (("limit", limit), ("skip", skip)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadRequest(f"{key}: must be a non-negative integer")
        in_range(key, value)
    raw_fields = body.get("fields")
    if raw_fields is not None and not isinstance(raw_fields, str):
        raise BadRequest("fields: must be a space-separated string")
    return Query(
        filter=_search_node(body.get("filter")),
        search_terms=tuple(str(t) for t in terms),
        search_fields=tuple(fields),
        sort=_sort(body.get("sort") or "", None) if isinstance(body.get("sort"), str) else [],
        fields=_fields(raw_fields, None),
        limit=min(limit, MAX_LIMIT),
        skip=skip,
    )


def targets(allowed: tuple[str, ...] | list[str]) -> list[str]:
    """The required ``targets`` parameter: one value, repeated, or comma-joined."""
    values = [t.strip() for raw in request.args.getlist("targets") for t in raw.split(",")]
    values = [v for v in values if v]
    if not values:
        raise BadRequest("targets: is required")
    for value in values:
        if value not in allowed:
            raise BadRequest(f"targets: {value!r} must be one of {', '.join(allowed)}")
    return values


def json_body(*, required: bool = True) -> Any:
    """The request's JSON body; 400 with the parser's message when it is not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise BadRequest("request body is required (application/json)")
        return None
    try:
        return parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"invalid JSON body: {exc}") from None


def boolean_arg(name: str) -> bool:
    return (request.args.get(name) or "").lower() in ("true", "1", "yes")
