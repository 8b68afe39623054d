"""The User Portal's rules without a server: account lookup and ambiguity, lockout counting,
the next stage of a sign-in, password change, and the session policy."""

from __future__ import annotations

import pyotp
import pytest

from simulators.jumpcloud.userportal.rules import (
    Failure,
    PendingPasswords,
    PortalAuthenticator,
    SessionPolicy,
    Stage,
)

from .webrules_support import PASSWORD, new_model, new_org, new_user


@pytest.fixture
def model(tmp_path):
    found = new_model(tmp_path)
    yield found
    found.close()


@pytest.fixture
def auth(model) -> PortalAuthenticator:
    return PortalAuthenticator(model)


def _bad_logins(model, org_id: str, user_id: str) -> int:
    return model.users.get(org_id, user_id).get("badLoginAttempts", 0)


def test_unknown_or_empty_login_is_invalid_credentials(model, auth):
    new_user(model, new_org(model, "A"), "alice")
    assert auth.sign_in("nobody", PASSWORD).failure is Failure.INVALID_CREDENTIALS
    assert auth.sign_in("", PASSWORD).failure is Failure.INVALID_CREDENTIALS


def test_username_or_email_with_the_password_signs_in(model, auth):
    org = new_org(model, "A")
    alice = new_user(model, org, "alice")
    for login in ("alice", "ALICE", alice["email"]):
        outcome = auth.sign_in(login, PASSWORD)
        assert outcome.ok and outcome.user["_id"] == alice["_id"] and outcome.row["org_id"] == org


def test_wrong_passwords_count_and_lock(model, auth):
    org = new_org(model, "A", {"maxLoginAttempts": 2})
    alice = new_user(model, org, "alice")
    assert auth.sign_in("alice", "wrong").failure is Failure.INVALID_CREDENTIALS
    assert _bad_logins(model, org, alice["_id"]) == 1
    assert auth.sign_in("alice", "wrong").failure is Failure.LOCKED
    # locked: the right password does not open it, and nothing more is counted
    assert auth.sign_in("alice", PASSWORD).failure is Failure.LOCKED
    assert model.users.get(org, alice["_id"])["account_locked"] is True
    failures = model.events.query(org, start="", services=["user_portal"])
    assert any(e["details"].get("error") == "jumpcloud:locked" for e in failures)


def test_a_good_sign_in_clears_the_count(model, auth):
    org = new_org(model, "A")
    alice = new_user(model, org, "alice")
    auth.sign_in("alice", "wrong")
    outcome = auth.sign_in("alice", PASSWORD)
    assert outcome.ok and outcome.user.get("badLoginAttempts", 0) == 0
    assert _bad_logins(model, org, alice["_id"]) == 0


def test_a_username_in_two_orgs(model, auth):
    one, two = new_org(model, "One"), new_org(model, "Two")
    first = new_user(model, one, "sam")
    new_user(model, two, "sam", password="Other-Passw0rd!")
    picked = auth.sign_in("sam", "Other-Passw0rd!")
    assert picked.ok and picked.row["org_id"] == two
    # a wrong password counts against neither account
    assert auth.sign_in("sam", "wrong").failure is Failure.INVALID_CREDENTIALS
    assert _bad_logins(model, one, first["_id"]) == 0
    # the same password in both: ambiguous, unless the org is named
    model.users.update(two, picked.row["id"], {"password": PASSWORD})
    assert auth.sign_in("sam", PASSWORD).failure is Failure.AMBIGUOUS
    assert auth.sign_in("sam", PASSWORD, one).user["_id"] == first["_id"]


@pytest.mark.parametrize(("state", "failure"), [("SUSPENDED", Failure.SUSPENDED),
                                                 ("STAGED", Failure.STAGED)])  # fmt: skip
def test_an_account_not_activated_is_refused(model, auth, state, failure):
    org = new_org(model, "A")
    user = new_user(model, org, "alice", state=state)
    outcome = auth.sign_in("alice", PASSWORD)
    assert outcome.failure is failure and outcome.row["id"] == user["_id"]


