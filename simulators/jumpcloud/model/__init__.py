"""The JumpCloud model: state and rules, no Flask. Every row is scoped by organization.

``JumpCloudModel`` is the one object routes and engines use::

    model.orgs / users / groups / apps / graph / office365 / events / tickets
    model.hooks.on_user_changed / on_portal_signin / on_association_changed /
        on_office365_changed  (lists)
    model.mint_sso_ticket(user) -> str ; model.redeem_sso_ticket(t) -> (user, mfa_done, auth_time)
    model.binding_for(user) ; model.set_sync_status(...)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from simulators.core.clock import LabClock
from simulators.core.store import Store

from .apps import Apps
from .base import Backend
from .errors import JumpCloudError, NotFound
from .events import Events
from .graph import Graph
from .groups import Groups
from .hooks import (
    AssociationChanged,
    Hooks,
    Office365Changed,
    PortalSignin,
    UserChanged,
    UserGroupChanged,
)
from .office365 import Office365
from .orgs import Orgs
from .records import SystemUser
from .schema import ORG_TABLES, create_schema
from .tickets import Tickets
from .users import Users

__all__ = [
    "AssociationChanged",
    "Hooks",
    "JumpCloudError",
    "JumpCloudModel",
    "Office365Changed",
    "PortalSignin",
    "UserChanged",
    "UserGroupChanged",
]


class JumpCloudModel:
    def __init__(self, path: Path, clock: LabClock, urls: Callable[[str], str]) -> None:
        self.store = Store(path, create_schema)
        self.clock = clock
        self.hooks = Hooks()
        self.backend = Backend(self.store, clock, self.hooks)
        self.events = Events(self.backend)
        self.orgs = Orgs(self.backend)
        self.users = Users(self.backend, self.orgs, self.events)
        self.groups = Groups(self.backend)
        self.apps = Apps(self.backend, urls)
        self.office365 = Office365(self.backend)
        self.graph = Graph(
            self.backend,
            self.groups,
            {
                "user": self.users.exists,
                "user_group": self.groups.exists,
                "application": self.apps.exists,
                "office_365": self.office365.exists,
            },
        )
        self.tickets = Tickets(self.backend)
        self.backend.hook_failure = self._hook_failed

    # -- the SSO engineer's API ----------------------------------------------------------
    def mint_sso_ticket(self, user: SystemUser, *, mfa_done: bool, auth_time: float) -> str:
        """A 60-second single-use ticket proving ``user`` (a rendered user) signed in."""
        return self.tickets.mint(
            user["organization"], user["_id"], mfa_done=mfa_done, auth_time=auth_time
        )

    def redeem_sso_ticket(self, ticket: str) -> tuple[SystemUser, bool, dt.datetime] | None:
        """``(user, mfa_done, auth_time)`` for a fresh unused ticket, else None."""
        found = self.tickets.redeem(ticket)
        if found is None:
            return None
        try:
            user = self.users.get(found["org_id"], found["user_id"])
        except JumpCloudError:
            return None
        return user, found["mfa_done"], dt.datetime.fromtimestamp(found["auth_time"], dt.UTC)

    def sign_out(self, org_id: str, user_id: str) -> None:
        """A User Portal sign-out: the SSO host's sessions of the user end too."""
        self.tickets.sign_out(org_id, user_id)

    def session_generation(self, org_id: str, user_id: str) -> int:
        """Sessions started in an older generation were ended by a sign-out."""
        return self.tickets.generation(org_id, user_id)

    # -- the M365 engineer's API ---------------------------------------------------------
    def binding_for(self, user: dict, office365_id: str | None = None) -> dict | None:
        return self.office365.binding_for(user["organization"], user["_id"], office365_id)

    def set_sync_status(
        self, org_id: str, office365_id: str, user_id: str, code: int, message: str, **kw
    ) -> dict:
        return self.office365.set_sync_status(
            org_id, office365_id, user_id, code=code, message=message, **kw
        )

    # -- rules across areas --------------------------------------------------------------
    def delete_application(self, org_id: str, app_id: str) -> dict:
        """An application deleted with every association to it."""
        self.graph.drop_target(org_id, "application", app_id)
        return self.apps.delete(org_id, app_id)

    def published_application(self, org_id: str, app_id: str) -> dict:
        """An application whose IdP metadata anyone may read (its org must be live)."""
        if not self.orgs.exists(org_id):
            raise NotFound(f"Organization {org_id} not found")
        return self.apps.get(org_id, app_id)

    # -- lifecycle -----------------------------------------------------------------------
    def purge_org(self, org_id: str) -> None:
        """Delete every row of a (soft-deleted) organization."""
        with self.store.transaction() as db:
            for table in ORG_TABLES:
                db.execute(f"DELETE FROM {table} WHERE org_id = ?", (org_id,))
            db.execute("DELETE FROM orgs WHERE id = ?", (org_id,))
        self.backend.forget_cached_rows()

    def purge_all(self) -> None:
        with self.store.transaction() as db:
            for table in (*ORG_TABLES, "orgs"):
                db.execute(f"DELETE FROM {table}")
        self.backend.forget_cached_rows()

    def close(self) -> None:
        self.store.close()

    def _hook_failed(self, event: object, exc: BaseException) -> None:
        org_id = getattr(event, "org_id", None)
        if org_id:
            self.events.record(
                org_id,
                "hook_error",
                success=False,
                details={"event": type(event).__name__, "error": str(exc)[:500]},
            )
