"""Sign-in pages through the HTTP user agent: password, lockout, expiry, MFA, consent, portal."""

from __future__ import annotations

import datetime as dt
import zlib
from base64 import b64decode
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest

from harness.clients.useragent import UserAgent

from .certs import idp_certificate

PASSWORD = "Sign-In-Pass-1"
TOTP_SECRET = pyotp.random_base32()


@pytest.fixture(scope="module")
def world(ms):
    def person(nick: str, **extra) -> dict:
        return {"userPrincipalName": f"{nick}@pages.example", "password": PASSWORD, **extra}

    return ms.world(
        {
            "domains": [
                "pages.example",
                {
                    "name": "fed-pages.example",
                    "federation": {
                        "issuerUri": "https://idp.pages/issuer",
                        "passiveSignInUri": f"{ms.portal}/_test/idp",
                        "signingCertificate": idp_certificate(),
                        "preferredAuthenticationProtocol": "saml",
                    },
                },
            ],
            "users": [
                person("ok", displayName="Okay User"),
                person("wrongpw"),
                person("disabled", accountEnabled=False),
                person("locked"),
                person("expired", lastPasswordChangeDateTime="2001-01-01T00:00:00Z"),
                person("forced", forceChangePasswordNextSignIn=True),
                person("mfa", mfa={"totp_secret": TOTP_SECRET}),
                person("enroll", mfa="required"),
                person("consent"),
                person("boss", roles=["Global Administrator"]),
                person("staff"),
                {
                    "userPrincipalName": "fed@fed-pages.example",
                    "onPremisesImmutableId": "fed-immutable-1",
                },
            ],
            "apps": [
                {
                    "displayName": "Pages App",
                    "delegated_scopes": ["User.Read"],
                    "redirect_uris": [f"{ms.portal}/_test/cb"],
                    "admin_consent": True,
                },
                {
                    "displayName": "Needs Consent",
                    "delegated_scopes": ["User.Read", "Directory.Read.All"],
                    "application_permissions": ["User.Read.All"],
                    "redirect_uris": [f"{ms.portal}/_test/cb"],
                },
            ],
        }
    )


def _authorize(ms, world, app_index: int = 0, tenant: str | None = None, **params) -> str:
    app = world["apps"][app_index]
    query = {
        "client_id": app["client_id"],
        "response_type": "code",
        "redirect_uri": f"{ms.portal}/_test/cb",
        "scope": "openid profile User.Read",
        "state": "s-123",
        **params,
    }
    return f"{ms.login}/{tenant or world['tenant_id']}/oauth2/v2.0/authorize?{urlencode(query)}"


def _returned(page) -> dict:
    assert urlsplit(page.url).path == "/_test/cb", (page.url, page.page_id)
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _password_page(agent, ms, world, upn: str, **params):
    page = agent.get(_authorize(ms, world, **params))
    assert page.page_id == "ms.signin.username"
    return page.form("credentials").fill(loginfmt=upn).submit()


def _sign_in(agent, ms, world, upn: str, password: str = PASSWORD, **params):
    page = _password_page(agent, ms, world, upn, **params)
    assert page.page_id == "ms.signin.password", page.text[:300]
    return page.form("credentials").fill(passwd=password).submit()


def _lab_now(ms) -> dt.datetime:
    return ms.lab.clock.now()


def test_successful_sign_in_returns_code_and_state(ms, world):
    with UserAgent(ms.ca) as agent:
        returned = _returned(_sign_in(agent, ms, world, "ok@pages.example"))
    assert returned["code"] and returned["state"] == "s-123"


