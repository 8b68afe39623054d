"""Listing users: $filter, $search, $orderby, $count and keyset paging with $skiptoken."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field

from simulators.core.repository import Repository
from simulators.microsoft.model.errors import DirectoryError, bad_request, unsupported_query
from simulators.microsoft.model.odata import compile_filter, like_escape, too_long

DEFAULT_TOP = 100
MAX_TOP = 999
ORDERABLE_DEFAULT = {"displayName", "userPrincipalName"}
ORDERABLE_ADVANCED = ORDERABLE_DEFAULT | {
    "givenName",
    "surname",
    "mail",
    "createdDateTime",
    "jobTitle",
}
SEARCHABLE = {
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
    "mailNickname",
    "jobTitle",
    "mobilePhone",
    "employeeId",
    "department",
}
_SEARCH_CLAUSE = re.compile(r'\s*"([A-Za-z]+):([^"]*)"\s*')


@dataclass
class UserQuery:
    """The query options of one ``GET /users`` request."""

    filter: str | None = None
    search: str | None = None
    orderby: str | None = None
    top: str | None = None
    count: bool = False
    skiptoken: str | None = None
    eventual: bool = False  # ConsistencyLevel: eventual


@dataclass
class UserPage:
    rows: list[dict]
    next_token: str | None = None
    count: int | None = None
    extra: dict = field(default_factory=dict)


def page_size(raw: str | None) -> int:
    """``$top`` as a page size: 100 by default, 1 to 999, Graph's error otherwise."""
    if raw is None:
        return DEFAULT_TOP
    try:
        top = int(raw)
    except ValueError:
        top = 0
    if not 1 <= top <= MAX_TOP:
        raise DirectoryError(
            400,
            "Request_UnsupportedQuery",
            f"Invalid page size specified: '{raw}'. Must be between 1 and {MAX_TOP} inclusive.",
        )
    return top


def _search(text: str) -> tuple[str, list]:
    """``"displayName:al" AND "mail:x"``: word-prefix matches joined by AND/OR."""
    error = too_long("$search", text)
    if error is not None:
        raise error
    sql, params, pos = [], [], 0
    joiner = None
    while pos < len(text):
        match = _SEARCH_CLAUSE.match(text, pos)
        if not match:
            raise DirectoryError(
                400,
                "BadRequest",
                f"Syntax error: character at position {pos} is not valid in '{text}'.",
            )
        prop, term = match.group(1), match.group(2).strip()
        if prop not in SEARCHABLE:
            raise bad_request(f"Invalid search property '{prop}'.")
        if joiner:
            sql.append(joiner)
        escaped = like_escape(term)
        sql.append(f"(\"{prop}\" LIKE ? ESCAPE '\\' OR \"{prop}\" LIKE ? ESCAPE '\\')")
        params += [escaped + "%", "% " + escaped + "%"]
        pos = match.end()
        rest = text[pos:].lstrip()
        if not rest:
            break
        word = rest.split(None, 1)[0].upper()
        if word not in ("AND", "OR"):
            raise DirectoryError(400, "BadRequest", f"Syntax error in '$search' at '{rest}'.")
        joiner = word
        pos = len(text) - len(rest) + len(word)
    if not sql:
        raise DirectoryError(400, "BadRequest", "Syntax error: empty '$search' value.")
    return "(" + " ".join(sql) + ")", params


