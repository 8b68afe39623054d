"""OAuth state of the directory: single-statement writes, code redemption, sessions."""

from __future__ import annotations

import pytest

from simulators.core.clock import LabClock
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.oauth import CODE_SECONDS, SESSION_SECONDS, OAuthState


@pytest.fixture
def directory(tmp_path):
    directory = Directory(tmp_path / "microsoft.db", LabClock())
    yield directory
    directory.close()


def _code(oauth: OAuthState) -> str:
    return oauth.new_code(
        tenant_id="t1",
        client_id="c1",
        user_id="u1",
        redirect_uri="https://app.example/cb",
        scopes=["openid", "User.Read"],
        nonce="n",
        code_challenge=None,
        code_challenge_method=None,
        amr=["fed"],
        auth_time=oauth.now_ts(),
    )


def test_a_code_is_redeemed_once(directory):
    oauth = directory.oauth
    code = _code(oauth)
    status, row = oauth.redeem_code(code)
    assert status == "ok"
    assert (row["used"], row["scopes"], row["amr"]) == (0, ["openid", "User.Read"], ["fed"])
    status, row = oauth.redeem_code(code)
    assert status == "used" and row["used"] == 1
    assert oauth.redeem_code("1.Anot-a-code") == ("invalid", None)


def test_an_expired_code_is_invalid(directory):
    oauth = directory.oauth
    code = _code(oauth)
    directory.clock.advance(CODE_SECONDS + 1)
    assert oauth.redeem_code(code) == ("invalid", None)


def test_of_two_concurrent_redemptions_only_one_wins(directory):
    """A redemption that read the code unused but lost the claim reports it used."""
    oauth = directory.oauth
    code = _code(oauth)
    read = oauth.one

    def read_then_lose_the_race(sql, params=()):
        row = read(sql, params)
        oauth.write("UPDATE auth_codes SET used = 1")  # the other redemption claims it
        return row

    oauth.one = read_then_lose_the_race
    status, row = oauth.redeem_code(code)
    assert status == "used" and row["used"] == 1


def test_a_write_inside_a_transaction_rolls_back_with_it(directory):
    oauth = directory.oauth
    pending = oauth.new_pending("common", None, "authorize", {"client_id": "c1"})
    with pytest.raises(RuntimeError), directory.store.transaction():
        oauth.update_pending(pending["id"], done=1)
        raise RuntimeError("abort")
    assert oauth.pending(pending["id"]) == pending
    oauth.update_pending(pending["id"], params={"client_id": "c2"})
    assert oauth.pending(pending["id"])["params"] == {"client_id": "c2"}


def test_a_new_session_is_what_reading_it_back_gives(directory):
    oauth = directory.oauth
    session = oauth.new_session("t1", "u1", ["fed", "mfa"])
    assert oauth.session(session["id"]) == session
    assert oauth.session_live(session)
    oauth.end_session(session["id"])
    assert oauth.session(session["id"]) is None


def test_a_session_ends_with_its_lifetime_on_the_lab_clock(directory):
    oauth = directory.oauth
    session = oauth.new_session("t1", "u1", ["pwd"])
    directory.clock.advance(SESSION_SECONDS + 1)
    assert not oauth.session_live(session)
    assert oauth.session(session["id"]) is None


@pytest.fixture
def login_request(directory):
    """A request context of a login host whose routes reach ``directory``."""
    from flask import Flask

    from simulators.microsoft.services import EXTENSION, Services

    app = Flask(__name__)
    app.secret_key = "test"
    app.extensions[EXTENSION] = Services(ctx=None, directory=directory, tokens=None)
    with app.test_request_context("/login.srf", method="POST"):
        yield


def test_the_session_a_request_started_is_its_current_session_until_ended(directory, login_request):
    from simulators.microsoft.entra import signin_flow

    assert signin_flow.current_session() is None
    signin_flow.start_session("t1", "u1", ["fed"])
    started = signin_flow.current_session()
    assert started == directory.oauth.session(started["id"])
    signin_flow.end_session()
    assert signin_flow.current_session() is None
    assert directory.oauth.session(started["id"]) is None
    signin_flow.start_session("t1", "u1", ["fed", "mfa"])
    assert signin_flow.current_session()["amr"] == ["fed", "mfa"]
