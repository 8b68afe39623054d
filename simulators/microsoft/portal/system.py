"""``PortalSystem``: the Microsoft 365 portal on ``portal``, a system of its own.

The portal keeps no directory: it is an OIDC client of ``login`` and reaches it over HTTPS
only, as www.office.com reaches login.microsoftonline.com. Being a system of its own, it can run
in a process of its own (``m365lab up --split``, the ``portal`` service of docker-compose.yml),
where its sign-in work no longer shares one interpreter lock with Entra's.
"""

from __future__ import annotations

from flask import Flask

from simulators.core.context import System


class PortalSystem(System):
    name = "portal"
    hosts = ("portal",)

    def register(self, host: str, app: Flask) -> None:
        from simulators.microsoft.portal import routes

        app.register_blueprint(routes.bp)
