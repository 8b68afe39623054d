"""A Directory-Insights-like event log per organization (timestamps from the lab clock)."""

from __future__ import annotations

from .base import Backend, dumps, loads


class Events:
    def __init__(self, backend: Backend) -> None:
        self.b = backend

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
            "id": self.b.new_id(),
            "org_id": org_id,
            "time": self.b.now_iso(),
            "event_type": event_type,
            "service": service,
            "success": 1 if success else 0,
            "initiated_by": dumps(initiated_by or {"type": "system"}),
            "resource": dumps(resource or {}),
            "details": dumps(details or {}),
        }
        with self.b.tx():
            self.b.insert("events", event)
        return self._render(event)

    def list(self, org_id: str, *, event_type: str | None = None, limit: int = 100) -> list[dict]:
        sql = "SELECT * FROM events WHERE org_id = ?"
        params: list = [org_id]
        if event_type:
            sql += " AND event_type = ?"
            params.append(event_type)
        rows = self.b.all(sql + " ORDER BY seq DESC LIMIT ?", [*params, limit])
        return [self._render(r) for r in rows]

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
