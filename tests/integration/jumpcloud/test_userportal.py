"""The User Portal through the HTTP user agent (page map ids of common.md)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from harness.clients.useragent import UserAgent

from .conftest import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(scope="module")
def world(jc):
    people = ["ann", "ben", "lee", "sue", "stan", "tom", "max", "pat", "eve", "ret"]
    users = [{"username": u, "email": f"{u}@contoso.com", "password": PASSWORD} for u in people]
    by_name = {u["username"]: u for u in users}
    by_name["sue"]["state"] = "SUSPENDED"
    by_name["stan"]["state"] = "STAGED"
    by_name["tom"]["totp_secret"] = SECRET
    by_name["max"]["mfa_required"] = True
    by_name["ann"]["firstname"], by_name["ann"]["lastname"] = "Ann", "Archer"
    return jc.world(
        {
            "users": users,
            "password_policy": {
                "maxLoginAttempts": 3,
                "lockoutTimeInSeconds": 300,
                "maxHistory": 2,
            },
            "groups": [{"name": "staff", "members": ["ann"]}],
            "apps": [
                {
                    "kind": "custom",
                    "label": "portal-wiki",
                    "idpEntityId": "w",
                    "spEntityId": "s",
                    "acsUrl": "https://w/acs",
                    "assign_groups": ["staff"],
                },
                {
                    "kind": "custom",
                    "label": "portal-crm",
                    "idpEntityId": "c",
                    "spEntityId": "s",
                    "acsUrl": "https://c/acs",
                    "assign_users": ["ann"],
                },
                {
                    "kind": "custom",
                    "label": "portal-hr",
                    "idpEntityId": "h",
                    "spEntityId": "s",
                    "acsUrl": "https://h/acs",
                },
            ],
        }
    )


@pytest.fixture
def agent(jc):
    with UserAgent(jc.ca) as ua:
        yield ua


def sign_in(jc, ua, login, password=PASSWORD, return_to=None):
    url = jc.console + "/userconsole/login"
    page = ua.get(url, params={"return_to": return_to} if return_to else None)
    assert page.page_id == "jc.userportal.signin"
    return page.form("login-form").fill(email=login, password=password).submit()


def model(jc):
    return jc.lab.model("jumpcloud")


def totp_now(jc, secret=SECRET):
    return pyotp.TOTP(secret).at(int(jc.lab.clock.timestamp()))


def test_sign_in_by_username_and_email_shows_tiles(jc, world, agent):
    home = sign_in(jc, agent, "ann")
    assert home.page_id == "jc.userportal.home"
    assert home.text_of("user-name") == "Ann Archer"
    tiles = {el.get("id"): el.get("href") for el in home.tree.xpath("//a[@class='app-tile']")}
    assert set(tiles) == {
        f"app-tile-{world['apps']['portal-wiki']}",
        f"app-tile-{world['apps']['portal-crm']}",
    }
    assert tiles[f"app-tile-{world['apps']['portal-crm']}"] == (
        f"{jc.ctx.url('sso')}/saml2/portal-crm?idp_init=1"
    )
    assert home.has("change-password-link") and home.has("signout-link")
    signed_out = agent.get(home.link("signout-link"))
    assert signed_out.page_id == "jc.userportal.signin"
    assert sign_in(jc, agent, "ANN@contoso.com").page_id == "jc.userportal.home"


def test_sign_in_records_event_and_hands_password_to_hook(jc, world, agent):
    received = []
    hooks = model(jc).hooks.on_portal_signin
    hooks.append(received.append)
    try:
        assert sign_in(jc, agent, "ben").page_id == "jc.userportal.home"
    finally:
        hooks.remove(received.append)
    assert received[0].password == PASSWORD and received[0].user["username"] == "ben"
    events = model(jc).events.list(world["org_id"], event_type="user_login_attempt")
    assert events[0]["service"] == "user_portal" and events[0]["success"] is True


def test_wrong_password_lockout_and_unlock_by_time(jc, world, agent):
    page = sign_in(jc, agent, "lee", "wrong")
    assert page.status == 401 and page.text_of("error-code") == "jumpcloud:invalid_credentials"
    assert page.text_of("error-message")
    sign_in(jc, agent, "lee", "wrong")
    locked = sign_in(jc, agent, "lee", "wrong")
    assert locked.text_of("error-code") == "jumpcloud:locked"
    still = sign_in(jc, agent, "lee", PASSWORD)
    assert still.text_of("error-code") == "jumpcloud:locked"
    api_user = jc.api(world).get(f"/api/systemusers/{uid(world, 'lee')}").json()
    assert api_user["account_locked"] is True and api_user["badLoginAttempts"] == 3
    jc.advance(301)
    assert sign_in(jc, agent, "lee", PASSWORD).page_id == "jc.userportal.home"
    api_user = jc.api(world).get(f"/api/systemusers/{uid(world, 'lee')}").json()
    assert api_user["account_locked"] is False and api_user["badLoginAttempts"] == 0


def test_admin_unlock_ends_lockout(jc, world, agent):
    for _ in range(3):
        sign_in(jc, agent, "pat", "wrong")
    assert sign_in(jc, agent, "pat").text_of("error-code") == "jumpcloud:locked"
    assert jc.api(world).post(f"/api/systemusers/{uid(world, 'pat')}/unlock").status_code == 200
    assert sign_in(jc, agent, "pat").page_id == "jc.userportal.home"


@pytest.mark.parametrize(
    ("login", "code"), [("sue", "suspended"), ("stan", "staged"), ("nobody", "invalid_credentials")]
)
def test_refused_states(jc, world, agent, login, code):
    page = sign_in(jc, agent, login)
    assert page.page_id == "jc.userportal.signin"
    assert page.text_of("error-code") == f"jumpcloud:{code}"


def test_totp_sign_in_across_clock_advance(jc, world, agent):
    mfa = sign_in(jc, agent, "tom")
    assert mfa.page_id == "jc.userportal.mfa"
    wrong = mfa.form("mfa-form").fill(otp="000000").submit()
    assert wrong.page_id == "jc.userportal.mfa"
    assert wrong.text_of("error-code") == "jumpcloud:invalid_otp"
    home = wrong.form("mfa-form").fill(otp=totp_now(jc)).submit()
    assert home.page_id == "jc.userportal.home"
    agent.get(home.link("signout-link"))
    old_code = totp_now(jc)
    jc.advance(3600)
    mfa = sign_in(jc, agent, "tom")
    assert mfa.form("mfa-form").fill(otp=old_code).submit().page_id == "jc.userportal.mfa"
    assert mfa.form("mfa-form").fill(otp=totp_now(jc)).submit().page_id == "jc.userportal.home"


def test_totp_enrollment_when_required(jc, world, agent):
    enroll = sign_in(jc, agent, "max")
    assert enroll.page_id == "jc.userportal.mfa.enroll"
    secret = enroll.text_of("totp-secret")
    assert enroll.by_id("totp-qr").get("src").startswith("data:image/png;base64,")
    bad = enroll.form("mfa-enroll-form").fill(otp="123456").submit()
    assert bad.text_of("error-code") == "jumpcloud:invalid_otp"
    assert bad.text_of("totp-secret") == secret
    home = bad.form("mfa-enroll-form").fill(otp=totp_now(jc, secret)).submit()
    assert home.page_id == "jc.userportal.home"
    user = jc.api(world).get(f"/api/systemusers/{uid(world, 'max')}").json()
    assert user["totp_enabled"] and user["mfa"]["configured"]
    assert user["mfaEnrollment"]["totpStatus"] == "ENROLLED"
    info = jc.api(world).get(f"/api/systemusers/{uid(world, 'max')}/totpinfo")
    assert info.status_code == 200 and info.json()["enrollmentDate"]
    agent.get(home.link("signout-link"))
    assert sign_in(jc, agent, "max").page_id == "jc.userportal.mfa"


def change(page, current, new, confirm=None):
    return (
        page.form("password-form")
        .fill(currentPassword=current, newPassword=new, confirmPassword=confirm or new)
        .submit()
    )


def test_password_change_rules(jc, world, agent):
    home = sign_in(jc, agent, "eve")
    form = agent.get(home.link("change-password-link"))
    assert form.page_id == "jc.userportal.password"
    history = change(form, PASSWORD, PASSWORD)
    assert history.text_of("error-code") == "jumpcloud:password_policy"
    assert "used recently" in history.text_of("password-message")
    weak = change(history, PASSWORD, "alllowercase")
    assert "uppercase" in weak.text_of("password-message")
    wrong = change(weak, "not-it", "Fresh-Passw0rd!")
    assert wrong.text_of("error-code") == "jumpcloud:invalid_credentials"
    mismatch = change(wrong, PASSWORD, "Fresh-Passw0rd!", "Other-Passw0rd!")
    assert mismatch.text_of("error-code") == "jumpcloud:password_mismatch"
    done = change(mismatch, PASSWORD, "Fresh-Passw0rd!")
    assert done.status == 200 and "changed" in done.text_of("password-message")
    agent.get(jc.console + "/userconsole/logout")
    assert sign_in(jc, agent, "eve", PASSWORD).text_of("error-code") == (
        "jumpcloud:invalid_credentials"
    )
    assert sign_in(jc, agent, "eve", "Fresh-Passw0rd!").page_id == "jc.userportal.home"


def test_forced_change_when_expired(jc, world, agent):
    assert jc.api(world).post(f"/api/systemusers/{uid(world, 'ret')}/expire").status_code == 200
    forced = sign_in(jc, agent, "ret")
    assert forced.page_id == "jc.userportal.password.expired"
    assert agent.get(jc.console + "/userconsole/").page_id == "jc.userportal.signin"
    forced = sign_in(jc, agent, "ret")
    received = []
    model(jc).hooks.on_portal_signin.append(received.append)
    try:
        home = change(forced, PASSWORD, "Renewed-Passw0rd!")
    finally:
        model(jc).hooks.on_portal_signin.remove(received.append)
    assert home.page_id == "jc.userportal.home"
    assert received[0].password == "Renewed-Passw0rd!"
    user = jc.api(world).get(f"/api/systemusers/{uid(world, 'ret')}").json()
    assert user["password_expired"] is False


def test_return_to_mints_single_use_ticket(jc, world, agent):
    target = jc.console + "/userconsole/?from=sso"
    landed = sign_in(jc, agent, "ann", return_to=target)
    ticket = parse_qs(urlsplit(landed.url).query)["ticket"][0]
    found = model(jc).redeem_sso_ticket(ticket)
    assert found is not None
    user, mfa_done, auth_time = found
    assert user["username"] == "ann" and mfa_done is False and auth_time.tzinfo
    assert model(jc).redeem_sso_ticket(ticket) is None
    # already signed in: a new return_to gets a fresh ticket without a form
    again = agent.get(jc.console + "/userconsole/login", params={"return_to": target})
    second = parse_qs(urlsplit(again.url).query)["ticket"][0]
    jc.advance(61)
    assert model(jc).redeem_sso_ticket(second) is None


def test_foreign_return_to_is_ignored(jc, world, agent):
    home = sign_in(jc, agent, "ann", return_to="https://evil.example/steal")
    assert home.page_id == "jc.userportal.home" and "ticket" not in home.url


def test_mfa_done_travels_in_ticket(jc, world, agent):
    mfa = sign_in(jc, agent, "tom", return_to=jc.console + "/userconsole/")
    landed = mfa.form("mfa-form").fill(otp=totp_now(jc)).submit()
    ticket = parse_qs(urlsplit(landed.url).query)["ticket"][0]
    assert model(jc).redeem_sso_ticket(ticket)[1] is True


def test_csrf_and_session_expiry(jc, world, agent):
    page = agent.get(jc.console + "/userconsole/login")
    form = page.form("login-form").fill(email="ann", password=PASSWORD)
    form.set("csrf_token", "forged")
    refused = form.submit()
    assert refused.status == 400 and refused.text_of("error-code") == "jumpcloud:csrf"
    assert agent.get(jc.console + "/userconsole/mfa").text_of("error-code") == (
        "jumpcloud:session_expired"
    )


def test_suspension_ends_portal_session(jc, world, agent):
    assert sign_in(jc, agent, "ben").page_id == "jc.userportal.home"
    api = jc.api(world)
    api.put(f"/api/systemusers/{uid(world, 'ben')}", json={"state": "SUSPENDED"})
    try:
        assert agent.get(jc.console + "/userconsole/").page_id == "jc.userportal.signin"
    finally:
        api.put(f"/api/systemusers/{uid(world, 'ben')}", json={"state": "ACTIVATED"})


def uid(world, name):
    return next(u["id"] for u in world["users"] if u["username"] == name)


def _portal_login(jc, login: str, password: str):
    agent = UserAgent(jc.ca)
    page = agent.get(jc.console + "/userconsole/login")
    return page.form("login-form").fill(email=login, password=password).submit()


def test_a_username_in_two_organizations_is_told_apart_by_the_password(jc):
    one = jc.world(
        {
            "users": [
                {"username": "twin", "email": "twin@one.example", "password": "One-Password-1!"}
            ]
        }
    )
    two = jc.world(
        {
            "users": [
                {"username": "twin", "email": "twin@two.example", "password": "Two-Password-2!"}
            ],
            "password_policy": {"maxLoginAttempts": 1},
        }
    )
    assert _portal_login(jc, "twin", "One-Password-1!").text_of("user-name")
    page = _portal_login(jc, "twin", "Two-Password-2!")
    assert page.page_id == "jc.userportal.home"
    wrong = _portal_login(jc, "twin", "Wrong-Password-9!")
    assert wrong.text_of("error-code") == "jumpcloud:invalid_credentials"
    # an ambiguous failure locks nobody (world two locks after one failure)
    user = jc.api(two).get("/api/systemusers", params={"filter": "username:$eq:twin"}).json()
    assert user["results"][0]["account_locked"] is False
    assert _portal_login(jc, "twin@two.example", "Two-Password-2!").page_id == "jc.userportal.home"
    del one
