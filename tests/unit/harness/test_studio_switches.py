"""Switch input is checked before any call: bad input is a sentence for the trainer, no call."""

from __future__ import annotations

from pathlib import Path

from harness.studio.lab_api import LabApi
from harness.studio.live import sse
from harness.studio.switches import SWITCHES, flip

API = LabApi(Path("/nonexistent/lab.json"))  # any call would fail: none is made


def test_unknown_switch_and_bad_arguments_are_refused_without_a_call():
    assert flip(API, "melt-the-lab", "").message == "there is no switch 'melt-the-lab'"
    for count in ("many", "0", "1001"):
        result = flip(API, "throttle-graph", count)
        assert not result.ok and "throttled requests" in result.message
    result = flip(API, "mfa-behavior", "alwaysTrust")
    assert not result.ok and "federatedIdpMfaBehavior must be one of" in result.message


def test_every_switch_has_a_unique_name_and_a_known_kind_of_input():
    names = [s.name for s in SWITCHES]
    assert len(names) == len(set(names))
    assert {s.needs for s in SWITCHES} <= {"", "person", "count", "behavior"}


def test_server_sent_event_format():
    assert sse("exchange", {"a": 1}, "7") == 'event: exchange\nid: 7\ndata: {"a": 1}\n\n'
