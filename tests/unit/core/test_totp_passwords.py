"""The shared TOTP verifier and password hasher, without a server."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

import pyotp

from simulators.core import passwords, totp

AT = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_clean_code_drops_whitespace_and_refuses_non_digits():
    assert totp.clean_code(" 123 456\n") == "123456"
    assert totp.clean_code("12a456") is None
    assert totp.clean_code("") is None and totp.clean_code(None) is None


def test_verify_accepts_the_current_step_and_one_either_side():
    secret = totp.new_secret()
    gen = pyotp.TOTP(secret)
    for offset in (-30, 0, 30):
        assert totp.verify(secret, gen.at(AT + dt.timedelta(seconds=offset)), AT)
    assert not totp.verify(secret, gen.at(AT + dt.timedelta(seconds=90)), AT)
    code = gen.at(AT)
    assert totp.verify(secret, f"{code[:3]} {code[3:]}", AT.timestamp())  # epoch seconds too
    assert not totp.verify(secret, "abcdef", AT) and not totp.verify(None, code, AT)


def test_provisioning_uri_names_account_and_issuer():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ada@example.com", "Microsoft")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path == "/Microsoft:ada%40example.com"
    assert parse_qs(parts.query) == {
        "secret": ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"],
        "issuer": ["Microsoft"],
    }


def test_hash_is_salted_and_verifies():
    a, b = passwords.hash_password("Secret-1"), passwords.hash_password("Secret-1")
    assert a != b and a.startswith("pbkdf2_sha256$1000$")
    assert passwords.verify_password("Secret-1", a) and not passwords.verify_password("secret-1", a)


def _legacy(prefix: str, password: str) -> str:
    """A hash as either system stored it before the shared module."""
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)
    return f"{prefix}$1000${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_hashes_stored_with_both_earlier_prefixes_still_verify():
    for prefix in ("pbkdf2", "pbkdf2_sha256"):
        stored = _legacy(prefix, "Old-Passw0rd!")
        assert passwords.verify_password("Old-Passw0rd!", stored)
        assert not passwords.verify_password("old-passw0rd!", stored)


def test_malformed_or_unknown_hashes_never_verify():
    for stored in (None, "", "garbage", "a$b$c$d", "md5$1000$AAAA$AAAA", "pbkdf2$0$AAAA$AAAA"):
        assert not passwords.verify_password("x", stored)
    assert not passwords.verify_password("x", _legacy("sha1", "x"))
