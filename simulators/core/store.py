"""One SQLite database per system, through sqlite-utils, safe to use from server threads."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
STATISTICS_MIN_ROWS = 10_000
"""A table this large makes the store gather planner statistics (smaller ones plan well without)."""
STATISTICS_SAMPLE = 400
"""Rows ANALYZE samples per index (``PRAGMA analysis_limit``): milliseconds at 200,000 users."""


class Store:
    """A system's database file with one connection per thread (WAL, busy timeout).

    ``schema`` creates tables and indexes idempotently; it runs once at construction.
    """

    def __init__(self, path: Path, schema: Callable[[sqlite_utils.Database], None]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # the database holds password hashes and signing keys: owner-only from the start (SQLite
        # gives its -wal and -shm files the database's permissions)
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        self._local = threading.local()
        self._all: list[tuple[weakref.ref[threading.Thread], sqlite3.Connection]] = []
        """Every connection with the thread it belongs to."""
        self._lock = threading.Lock()
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        with self.transaction():
            schema(db)
        self.refresh_statistics()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            isolation_level=None,
        )
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            # Server threads come and go (the worker pool grows and shrinks): close the
            # connections of threads that ended, or each would keep its page cache for good.
            alive = []
            for thread, other in self._all:
                owner = thread()
                if owner is not None and owner.is_alive():
                    alive.append((thread, other))
                else:
                    with contextlib.suppress(sqlite3.Error):
                        other.close()
            self._all = [*alive, (weakref.ref(threading.current_thread()), conn)]
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils handle."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite_utils.Database(self._connect())
            self._local.db = db
        return db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE ... COMMIT (rolled back on error); nests as a savepoint."""
        db = self.db
        conn = db.conn
        if conn.in_transaction:
            name = f"sp{id(conn)}_{threading.get_ident()}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield db
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        """A plain INSERT in this thread's connection (sqlite-utils' ``insert()`` introspects
        the table on every call: several milliseconds per sign-in)."""
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        self.db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        """The first row of a query as a dict (None when there is none)."""
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def all(self, sql: str, params: tuple | list = ()) -> list[dict]:
        """Every row of a query as dicts."""
        cursor = self.db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def refresh_statistics(self) -> bool:
        """Sample the indexes for the query planner (ANALYZE) once a table is large; True if done.

        Without statistics SQLite takes ``tenant_id = ?`` to be selective, so at 200,000 users
        ``upn IN (...) OR mail IN (...)`` scanned the whole tenant (75 ms) instead of two index
        searches (0.5 ms). Statistics gathered while tables are small would mislead it the other
        way as they grow, hence the threshold; called at open and after a bulk load.
        """
        db = self.db
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE '%WITHOUT ROWID%'"
        )]  # fmt: skip
        top = 'SELECT COALESCE(MAX(rowid), 0) FROM "{}"'
        counts = (db.execute(top.format(t)).fetchone()[0] for t in tables)
        largest = max(counts, default=0)
        if largest < STATISTICS_MIN_ROWS:
            return False
        db.execute(f"PRAGMA analysis_limit={STATISTICS_SAMPLE}")
        db.execute("ANALYZE")
        return True

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for _, conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


def add_missing_columns(db: sqlite_utils.Database, added: Iterable[tuple[str, str, str]]) -> None:
    """Columns a table gained after it first shipped, added to databases made before then:
    ``(table, column, SQL type and default)``."""
    for table, column, kind in added:
        existing = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in existing:
            db.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {kind}')
