"""Lockouts ending and passwords expiring with time alone reach Microsoft 365 without any
other action: right after ``PUT /_lab/clock``, or when the worker next reads the clock."""

from __future__ import annotations

import pytest

from harness.lab import wait_until
from simulators.core.httpclient import lab_session

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"
DAY = 86_400


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {"domains": [{"name": "fabrikam-time.com", "verified": True}]},
        {
            "password_policy": {"enablePasswordExpirationInDays": True,
                                "passwordExpirationInDays": 30, "maxLoginAttempts": 3,
                                "lockoutTimeInSeconds": 300},
            "users": [{"username": u, "email": f"{u}@fabrikam-time.com", "password": PASSWORD}
                      for u in ("exp", "lok")],
            "office365": {"domains": ["fabrikam-time.com"], "userLockoutAction": "suspend",
                          "userPasswordExpirationAction": "suspend"},
            "bindings": {"users": ["exp", "lok"]},
        },
    )  # fmt: skip
    w.authorize()
    return w


def _enabled(world, user: str) -> bool:
    return world.ms_user(f"{user}@fabrikam-time.com")["accountEnabled"]


def _put_clock(world, seconds: float) -> None:
    with lab_session(world.ca) as admin:
        admin.headers["Authorization"] = f"Bearer {world.lab.ctx.admin_token}"
        reply = admin.put(
            f"{world.url('console')}/_lab/clock", json={"advance_seconds": seconds}, timeout=60
        )
    assert reply.status_code == 200, reply.text


def test_expiry_by_clock_change_suspends_then_a_clock_moved_back_restores(world):
    assert _enabled(world, "exp")
    try:
        _put_clock(world, 31 * DAY)  # the password expires: nothing else happens
        assert world.ok("GET", f"/systemusers/{world.user_id('exp')}")["password_expired"]
        assert _enabled(world, "exp") is False
    finally:
        _put_clock(world, -31 * DAY)
    assert _enabled(world, "exp") is True


def test_lockout_ending_with_time_enables_again(world):
    for _ in range(3):
        world.portal_signin("lok", "wrong-Passw0rd!")
    assert _enabled(world, "lok") is False  # locked: the model's event suspends
    try:
        _put_clock(world, 301)  # lockoutTimeInSeconds passes
        assert world.ok("GET", f"/systemusers/{world.user_id('lok')}")["account_locked"] is False
        assert _enabled(world, "lok") is True
    finally:
        _put_clock(world, -301)


def test_the_worker_notices_time_passing_without_a_clock_request(world):
    clock = world.lab.ctx.clock
    clock.advance(31 * DAY)  # in-process: no PUT /_lab/clock, no subscription call
    try:
        wait_until(lambda: _enabled(world, "exp") is False, 5)
    finally:
        clock.advance(-31 * DAY)
    wait_until(lambda: _enabled(world, "exp") is True, 5)