def test_unknown_user_is_50034_on_the_username_page(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _password_page(agent, ms, world, "ghost@pages.example")
    assert page.page_id == "ms.signin.username"
    assert page.has("usernameError") and page.text_of("error-code") == "AADSTS50034"


def test_wrong_password_is_50126_on_the_password_page(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "wrongpw@pages.example", password="nope")
    assert page.page_id == "ms.signin.password"
    assert page.has("passwordError") and page.text_of("error-code") == "AADSTS50126"
    assert page.text_of("error-message")


def test_disabled_user_sees_50057(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "disabled@pages.example")
    assert page.page_id == "ms.error" and page.text_of("error-code") == "AADSTS50057"
    assert page.text_of("correlation-id") and page.text_of("timestamp")


def test_lockout_after_ten_failures_and_unlock_on_the_lab_clock(ms, world, clock_reset):
    with UserAgent(ms.ca) as agent:
        page = _password_page(agent, ms, world, "locked@pages.example")
        codes = []
        for _ in range(10):
            page = page.form("credentials").fill(passwd="bad").submit()
            codes.append(page.text_of("error-code"))
        assert codes[:9] == ["AADSTS50126"] * 9 and codes[9] == "AADSTS50053"
        page = page.form("credentials").fill(passwd=PASSWORD).submit()
        assert page.text_of("error-code") == "AADSTS50053"
        ms.clock(advance_seconds=61)
        assert _returned(page.form("credentials").fill(passwd=PASSWORD).submit())["code"]


def test_expired_password_must_be_changed(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "expired@pages.example")
        assert page.page_id == "ms.signin.changepassword"
        assert "expired" in page.text_of("changepassword-reason")
        form = page.form("credentials")
        page = form.fill(
            currentPassword="wrong", newPassword="New-Pass-999", confirmNewPassword="New-Pass-999"
        ).submit()
        assert page.text_of("error-code") == "AADSTS50126"
        page = (
            page.form("credentials")
            .fill(currentPassword=PASSWORD, newPassword="short", confirmNewPassword="short")
            .submit()
        )
        assert page.text_of("error-code") == "PasswordComplexity"
        page = (
            page.form("credentials")
            .fill(
                currentPassword=PASSWORD,
                newPassword="New-Pass-999",
                confirmNewPassword="New-Pass-999",
            )
            .submit()
        )
        assert _returned(page)["code"]
    with UserAgent(ms.ca) as agent:
        assert _returned(_sign_in(agent, ms, world, "expired@pages.example", "New-Pass-999"))


def test_forced_change_on_first_sign_in(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "forced@pages.example")
        assert page.page_id == "ms.signin.changepassword"
        page = (
            page.form("credentials")
            .fill(
                currentPassword=PASSWORD,
                newPassword="Forced-New-1",
                confirmNewPassword="Forced-New-2",
            )
            .submit()
        )
        assert page.text_of("error-code") == "PasswordMismatch"
        page = (
            page.form("credentials")
            .fill(
                currentPassword=PASSWORD,
                newPassword="Forced-New-1",
                confirmNewPassword="Forced-New-1",
            )
            .submit()
        )
        assert _returned(page)["code"]


def test_totp_mfa_follows_the_lab_clock(ms, world, clock_reset):
    ms.clock(advance_seconds=86400 * 3)
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "mfa@pages.example")
        assert page.page_id == "ms.signin.mfa"
        stale = pyotp.TOTP(TOTP_SECRET).at(dt.datetime.now(dt.UTC))
        page = page.form("mfa").fill(otc=stale).submit()
        assert page.page_id == "ms.signin.mfa" and page.text_of("error-code") == "AADSTS50074"
        page = page.form("mfa").fill(otc=pyotp.TOTP(TOTP_SECRET).at(_lab_now(ms))).submit()
        code = _returned(page)["code"]
    assert code


def test_mfa_registration_then_verification(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "enroll@pages.example")
        assert page.page_id == "ms.signin.mfa.register"
        secret = page.text_of("totp-secret")
        page = page.form("mfa-register").fill(otc="000000").submit()
        assert page.text_of("error-code") == "AADSTS50074"
        page = page.form("mfa-register").fill(otc=pyotp.TOTP(secret).at(_lab_now(ms))).submit()
        assert _returned(page)["code"]
    with UserAgent(ms.ca) as agent:
        page = _sign_in(agent, ms, world, "enroll@pages.example")
        assert page.page_id == "ms.signin.mfa"


