"""Who may see the dashboard: the lab's admin, proven once, remembered by a session cookie.

The dashboard shows every exchange of the lab (bodies, SAML responses), so it is no more open
than the control plane. Ways in:
- the link ``m365lab up`` prints, ``/?token=<one-time token>`` (Jupyter style): the token works
  once, sets the session cookie and is dropped from the address;
- ``?token=<admin token>`` the same way, or the sign-in page (``/signin``), which takes the
  admin token in a form;
- ``Authorization: Bearer <admin token>`` on any request (scripts, the JSON API).
Anything else gets the sign-in page, or 401 JSON under ``/api/``.
"""

from __future__ import annotations

import hmac
import html
import secrets
import threading
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request, session
from werkzeug.wrappers import Response

SESSION_KEY = "dashboard_admin"
OPEN_PATHS = frozenset({"/signin", "/ca.pem"})
"""Open to anyone: signing in, and the lab CA's certificate (public; classroom handouts link it)."""
SIGNIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>m365lab dashboard: sign in</title>
<style>body{{font-family:system-ui,sans-serif;margin:3rem auto;max-width:32rem;color:#222}}
input{{width:100%;padding:.4rem;margin:.5rem 0}}.error{{color:#cf222e}}</style></head>
<body data-page="dashboard.signin">
<h1>m365lab dashboard</h1>
<p>Open the link <code>m365lab up</code> printed, or enter the lab's admin token
(<code>admin_token</code> in <code>lab.json</code>).</p>
{error}
<form id="dashboard-signin" method="post" action="/signin">
<input type="hidden" name="next" value="{next}">
<label>Admin token <input id="admin-token" name="token" type="password" autocomplete="off"></label>
<button id="signin-submit" type="submit">Sign in</button>
</form></body></html>"""


class DashboardAccess:
    """The admin check of the dashboard host, with its one-time sign-in tokens."""

    def __init__(self, admin_token: str) -> None:
        self.admin_token = admin_token
        self._one_time: set[str] = set()
        self._lock = threading.Lock()

    def new_link_token(self) -> str:
        """A token for one sign-in link (``m365lab up`` prints it)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._one_time.add(token)
        return token

    def _accept(self, token: str) -> bool:
        if token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return True
        with self._lock:
            if token in self._one_time:
                self._one_time.discard(token)
                return True
        return False

    def install(self, app: Flask) -> None:
        app.before_request(self._check)
        app.add_url_rule("/signin", "signin", self._signin, methods=["GET", "POST"])

    def _check(self) -> Response | None:
        if request.path in OPEN_PATHS or request.path.startswith("/_lab/"):
            return None  # the control plane checks the admin token itself
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), self.admin_token.encode()
        ):
            return None
        token = request.args.get("token")
        if token is not None:
            if not self._accept(token):
                return self._refuse("That token is not valid (a link's token works once).")
            session[SESSION_KEY] = True
            kept = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            return redirect(request.path + ("?" + urlencode(kept) if kept else ""), 303)
        if session.get(SESSION_KEY):
            return None
        return self._refuse("")

    def _refuse(self, error: str) -> Response:
        if request.path.startswith("/api/"):
            response = jsonify(error="unauthorized", message="The dashboard needs the admin token.")
            response.status_code = 401
            return response
        return self._page(error, request.full_path.rstrip("?"), 401)

    def _signin(self) -> Response:
        if request.method == "GET":
            return self._page("", request.args.get("next", "/"), 200)
        wanted = request.form.get("next") or "/"
        if not wanted.startswith("/") or wanted.startswith("//"):
            wanted = "/"  # never leave the dashboard
        if not self._accept(request.form.get("token", "")):
            return self._page("That token is not the lab's admin token.", wanted, 401)
        session[SESSION_KEY] = True
        return redirect(wanted, 303)

    @staticmethod
    def _page(error: str, next_url: str, status: int) -> Response:
        body = SIGNIN_PAGE.format(
            error=f"<p class='error' id='signin-error'>{html.escape(error)}</p>" if error else "",
            next=html.escape(next_url or "/"),
        )
        return Response(body, status=status, mimetype="text/html")
