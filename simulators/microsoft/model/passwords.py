"""Entra's password complexity rule and generated passwords (hashing is in core.passwords)."""

from __future__ import annotations

import random
import secrets
import string

_SYMBOLS = frozenset("@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ")
_ALLOWED = frozenset(string.ascii_letters + string.digits) | _SYMBOLS


def is_complex(password: str) -> bool:
    """8-256 chars of ASCII letters, digits and the allowed symbols; 3 of the 4 classes."""
    if not 8 <= len(password) <= 256:
        return False
    if not _ALLOWED.issuperset(password):
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
