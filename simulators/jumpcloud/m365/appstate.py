"""The integration of the app serving a request (``current_app.extensions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from .integration import M365Integration

EXTENSION = "jumpcloud.m365"


def install_integration(app: Flask, m365: M365Integration) -> None:
    app.extensions[EXTENSION] = m365


def integration() -> M365Integration:
    return current_app.extensions[EXTENSION]
