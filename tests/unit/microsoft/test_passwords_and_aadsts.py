"""Password rules and the AADSTS table."""

from __future__ import annotations

import random

import pytest

from simulators.core.passwords import hash_password, verify_password
from simulators.microsoft.entra.aadsts import AADSTS, AadstsError, message
from simulators.microsoft.model.passwords import generate_password, is_complex


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Passw0rd", True),
        ("password1!", True),
        ("PASSWORD1!", True),
        ("Short1!", False),
        ("alllowercase", False),
        ("Ünicode-Pass1", False),
        ("x" * 257, False),
    ],
)
def test_complexity(password, ok):
    assert is_complex(password) is ok


def test_hash_round_trip_and_generated_passwords():
    stored = hash_password("Secret-Pass-1")
    assert verify_password("Secret-Pass-1", stored)
    assert not verify_password("secret-pass-1", stored)
    assert not verify_password("x", "garbage")
    rng = random.Random(7)
    assert all(is_complex(generate_password(rng)) for _ in range(200))
    assert generate_password(random.Random(1)) == generate_password(random.Random(1))


def test_aadsts_table():
    assert AADSTS[7000215].status == 401 and AADSTS[7000215].error == "invalid_client"
    assert AADSTS[90002].error == "invalid_request"
    assert "contoso" in message(90002, tenant="contoso")
    assert AadstsError(50126).text.startswith("Error validating credentials")
    assert message(50034) == message(50034, upn="", tenant="")