class UserLister(Repository):
    """Runs a UserQuery against one tenant's live users."""

    def where(self, tenant_id: str, query: UserQuery, *, paged: bool) -> tuple[str, list, bool]:
        clauses, params = ["tenant_id = ?", "live = 1"], [tenant_id]
        advanced = False
        if query.filter:
            compiled = compile_filter(query.filter)
            clauses.append(compiled.sql)
            params += compiled.params
            advanced = compiled.advanced
            if advanced and not (paged or (query.eventual and query.count)):
                raise unsupported_query()
        if query.search:
            if not query.eventual and not paged:
                raise unsupported_query(
                    "Request with $search query parameter only works through MSGraph with a "
                    "special request header: 'ConsistencyLevel: eventual'"
                )
            sql, search_params = _search(query.search)
            clauses.append(sql)
            params += search_params
        return " AND ".join(clauses), params, advanced

    def count(self, tenant_id: str, query: UserQuery) -> int:
        where, params, _ = self.where(tenant_id, query, paged=False)
        return self.db.execute(f"SELECT COUNT(*) FROM users WHERE {where}", params).fetchone()[0]

    def page(self, tenant_id: str, query: UserQuery) -> UserPage:
        top = page_size(query.top)
        paged = query.skiptoken is not None
        where, params, _ = self.where(tenant_id, query, paged=paged)
        order_prop, descending = self._orderby(query)
        digest = query_digest(query.filter, query.search, query.orderby)
        count = None
        if query.count and query.eventual and not paged:
            count = self.db.execute(f"SELECT COUNT(*) FROM users WHERE {where}", params).fetchone()[
                0
            ]
        key_expr = f"COALESCE(\"{order_prop}\", '') COLLATE NOCASE" if order_prop else None
        if paged:
            last = read_token(query.skiptoken or "", digest)
            if key_expr:
                cmp = "<" if descending else ">"
                where += f" AND ({key_expr} {cmp} ? OR ({key_expr} = ? AND pk {cmp} ?))"
                params = [*params, last[0], last[0], last[1]]
            else:
                where += " AND pk > ?"
                params = [*params, last[1]]
        direction = "DESC" if descending else "ASC"
        order = f"{key_expr} {direction}, pk {direction}" if key_expr else "pk ASC"
        rows = self.all(
            f"SELECT * FROM users WHERE {where} ORDER BY {order} LIMIT ?", [*params, top + 1]
        )
        next_token = None
        if len(rows) > top:
            rows = rows[:top]
            last_row = rows[-1]
            key = (last_row.get(order_prop) or "") if order_prop else None
            next_token = make_token(key, last_row["pk"], digest)
        return UserPage(rows, next_token, count)

    @staticmethod
    def _orderby(query: UserQuery) -> tuple[str | None, bool]:
        if not query.orderby:
            return None, False
        parts = query.orderby.split()
        if not parts:
            raise DirectoryError(400, "BadRequest", "Invalid $orderby: it names no property.")
        if len(parts) > 2 or "," in query.orderby:
            raise unsupported_query("Sorting by more than one property is not supported.")
        prop = parts[0]
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise DirectoryError(400, "BadRequest", f"Invalid $orderby direction '{parts[1]}'.")
        advanced = query.eventual and query.count
        allowed = ORDERABLE_ADVANCED if advanced else ORDERABLE_DEFAULT
        if prop not in allowed:
            raise unsupported_query(f"Sorting by property '{prop}' is not supported.")
        if query.filter and not advanced and query.skiptoken is None:
            raise unsupported_query()
        return prop, direction == "desc"


TOKEN_PREFIX = "RFNwdAIAAQAAA"


def query_digest(*parts: str | None) -> str:
    """What a ``$skiptoken`` is bound to: a token is refused under another query."""
    material = json.dumps(list(parts), separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def make_token(key: str | None, pk: int, digest: str) -> str:
    """An opaque ``$skiptoken``: the last row's sort key and pk, and the query digest."""
    raw = json.dumps([key, pk, digest], separators=(",", ":")).encode()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str, digest: str) -> tuple[str | None, int]:
    try:
        body = token.removeprefix(TOKEN_PREFIX)
        key, pk, token_digest = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if token_digest != digest or not isinstance(pk, int):
            raise ValueError("query changed")
    except (ValueError, TypeError) as exc:
        raise bad_request("Invalid skip token.") from exc
    return key, pk
