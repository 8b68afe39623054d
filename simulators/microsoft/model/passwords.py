"""Password hashing (lab-grade PBKDF2) and Entra's password complexity rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
import string

ITERATIONS = 1_000
"""Lab-grade cost: PBKDF2-SHA256, 1,000 rounds, keeps bulk creation fast (not for real secrets)."""

_SYMBOLS = set("@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    salt_b64, digest_b64 = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"pbkdf2${ITERATIONS}${salt_b64}${digest_b64}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        _, rounds, salt, digest = stored.split("$")
        computed = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), base64.b64decode(salt), int(rounds)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def is_complex(password: str) -> bool:
    """8-256 chars of ASCII letters, digits and the allowed symbols; 3 of the 4 classes."""
    if not 8 <= len(password) <= 256:
        return False
    allowed = set(string.ascii_letters) | set(string.digits) | _SYMBOLS
    if any(ch not in allowed for ch in password):
        return False
    classes = [
        any(ch.islower() for ch in password),
        any(ch.isupper() for ch in password),
        any(ch.isdigit() for ch in password),
        any(ch in _SYMBOLS for ch in password),
    ]
    return sum(classes) >= 3


def generate_password(rng: random.Random | None = None) -> str:
    """A password that satisfies the complexity rule (for generated admins and users)."""
    rng = rng or secrets.SystemRandom()
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(12))
    return f"{body[:4].upper()}{body[4:].lower()}!{rng.randint(10, 99)}"
