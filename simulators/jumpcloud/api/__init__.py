"""The admin API on the console host: v1 under ``/api``, v2 under ``/api/v2``, token endpoint.

One blueprint per module (``v1_users``, ``v1_apps``, ``v2_graph``, ``v2_office365``,
``insights``, ``token``); the JumpCloud system registers them. ``install`` gives the app what
their handlers read: the model and the API's error renderers.
"""

from __future__ import annotations

from flask import Flask

from simulators.core.errors import register_error_renderer

from ..appstate import install_model
from ..model import JumpCloudModel
from .errors import render_api_error
from .insights import PREFIX as INSIGHTS_PREFIX


def install(app: Flask, model: JumpCloudModel) -> None:
    install_model(app, model)
    register_error_renderer(app, "/api", render_api_error)
    register_error_renderer(app, INSIGHTS_PREFIX, render_api_error)
