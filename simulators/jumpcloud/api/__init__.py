"""The admin API on the console host: v1 under ``/api``, v2 under ``/api/v2``, token endpoint."""

from __future__ import annotations

import base64
import binascii
import time

from flask import Blueprint, Flask, Response, g, jsonify, request

from simulators.core.errors import register_error_renderer

from ..model import JumpCloudModel
from ..model.errors import JumpCloudError
from . import insights, v1_apps, v1_users, v2_graph, v2_office365
from .auth import authenticate
from .errors import model_error, render_api_error

PUBLIC_ENDPOINTS = {"jumpcloud_api.application_metadata"}
"""Reachable without a key: IdP metadata is public (its URL is handed to service providers)."""


def api_blueprint(model: JumpCloudModel) -> Blueprint:
    bp = Blueprint("jumpcloud_api", __name__, url_prefix="/api")

    @bp.before_request
    def _authenticate():
        g.jc_started = time.perf_counter()
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        authenticate(model)
        return None

    @bp.after_request
    def _server_timing(response: Response) -> Response:
        started = g.get("jc_started")
        if started is not None:
            elapsed = (time.perf_counter() - started) * 1000
            response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
        return response

    @bp.errorhandler(JumpCloudError)
    def _model_error(exc: JumpCloudError):
        return model_error(exc)

    for module in (v1_users, v1_apps, v2_graph, v2_office365):
        module.register(bp, model)
    return bp


def token_blueprint(model: JumpCloudModel) -> Blueprint:
    """``POST /oauth2/token`` (client credentials) on the console host."""
    bp = Blueprint("jumpcloud_oauth", __name__)

    def oauth_error(status: int, error: str, description: str) -> Response:
        response = jsonify({"error": error, "error_description": description})
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="JumpCloud"'
        return response

    @bp.post("/oauth2/token")
    def oauth2_token():
        scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
        client_id = request.form.get("client_id", "")
        client_secret = request.form.get("client_secret", "")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return oauth_error(401, "invalid_client", "malformed Basic credentials")
            client_id, _, client_secret = decoded.partition(":")
        if request.form.get("grant_type") != "client_credentials":
            return oauth_error(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        scope = request.form.get("scope", "api")
        if scope.split() != ["api"]:
            return oauth_error(400, "invalid_scope", "scope must be api")
        try:
            token = model.orgs.issue_token(client_id, client_secret)
        except JumpCloudError:
            return oauth_error(401, "invalid_client", "client authentication failed")
        response = jsonify(token)
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp


def install(app: Flask, model: JumpCloudModel) -> None:
    register_error_renderer(app, "/api", render_api_error)
    register_error_renderer(app, insights.PREFIX, render_api_error)
    app.register_blueprint(api_blueprint(model))
    app.register_blueprint(insights.insights_blueprint(model))
    app.register_blueprint(token_blueprint(model))
