"""Entra's sign-in machine without a server: each step's outcome on a built world."""

from __future__ import annotations

import pyotp
import pytest

from simulators.microsoft.entra.signin.machine import SignInMachine
from simulators.microsoft.entra.signin.outcomes import (
    Deliver,
    ErrorToClient,
    Federate,
    Page,
    ShowError,
    ShowPage,
)
from tests.unit.microsoft.world import APP_REDIRECT, DOMAIN, TOTP_SECRET, build_world


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path)
    yield world
    world.directory.close()


@pytest.fixture
def journal():
    return []


def _machine(world, journal, session_id=None) -> SignInMachine:
    return SignInMachine(
        world.directory, lambda event, **kw: journal.append((event, kw)), session_id
    )


def _pending(world, *, app=0, kind="authorize", **params) -> dict:
    client_id = world.info["apps"][app]["client_id"]
    base = {
        "client_id": client_id,
        "redirect_uri": APP_REDIRECT,
        "response_mode": "query",
        "state": "s-1",
        "oidc_scopes": ["openid"],
        "graph_scopes": ["User.Read"],
        **params,
    }
    return world.directory.oauth.new_pending(world.tenant_id, world.tenant_id, kind, base)


def _upn(name: str) -> str:
    return f"{name}@{DOMAIN}"


def _error(outcome) -> tuple[int, str | None]:
    err = outcome.error if not isinstance(outcome, ShowPage) else outcome.fields["error"]
    return err.code, err.sub_reason


def test_unknown_name_stays_on_the_name_page_with_50034(world, journal):
    m = _machine(world, journal)
    outcome = m.submit_username(_pending(world), "nobody@elsewhere.example")
    assert isinstance(outcome, ShowPage) and outcome.page is Page.USERNAME
    assert _error(outcome)[0] == 50034
    assert journal[-1][1]["aadsts"] == 50034 and journal[-1][1]["result"] == "failure"


def test_known_name_then_password_issues_a_code(world, journal):
    m = _machine(world, journal)
    pending = _pending(world)
    page = m.submit_username(pending, _upn("ada"))
    assert page == ShowPage(Page.PASSWORD, pending, {"upn": _upn("ada")})
    wrong = m.submit_password(pending, _upn("ada"), "nope")
    assert wrong.page is Page.PASSWORD and _error(wrong)[0] == 50126
    done = m.submit_password(pending, _upn("ada"), "Ada-Passw0rd!")
    assert isinstance(done, Deliver) and done.redirect_uri == APP_REDIRECT
    assert done.params["state"] == "s-1" and done.params["code"]
    assert m.session_changed and m.session_id
    assert world.directory.oauth.pending(pending["id"]) is None  # done
    assert [kw["result"] for _, kw in journal][-2:] == ["primary_auth", "success"]


def test_a_disabled_account_ends_on_the_error_page(world, journal):
    outcome = _machine(world, journal).submit_password(
        _pending(world), _upn("off"), "Off-Passw0rd!"
    )
    assert isinstance(outcome, ShowError) and outcome.error.code == 50057


def test_mfa_prompt_wrong_code_then_right_code(world, journal):
    m = _machine(world, journal)
    pending = _pending(world)
    prompt = m.submit_password(pending, _upn("mfa"), "Mfa-Passw0rd!")
    assert (prompt.page, prompt.fields) == (Page.MFA, {"upn": _upn("mfa")})
    pending = m.load_pending(pending["id"])
    assert _error(m.submit_mfa(pending, "000000")) == (50074, "InvalidOtc")
    code = pyotp.TOTP(TOTP_SECRET).at(world.directory.clock.now())
    done = m.submit_mfa(pending, f"{code[:3]} {code[3:]}")
    assert isinstance(done, Deliver)
    assert m.current_session()["amr"] == ["pwd", "mfa"]


def test_mfa_registration_shows_a_secret_and_saves_it(world, journal):
    m = _machine(world, journal)
    pending = _pending(world)
    page = m.submit_password(pending, _upn("reg"), "Reg-Passw0rd!")
    assert page.page is Page.MFA_REGISTER
    secret = page.fields["secret"]
    assert page.fields["uri"].startswith("otpauth://totp/Microsoft:")
    pending = m.load_pending(pending["id"])
    assert pending["params"]["mfa_secret"] == secret
    done = m.submit_mfa_registration(pending, pyotp.TOTP(secret).at(world.directory.clock.now()))
    assert isinstance(done, Deliver)
    assert world.user("reg")["totp_secret"] == secret


