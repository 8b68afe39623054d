"""``${...}`` expressions: values of earlier steps, the world, people and variables.

An expression is a dotted path with optional ``[n]`` indexes, e.g. ``${steps.mkuser.id}``,
``${world.microsoft.tenant_id}``, ``${people.alice.upn}``, ``${steps.list.users[0].id}``.
A string that is exactly one expression becomes the referenced value itself (a dict, a number);
expressions inside longer strings are interpolated as text. ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from harness.scenario.errors import ResolveError

ROOTS = ("steps", "world", "people", "vars", "lab", "scenario", "env")
"""What an expression may start with."""

_EXPR = re.compile(r"(?<!\$)\$\{([^{}]*)\}")
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(-?\d+)\]")


def has_expression(value: Any) -> bool:
    return any(True for _ in expressions(value))


def expressions(value: Any) -> Iterator[str]:
    """Every expression inside ``value`` (strings, nested lists and mappings)."""
    if isinstance(value, str):
        for match in _EXPR.finditer(value):
            yield match.group(1).strip()
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)


def parse(expr: str) -> list[str | int]:
    """``steps.a.items[0].id`` -> ``["steps", "a", "items", 0, "id"]``; ValueError if malformed."""
    parts: list[str | int] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        match = _SEGMENT.match(text, pos)
        if not match:
            raise ValueError(f"malformed expression ${{{expr}}}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        pos = match.end()
    if not parts or not isinstance(parts[0], str):
        raise ValueError(f"malformed expression ${{{expr}}}")
    return parts


def lookup(expr: str, scope: Mapping[str, Any]) -> Any:
    """The value ``expr`` names in ``scope``; ResolveError says which segment is missing."""
    try:
        parts = parse(expr)
    except ValueError as exc:
        raise ResolveError(str(exc)) from None
    current: Any = scope
    walked: list[str] = []
    for part in parts:
        here = ".".join(walked) or "the scenario"
        if isinstance(part, int):
            if not isinstance(current, list) or not -len(current) <= part < len(current):
                size = len(current) if isinstance(current, list) else "not a list"
                raise ResolveError(
                    f"cannot resolve ${{{expr}}}: no item [{part}] in {here} ({size})"
                )
            current = current[part]
            walked[-1] = f"{walked[-1]}[{part}]"
            continue
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif not isinstance(current, Mapping) and hasattr(current, part) and part[0] != "_":
            current = getattr(current, part)
        else:
            keys = ", ".join(sorted(map(str, current))) if isinstance(current, Mapping) else ""
            hint = f" (it has: {keys})" if keys else f" ({here} is {type(current).__name__})"
            raise ResolveError(f"cannot resolve ${{{expr}}}: no '{part}' in {here}{hint}")
        walked.append(str(part))
    return current


def resolve(value: Any, scope: Mapping[str, Any]) -> Any:
    """``value`` with every expression replaced (recursively)."""
    if isinstance(value, str):
        match = _EXPR.fullmatch(value)
        if match:
            return lookup(match.group(1), scope)
        text = _EXPR.sub(lambda m: _as_text(lookup(m.group(1), scope)), value)
        return text.replace("$${", "${")
    if isinstance(value, Mapping):
        return {k: resolve(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope) for v in value]
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def static_problems(expr: str, earlier_ids: set[str], variables: Mapping[str, Any]) -> str | None:
    """What is wrong with ``expr`` before anything runs (bad syntax, unknown root or step id)."""
    try:
        parts = parse(expr)
    except ValueError as exc:
        return str(exc)
    root = parts[0]
    if root not in ROOTS:
        return f"unresolvable ${{{expr}}}: unknown root '{root}' (use one of {', '.join(ROOTS)})"
    if len(parts) < 2 and root in ("steps", "vars"):
        return f"unresolvable ${{{expr}}}: name a step id or variable after '{root}.'"
    if root == "steps" and parts[1] not in earlier_ids:
        known = ", ".join(sorted(earlier_ids)) or "none"
        return (
            f"unresolvable ${{{expr}}}: no earlier step has id '{parts[1]}' (earlier ids: {known})"
        )
    if root == "vars" and parts[1] not in variables:
        return f"unresolvable ${{{expr}}}: no variable '{parts[1]}' in vars"
    return None
