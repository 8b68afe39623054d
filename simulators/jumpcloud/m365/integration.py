"""The Microsoft 365 directory integration as an extension of the JumpCloud system."""

from __future__ import annotations

from flask import Flask

from simulators.core.wellknown import (
    JUMPCLOUD_M365_APP_ID,
    JUMPCLOUD_M365_CALLBACK_PATH,
    jumpcloud_m365_app_secret,
)
from simulators.jumpcloud.extension import Extension
from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.events import M365_AUTHORIZE

from . import console_routes, routes
from .appstate import install_integration
from .clockwatch import ClockWatch
from .consent import AUTH_REQUEST_SECONDS
from .engine import SyncEngine
from .grants import Grants
from .groupsync import GroupSync
from .importer import Importer
from .oauth import OAuthApp, TokenSet
from .retry import RetryPolicy
from .subscribers import Subscribers
from .tables import create_m365_schema
from .worker import Worker


class M365Integration(Extension):
    """Wires the engine to the model's hooks and the console host; one per JumpCloud system."""

    def __init__(self, system, *, policy: RetryPolicy | None = None) -> None:
        ctx = system.ctx
        self.ctx = ctx
        self.model: JumpCloudModel = system.model
        with self.model.store.transaction() as db:
            create_m365_schema(db)
        self.oauth_app = OAuthApp(
            login_url=ctx.url("login"),
            client_id=JUMPCLOUD_M365_APP_ID,
            client_secret=jumpcloud_m365_app_secret(ctx.admin_token),
            redirect_uri=ctx.url("console") + JUMPCLOUD_M365_CALLBACK_PATH,
            http=ctx.http,
        )
        self.grants = Grants(
            self.model.store,
            ctx.clock,
            self.oauth_app,
            ctx.persistent_secret("jumpcloud-m365-token-key"),
            self.model.office365.set_oauth_status,
        )
        self.engine = SyncEngine(ctx, self.model, self.grants, policy=policy)
        self.importer = Importer(self.engine, self.model)
        self.model.office365.import_provider = self.importer.candidates
        self.groups = GroupSync(self.engine, self.model)
        self.model.office365.group_status_provider = self.groups.status_of
        Subscribers(self.engine, self.model, self.groups).subscribe()
        self.watch = ClockWatch(self.engine)
        ctx.clock.subscribe(self.watch.check)
        self.worker = Worker(self.engine, self.watch)

    # -- the system's extension hooks ---------------------------------------------------------
    def register(self, host: str, app: Flask) -> None:
        if host != "console":
            return
        install_integration(app, self)
        app.register_blueprint(console_routes.bp)
        app.register_blueprint(routes.bp)
        self.worker.start()

    def delete_world(self, world_id: str, org_id: str) -> None:
        """The org's world was deleted: drop the engine's rows of that org."""
        self.engine.forget_org(org_id)

    def reset(self) -> None:
        self.engine.forget_all()

    def close(self) -> None:
        self.ctx.clock.unsubscribe(self.watch.check)
        self.worker.stop()
        self.engine.close()

    # -- consent bookkeeping -----------------------------------------------------------------
    def save_auth_request(
        self, state: str, office365_id: str, org_id: str, verifier: str, nonce: str
    ) -> None:
        now = self.ctx.clock.timestamp()
        with self.model.store.transaction() as db:
            db.execute(
                "DELETE FROM m365_auth_requests WHERE created < ?", (now - AUTH_REQUEST_SECONDS,)
            )
            db.table("m365_auth_requests").insert(
                {
                    "state": state,
                    "office365_id": office365_id,
                    "org_id": org_id,
                    "verifier": verifier,
                    "nonce": nonce,
                    "created": now,
                }
            )

    def take_auth_request(self, state: str) -> dict | None:
        """The pending request of ``state`` (single use, 10 minutes on the lab clock)."""
        with self.model.store.transaction() as db:
            cursor = db.execute("SELECT * FROM m365_auth_requests WHERE state = ?", (state,))
            row = cursor.fetchone()
            if row is None:
                return None
            found = dict(zip([c[0] for c in cursor.description], row, strict=True))
            db.execute("DELETE FROM m365_auth_requests WHERE state = ?", (state,))
        if found["created"] + AUTH_REQUEST_SECONDS < self.ctx.clock.timestamp():
            return None
        return found

    def authorized(
        self, org_id: str, office365_id: str, tokens: TokenSet, admin: dict | None = None
    ) -> None:
        """A new grant: store it, then push everything that waited for it."""
        self.grants.save(org_id, office365_id, tokens, fresh=True)
        self._authorization_event(
            org_id, office365_id, admin, True, {"authorizedBy": tokens.admin_upn}
        )
        self.engine.domains.forget(office365_id)
        self.engine.resume(org_id, office365_id)

    def authorization_refused(
        self, org_id: str, office365_id: str, code: str, message: str, admin: dict | None
    ) -> None:
        """Microsoft sent an error instead of a code (declined, or the user is no admin): the
        grant stays as it was, and the event log (Cloud Directories page) shows why."""
        self._authorization_event(
            org_id, office365_id, admin, False, {"code": code, "message": message}
        )

    def deactivate(self, org_id: str, office365_id: str, actor: dict | None) -> dict:
        """Deactivate sync: the grant is dropped and every user and group is unbound, while
        Microsoft 365 accounts and JumpCloud users stay active (nothing is written to Graph).
        The instance keeps its name and settings; authorizing again needs binding again."""
        self.model.office365.get(org_id, office365_id)
        bound = self.model.graph.associations(
            org_id, "office_365", office365_id, ["user", "user_group"]
        )
        # the engine forgets the instance first, so the edges' removal disables nobody
        self.engine.forget_instance(office365_id)
        self.model.office365.clear_bindings(org_id, office365_id)
        self.model.graph.drop_target(org_id, "office_365", office365_id)
        self.model.office365.set_oauth_status(
            org_id, office365_id, self.grants.status(office365_id)
        )
        users = sum(1 for a in bound if a["to"]["type"] == "user")
        result = {"unboundUsers": users, "unboundGroups": len(bound) - users}
        self.model.events.record(
            org_id,
            "m365_deactivate",
            service="directory",
            initiated_by=actor,
            resource={"type": "office_365", "id": office365_id},
            details={"result": result},
        )
        return result

    def _authorization_event(
        self, org_id: str, office365_id: str, admin: dict | None, success: bool, result: dict
    ) -> None:
        actor = {"type": "admin", "id": admin["id"], "email": admin["email"]} if admin else None
        self.model.events.record(
            org_id,
            M365_AUTHORIZE,
            service="directory",  # an admin's console action, not a Graph write
            success=success,
            initiated_by=actor,
            resource={"type": "office_365", "id": office365_id},
            details={"result": result},
        )