def test_forced_password_change(world, journal):
    m = _machine(world, journal)
    pending = _pending(world)
    page = m.submit_password(pending, _upn("new"), "New-Passw0rd!")
    expected = (Page.CHANGE_PASSWORD, {"upn": _upn("new"), "expired": False})
    assert (page.page, page.fields) == expected
    pending = m.load_pending(pending["id"])
    again = m.submit_password_change(pending, "New-Passw0rd!", "Fresh-Pass-1", "other")
    assert again.fields["error"]["code"] == "PasswordMismatch"
    reuse = m.submit_password_change(pending, "New-Passw0rd!", "New-Passw0rd!", "New-Passw0rd!")
    assert reuse.fields["error"]["code"] == "PasswordReuse"
    done = m.submit_password_change(pending, "New-Passw0rd!", "Fresh-Pass-1", "Fresh-Pass-1")
    assert isinstance(done, Deliver)


def test_prompt_none_without_a_session_goes_back_to_the_client(world, journal):
    outcome = _machine(world, journal).start(_pending(world, prompt="none"))
    assert isinstance(outcome, ErrorToClient) and outcome.error.code == 50058
    assert outcome.state == "s-1" and outcome.redirect_uri == APP_REDIRECT


def test_the_sso_session_signs_in_without_a_page(world, journal):
    first = _machine(world, journal)
    first.submit_password(_pending(world), _upn("ada"), "Ada-Passw0rd!")
    second = _machine(world, journal, first.session_id)
    assert isinstance(second.start(_pending(world)), Deliver)
    hinted = _pending(world, login_hint=_upn("mfa"))  # another user: the session is not used
    assert second.start(hinted).page is Page.PASSWORD


def test_consent_page_accept_and_decline(world, journal):
    m = _machine(world, journal)
    pending = _pending(world, app=1)
    page = m.submit_password(pending, _upn("ada"), "Ada-Passw0rd!")
    assert page.page is Page.CONSENT and page.fields["scopes"] == ["User.Read"]
    assert page.fields["is_admin"] is False
    pending = m.load_pending(pending["id"])
    declined = m.submit_consent(pending, accept=False, consent_org=False)
    assert isinstance(declined, ErrorToClient) and declined.error.code == 65004
    pending = _pending(world, app=1)
    m.submit_password(pending, _upn("ada"), "Ada-Passw0rd!")
    accepted = m.submit_consent(m.load_pending(pending["id"]), accept=True, consent_org=False)
    assert isinstance(accepted, Deliver)
    app = world.info["apps"][1]["client_id"]
    ada = world.user("ada")
    assert world.directory.apps.delegated_scopes(world.tenant_id, app, ada["id"]) >= {"User.Read"}


def test_admin_consent_needs_a_global_admin(world, journal):
    m = _machine(world, journal)
    pending = _pending(world, app=1, kind="adminconsent")
    refused = m.submit_password(pending, _upn("ada"), "Ada-Passw0rd!")
    assert isinstance(refused, ShowError) and refused.error.code == 90094
    pending = _pending(world, app=1, kind="adminconsent")
    admin = world.info["global_admin"]
    page = m.submit_password(pending, admin["upn"], admin["password"])
    assert page.page is Page.CONSENT and page.fields["admin_only"] is True
    done = m.submit_consent(m.load_pending(pending["id"]), accept=True, consent_org=False)
    assert isinstance(done, Deliver) and done.params["admin_consent"] == "True"


def test_a_federated_domain_hands_off_to_its_idp(world, journal):
    world.directory.tenants.write(  # federated directly in the directory
        "UPDATE domains SET authentication_type = 'Federated' WHERE name = ?", (DOMAIN,)
    )
    pending = _pending(world)
    outcome = _machine(world, journal).submit_username(pending, _upn("ada"))
    assert isinstance(outcome, Federate) and outcome.user_hint == _upn("ada")
    assert outcome.domain["name"] == DOMAIN and outcome.tenant["id"] == world.tenant_id


def test_an_expired_context(world, journal):
    outcome = _machine(world, journal).complete("no-such-pending", world.user("ada"), ["pwd"])
    assert isinstance(outcome, ShowError) and outcome.error.code == 9002313
