"""Reason → AADSTS table and the exception surface."""

from __future__ import annotations

import pytest

from simulators.saml.errors import AADSTS_CODES, Reason, SamlError, SamlValidationError


def test_every_reason_has_a_known_code() -> None:
    assert set(AADSTS_CODES) == set(Reason)
    assert set(AADSTS_CODES.values()) == {90081, 50107, 500081, 50006, 50008}


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (Reason.MALFORMED_BASE64, 90081),
        (Reason.DTD_FORBIDDEN, 90081),
        (Reason.WRONG_ROOT, 90081),
        (Reason.UNKNOWN_ISSUER, 50107),
        (Reason.ISSUER_MISMATCH, 50107),
        (Reason.KEY_MISMATCH, 500081),
        (Reason.INVALID_SIGNATURE, 50006),
        (Reason.MULTIPLE_ASSERTIONS, 50008),
        (Reason.REPLAY, 50008),
        (Reason.DEPRECATED_ALGORITHM, 50008),
        (Reason.AUDIENCE_MISMATCH, 50008),
    ],
)
def test_selected_codes(reason: Reason, code: int) -> None:
    assert reason.code == code


def test_exception_surface() -> None:
    err = SamlValidationError(Reason.EXPIRED, "too late")
    assert isinstance(err, SamlError)
    assert (err.reason, err.code, err.aadsts, err.detail) == (
        Reason.EXPIRED,
        50008,
        "AADSTS50008",
        "too late",
    )
    assert str(err) == "AADSTS50008 EXPIRED: too late"
