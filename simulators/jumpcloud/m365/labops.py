"""Lab-only operations on an instance's integration: propagation delay, sync now, its event-log
entries, Graph request counts. Instances of other organizations are not found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.jumpcloud.model.errors import BadRequest

if TYPE_CHECKING:
    from .integration import M365Integration

MAX_EVENTS = 1000


class LabOperations:
    def __init__(self, integration: M365Integration) -> None:
        self.integration = integration
        self.model = integration.model
        self.engine = integration.engine

    def require(self, org_id: str, office365_id: str) -> None:
        """NotFound unless ``office365_id`` is an instance of ``org_id``."""
        self.model.office365.get(org_id, office365_id)

    def settings(self, org_id: str, office365_id: str) -> dict:
        self.require(org_id, office365_id)
        return self.engine.settings.describe(office365_id)

    def update_settings(self, org_id: str, office365_id: str, changes: dict) -> dict:
        """Apply ``{"propagationDelaySeconds": n}`` (other keys are ignored)."""
        self.require(org_id, office365_id)
        if "propagationDelaySeconds" in changes:
            try:
                self.engine.settings.set_delay(
                    org_id, office365_id, changes["propagationDelaySeconds"]
                )
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return self.engine.settings.describe(office365_id)

    def sync_now(self, org_id: str, office365_id: str) -> dict:
        """Push whatever is pending now: ``{"pushed", "pending"}`` (what is still left)."""
        self.require(org_id, office365_id)
        pending = [link.user_id for link in self.engine.links.dirty(office365_id)]
        self.engine.sync(org_id, office365_id, pending)
        left = len(self.engine.links.dirty(office365_id))
        return {"pushed": len(pending) - left, "pending": left}

    def events(self, org_id: str, office365_id: str, limit: int) -> list[dict]:
        """The integration's entries of the org's event log (one per Graph write), newest
        first; ``limit`` is clamped to 1..1000."""
        self.require(org_id, office365_id)
        limit = max(1, min(limit, MAX_EVENTS))
        found = [
            e
            for e in self.model.events.list(org_id, limit=limit * 4)
            if e["service"] == "office_365" and e["resource"].get("office365") == office365_id
        ]
        return found[:limit]

    def stats(self, org_id: str, office365_id: str) -> dict:
        self.require(org_id, office365_id)
        counts = self.engine.counter.snapshot()
        return {"graphRequests": sum(counts.values()), "byMethod": counts}
