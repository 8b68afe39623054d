"""The hosts' signed session cookies."""

from __future__ import annotations

import pytest
from flask import Flask, session
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
