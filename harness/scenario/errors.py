"""What can go wrong with a scenario: problems found before running, failures while running."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import StepError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located as ``path:line: step N (name): message``."""

    path: str
    line: int | None
    message: str
    step_index: int | None = None
    step_name: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.step_index is not None:
            return f"{where}: step {self.step_index} ({self.step_name or '?'}): {self.message}"
        return f"{where}: {self.message}"


class ScenarioLoadError(Exception):
    """A file (or files) that must not run; every problem is listed, one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StepDefinitionError(Exception):
    """A step function the registry cannot accept (bad signature, duplicate name)."""


class ResolveError(StepError):
    """A ``${...}`` expression that names nothing at run time."""


class ExpectationFailed(StepError):
    """An expectation that did not hold; carries what was expected and what was found."""

    def __init__(self, message: str, *, expected: Any = None, actual: Any = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


def expect_fields(
    subject: str,
    found: Mapping[str, Any],
    wanted: Mapping[str, Any],
    *,
    mismatched: Mapping[str, tuple[Any, Any]] | None = None,
) -> None:
    """Raise ``ExpectationFailed`` ("<subject>: a, b differ") for the fields of ``wanted`` that
    ``found`` holds otherwise, and for ``mismatched`` ones (name: (actual, expected)) that the
    caller compared its own way."""
    differ = {k: found.get(k) for k, v in wanted.items() if found.get(k) != v}
    expected = dict(wanted)
    for name, (actual, description) in (mismatched or {}).items():
        differ[name], expected[name] = actual, description
    if differ:
        raise ExpectationFailed(
            f"{subject}: {', '.join(sorted(differ))} differ",
            expected={k: expected[k] for k in differ},
            actual=differ,
        )
