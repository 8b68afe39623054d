"""What every admin API blueprint under ``/api`` does around its handlers."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, request

from simulators.core import apisetup

from ..appstate import jumpcloud_model
from ..model.errors import JumpCloudError
from .auth import authenticate
from .errors import model_error

PUBLIC_ENDPOINTS = {"jumpcloud_v1_apps.application_metadata"}
"""Reachable without a key: IdP metadata is public (its URL is handed to service providers)."""


def guard_api(bp: Blueprint) -> None:
    """Authenticate each request of ``bp``, time it (``Server-Timing``), render model errors."""
    apisetup.guard_api(bp, _authenticate, JumpCloudError, model_error)
    bp.after_request(_server_timing)


def _authenticate() -> None:
    g.jc_started = time.perf_counter()
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate(jumpcloud_model())


def _server_timing(response: Response) -> Response:
    started = g.get("jc_started")
    if started is not None:
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
    return response
