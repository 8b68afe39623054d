"""A Directory-Insights-like event log per organization (timestamps from the lab clock)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from .base import Backend, dumps, loads

M365_AUTHORIZE = "m365_authorize"
"""An admin's attempt to authorize the Microsoft 365 integration (service ``directory``)."""


class Events:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def record(
        self,
        org_id: str,
        event_type: str,
        *,
        service: str = "directory",
        success: bool = True,
        initiated_by: dict | None = None,
        resource: dict | None = None,
        details: dict | None = None,
    ) -> dict:
        event = {
            "id": self.backend.new_id(),
            "org_id": org_id,
            "time": self.backend.now_iso(),
            "event_type": event_type,
            "service": service,
            "success": 1 if success else 0,
            "initiated_by": dumps(initiated_by or {"type": "system"}),
            "resource": dumps(resource or {}),
            "details": dumps(details or {}),
        }
        self.backend.insert(
            "events", event
        )  # one statement: atomic without a transaction of its own
        return self._render(event)

    def list(self, org_id: str, *, event_type: str | None = None, limit: int = 100) -> list[dict]:
        sql = "SELECT * FROM events WHERE org_id = ?"
        params: list = [org_id]
        if event_type:
            sql += " AND event_type = ?"
            params.append(event_type)
        rows = self.backend.all(sql + " ORDER BY seq DESC LIMIT ?", [*params, limit])
        return [self._render(r) for r in rows]

    def query(
        self,
        org_id: str,
        *,
        start: str,
        end: str | None = None,
        services: builtins.list[str] | None = None,
        after: tuple[str, int] | None = None,
        descending: bool = True,
    ) -> Iterator[dict]:
        """Events of ``[start, end)`` (ISO, JumpCloud format) of ``services`` (None: all), in
        time order, strictly after the ``(time, seq)`` cursor; rendered with ``seq``."""
        sql = "SELECT * FROM events WHERE org_id = ? AND time >= ?"
        params: list = [org_id, start]
        if end is not None:
            sql += " AND time < ?"
            params.append(end)
        if services is not None:
            sql += f" AND service IN ({','.join('?' * len(services))})"
            params += services
        if after is not None:
            beyond = "<" if descending else ">"
            sql += f" AND (time {beyond} ? OR (time = ? AND seq {beyond} ?))"
            params += [after[0], after[0], after[1]]
        order = "DESC" if descending else "ASC"
        cursor = self.backend.db.execute(f"{sql} ORDER BY time {order}, seq {order}", params)
        names = [c[0] for c in cursor.description]
        while rows := cursor.fetchmany(200):
            for row in rows:
                found = dict(zip(names, row, strict=True))
                yield {**self._render(found), "seq": found["seq"]}

    def cursor(self, org_id: str, event_id: str) -> tuple[str, int] | None:
        """The ``(time, seq)`` position of an event, for paging after it."""
        row = self.backend.one(
            "SELECT time, seq FROM events WHERE org_id = ? AND id = ?", (org_id, event_id)
        )
        return (row["time"], row["seq"]) if row else None

    @staticmethod
    def _render(row: dict) -> dict:
        return {
            "id": row["id"],
            "timestamp": row["time"],
            "event_type": row["event_type"],
            "service": row["service"],
            "success": bool(row["success"]),
            "initiated_by": loads(row["initiated_by"], {}),
            "resource": loads(row["resource"], {}),
            "details": loads(row["details"], {}),
            "organization": row["org_id"],
        }
