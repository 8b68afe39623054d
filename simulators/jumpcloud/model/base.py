"""Shared plumbing of the model: the store, the lab clock, transactions with after-commit hooks."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import sqlite_utils

from simulators.core.clock import LabClock
from simulators.core.store import Store

from .hooks import Hooks, log
from .ids import iso, new_object_id


class Backend:
    """What every model area shares. ``tx()`` nests; hooks queued inside fire after COMMIT."""

    def __init__(self, store: Store, clock: LabClock, hooks: Hooks) -> None:
        self.store = store
        self.clock = clock
        self.hooks = hooks
        self._local = threading.local()
        self.hook_failure: Callable[[object, BaseException], None] | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        return self.store.db

    def now(self) -> dt.datetime:
        return self.clock.now()

    def now_iso(self) -> str:
        return iso(self.clock.now()) or ""

    def new_id(self) -> str:
        return new_object_id(self.clock.now())

    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite_utils.Database]:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            self._local.pending = []
        self._local.depth = depth + 1
        try:
            with self.store.transaction() as db:
                yield db
        except BaseException:
            if depth == 0:
                self._local.pending = []
            raise
        finally:
            self._local.depth = depth
        if depth == 0:
            pending, self._local.pending = self._local.pending, []
            for event in pending:
                self._fire(event)

    def emit(self, event: object) -> None:
        """Queue an event for after the current transaction (or fire now outside one)."""
        if getattr(self._local, "depth", 0):
            self._local.pending.append(event)
        else:
            self._fire(event)

    def _fire(self, event: object) -> None:
        for subscriber in self.hooks.subscribers(event):
            try:
                subscriber(event)
            except Exception as exc:
                log.exception("jumpcloud hook %r failed", subscriber)
                if self.hook_failure is not None:
                    self.hook_failure(event, exc)

    def insert(self, table: str, row: dict) -> None:
        self.store.insert(table, row)

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        return self.store.one(sql, params)

    def all(self, sql: str, params: tuple | list = ()) -> list[dict]:
        return self.store.all(sql, params)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def loads(value: str | None, default: Any = None) -> Any:
    return json.loads(value) if value else default
