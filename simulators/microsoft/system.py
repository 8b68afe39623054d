"""``MicrosoftSystem``: Entra ID on ``login`` and Graph on ``graph`` (the portal is
``PortalSystem``, an OIDC client of Entra)."""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading

from flask import Flask

from simulators.core.context import LabContext, System
from simulators.core.errors import register_error_renderer
from simulators.core.rehome import rehome
from simulators.core.wellknown import (
    JUMPCLOUD_M365_APP_ID,
    JUMPCLOUD_M365_APP_NAME,
    JUMPCLOUD_M365_CALLBACK_PATH,
    jumpcloud_m365_app_secret,
)
from simulators.microsoft.entra import keys
from simulators.microsoft.entra.tokens import TokenService
from simulators.microsoft.ids import OFFICE_HOME_SECRET
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.schema import URL_COLUMNS
from simulators.microsoft.model.worlds import WellKnownApps, WorldBuilder
from simulators.microsoft.services import EXTENSION, Services

log = logging.getLogger("m365lab.microsoft")


class MicrosoftSystem(System):
    """One directory (SQLite) shared by the two hosts of the Microsoft system."""

    name = "microsoft"
    hosts = ("login", "graph")
    json_hosts = frozenset({"graph"})

    def __init__(self, ctx: LabContext) -> None:
        super().__init__(ctx)
        self.directory = Directory(ctx.state_dir / "microsoft.db", ctx.clock)
        rehome(self.directory.store, ctx.topology.base_urls(), URL_COLUMNS)
        self._key = keys.KeySource(ctx.state_dir / "microsoft-signing-key.pem")
        self.tokens = TokenService(self._key, ctx.clock, ctx.url("login"))
        self.services = Services(ctx, self.directory, self.tokens)
        self._purge_lock = threading.Lock()
        self._purge_later()

    # -- hosts ---------------------------------------------------------------------------
    def register(self, host: str, app: Flask) -> None:
        app.extensions[EXTENSION] = self.services
        if host == "login":
            from simulators.microsoft.entra import (
                authorize,
                discovery,
                realm,
                saml_sp,
                token_endpoint,
            )

            app.extensions[saml_sp.EXTENSION] = saml_sp.new_saml_sp(self.ctx, self.directory)
            for module in (discovery, token_endpoint, realm, authorize, saml_sp):
                app.register_blueprint(module.bp)
        elif host == "graph":
            from simulators.microsoft.graph import (
                batch,
                directory,
                domains,
                errors,
                groups,
                managers,
                policies,
                users,
            )

            for module in (users, groups, managers, directory, domains, policies, batch):
                app.register_blueprint(module.bp)
            register_error_renderer(app, "/v1.0", errors.render)

    # -- worlds --------------------------------------------------------------------------
    def wellknown_apps(self) -> WellKnownApps:
        ctx = self.ctx
        return WellKnownApps(
            portal_url=ctx.url("portal"),
            office_home_secret=ctx.persistent_secret(OFFICE_HOME_SECRET),
            jumpcloud_app_id=JUMPCLOUD_M365_APP_ID,
            jumpcloud_app_name=JUMPCLOUD_M365_APP_NAME,
            jumpcloud_secret=jumpcloud_m365_app_secret(ctx.admin_token),
            jumpcloud_redirect=ctx.url("console") + JUMPCLOUD_M365_CALLBACK_PATH,
        )

    def create_world(self, world_id: str, doc: dict) -> dict:
        section = doc.get("microsoft") or {}
        seed = doc.get("seed")
        if seed is None:  # every world its own passwords and ids, unless the document names a seed
            seed = secrets.randbelow(1 << 62)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError("seed must be an integer")
        builder = WorldBuilder(self.directory, self.wellknown_apps(), seed)
        try:
            result = builder.build(world_id, section)
        except ValueError:
            self.delete_world(world_id)
            raise
        if result.get("generated_users"):
            self.directory.store.refresh_statistics()
        return result

    def delete_world(self, world_id: str) -> bool:
        found = self.directory.tenants.mark_world_deleted(world_id)
        if found:
            self._purge_later()
        return found

    def _purge_later(self) -> None:
        def purge() -> None:
            with self._purge_lock:
                try:
                    self.directory.purge_deleted_tenants()
                except Exception:  # purging is housekeeping; never crash the lab
                    log.exception("purging deleted tenants failed")

        threading.Thread(target=purge, name="microsoft-purge", daemon=True).start()

    def reset(self) -> None:
        self.directory.reset()

    def state(self) -> dict:
        return self.directory.counts()

    def started(self) -> None:
        self._key.get()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a first start's key is written before we go
            self._key.get()
        with self._purge_lock:
            self.directory.close()