def test_next_stage(model, auth):
    org = new_org(model, "A", requireUserPortalMfa=True)
    alice = new_user(model, org, "alice")
    assert auth.next_stage(org, alice, mfa_done=False) is Stage.ENROL
    secret = model.users.begin_totp_enrollment(org, alice["_id"])
    assert model.users.confirm_totp_enrollment(org, alice["_id"], pyotp.TOTP(secret).now())
    alice = model.users.get(org, alice["_id"])
    assert auth.next_stage(org, alice, mfa_done=False) is Stage.MFA
    assert auth.next_stage(org, alice, mfa_done=True) is Stage.DONE
    alice = model.users.expire_password(org, alice["_id"])
    assert auth.next_stage(org, alice, mfa_done=True) is Stage.PASSWORD_EXPIRED


def test_verify_totp(model, auth):
    org = new_org(model, "A")
    alice = new_user(model, org, "alice")
    assert not auth.verify_totp(org, alice["_id"], "123456")  # not enrolled
    secret = model.users.begin_totp_enrollment(org, alice["_id"])
    model.users.confirm_totp_enrollment(org, alice["_id"], pyotp.TOTP(secret).now())
    assert auth.verify_totp(org, alice["_id"], pyotp.TOTP(secret).now())
    assert not auth.verify_totp(org, alice["_id"], "not-a-code")


def test_change_password(model, auth):
    org = new_org(model, "A")
    user_id = new_user(model, org, "alice")["_id"]
    new = "N3w-Passw0rd!x"
    assert auth.change_password(org, user_id, new, "other", PASSWORD).reason is (
        Failure.PASSWORD_MISMATCH
    )
    assert auth.change_password(org, user_id, new, new, "wrong").reason is (
        Failure.INVALID_CREDENTIALS
    )
    weak = auth.change_password(org, user_id, "short", "short", PASSWORD)
    assert weak.reason is Failure.PASSWORD_POLICY and "not changed" in weak.message
    assert auth.change_password(org, user_id, new, new, PASSWORD) is None
    assert auth.sign_in("alice", new).ok


def test_a_session_lives_until_idle_timeout(model):
    org = new_org(model, "A")
    alice = new_user(model, org, "alice")
    policy = SessionPolicy(model, model.clock)
    state = policy.open(org, alice["_id"], mfa=False)
    model.clock.advance(30 * 60)
    checked = policy.check(state)
    assert checked.user["_id"] == alice["_id"] and checked.state["seen"] > state["seen"]
    model.clock.advance(61 * 60)  # the default idle timeout is 60 minutes
    assert policy.check(checked.state).state is None


def test_sign_out_ends_the_sessions_of_the_older_generation(model):
    org = new_org(model, "A")
    alice = new_user(model, org, "alice")
    policy = SessionPolicy(model, model.clock)
    first, second = (policy.open(org, alice["_id"], mfa=False) for _ in range(2))
    policy.sign_out(first)
    assert policy.check(second).user is None
    assert policy.check(policy.open(org, alice["_id"], mfa=False)).user is not None
    policy.sign_out(None)  # nothing to end


def test_a_suspended_or_deleted_user_loses_the_session(model):
    org = new_org(model, "A")
    alice, bob = new_user(model, org, "alice"), new_user(model, org, "bob")
    policy = SessionPolicy(model, model.clock)
    state_a, state_b = policy.open(org, alice["_id"], False), policy.open(org, bob["_id"], False)
    model.users.set_state(org, alice["_id"], "SUSPENDED")
    model.users.delete(org, bob["_id"])
    assert policy.check(state_a).state is None and policy.check(state_b).state is None


def test_a_pending_sign_in_expires(model):
    org = new_org(model, "A")
    new_user(model, org, "alice")
    policy = SessionPolicy(model, model.clock)
    row = model.users.signin_candidates("alice")[0]
    pending = policy.start_pending(row, "key", None)
    assert policy.pending_live(pending) and not policy.pending_live(None)
    model.clock.advance(301)
    assert not policy.pending_live(pending)


def test_pending_passwords_are_handed_over_once():
    passwords = PendingPasswords()
    key = passwords.put("first")
    passwords.replace(key, "second")
    assert passwords.pop(key) == "second" and passwords.pop(key) == ""