def test_consent_cancel_then_accept(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _sign_in(
            agent,
            ms,
            world,
            "consent@pages.example",
            **{"client_id": world["apps"][1]["client_id"]},
        )
        assert page.page_id == "ms.consent" and not page.has("consent_org")
        returned = _returned(page.form("consent").submit("cancel"))
        assert returned["error"] == "access_denied"
        assert returned["error_description"].startswith("AADSTS65004")
        assert returned["state"] == "s-123"
    with UserAgent(ms.ca) as agent:
        page = _sign_in(
            agent,
            ms,
            world,
            "consent@pages.example",
            **{"client_id": world["apps"][1]["client_id"]},
        )
        assert _returned(page.form("consent").submit("accept"))["code"]
        # SSO: the same browser gets a code without any page; prompt=login asks again.
        again = agent.get(_authorize(ms, world, 1))
        assert _returned(again)["code"]
        forced = agent.get(_authorize(ms, world, 1, prompt="login"))
        assert forced.page_id == "ms.signin.username"


def test_admin_consents_for_the_organization(ms, world):
    app = world["apps"][1]
    with UserAgent(ms.ca) as agent:
        page = _sign_in(
            agent,
            ms,
            world,
            "boss@pages.example",
            client_id=app["client_id"],
            scope="Directory.Read.All",
        )
        assert page.page_id == "ms.consent" and page.has("consent_org")
        form = page.form("consent")
        form.set("consent_org", "true", create=True)
        assert _returned(form.submit("accept"))["code"]
    with UserAgent(ms.ca) as agent:
        page = _sign_in(
            agent,
            ms,
            world,
            "staff@pages.example",
            client_id=app["client_id"],
            scope="Directory.Read.All",
        )
        assert _returned(page)["code"]


def test_admin_consent_endpoint_grants_application_permissions(ms, world):
    app = world["apps"][1]
    url = f"{ms.login}/{world['tenant_id']}/v2.0/adminconsent?" + urlencode(
        {
            "client_id": app["client_id"],
            "redirect_uri": f"{ms.portal}/_test/cb",
            "scope": "https://graph.microsoft.com/.default",
            "state": "adm",
        }
    )
    with UserAgent(ms.ca) as agent:
        page = agent.get(url).form("credentials").fill(loginfmt="staff@pages.example").submit()
        page = page.form("credentials").fill(passwd=PASSWORD).submit()
        assert page.page_id == "ms.error" and page.text_of("error-code") == "AADSTS90094"
    with UserAgent(ms.ca) as agent:
        page = agent.get(url).form("credentials").fill(loginfmt="boss@pages.example").submit()
        page = page.form("credentials").fill(passwd=PASSWORD).submit()
        assert page.page_id == "ms.consent"
        returned = _returned(page.form("consent").submit("accept"))
    assert returned["admin_consent"] == "True" and returned["tenant"] == world["tenant_id"]
    token = ms.app_token(world, app)
    with ms.graph_session(token) as s:
        assert s.get(f"{ms.graph}/users").status_code == 200


def test_prompt_none_without_session_is_login_required(ms, world):
    with UserAgent(ms.ca) as agent:
        returned = _returned(agent.get(_authorize(ms, world, prompt="none")))
    assert returned["error"] == "login_required" and "AADSTS50058" in returned["error_description"]


def test_authorize_errors(ms, world):
    with UserAgent(ms.ca) as agent:
        page = agent.get(_authorize(ms, world, redirect_uri="https://evil.example/cb"))
        assert page.page_id == "ms.error" and page.text_of("error-code") == "AADSTS50011"
        page = agent.get(_authorize(ms, world, tenant="nobody.example"))
        assert page.text_of("error-code") == "AADSTS90002"
        page = agent.get(_authorize(ms, world, client_id="00000000-1111-2222-3333-444444444444"))
        assert page.text_of("error-code") == "AADSTS700016"
        returned = _returned(agent.get(_authorize(ms, world, scope="Not.AScope")))
        assert returned["error"] == "invalid_scope"


def test_federated_user_is_sent_to_the_idp_with_an_authn_request(ms, world):
    with UserAgent(ms.ca) as agent:
        page = _password_page(agent, ms, world, "fed@fed-pages.example")
    url = urlsplit(page.url)
    assert url.path == "/_test/idp"
    query = parse_qs(url.query)
    xml = zlib.decompress(b64decode(query["SAMLRequest"][0]), -15).decode()
    assert "urn:federation:MicrosoftOnline" in xml and "nameid-format:persistent" in xml
    assert query["RelayState"][0]


def test_sign_in_log_records_decisions(ms, world):
    entries = ms.lab.model("microsoft").oauth.signins(world["tenant_id"], limit=500)
    codes = {e["error_code"] for e in entries}
    assert {50126, 50057, 50053} <= codes
    assert all(e["correlation_id"] for e in entries)


def test_portal_sign_in_and_out(ms, world):
    with UserAgent(ms.ca) as agent:
        home = agent.get(ms.portal + "/")
        assert home.page_id == "portal.home"
        page = agent.get(home.link("signin-link"))
        page = page.form("credentials").fill(loginfmt="ok@pages.example").submit()
        page = page.form("credentials").fill(passwd=PASSWORD).submit()
        assert page.page_id == "portal.signedin", page.text[:500]
        assert page.text_of("user-display-name") == "Okay User"
        assert page.text_of("user-upn") == "ok@pages.example"
        assert page.text_of("tenant-id") == world["tenant_id"]
        page = agent.get(page.link("signout-link"))
        assert page.page_id == "portal.home"
        # The Entra session is gone too: signing in asks for the account again.
        assert agent.get(page.link("signin-link")).page_id == "ms.signin.username"
