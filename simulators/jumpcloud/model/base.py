"""Shared plumbing of the model: the core ``Repository`` plus transactions with after-commit
hooks and in-process row caches."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import sqlite_utils

from simulators.core.clock import LabClock
from simulators.core.repository import Repository
from simulators.core.store import Store

from .hooks import Hooks, log
from .ids import iso, new_object_id


class RowCache:
    """Stored rows cached in the process, by key, for reads made on nearly every request.

    Only the JumpCloud system's process writes its database, and every write path of a cached
    table forgets the rows it changes once its transaction has committed (``after_commit``).
    Inside a transaction (which may see its own uncommitted writes) the cache is bypassed; a
    read fills it only if nothing was forgotten since the read began, so a row read just before
    a change cannot be cached after it. Callers must not mutate the rows they get.
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._rows: dict[str, dict] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: str, read: Callable[[], dict | None]) -> dict | None:
        """The cached row of ``key``, else ``read()`` (a miss is not cached)."""
        if self._backend.in_transaction():
            return read()
        row = self._rows.get(key)
        if row is not None:
            return row
        generation = self._generation
        row = read()
        if row is not None:
            with self._lock:
                if generation == self._generation:
                    self._rows[key] = row
        return row

    def forget(self, key: str | None = None) -> None:
        """Drop one row (every row when ``key`` is None)."""
        with self._lock:
            self._generation += 1
            if key is None:
                self._rows.clear()
            else:
                self._rows.pop(key, None)


class Backend(Repository):
    """The one repository every model area shares. ``tx()`` nests; hooks queued inside fire
    after COMMIT."""

    def __init__(self, store: Store, clock: LabClock, hooks: Hooks) -> None:
        super().__init__(store, clock)
        self.hooks = hooks
        self._local = threading.local()
        self.hook_failure: Callable[[object, BaseException], None] | None = None
        self._row_caches: list[RowCache] = []

    def row_cache(self) -> RowCache:
        """A new ``RowCache``, emptied by ``forget_cached_rows`` with all the others."""
        cache = RowCache(self)
        self._row_caches.append(cache)
        return cache

    def forget_cached_rows(self) -> None:
        """Empty every ``RowCache`` (an organization was deleted or purged)."""
        for cache in self._row_caches:
            cache.forget()

    def now_iso(self) -> str:
        return iso(self.clock.now()) or ""

    def new_id(self) -> str:
        return new_object_id(self.clock.now())

    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite_utils.Database]:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            self._local.pending = []
            self._local.actions = []
        self._local.depth = depth + 1
        try:
            with self.store.transaction() as db:
                yield db
        except BaseException:
            if depth == 0:
                self._local.pending = []
                self._local.actions = []
            raise
        finally:
            self._local.depth = depth
        if depth == 0:
            actions, self._local.actions = self._local.actions, []
            for action in actions:
                action()
            pending, self._local.pending = self._local.pending, []
            for event in pending:
                self._fire(event)

    def emit(self, event: object) -> None:
        """Queue an event for after the current transaction (or fire now outside one)."""
        if getattr(self._local, "depth", 0):
            self._local.pending.append(event)
        else:
            self._fire(event)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the current transaction has committed (now, outside one); it is
        dropped if the transaction rolls back. For in-process caches of committed rows."""
        if getattr(self._local, "depth", 0):
            self._local.actions.append(action)
        else:
            action()

    def in_transaction(self) -> bool:
        """Is this thread's connection inside a transaction (it may see uncommitted rows)?"""
        return self.db.conn.in_transaction

    def _fire(self, event: object) -> None:
        for subscriber in self.hooks.subscribers(event):
            try:
                subscriber(event)
            except Exception as exc:
                log.exception("jumpcloud hook %r failed", subscriber)
                if self.hook_failure is not None:
                    self.hook_failure(event, exc)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def loads(value: str | None, default: Any = None) -> Any:
    return json.loads(value) if value else default
