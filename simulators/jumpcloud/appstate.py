"""The JumpCloud model of the app serving a request (``current_app.extensions``)."""

from __future__ import annotations

from flask import Flask, current_app

from .model import JumpCloudModel

MODEL_EXTENSION = "jumpcloud.model"


def install_model(app: Flask, model: JumpCloudModel) -> None:
    app.extensions[MODEL_EXTENSION] = model


def jumpcloud_model() -> JumpCloudModel:
    return current_app.extensions[MODEL_EXTENSION]
