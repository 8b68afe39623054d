"""The base every system's model builds on: one SQLite store, the lab clock, row helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

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

    def now(self) -> dt.datetime:
        """Lab time (the lab clock, not the machine's)."""
        return self.clock.now()

    def now_ts(self) -> int:
        return int(self.clock.timestamp())

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        return self.store.one(sql, params)

    def all(self, sql: str, params: tuple | list = ()) -> list[dict]:
        return self.store.all(sql, params)

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        self.store.insert(table, row)

    def write(self, sql: str, params: tuple | list = ()) -> int:
        """One write statement; returns the number of rows it changed.

        A single statement is atomic in SQLite's autocommit mode, so it needs no BEGIN/COMMIT of
        its own (two more round trips, and the write lock held across Python code); inside
        ``store.transaction()`` it simply joins that transaction.
        """
        return self.db.execute(sql, params).rowcount
