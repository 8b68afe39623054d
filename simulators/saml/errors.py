"""Failure reasons, their Entra AADSTS codes, and the package's exception types."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Reason(StrEnum):
    """Precise sub-reason of a SAML failure; ``.code`` is the AADSTS number Entra would show."""

    # Transport / encoding (AADSTS90081)
    MISSING_MESSAGE = "MISSING_MESSAGE"
    DUPLICATE_MESSAGE = "DUPLICATE_MESSAGE"
    MALFORMED_BASE64 = "MALFORMED_BASE64"
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    MALFORMED_DEFLATE = "MALFORMED_DEFLATE"
    # Parser (AADSTS90081)
    XML_SYNTAX = "XML_SYNTAX"
    DTD_FORBIDDEN = "DTD_FORBIDDEN"
    ENTITY_FORBIDDEN = "ENTITY_FORBIDDEN"
    PROCESSING_INSTRUCTION = "PROCESSING_INSTRUCTION"
    TOO_DEEP = "TOO_DEEP"
    TOO_MANY_ELEMENTS = "TOO_MANY_ELEMENTS"
    WRONG_ROOT = "WRONG_ROOT"
    # Structure (AADSTS50008)
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    MISSING_ID = "MISSING_ID"
    DUPLICATE_ID = "DUPLICATE_ID"
    NO_ASSERTION = "NO_ASSERTION"
    MULTIPLE_ASSERTIONS = "MULTIPLE_ASSERTIONS"
    ASSERTION_WRONG_PLACE = "ASSERTION_WRONG_PLACE"
    ENCRYPTED_ASSERTION_UNSUPPORTED = "ENCRYPTED_ASSERTION_UNSUPPORTED"
    MISSING_ISSUER = "MISSING_ISSUER"
    # Signature structure / policy (AADSTS50008)
    SIGNATURE_WRONG_PLACE = "SIGNATURE_WRONG_PLACE"
    TOO_MANY_SIGNATURES = "TOO_MANY_SIGNATURES"
    REFERENCE_MISMATCH = "REFERENCE_MISMATCH"
    MULTIPLE_REFERENCES = "MULTIPLE_REFERENCES"
    DISALLOWED_ALGORITHM = "DISALLOWED_ALGORITHM"
    DEPRECATED_ALGORITHM = "DEPRECATED_ALGORITHM"
    DISALLOWED_TRANSFORM = "DISALLOWED_TRANSFORM"
    SIGNATURE_OBJECT = "SIGNATURE_OBJECT"
    SIGNATURE_MALFORMED = "SIGNATURE_MALFORMED"
    NO_SIGNATURE = "NO_SIGNATURE"
    ASSERTION_NOT_SIGNED = "ASSERTION_NOT_SIGNED"
    # Cryptography
    INVALID_SIGNATURE = "INVALID_SIGNATURE"  # AADSTS50006
    KEY_MISMATCH = "KEY_MISMATCH"  # AADSTS500081
    CERT_NOT_VALID = "CERT_NOT_VALID"  # AADSTS500081
    # Issuer / realm (AADSTS50107)
    UNKNOWN_ISSUER = "UNKNOWN_ISSUER"
    ISSUER_MISMATCH = "ISSUER_MISMATCH"
    # Semantics on the signed content (AADSTS50008)
    STATUS_NOT_SUCCESS = "STATUS_NOT_SUCCESS"
    AUDIENCE_MISMATCH = "AUDIENCE_MISMATCH"
    DESTINATION_MISMATCH = "DESTINATION_MISMATCH"
    RECIPIENT_MISMATCH = "RECIPIENT_MISMATCH"
    NO_BEARER_CONFIRMATION = "NO_BEARER_CONFIRMATION"
    IN_RESPONSE_TO_MISMATCH = "IN_RESPONSE_TO_MISMATCH"
    UNSOLICITED_NOT_ALLOWED = "UNSOLICITED_NOT_ALLOWED"
    REPLAY = "REPLAY"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    BAD_TIMESTAMP = "BAD_TIMESTAMP"
    MISSING_CONDITIONS = "MISSING_CONDITIONS"
    MISSING_AUTHN_STATEMENT = "MISSING_AUTHN_STATEMENT"
    MULTIPLE_AUTHN_STATEMENTS = "MULTIPLE_AUTHN_STATEMENTS"
    MISSING_NAMEID = "MISSING_NAMEID"
    EMPTY_NAMEID = "EMPTY_NAMEID"
    NAMEID_TOO_LONG = "NAMEID_TOO_LONG"
    NAMEID_FORMAT = "NAMEID_FORMAT"
    NAMEID_HAS_CHILD_NODES = "NAMEID_HAS_CHILD_NODES"
    DUPLICATE_ATTRIBUTE = "DUPLICATE_ATTRIBUTE"
    ATTRIBUTE_MALFORMED = "ATTRIBUTE_MALFORMED"
    # Last resort: an exception type the engine did not anticipate (tests assert it never occurs).
    UNEXPECTED = "UNEXPECTED"

    @property
    def code(self) -> int:
        """AADSTS number for this reason."""
        return AADSTS_CODES[self]

    @property
    def aadsts(self) -> str:
        """The code rendered as Entra shows it, e.g. ``AADSTS50008``."""
        return f"AADSTS{AADSTS_CODES[self]}"


MESSAGE_INVALID: Final = 90081  # OrgIdWsFederationMessageInvalid
INVALID_REALM: Final = 50107  # InvalidRealmUri
KEY_NOT_REGISTERED: Final = 500081  # signing key doesn't match any valid registered keys
INVALID_SIGNATURE: Final = 50006  # InvalidSignature
INVALID_SAML_TOKEN: Final = 50008  # InvalidSamlToken

_TRANSPORT = {
    Reason.MISSING_MESSAGE,
    Reason.DUPLICATE_MESSAGE,
    Reason.MALFORMED_BASE64,
    Reason.MESSAGE_TOO_LARGE,
    Reason.MALFORMED_DEFLATE,
    Reason.XML_SYNTAX,
    Reason.DTD_FORBIDDEN,
    Reason.ENTITY_FORBIDDEN,
    Reason.PROCESSING_INSTRUCTION,
    Reason.TOO_DEEP,
    Reason.TOO_MANY_ELEMENTS,
    Reason.WRONG_ROOT,
}
_SPECIAL = {
    Reason.UNKNOWN_ISSUER: INVALID_REALM,
    Reason.ISSUER_MISMATCH: INVALID_REALM,
    Reason.KEY_MISMATCH: KEY_NOT_REGISTERED,
    Reason.CERT_NOT_VALID: KEY_NOT_REGISTERED,
    Reason.INVALID_SIGNATURE: INVALID_SIGNATURE,
}

AADSTS_CODES: Final[dict[Reason, int]] = {
    r: MESSAGE_INVALID if r in _TRANSPORT else _SPECIAL.get(r, INVALID_SAML_TOKEN) for r in Reason
}

AADSTS_NAMES: Final[dict[int, str]] = {
    MESSAGE_INVALID: "OrgIdWsFederationMessageInvalid",
    INVALID_REALM: "InvalidRealmUri",
    KEY_NOT_REGISTERED: "SigningKeyNotRegistered",
    INVALID_SIGNATURE: "InvalidSignature",
    INVALID_SAML_TOKEN: "InvalidSamlToken",
}


class SamlError(Exception):
    """A SAML processing failure carrying a precise ``Reason`` and a human-readable detail."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.aadsts} {reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail

    @property
    def code(self) -> int:
        """AADSTS number (int)."""
        return self.reason.code

    @property
    def aadsts(self) -> str:
        """AADSTS code string, e.g. ``AADSTS50008``."""
        return self.reason.aadsts


class SamlValidationError(SamlError):
    """Raised by the SP verification engine; the only exception type ``verify`` lets escape."""


class MetadataError(ValueError):
    """Metadata or entity-id input that cannot be used (never seen by Entra, so no AADSTS code)."""
