"""The JumpCloud model of the app serving a request (``current_app.extensions``)."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app
from werkzeug.local import LocalProxy

from .model import JumpCloudModel

MODEL_EXTENSION = "jumpcloud.model"


def install_model(app: Flask, model: JumpCloudModel) -> None:
    app.extensions[MODEL_EXTENSION] = model


def jumpcloud_model() -> JumpCloudModel:
    return current_app.extensions[MODEL_EXTENSION]


current_model = cast(JumpCloudModel, LocalProxy(jumpcloud_model))
"""``jumpcloud_model()`` looked up on each use, for code that takes a model object."""
