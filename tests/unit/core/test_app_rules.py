"""Routes compile their url_for builders lazily and still build every kind of URL."""

from __future__ import annotations

from flask import Flask, url_for

from simulators.core.app import LazyBuilderRule


def _app() -> Flask:
    app = Flask("t")
    app.url_rule_class = LazyBuilderRule
    app.config["SERVER_NAME"] = "login.lab"
    app.add_url_rule("/plain", "plain", lambda: "")
    app.add_url_rule("/<tenant>/oauth2/<int:version>/token", "token", lambda **_: "")
    return app


def test_rules_are_lazy_and_build_with_arguments_and_unknown_query():
    app = _app()
    ours = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert all(isinstance(r, LazyBuilderRule) for r in ours)
    with app.test_request_context("/"):
        assert url_for("plain") == "/plain"
        assert url_for("token", tenant="common", version=2) == "/common/oauth2/2/token"
        assert url_for("token", tenant="a b", version=2, x="1") == "/a%20b/oauth2/2/token?x=1"
        assert url_for("plain", _external=True) == "http://login.lab/plain"


def test_matching_is_unchanged():
    adapter = _app().url_map.bind("login.lab")
    assert adapter.match("/common/oauth2/2/token") == ("token", {"tenant": "common", "version": 2})
