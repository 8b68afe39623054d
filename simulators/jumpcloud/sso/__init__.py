"""JumpCloud's SAML 2.0 IdP on the ``sso`` host (sso.jumpcloud.com): ``/saml2/<label>``.

Loaded by ``JumpCloudSystem`` through ``attach(system)``; ``register_sso(app, ctx, system)``
adds the IdP to an sso host app directly.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from simulators.core.context import LabContext

from .console import register_console_routes
from .host import EXTENSION, SsoHost
from .model import IdpDirectory
from .pages import look
from .routes import bp


def register_sso(app: Flask, ctx: LabContext, jumpcloud_system: Any) -> SsoHost:
    """Serve the IdP on ``app`` (the sso host) from ``jumpcloud_system.model``."""
    sso_host = SsoHost(ctx, IdpDirectory(jumpcloud_system.model))
    app.extensions[EXTENSION] = sso_host
    app.register_blueprint(bp)
    app.register_blueprint(look)
    return sso_host


class SsoExtension:
    """The JumpCloud system's SSO engine: the sso host, plus the console's rotation route."""

    def __init__(self, system: Any) -> None:
        self.system = system

    def register(self, host: str, app: Flask) -> None:
        if host == "sso":
            register_sso(app, self.system.ctx, self.system)
        elif host == "console":
            register_console_routes(app, self.system.model)


def attach(system: Any) -> SsoExtension:
    return SsoExtension(system)


__all__ = ["SsoExtension", "attach", "register_sso"]
