"""The shared API guard and the decision journal, on a bare Flask app (no server)."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Flask, g, jsonify, request

from simulators.core.apisetup import guard_api
from simulators.core.clock import LabClock
from simulators.core.decisions import journal_decision
from simulators.core.journal import Journal


class Refused(Exception):
    pass


def _app(allowed: set[str]) -> Flask:
    def authenticate() -> str:
        if request.headers.get("key") not in allowed:
            raise Refused("no key")
        return "caller"  # a value: the guard must not answer with it

    bp = Blueprint("guarded", __name__)
    guard_api(bp, authenticate, Refused, lambda exc: (jsonify(error=str(exc)), 401))

    @bp.get("/thing")
    def thing():
        return jsonify(ok=True)

    app = Flask(__name__)
    app.register_blueprint(bp)
    return app


def test_the_guard_authenticates_every_request_and_renders_the_error():
    client = _app({"good"}).test_client()
    assert client.get("/thing", headers={"key": "good"}).json == {"ok": True}
    refused = client.get("/thing")
    assert refused.status_code == 401 and refused.json == {"error": "no key"}


def test_a_decision_is_a_journal_pseudo_exchange():
    ctx = SimpleNamespace(journal=Journal(), clock=LabClock())
    with Flask(__name__).test_request_context():
        g.trace = "t-1"
        decision = {"event": "sso_auth", "ok": False, "application": "wiki", "user_id": None}
        journal_decision(ctx, host="sso", namespace="jumpcloud", decision=decision, ok=False,
                         refused_status=403)  # fmt: skip
    (entry,) = ctx.journal.query()
    assert entry["method"] == "DECISION" and entry["status"] == 403 and entry["trace"] == "t-1"
    assert entry["url"] == "jumpcloud:sso_auth application=wiki"
    assert entry["decision"] == decision
