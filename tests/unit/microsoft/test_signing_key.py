"""The STS key: made on a thread at a first start, read back on the next; errors reach ``get``."""

from __future__ import annotations

import jwt
import pytest

from simulators.core.clock import LabClock
from simulators.microsoft.entra.keys import KeySource
from simulators.microsoft.entra.tokens import TokenService


def test_a_first_start_makes_the_key_on_a_thread_and_the_next_reads_it(tmp_path):
    path = tmp_path / "key.pem"
    made = KeySource(path)
    assert made._making is not None  # being made beside the rest of start-up
    key = made.get()
    assert path.exists()
    again = KeySource(path)
    assert again._making is None  # read at once
    assert again.get().kid == key.kid
    assert again.get().private_key.private_numbers() == key.private_key.private_numbers()


def test_a_key_that_cannot_be_written_fails_every_get(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should be")
    source = KeySource(blocker / "key.pem")
    for _ in range(2):
        with pytest.raises(OSError):
            source.get()


def test_tokens_wait_for_the_key_and_verify_with_it(tmp_path):
    tokens = TokenService(KeySource(tmp_path / "key.pem"), LabClock(), "https://login.test")
    token = tokens.id_token(
        tenant_id="t",
        client_id="c",
        user={"id": "u", "userPrincipalName": "a@b.test", "displayName": "A"},
        nonce=None,
        auth_time=0,
    )
    assert jwt.get_unverified_header(token)["kid"] == tokens.key.kid
    assert jwt.decode(token, tokens._public_key, algorithms=["RS256"], audience="c")["sub"]
