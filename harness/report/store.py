"""A run's results as JSON (``results.json`` beside the reports), so shards can be merged later.

Screenshot paths are stored relative to the report directory and resolved against the
directory they are read from, so a report directory can be moved or downloaded as a CI artifact.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.scenario.results import ScenarioResult, StepResult

FORMAT = "m365lab-results/1"
FILENAME = "results.json"


class ResultsError(ValueError):
    """A results file that cannot be read; the message names it and says why."""


def _relative(path: Path, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _step_dict(step: StepResult, base: Path) -> dict[str, Any]:
    data = dataclasses.asdict(step)
    data["screenshots"] = [_relative(p, base) for p in step.screenshots]
    return data


def to_dict(result: ScenarioResult, base: Path) -> dict[str, Any]:
    data = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    data["path"] = str(result.path)
    data["steps"] = [_step_dict(s, base) for s in result.steps]
    data["screenshots"] = [[label, _relative(p, base)] for label, p in result.screenshots]
    return data


def from_dict(data: dict[str, Any], base: Path) -> ScenarioResult:
    steps = [
        StepResult(**{**s, "screenshots": [base / p for p in s.get("screenshots", [])]})
        for s in data.get("steps", [])
    ]
    return ScenarioResult(
        **{
            **data,
            "path": Path(data["path"]),
            "steps": steps,
            "screenshots": [(label, base / p) for label, p in data.get("screenshots", [])],
        }
    )


def write_results(results: Sequence[ScenarioResult], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILENAME
    document = {"format": FORMAT, "results": [to_dict(r, directory) for r in results]}
    path.write_text(json.dumps(document, default=str, ensure_ascii=False), encoding="utf-8")
    return path


def read_results(directory: Path) -> list[ScenarioResult]:
    """The results an ``m365lab run --report DIRECTORY`` wrote."""
    path = directory / FILENAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(
            f"{path}: not found (is {directory} a report directory of m365lab run?)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ResultsError(f"{path}: not an m365lab results file (format {FORMAT})")
    try:
        return [from_dict(item, directory) for item in document["results"]]
    except (KeyError, TypeError) as exc:
        raise ResultsError(f"{path}: a result is malformed ({exc})") from None
