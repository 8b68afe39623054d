"""Joining the reports of several shards (``m365lab report merge``) into one run's reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.report.store import ResultsError, read_results
from harness.scenario.results import ScenarioResult


def merge_results(directories: Sequence[Path]) -> list[ScenarioResult]:
    """Every shard's results, ordered by file and name; a scenario found twice is an error."""
    seen: dict[tuple[str, str], Path] = {}
    merged: list[ScenarioResult] = []
    for directory in directories:
        for result in read_results(directory):
            key = (result.shown_path, result.name)
            if key in seen:
                raise ResultsError(
                    f"{result.shown_path} ({result.name}) is in both {seen[key]} and {directory}:"
                    " shards of one run never share a scenario"
                )
            seen[key] = directory
            merged.append(result)
    return sorted(merged, key=lambda r: (r.shown_path, r.name))
