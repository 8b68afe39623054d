"""Splitting a selection of scenarios into N shards for N CI machines (``--shard K/N``).

The split is deterministic: it depends only on the scenarios' shown paths and names and, when a
previous run's JUnit report is given, on the durations recorded there. Scenarios are placed
longest first on the shard with the least total time so far (ties go to the lower shard);
without durations every scenario counts the same, which splits by count.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from harness.scenario.loader import Scenario, display_path

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
DEFAULT_SECONDS = 1.0
"""What a scenario counts for when no duration of any scenario is known."""


class ShardError(ValueError):
    """A ``--shard`` or ``--durations`` value that cannot be used; the message says why."""


@dataclass(frozen=True)
class ShardSpec:
    """Shard ``index`` (1-based) of ``total``."""

    index: int
    total: int

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        match = _SHARD.match(text or "")
        if not match:
            raise ShardError(f"--shard takes K/N (e.g. 1/4), not {text!r}")
        index, total = int(match[1]), int(match[2])
        if total < 1 or not 1 <= index <= total:
            raise ShardError(f"--shard {text}: K must be between 1 and N, and N at least 1")
        return cls(index, total)

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


Key = tuple[str, str]
"""A scenario as reports name it: (shown file path, scenario name)."""


def scenario_key(scenario: Scenario) -> Key:
    return display_path(scenario.path), scenario.name


def read_durations(path: Path) -> dict[Key, float]:
    """Seconds per scenario from a JUnit file written by ``m365lab run`` (or ``report merge``)."""
    try:
        root = ET.parse(path).getroot()
    except OSError as exc:
        raise ShardError(f"--durations {path}: {exc.strerror or exc}") from None
    except ET.ParseError as exc:
        raise ShardError(f"--durations {path}: not a JUnit XML file ({exc})") from None
    durations: dict[Key, float] = {}
    for case in root.iter("testcase"):
        try:
            seconds = float(case.get("time", ""))
        except ValueError:
            continue
        file, name = case.get("file"), case.get("name")
        if file and name and seconds >= 0:
            durations[(file, name)] = seconds
    return durations


def assign(
    keys: Sequence[Key], total: int, durations: dict[Key, float] | None = None
) -> list[list[Key]]:
    """``keys`` split into ``total`` lists, balanced by ``durations`` (unknown ones: the median)."""
    known = [durations[k] for k in keys if durations and k in durations]
    fallback = statistics.median(known) if known else DEFAULT_SECONDS
    weight = {k: (durations or {}).get(k, fallback) for k in keys}
    shards: list[list[Key]] = [[] for _ in range(total)]
    loads = [0.0] * total
    for key in sorted(set(keys), key=lambda k: (-weight[k], k)):
        target = min(range(total), key=lambda i: (loads[i], len(shards[i]), i))
        shards[target].append(key)
        loads[target] += weight[key]
    return [sorted(s) for s in shards]


def select_shard(
    scenarios: Sequence[Scenario], spec: ShardSpec, durations: dict[Key, float] | None = None
) -> list[Scenario]:
    """The scenarios of shard ``spec``, in their original order."""
    keys = [scenario_key(s) for s in scenarios]
    mine = set(assign(keys, spec.total, durations)[spec.index - 1])
    return [s for s, k in zip(scenarios, keys, strict=True) if k in mine]
