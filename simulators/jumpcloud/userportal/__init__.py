"""The User Portal (``/userconsole``)."""

from __future__ import annotations

from flask import Flask

from simulators.core.context import LabContext

from ..model import JumpCloudModel


def install(app: Flask, model: JumpCloudModel, ctx: LabContext) -> None:
    from .routes import portal_blueprint

    app.register_blueprint(portal_blueprint(model, ctx))
