"""The organization password policy (hashing is ``simulators.core.passwords``)."""

from __future__ import annotations

import re

from simulators.core.passwords import verify_password

DEFAULT_POLICY: dict = {
    "allowUnenrolledMFAPasswordReset": False,
    "allowUsernameSubstring": True,
    "daysBeforeExpirationToForceReset": 7,
    "disallowCommonlyUsedPasswords": False,
    "disallowSequentialOrRepetitiveChars": False,
    "displayComplexityOnResetScreen": True,
    "enableDaysBeforeExpirationToForceReset": False,
    "enableLockoutTimeInSeconds": True,
    "enableMaxHistory": True,
    "enableMaxLoginAttempts": True,
    "enableMinChangePeriodInDays": False,
    "enableMinLength": True,
    "enablePasswordExpirationInDays": False,
    "enableRecoveryEmail": False,
    "enableResetLockoutCounter": False,
    "lockoutTimeInSeconds": 600,
    "maxHistory": 5,
    "maxLoginAttempts": 10,
    "minChangePeriodInDays": 0,
    "minLength": 8,
    "needsLowercase": True,
    "needsNumeric": True,
    "needsSymbolic": True,
    "needsUppercase": True,
    "passwordExpirationInDays": 90,
    "resetLockoutCounterMinutes": 10,
}
"""JumpCloud-like defaults (exact vendor defaults unverified; see the README fidelity table)."""

_BOOL_KEYS = {k for k, v in DEFAULT_POLICY.items() if isinstance(v, bool)}
_RANGES = {
    "lockoutTimeInSeconds": (300, 5400),
    "maxHistory": (1, 24),
    "maxLoginAttempts": (1, 1000),
    "minChangePeriodInDays": (0, 3650),
    "minLength": (1, 256),
    "passwordExpirationInDays": (1, 3650),
    "daysBeforeExpirationToForceReset": (1, 3650),
    "resetLockoutCounterMinutes": (1, 100000),
}
COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password123", "123456", "12345678", "qwerty", "letmein",
     "welcome", "welcome1", "admin", "iloveyou", "monkey", "dragon", "passw0rd", "p@ssw0rd",
     "p@ssword1", "changeme", "summer2024", "winter2024"}
)  # fmt: skip


def merged_policy(overrides: dict | None) -> dict:
    """DEFAULT_POLICY with validated overrides; ValueError names the bad key."""
    policy = dict(DEFAULT_POLICY)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_POLICY:
            raise ValueError(f"unknown password policy key {key!r}")
        if key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ValueError(f"password policy {key} must be a boolean")
        else:
            low, high = _RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"password policy {key} must be an integer in [{low}, {high}]")
        policy[key] = value
    return policy


def _sequential_or_repetitive(password: str) -> bool:
    if re.search(r"(.)\1\1", password):
        return True
    codes = [ord(ch.lower()) for ch in password]
    return any(
        codes[i + 1] - codes[i] == codes[i + 2] - codes[i + 1] and abs(codes[i + 1] - codes[i]) == 1
        for i in range(len(codes) - 2)
    )


def violations(policy: dict, password: str, username: str, history: list[str]) -> list[str]:
    """Names of the rules ``password`` breaks (JumpCloud's fieldViolation descriptions)."""
    found: list[str] = []
    if policy["enableMinLength"] and len(password) < policy["minLength"]:
        found.append("minLength")
    if policy["needsLowercase"] and not re.search(r"[a-z]", password):
        found.append("lowercase")
    if policy["needsUppercase"] and not re.search(r"[A-Z]", password):
        found.append("uppercase")
    if policy["needsNumeric"] and not re.search(r"[0-9]", password):
        found.append("numeric")
    if policy["needsSymbolic"] and not re.search(r"[^A-Za-z0-9]", password):
        found.append("specialCharacter")
    if not policy["allowUsernameSubstring"] and username and username.lower() in password.lower():
        found.append("usernameSubstring")
    if policy["disallowCommonlyUsedPasswords"] and password.lower() in COMMON_PASSWORDS:
        found.append("commonPassword")
    if policy["disallowSequentialOrRepetitiveChars"] and _sequential_or_repetitive(password):
        found.append("sequentialOrRepetitiveChars")
    if policy["enableMaxHistory"]:
        recent = history[-policy["maxHistory"] :]
        if any(verify_password(password, old) for old in recent):
            found.append("passwordHistory")
    return found
