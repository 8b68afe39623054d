"""Tiny stand-ins that serve the page map (common.md) so journeys run through real drivers.

Not the real Microsoft or JumpCloud: just enough pages, redirects and a self-posting form
(the SAML POST binding's shape) to walk every transition the journeys handle.
"""

from __future__ import annotations

import html

import pyotp
from flask import Flask, redirect, request, session

from simulators.core.context import System

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "pw"


def page(page_id: str, body: str) -> str:
    return f"<!doctype html><html><body data-page='{page_id}'>{body}</body></html>"


def error(code: str) -> str:
    return f"<p id='error-code'>{code}</p><p id='error-message'>Something is wrong.</p>"


class FlowMicrosoft(System):
    name = "microsoft"
    hosts = ("login", "graph", "portal")
    json_hosts = frozenset({"graph"})

    def register(self, host: str, app: Flask) -> None:
        ctx = self.ctx
        if host == "portal":

            @app.get("/")
            def portal_home():
                upn = session.get("upn")
                if not upn:
                    link = f"<a id='signin-link' href='{ctx.url('login')}/signin'>Sign in</a>"
                    return page("portal.home", link)
                return page(
                    "portal.signedin",
                    f"<span id='user-display-name'>{html.escape(upn.split('@')[0])}</span>"
                    f"<span id='user-upn'>{html.escape(upn)}</span><span id='tenant-id'>t1</span>"
                    "<a id='signout-link' href='/signout'>Sign out</a>",
                )

            @app.get("/complete")
            def portal_complete():
                session["upn"] = request.args["upn"]
                return redirect("/")

            @app.get("/signout")
            def portal_signout():
                session.clear()
                return redirect("/")

        elif host == "login":

            def credentials(page_id: str, fields: str, extra: str = "") -> str:
                return page(
                    page_id,
                    f"<form id='credentials' method='post' action='/signin/{page_id[10:]}'>"
                    f"{fields}<button id='idSIButton9' type='submit'>Next</button></form>{extra}",
                )

            @app.get("/signin")
            def username_page():
                field = "<input id='i0116' name='loginfmt'>"
                return credentials("ms.signin.username", field)

            @app.post("/signin/username")
            def username_post():
                upn = request.form["loginfmt"]
                if upn.endswith("@fed.test"):
                    return redirect(f"{ctx.url('console')}/userconsole?federated=1")
                hidden = f"<input type='hidden' name='loginfmt' value='{html.escape(upn)}'>"
                return credentials(
                    "ms.signin.password", hidden + "<input id='i0118' name='passwd'>"
                )

            @app.post("/signin/password")
            def password_post():
                upn = request.form["loginfmt"]
                if request.form.get("passwd") == PASSWORD:
                    return redirect(f"{ctx.url('portal')}/complete?upn={upn}")
                hidden = f"<input type='hidden' name='loginfmt' value='{html.escape(upn)}'>"
                return credentials(
                    "ms.signin.password",
                    hidden + "<input id='i0118' name='passwd'>",
                    "<div id='passwordError'>Your password is incorrect.</div>"
                    + error("AADSTS50126"),
                )

            @app.post("/login.srf")
            def acs():
                upn = request.form["SAMLResponse"]
                return redirect(f"{ctx.url('portal')}/complete?upn={upn}")


class FlowJumpCloud(System):
    name = "jumpcloud"
    hosts = ("console", "sso")

    def register(self, host: str, app: Flask) -> None:
        if host != "console":
            return
        ctx = self.ctx

        def post_to_microsoft(upn: str, scripted: bool) -> str:
            script = "<script>document.forms[0].submit()</script>" if scripted else ""
            return page(
                "jc.sso.post",
                f"<form method='post' action='{ctx.url('login')}/login.srf' data-autosubmit>"
                f"<input type='hidden' name='SAMLResponse' value='{html.escape(upn)}'>"
                f"<noscript><button type='submit'>Continue</button></noscript></form>{script}",
            )

        @app.route("/loop", methods=["GET", "POST"])
        def loop():
            """A self-posting form that posts to itself for ever (a broken SSO hop)."""
            return page(
                "jc.loop",
                f"<form method='post' action='{ctx.url('console')}/loop' data-autosubmit>"
                "<input type='hidden' name='n' value='1'></form>",
            )

        @app.get("/userconsole")
        def signin_page():
            session["federated"] = bool(request.args.get("federated"))
            return page(
                "jc.userportal.signin",
                "<form id='login-form' method='post' action='/userconsole/login'>"
                "<input name='email'><input name='password' type='password'>"
                "<button id='login-submit' type='submit'>Sign in</button></form>",
            )

        @app.post("/userconsole/login")
        def signin_post():
            if request.form.get("password") != PASSWORD:
                return page("jc.error", error("jumpcloud:invalid_credentials"))
            session["user"] = request.form["email"]
            return page(
                "jc.userportal.mfa",
                "<form id='mfa-form' method='post' action='/userconsole/mfa'>"
                "<input name='otp'><button id='mfa-submit' type='submit'>Verify</button></form>",
            )

        @app.post("/userconsole/mfa")
        def mfa_post():
            if not pyotp.TOTP(TOTP_SECRET).verify(request.form["otp"], for_time=ctx.clock.now()):
                return page("jc.error", error("jumpcloud:invalid_otp"))
            upn = f"{session['user']}@fed.test"
            if session.pop("federated", False):
                return post_to_microsoft(upn, scripted=False)
            return redirect("/userconsole/home")

        @app.get("/userconsole/home")
        def home():
            return page(
                "jc.userportal.home",
                f"<span id='user-name'>{html.escape(session.get('user', ''))}</span>"
                "<a class='app-tile' id='app-tile-app1' href='/launch/app1'>M365</a>"
                "<a id='signout-link' href='/userconsole/signout'>Sign out</a>",
            )

        @app.get("/launch/<app_id>")
        def launch(app_id: str):
            return post_to_microsoft(f"{session['user']}@fed.test", scripted=True)

        @app.get("/userconsole/signout")
        def signout():
            session.clear()
            return redirect("/userconsole")
