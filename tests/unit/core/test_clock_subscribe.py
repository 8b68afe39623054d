"""``LabClock.subscribe``: subscribers run after each successful ``apply()``, see the new time,
and cannot break the clock change."""

from __future__ import annotations

import pytest

from simulators.core.clock import LabClock


def test_subscribers_run_after_apply_with_the_new_time():
    clock = LabClock()
    clock.freeze()
    start = clock.timestamp()
    seen: list[float] = []

    def failing() -> None:
        raise RuntimeError("boom")

    clock.subscribe(failing)
    clock.subscribe(lambda: seen.append(clock.timestamp()))
    clock.apply({"advance_seconds": 3600})
    clock.apply({"advance_seconds": -60})
    assert seen == [start + 3600, start + 3540]
    with pytest.raises(ValueError):
        clock.apply({"advance_seconds": "soon"})
    assert len(seen) == 2  # a refused body changes nothing and tells no one
    clock.advance(5)  # direct calls (in-process code) do not notify; only apply() does
    assert len(seen) == 2
    clock.unsubscribe(failing)
    clock.apply({"reset": True})
    assert len(seen) == 3
