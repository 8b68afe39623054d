"""The JumpCloud system: console host (admin API, User Portal, admin console) and SSO host.

``register`` lists the blueprints each host mounts. The Microsoft 365 integration is one of the
system's ``extensions`` (``simulators/jumpcloud/extension.py``): it is told about each host,
world, reset and shutdown after the system's own model.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from flask import Flask

from simulators.core.context import LabContext, System
from simulators.core.rehome import rehome

from . import api
from .api import insights, token, v1_apps, v1_users, v2_graph, v2_office365
from .console import routes as console_pages
from .extension import Extension
from .m365 import M365Integration
from .model import JumpCloudModel
from .model.schema import URL_COLUMNS
from .sso import console as sso_admin
from .sso import pages as sso_pages
from .sso import routes as sso_routes
from .sso.host import EXTENSION as SSO_HOST
from .sso.host import SsoHost
from .sso.model import IdpDirectory
from .userportal import routes as portal_pages
from .web import install_state
from .world import WorldBuilder

log = logging.getLogger("m365lab.jumpcloud")


class JumpCloudSystem(System):
    name = "jumpcloud"
    hosts = ("console", "sso")
    json_hosts = frozenset()

    def __init__(self, ctx: LabContext) -> None:
        super().__init__(ctx)
        self.model = JumpCloudModel(ctx.state_dir / "jumpcloud.db", ctx.clock, ctx.url)
        rehome(self.model.store, ctx.topology.base_urls(), URL_COLUMNS)
        self._purges: list[threading.Thread] = []
        self.m365 = M365Integration(self)
        self.extensions: list[Extension] = [self.m365]

    def register(self, host: str, app: Flask) -> None:
        if host == "console":
            api.install(app, self.model)
            install_state(app, self.model, self.ctx)
            for bp in (token.bp, v1_users.bp, v1_apps.bp, v2_graph.bp, v2_office365.bp,
                       insights.bp):  # fmt: skip
                app.register_blueprint(bp)
            app.register_blueprint(portal_pages.bp)
            app.register_blueprint(console_pages.bp)
            if not sso_admin.served_by(app):
                app.register_blueprint(sso_admin.bp)
        elif host == "sso":
            app.extensions[SSO_HOST] = SsoHost(self.ctx, IdpDirectory(self.model))
            app.register_blueprint(sso_routes.bp)
            app.register_blueprint(sso_pages.look)
        for extension in self.extensions:
            extension.register(host, app)

    def create_world(self, world_id: str, doc: dict) -> dict:
        result = WorldBuilder(self.model, world_id, doc).build()
        if result.get("generated_users"):
            self.model.store.refresh_statistics()
        for extension in self.extensions:
            extension.create_world(world_id, doc, result)
        return result

    def delete_world(self, world_id: str) -> bool:
        """Mark the org deleted (keys, sessions and tickets stop at once), cancel the extensions'
        pending work for it at once (nothing runs for a world that is gone); purge in background."""
        org = self.model.orgs.for_world(world_id)
        if org is None:
            return False
        self.model.orgs.mark_deleted(org["_id"])
        for extension in self.extensions:
            try:
                extension.delete_world(world_id, org["_id"])
            except Exception:
                log.exception("cancelling the work of organization %s in %r failed", org["_id"],
                              extension)  # fmt: skip
        thread = threading.Thread(
            target=self._purge,
            args=(world_id, org["_id"]),
            name=f"jc-purge-{world_id}",
            daemon=True,
        )
        self._purges.append(thread)
        thread.start()
        return True

    def _purge(self, world_id: str, org_id: str) -> None:
        try:
            self.model.purge_org(org_id)
        except Exception:
            log.exception("purging organization %s failed", org_id)

    def reset(self) -> None:
        self._join_purges()
        self.model.purge_all()
        for extension in self.extensions:
            extension.reset()

    def state(self) -> dict:
        orgs = self.model.orgs.live()
        return {
            "organizations": [
                {
                    "id": o["_id"],
                    "name": o["displayName"],
                    "world": o["world_id"],
                    "users": self.model.users.count(o["_id"]),
                }
                for o in orgs
            ]
        }

    def close(self) -> None:
        for extension in self.extensions:
            with contextlib.suppress(Exception):
                extension.close()
        self._join_purges()
        self.model.close()

    def _join_purges(self) -> None:
        for thread in self._purges:
            thread.join(timeout=30)
        self._purges = []
