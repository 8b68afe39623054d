"""``Journal.wait_newer``: the live feed wakes when an entry is recorded, not on a poll."""

from __future__ import annotations

import threading
import time

from simulators.core.journal import Journal


def test_wait_newer_returns_as_soon_as_an_entry_is_recorded():
    journal = Journal()
    journal.record({"host": "login", "method": "GET", "status": 200})
    seen = journal.last_seq
    timer = threading.Timer(0.05, journal.record, args=({"host": "portal", "status": 200},))
    started = time.monotonic()
    timer.start()
    newest = journal.wait_newer(seen, timeout=5)
    assert newest == seen + 1
    assert time.monotonic() - started < 1


def test_wait_newer_times_out_with_the_same_sequence_number():
    journal = Journal()
    assert journal.wait_newer(0, timeout=0.01) == 0
    journal.record({"host": "login"})
    journal.clear()
    assert journal.wait_newer(0, timeout=0.01) == 1  # numbering goes on after a clear
