"""Small systems used only by the foundation tests: routes on two hosts and a persistent counter."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request

from simulators.core.context import System
from simulators.core.store import Store


def _counter_schema(db) -> None:
    db["counter"].create({"name": str, "value": int}, pk="name", if_not_exists=True)


class RelaySystem(System):
    """A redirect chain on ``login`` and a self-posting form from ``sso`` back to ``login``."""

    name = "relay"
    hosts = ("login", "sso", "graph")
    json_hosts = frozenset({"graph"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.store = Store(ctx.state_dir / "relay.db", _counter_schema)

    def register(self, host: str, app: Flask) -> None:
        ctx = self.ctx
        if host == "login":
            app.add_url_rule("/start", "start", lambda: redirect("/hop1"))
            app.add_url_rule("/hop1", "hop1", lambda: redirect(ctx.url("sso") + "/hop2"))

            @app.post("/acs")
            def acs():
                return (
                    "<html><body data-page='relay.done'><p id='got'>"
                    f"{request.form.get('SAMLResponse', '')}|{request.form.get('RelayState')}"
                    "</p></body></html>"
                )

            app.add_url_rule("/clock", "clock", lambda: jsonify(now=ctx.clock.now().isoformat()))

            @app.route("/redirect/<int:status>", methods=["GET", "POST"])
            def redirect_with(status: int):
                reply = redirect(request.args.get("to", "/echo"), code=status)
                reply.set_cookie("hop", "set-on-redirect", secure=True, path="/")
                return reply

            @app.route("/echo", methods=["GET", "POST"])
            def echo():
                return jsonify(
                    method=request.method,
                    query=request.query_string.decode(),
                    body=request.get_data(as_text=True),
                    cookie=request.headers.get("Cookie"),
                )
        elif host == "sso":

            @app.get("/hop2")
            def hop2():
                return (
                    "<html><body data-page='relay.post' onload='document.forms[0].submit()'>"
                    f"<form method='post' action='{ctx.url('login')}/acs'>"
                    "<input type='hidden' name='SAMLResponse' value='PHNhbWw+'>"
                    "<input type='hidden' name='RelayState' value='a&amp;b'>"
                    "<noscript><button type='submit'>Continue</button></noscript>"
                    "</form></body></html>"
                )

            app.add_url_rule("/clock", "clock", lambda: jsonify(now=ctx.clock.now().isoformat()))
        else:

            @app.post("/count")
            def count():
                with self.store.transaction() as db:
                    row = db.execute("SELECT value FROM counter WHERE name='hits'").fetchone()
                    value = (row[0] if row else 0) + 1
                    db["counter"].upsert({"name": "hits", "value": value}, pk="name")
                return jsonify(value=value)

            @app.post("/login")
            def login():
                return jsonify(ok=True, password_seen=bool(request.form.get("password")))

            @app.get("/boom")
            def boom():
                raise RuntimeError("kaboom")

    def state(self) -> dict:
        row = self.store.db.execute("SELECT value FROM counter WHERE name='hits'").fetchone()
        return {"hits": row[0] if row else 0}

    def reset(self) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM counter")

    def close(self) -> None:
        self.store.close()
