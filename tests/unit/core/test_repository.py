"""The repository base both systems' models build on."""

from __future__ import annotations

import datetime as dt

from simulators.core.clock import LabClock
from simulators.core.repository import Repository
from simulators.core.store import Store


def _schema(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS things (id TEXT PRIMARY KEY, n INTEGER)")


def test_rows_in_and_out_on_the_lab_clock(tmp_path):
    store = Store(tmp_path / "r.db", _schema)
    clock = LabClock()
    clock.freeze(dt.datetime(2030, 1, 2, tzinfo=dt.UTC))
    repository = Repository(store, clock)
    try:
        repository.insert("things", {"id": "a", "n": 1})
        repository.insert("things", {"id": "b", "n": 2})
        assert repository.write("UPDATE things SET n = n + 10 WHERE n > ?", (1,)) == 1
        assert repository.one("SELECT n FROM things WHERE id = ?", ("b",)) == {"n": 12}
        assert [r["id"] for r in repository.all("SELECT id FROM things ORDER BY id")] == ["a", "b"]
        assert repository.one("SELECT n FROM things WHERE id = 'x'") is None
        assert repository.now() == dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
        assert repository.now_ts() == int(dt.datetime(2030, 1, 2, tzinfo=dt.UTC).timestamp())
    finally:
        store.close()
