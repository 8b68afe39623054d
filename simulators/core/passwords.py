"""Lab-grade password hashing (PBKDF2-SHA256), shared by every system's directory."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 1_000
"""Lab-grade cost: ~0.25 ms a hash keeps bulk creation and seeding fast (not for real secrets);
the salt is per hash, so equal passwords never share a stored value."""

PREFIX = "pbkdf2_sha256"
KNOWN_PREFIXES = frozenset({PREFIX, "pbkdf2"})
"""Every prefix a stored hash may carry: ``pbkdf2`` is what Entra's directory wrote before the
systems shared this module, so existing state directories keep signing in."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<rounds>$<salt b64>$<digest b64>``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    salt_b64, digest_b64 = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"{PREFIX}${ITERATIONS}${salt_b64}${digest_b64}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (any known prefix; False for anything malformed)."""
    if not stored:
        return False
    try:
        prefix, rounds, salt_b64, digest_b64 = stored.split("$")
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        if prefix not in KNOWN_PREFIXES or int(rounds) < 1:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(rounds))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)
