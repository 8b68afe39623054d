"""SAML 2.0 / XML-DSig namespace, format and algorithm URIs used across the package."""

from __future__ import annotations

from typing import Final

SAMLP_NS: Final = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS: Final = "urn:oasis:names:tc:SAML:2.0:assertion"
MD_NS: Final = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
EC_NS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
XENC_NS: Final = "http://www.w3.org/2001/04/xmlenc#"

NSMAP: Final = {"samlp": SAMLP_NS, "saml": SAML_NS}

VERSION_2_0: Final = "2.0"

NAMEID_PERSISTENT: Final = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_EMAIL: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NAMEID_UNSPECIFIED: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_ENTITY: Final = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"

CM_BEARER: Final = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

STATUS_SUCCESS: Final = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER: Final = "urn:oasis:names:tc:SAML:2.0:status:Requester"
STATUS_RESPONDER: Final = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_VERSION_MISMATCH: Final = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch"
STATUS_AUTHN_FAILED: Final = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
STATUS_REQUEST_DENIED: Final = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"

CONSENT_UNSPECIFIED: Final = "urn:oasis:names:tc:SAML:2.0:consent:unspecified"

AC_PASSWORD_PROTECTED: Final = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
AC_MFA: Final = "http://schemas.microsoft.com/claims/multipleauthn"

ATTRNAME_BASIC: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
ATTRNAME_UNSPECIFIED: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"

BINDING_HTTP_REDIRECT: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_HTTP_POST: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

# Entra ID (Microsoft Online) fixed identifiers.
ENTRA_ENTITY_ID: Final = "urn:federation:MicrosoftOnline"
ENTRA_ACS_URL: Final = "https://login.microsoftonline.com/login.srf"

# XML-DSig algorithm URIs.
ALG_RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ALG_RSA_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
DIGEST_SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
DIGEST_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#sha1"
C14N_EXCLUSIVE: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
TRANSFORM_ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def q(ns: str, local: str) -> str:
    """Return the Clark-notation tag ``{ns}local``."""
    return f"{{{ns}}}{local}"
