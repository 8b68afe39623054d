"""Shared plumbing of the model's repositories: the store, the lab clock, row helpers."""

from __future__ import annotations

from sqlite_utils import Database

from simulators.core.clock import LabClock
from simulators.core.store import Store


class Repository:
    """A group of tables with their rules; reads go through ``one``/``all`` as plain dicts."""

    def __init__(self, store: Store, clock: LabClock) -> None:
        self.store = store
        self.clock = clock

    @property
    def db(self) -> Database:
        return self.store.db

    def now_ts(self) -> int:
        return int(self.clock.timestamp())

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        return self.store.one(sql, params)

    def all(self, sql: str, params: tuple | list = ()) -> list[dict]:
        return self.store.all(sql, params)

    def write(self, sql: str, params: tuple | list = ()) -> int:
        """One write statement; returns the number of rows it changed.

        A single statement is atomic in SQLite's autocommit mode, so it needs no BEGIN/COMMIT of
        its own (two more round trips, and the write lock held across Python code); inside
        ``store.transaction()`` it simply joins that transaction.
        """
        return self.db.execute(sql, params).rowcount
