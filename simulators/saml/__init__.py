"""SAML 2.0 protocol package (no web framework): messages, bindings, signing, SP verification."""

from __future__ import annotations

from .bindings import (
    MAX_MESSAGE_BYTES,
    b64_strict,
    decode_post_value,
    decode_redirect_value,
    decode_saml_message,
    encode_post_value,
    encode_redirect_value,
    inflate_bounded,
    post_form_html,
    redirect_query,
    redirect_url,
    single_form_value,
)
from .errors import AADSTS_CODES, MetadataError, Reason, SamlError, SamlValidationError
from .ids import as_utc, format_instant, new_id, parse_instant
from .keys import SigningKeyPair, cert_b64_to_pem, cert_from_b64, cert_to_b64
from .messages import (
    AuthnRequestInfo,
    ResponseSpec,
    build_authn_request,
    build_error_response,
    build_response,
    parse_authn_request,
    parse_authn_request_value,
    to_bytes,
)
from .metadata import (
    IdpMetadata,
    build_idp_metadata,
    federation_domain_from_entity_id,
    parse_idp_metadata,
)
from .signing import sign_response, sign_response_tree
from .verify import (
    IdpTrust,
    PendingRequests,
    ReplayCache,
    SpSettings,
    SpVerifier,
    VerifiedAssertion,
    static_trust,
    verify_response,
)
from .xmlparse import get_parser, parse_xml

__all__ = [
    "AADSTS_CODES",
    "MAX_MESSAGE_BYTES",
    "AuthnRequestInfo",
    "IdpMetadata",
    "IdpTrust",
    "MetadataError",
    "PendingRequests",
    "Reason",
    "ReplayCache",
    "ResponseSpec",
    "SamlError",
    "SamlValidationError",
    "SigningKeyPair",
    "SpSettings",
    "SpVerifier",
    "VerifiedAssertion",
    "as_utc",
    "b64_strict",
    "build_authn_request",
    "build_error_response",
    "build_idp_metadata",
    "build_response",
    "cert_b64_to_pem",
    "cert_from_b64",
    "cert_to_b64",
    "decode_post_value",
    "decode_redirect_value",
    "decode_saml_message",
    "encode_post_value",
    "encode_redirect_value",
    "federation_domain_from_entity_id",
    "format_instant",
    "get_parser",
    "inflate_bounded",
    "new_id",
    "parse_authn_request",
    "parse_authn_request_value",
    "parse_idp_metadata",
    "parse_instant",
    "parse_xml",
    "post_form_html",
    "redirect_query",
    "redirect_url",
    "sign_response",
    "sign_response_tree",
    "single_form_value",
    "static_trust",
    "to_bytes",
    "verify_response",
]
