"""Choosing scenarios: ``-k`` keyword expressions (as pytest's) and ``--tags``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from harness.scenario.loader import Scenario

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = {"and", "or", "not"}


class SelectionError(ValueError):
    """A ``-k`` expression that does not parse."""


def keyword_matches(expression: str, words: Iterable[str]) -> bool:
    """Whether ``expression`` (words joined by and/or/not and parentheses) holds: each word is
    a case-insensitive substring of one of ``words``."""
    haystack = [w.lower() for w in words]
    tokens = _TOKEN.findall(expression)
    pieces: list[str] = []
    for token in tokens:
        if token in _OPERATORS or token in "()":
            pieces.append(token)
        else:
            pieces.append(str(any(token.lower() in w for w in haystack)))
    code = " ".join(pieces)
    try:
        # Only True/False, and/or/not and parentheses can reach this point.
        return bool(eval(code, {"__builtins__": {}}, {})) if code else True
    except SyntaxError:
        raise SelectionError(f"bad -k expression: {expression!r}") from None


def select(
    scenarios: Iterable[Scenario], keyword: str | None = None, tags: Iterable[str] = ()
) -> list[Scenario]:
    """Scenarios matching ``keyword`` (name, file name, tags) and having any of ``tags``."""
    wanted = {t.strip() for group in tags for t in group.split(",") if t.strip()}
    chosen = []
    for scenario in scenarios:
        words = [scenario.name, scenario.path.stem, *scenario.tags]
        if keyword and not keyword_matches(keyword, words):
            continue
        if wanted and not wanted & set(scenario.tags):
            continue
        chosen.append(scenario)
    return chosen
