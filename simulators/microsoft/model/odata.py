"""An OData ``$filter`` parser (tokenizer + recursive descent) that emits parameterised SQL.

The property table says which operators each user property supports by default and which only
with an advanced query; the caller learns whether the filter needed
advanced query capabilities and rejects it when the request does not have them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from simulators.microsoft.model.errors import DirectoryError, unsupported_query

STRING_DEFAULT = frozenset({"eq", "in", "startsWith", "ge", "le", "null"})
STRING_ADVANCED = frozenset({"ne", "not"})


@dataclass(frozen=True)
class Prop:
    """How a user property may be filtered: kind, default ops and advanced-only ops."""

    kind: str  # string | bool | datetime | collection
    default: frozenset[str]
    advanced: frozenset[str] = frozenset()
    column: str = ""
    """The SQL expression of the value, when it is not the column of the property's name."""

    def sql(self, name: str) -> str:
        return self.column or f'"{name}"'


def _string(extra_default: set[str] | None = None, extra_adv: set[str] | None = None) -> Prop:
    return Prop(
        "string",
        STRING_DEFAULT | frozenset(extra_default or ()),
        STRING_ADVANCED | frozenset(extra_adv or ()),
    )


USER_PROPS: dict[str, Prop] = {
    "id": Prop("string", frozenset({"eq", "in"}), frozenset({"ne", "not"})),
    "userPrincipalName": _string(extra_adv={"endsWith"}),
    "displayName": _string(),
    "givenName": _string(),
    "surname": _string(),
    "mail": _string(extra_adv={"endsWith"}),
    "mailNickname": _string(),
    "jobTitle": _string(),
    "department": Prop("string", frozenset({"eq", "in", "ge", "le", "null"}), STRING_ADVANCED),
    "employeeId": _string(),
    "companyName": _string(),
    "officeLocation": _string(),
    "mobilePhone": _string(),
    "preferredLanguage": _string(),
    "city": _string(),
    "state": _string(),
    "country": _string(),
    "streetAddress": _string(),
    "postalCode": _string(),
    "usageLocation": _string(),
    "userType": Prop("string", frozenset({"eq", "in", "null"}), STRING_ADVANCED),
    "onPremisesImmutableId": Prop(
        "string", frozenset({"eq", "in", "ge", "le"}), frozenset({"ne", "not", "null"})
    ),
    "passwordPolicies": Prop("string", frozenset(), frozenset({"ne", "not", "null"})),
    "accountEnabled": Prop("bool", frozenset({"eq", "in"}), frozenset({"ne", "not"})),
    "createdDateTime": Prop(
        "datetime", frozenset({"eq", "ge", "le", "in"}), frozenset({"ne", "not"})
    ),
    "otherMails": Prop(
        "collection", frozenset({"eq", "startsWith"}), frozenset({"endsWith", "not", "count"})
    ),
    "proxyAddresses": Prop(
        "collection", frozenset({"eq", "startsWith"}), frozenset({"endsWith", "not"})
    ),
    "businessPhones": Prop("collection", frozenset({"eq", "startsWith"}), frozenset({"not"})),
}
_PROFILE_PROPS = {
    "employeeType": _string(),
    "faxNumber": _string(),
    "ageGroup": Prop("string", frozenset({"eq", "in"}), STRING_ADVANCED),
    "consentProvidedForMinor": Prop("string", frozenset({"eq", "in"}), STRING_ADVANCED),
    "employeeHireDate": Prop(
        "datetime", frozenset({"eq", "ge", "le", "in"}), frozenset({"ne", "not"})
    ),
}
_ADVANCED_ONLY = frozenset({"eq", "ne", "not", "in", "ge", "le"})
_PROFILE_PROPS.update(
    {
        f"employeeOrgData/{member}": Prop("string", frozenset(), _ADVANCED_ONLY)
        for member in ("division", "costCenter")
    }
)
_PROFILE_PROPS.update(
    {
        f"onPremisesExtensionAttributes/extensionAttribute{n}": Prop(
            "string", frozenset(), frozenset({"eq", "ne", "not", "in"})
        )
        for n in range(1, 16)
    }
)
"""Filterable ``declared.USER_PROFILE`` properties and members of its complex ones (``a/b``:
advanced queries only), with the operators Graph's user documentation lists."""
USER_PROPS.update(
    {
        name: replace(
            p, column=f"(json_extract(profile, '$.{name.replace('/', '.')}') COLLATE NOCASE)"
        )
        for name, p in _PROFILE_PROPS.items()
    }
)

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<name>\$?[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<punct>[(),:/])
    )""",
    re.VERBOSE,
)
MAX_QUERY_CHARS = 4096
"""Longest ``$filter`` or ``$search`` taken (Graph's URLs are limited to a few kilobytes)."""
MAX_NODES = 100
"""Graph (OData) refuses a query with more nodes than this."""
MAX_DEPTH = 20
COMPARISONS = {"eq", "ne", "ge", "le", "gt", "lt"}
SQL_OPS = {"eq": "=", "ne": "!=", "ge": ">=", "le": "<=", "gt": ">", "lt": "<"}
MAX_CHAR = "\U0010ffff"


@dataclass
class Token:
    kind: str
    value: str
    pos: int


@dataclass
class Compiled:
    """SQL for the WHERE clause, its parameters, and whether advanced query was needed."""

    sql: str
    params: list = field(default_factory=list)
    advanced: bool = False


def too_long(option: str, text: str) -> DirectoryError | None:
    """Graph's 400 for a query option longer than the lab takes, else None."""
    if len(text) <= MAX_QUERY_CHARS:
        return None
    return DirectoryError(
        400,
        "BadRequest",
        f"The query specified in the URI is not valid. The {option} value is longer than "
        f"{MAX_QUERY_CHARS} characters.",
    )


def node_limit_error() -> DirectoryError:
    return DirectoryError(
        400,
        "BadRequest",
        f"The query specified in the URI is not valid. The node count limit of '{MAX_NODES}' has "
        "been exceeded. To increase the limit, set the 'MaxNodeCount' property on "
        "EnableQueryAttribute or ODataValidationSettings.",
    )


def filter_error(text: str, pos: int) -> DirectoryError:
    return DirectoryError(
        400, "BadRequest", f"Invalid filter clause: Syntax error at position {pos} in '{text}'."
    )


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise filter_error(text, pos)
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class FilterParser:
    """Recursive descent over the tokens; each rule returns SQL and appends parameters."""

    def __init__(self, text: str, props: dict[str, Prop] = USER_PROPS, type_name: str = "user"):
        error = too_long("$filter", text)
        if error is not None:
            raise error
        self.text = text
        self.tokens = tokenize(text)
        self.depth = 0
        self.nodes = 0
        self.i = 0
        self.props = props
        self.type_name = type_name
        self.params: list = []
        self.advanced = False

    # -- token helpers ---------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        index = self.i + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise filter_error(self.text, len(self.text))
        self.i += 1
        return token

    def expect(self, value: str) -> Token:
        token = self.next()
        if token.value.lower() != value.lower():
            raise filter_error(self.text, token.pos)
        return token

    def at(self, value: str) -> bool:
        token = self.peek()
        return (
            token is not None and token.kind in ("name", "punct") and token.value.lower() == value
        )

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> Compiled:
        if not self.tokens:
            raise filter_error(self.text, 0)
        sql = self.or_expr()
        if self.peek() is not None:
            raise filter_error(self.text, self.peek().pos)  # type: ignore[union-attr]
        return Compiled(sql, self.params, self.advanced)

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.at("or"):
            self.next()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_expr(self) -> str:
        parts = [self.not_expr()]
        while self.at("and"):
            self.next()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_expr(self) -> str:
        self._count_node()
        if self.at("not"):
            self.next()
            self.advanced = True
            self.depth += 1
            try:
                return f"NOT ({self.not_expr()})"
            finally:
                self.depth -= 1
        return self.primary()

    def _count_node(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES or self.depth > MAX_DEPTH:
            raise node_limit_error()

    def primary(self) -> str:
        token = self.peek()
        if token is None:
            raise filter_error(self.text, len(self.text))
        if token.value == "(":
            self.next()
            self.depth += 1
            self._count_node()
            sql = self.or_expr()
            self.depth -= 1
            self.expect(")")
            return f"({sql})"
        if token.kind == "name" and token.value.lower() in ("startswith", "endswith"):
            return self.function()
        return self.comparison()

    def prop(self, name: Token, op: str) -> Prop:
        prop = self.props.get(name.value)
        if prop is None:
            raise DirectoryError(
                400,
                "BadRequest",
                f"Could not find a property named '{name.value}' on type "
                f"'microsoft.graph.{self.type_name}'.",
            )
        if op in prop.default:
            return prop
        if op in prop.advanced:
            self.advanced = True
            return prop
        raise unsupported_query(
            f"Unsupported or invalid query filter clause specified for property "
            f"'{name.value}' of resource '{self.type_name.title()}'."
        )

    def function(self) -> str:
        func = self.next().value.lower()
        op = "startsWith" if func == "startswith" else "endsWith"
        self.expect("(")
        name = self.next()
        if name.kind != "name":
            raise filter_error(self.text, name.pos)
        name = self.member(name)
        prop = self.prop(name, op)
        self.expect(",")
        value = self.string_literal()
        self.expect(")")
        if prop.kind == "collection":
            raise unsupported_query()
        return self.string_match(prop.sql(name.value), op, value)

    def string_match(self, column: str, op: str, value: str) -> str:
        if op == "startsWith":
            self.params += [value, value + MAX_CHAR]
            return f"({column} >= ? AND {column} < ?)"
        self.params.append("%" + like_escape(value))
        return f"{column} LIKE ? ESCAPE '\\'"

    def member(self, name: Token) -> Token:
        """``name/member`` as one name when the property table has it (a member of a complex
        property); else ``name`` alone."""
        following = self.peek(1)
        if self.at("/") and following is not None:
            joined = f"{name.value}/{following.value}"
            if joined in self.props:
                self.next()
                self.next()
                return Token("name", joined, name.pos)
        return name

    def comparison(self) -> str:
        name = self.next()
        if name.kind != "name":
            raise filter_error(self.text, name.pos)
        name = self.member(name)
        if self.at("/"):
            return self.collection(name)
        op_token = self.next()
        op = op_token.value.lower()
        if op == "in":
            return self.in_list(name)
        if op not in COMPARISONS:
            raise filter_error(self.text, op_token.pos)
        literal = self.literal()
        if literal is None:
            if op not in ("eq", "ne"):
                raise unsupported_query()
            prop = self.prop(name, "null")
            if op == "ne":
                self.advanced = True
            return f"{prop.sql(name.value)} IS {'NOT ' if op == 'ne' else ''}NULL"
        if op in ("gt", "lt"):
            raise unsupported_query()
        prop = self.prop(name, op)
        if prop.kind == "collection":
            raise unsupported_query()
        value = self.typed(prop, literal, name)
        self.params.append(value)
        column = prop.sql(name.value)
        if op == "ne":
            return f"({column} IS NULL OR {column} != ?)"
        return f"{column} {SQL_OPS[op]} ?"

    def in_list(self, name: Token) -> str:
        prop = self.prop(name, "in")
        self.expect("(")
        values = []
        while True:
            literal = self.literal()
            values.append(self.typed(prop, literal, name))
            if self.at(","):
                self.next()
                continue
            self.expect(")")
            break
        if len(values) > 15:
            raise unsupported_query("Too many child clauses specified in search filter expression.")
        self.params += values
        return f"{prop.sql(name.value)} IN ({', '.join('?' for _ in values)})"

    def collection(self, name: Token) -> str:
        self.expect("/")
        segment = self.next()
        column = f'users."{name.value}"'
        if segment.value == "$count":
            prop = self.prop(name, "count")
            op = self.next().value.lower()
            number = self.next()
            if op not in COMPARISONS or number.kind != "number" or prop.kind != "collection":
                raise filter_error(self.text, number.pos)
            self.params.append(int(float(number.value)))
            return f"json_array_length({column}) {SQL_OPS[op]} ?"
        if segment.value.lower() != "any":
            raise filter_error(self.text, segment.pos)
        self.expect("(")
        var = self.next()
        self.expect(":")
        if self.at("startswith") or self.at("endswith"):
            func = self.next().value.lower()
            op = "startsWith" if func == "startswith" else "endsWith"
            self.expect("(")
            self.expect(var.value)
            self.expect(",")
            value = self.string_literal()
            self.expect(")")
            self.prop(name, op)
            inner = self.string_match("value", op, value)
        else:
            self.expect(var.value)
            op = self.next().value.lower()
            if op != "eq":
                raise unsupported_query()
            self.prop(name, "eq")
            self.params.append(self.string_literal())
            inner = "value = ? COLLATE NOCASE"
        self.expect(")")
        return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE {inner})"

    # -- literals --------------------------------------------------------------------------
    def literal(self):
        token = self.next()
        if token.kind == "string":
            return token.value[1:-1].replace("''", "'")
        if token.kind == "number":
            return float(token.value) if "." in token.value else int(token.value)
        if token.kind in ("datetime", "guid"):
            return token.value
        if token.kind == "name" and token.value in ("true", "false"):
            return token.value == "true"
        if token.kind == "name" and token.value == "null":
            return None
        raise filter_error(self.text, token.pos)

    def string_literal(self) -> str:
        token = self.next()
        if token.kind != "string":
            raise filter_error(self.text, token.pos)
        return token.value[1:-1].replace("''", "'")

    def typed(self, prop: Prop, literal, name: Token):
        if prop.kind == "bool":
            if not isinstance(literal, bool):
                raise incompatible(name.value, "Edm.Boolean")
            return int(literal)
        if prop.kind == "datetime":
            try:
                moment = dt.datetime.fromisoformat(str(literal).replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)
                return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            except (ValueError, OverflowError) as exc:  # out of range once in UTC: overflow
                raise incompatible(name.value, "Edm.DateTimeOffset") from exc
        if not isinstance(literal, str) or isinstance(literal, bool):
            raise incompatible(name.value, "Edm.String")
        return literal


def incompatible(name: str, expected: str) -> DirectoryError:
    return DirectoryError(
        400,
        "BadRequest",
        f"A binary operator with incompatible types was detected for property '{name}' "
        f"(expected {expected}).",
    )


def compile_filter(text: str) -> Compiled:
    return FilterParser(text).parse()
