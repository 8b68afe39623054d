"""The hosts' signed session cookies."""

from __future__ import annotations

import pytest
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from simulators.core.sessions import CookieCodec, LabSessionInterface

VALUE = {"user": {"id": "u1", "amr": ["pwd", "mfa"], "n": 3, "ok": True}, "csrf": "x" * 32}


def test_round_trip_and_tampering():
    codec = CookieCodec("secret")
    cookie = codec.dumps(VALUE)
    assert codec.loads(cookie) == VALUE
    payload, _, mac = cookie.partition(".")
    for bad in (f"{payload}x.{mac}", f"{payload}.{mac[:-1]}A", payload, "", "..", "é.é"):
        with pytest.raises(BadSignature):
            codec.loads(bad)
    with pytest.raises(BadSignature):
        CookieCodec("another secret").loads(cookie)


def test_fallback_keys_still_open_old_cookies():
    old = CookieCodec("old").dumps(VALUE)
    assert CookieCodec("new", ("old",)).loads(old) == VALUE


def test_signed_values_that_are_not_objects_are_refused():
    codec = CookieCodec("secret")
    assert codec.loads(codec.dumps({})) == {}
    signed_list = codec.dumps([1])  # type: ignore[arg-type]
    with pytest.raises(BadSignature, match="object"):
        codec.loads(signed_list)


def test_a_flask_app_keeps_its_session_across_requests():
    app = Flask("t")
    app.secret_key = "k"
    app.session_interface = LabSessionInterface()

    @app.get("/set")
    def set_():
        session["user"] = VALUE["user"]
        return "ok"

    @app.get("/get")
    def get():
        return session.get("user", {})

    @app.get("/clear")
    def clear():
        session.clear()
        return "ok"

    client = app.test_client()
    client.get("/set")
    assert client.get("/get").json == VALUE["user"]
    client.get("/clear")
    assert client.get("/get").json == {}
    client.set_cookie("session", "garbage.value")
    assert client.get("/get").json == {}


def _app_with_routes() -> Flask:
    app = Flask("t")
    app.secret_key = "k"
    app.session_interface = LabSessionInterface()

    @app.get("/untouched")
    def untouched():
        return "ok"

    @app.get("/read")
    def read():
        return str(session.get("user"))

    @app.get("/set")
    def set_():
        session["user"] = "u1"
        return "ok"

    @app.get("/permanent")
    def permanent():
        session.permanent = True
        session["user"] = "u1"
        return "ok"

    return app


def test_headers_match_flasks_own_whether_or_not_the_session_is_touched():
    """The fast paths (no cookie of ours; a session neither read nor written) answer as
    Flask's own interface does: same Set-Cookie and Vary on every kind of request."""
    plain, ours = _app_with_routes(), _app_with_routes()
    plain.session_interface = SecureCookieSessionInterface()
    browsers = [plain.test_client(), ours.test_client()]
    # after /permanent, Flask refreshes the cookie on every request, even an untouched one
    for path in ("/untouched", "/read", "/set", "/untouched", "/permanent", "/untouched", "/read"):
        replies = [browser.get(path) for browser in browsers]
        seen = [(r.headers.get("Vary"), "Set-Cookie" in r.headers) for r in replies]
        assert seen[0] == seen[1], path
