"""Sharding a selection of scenarios (``m365lab run --shard K/N``): pure logic."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from harness.report.junit import write_junit
from harness.scenario.results import ScenarioResult
from harness.scenario.shard import ShardError, ShardSpec, assign, read_durations

KEYS = [(f"scenarios/s{i:02}.yaml", f"scenario {i}") for i in range(29)]


@pytest.mark.parametrize("text", ["", "1", "0/2", "3/2", "1/0", "a/b", "1/2/3", "-1/2"])
def test_bad_shard_values_are_refused(text):
    with pytest.raises(ShardError, match="--shard"):
        ShardSpec.parse(text)


def test_shard_value_parses():
    assert ShardSpec.parse(" 2/5 ") == ShardSpec(2, 5)
    assert str(ShardSpec(2, 5)) == "2/5"


@pytest.mark.parametrize("total", [1, 2, 3, 4, 7, 29, 40])
def test_shards_are_disjoint_cover_everything_and_balance_by_count(total):
    shards = assign(KEYS, total)
    flat = list(itertools.chain.from_iterable(shards))
    assert sorted(flat) == sorted(KEYS) and len(flat) == len(set(flat))
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


def test_split_does_not_depend_on_the_order_found():
    assert assign(KEYS, 3) == assign(list(reversed(KEYS)), 3)


def test_durations_balance_the_shards():
    durations = {k: 1.0 for k in KEYS}
    durations[KEYS[0]] = 20.0  # one long scenario: it gets a shard nearly to itself
    shards = assign(KEYS, 2, durations)
    loads = [sum(durations[k] for k in s) for s in shards]
    assert abs(loads[0] - loads[1]) <= 1.0
    long_shard = next(s for s in shards if KEYS[0] in s)
    assert len(long_shard) < len(KEYS) // 2


def test_unknown_scenarios_count_as_the_median():
    durations = {KEYS[0]: 5.0, KEYS[1]: 5.0}
    shards = assign(KEYS[:6], 2, durations)
    assert sorted(len(s) for s in shards) == [3, 3]


def test_durations_are_read_from_a_run_report(tmp_path: Path):
    results = [
        ScenarioResult(
            name=name, path=Path(file), shown_path=file, trace="t", driver="http", duration=float(i)
        )
        for i, (file, name) in enumerate(KEYS[:3])
    ]
    junit = write_junit(results, tmp_path / "junit.xml")
    assert read_durations(junit) == {KEYS[0]: 0.0, KEYS[1]: 1.0, KEYS[2]: 2.0}


def test_unreadable_durations_are_one_clear_error(tmp_path: Path):
    with pytest.raises(ShardError, match=r"--durations .*missing\.xml"):
        read_durations(tmp_path / "missing.xml")
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuites>")
    with pytest.raises(ShardError, match="not a JUnit XML file"):
        read_durations(bad)
