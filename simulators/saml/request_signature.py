"""Signatures on requests an IdP receives from an SP whose certificate it holds.

HTTP-Redirect (SAML bindings §3.4.4.1): the signature covers the octets
``SAMLRequest=v&RelayState=v&SigAlg=v`` with each value exactly as it arrived URL-encoded, so they
are taken from the raw query string. HTTP-POST: an enveloped XML-DSig on the request's root that
references its ``ID``. RSA-SHA256 and RSA-SHA1 are accepted (SPs still sign requests with SHA-1).
"""

from __future__ import annotations

import base64
import binascii
from typing import Final
from urllib.parse import unquote_to_bytes

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod
from signxml.exceptions import InvalidInput, SignXMLException

from . import constants as saml_spec
from .constants import q
from .errors import Reason, SamlError
from .keys import cert_from_b64
from .signature_check import check_one_signature

_REDIRECT_HASHES: Final = {
    saml_spec.ALG_RSA_SHA256: hashes.SHA256,
    saml_spec.ALG_RSA_SHA1: hashes.SHA1,
}
_SIGNED_PARAMS: Final = ("SAMLRequest", "RelayState", "SigAlg")
_POST_CONFIG: Final = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA1}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA1}),
)


def load_certificate(text: str) -> x509.Certificate:
    """An SP certificate as admins paste it: PEM, or the bare base64 of the DER."""
    try:
        if "-----BEGIN" in text:
            return x509.load_pem_x509_certificate(text.strip().encode())
        return cert_from_b64(text)
    except ValueError:
        raise SamlError(Reason.SIGNATURE_MALFORMED, "SP certificate unreadable") from None


def redirect_is_signed(query_string: str) -> bool:
    return any(part.split("=", 1)[0] == "Signature" for part in query_string.split("&"))


def verify_redirect(query_string: str, cert: x509.Certificate) -> None:
    """Check the Redirect binding's ``Signature`` over the raw query (``SamlError`` if bad)."""
    raw: dict[str, list[str]] = {}
    for part in query_string.split("&"):
        key, _, value = part.partition("=")
        raw.setdefault(key, []).append(value)
    if any(len(raw.get(k, ())) > 1 for k in (*_SIGNED_PARAMS, "Signature")):
        raise SamlError(Reason.DUPLICATE_MESSAGE, "a signed parameter appears twice")
    sig_alg = unquote_to_bytes(raw.get("SigAlg", [""])[0].replace("+", " ")).decode("latin-1")
    algorithm = _REDIRECT_HASHES.get(sig_alg)
    if algorithm is None:
        raise SamlError(Reason.DISALLOWED_ALGORITHM, f"SigAlg {sig_alg[:100]!r}")
    octets = "&".join(f"{k}={raw[k][0]}" for k in _SIGNED_PARAMS if k in raw).encode("latin-1")
    try:
        signature = base64.b64decode(
            unquote_to_bytes(raw.get("Signature", [""])[0].replace("+", " ")), validate=True
        )
    except (binascii.Error, ValueError):
        raise SamlError(Reason.SIGNATURE_MALFORMED, "Signature is not base64") from None
    sp_key = cert.public_key()
    if not isinstance(sp_key, rsa.RSAPublicKey):
        raise SamlError(Reason.KEY_MISMATCH, "the SP certificate holds no RSA key")
    try:
        sp_key.verify(signature, octets, padding.PKCS1v15(), algorithm())
    except CryptoInvalidSignature:
        raise SamlError(Reason.INVALID_SIGNATURE, "query signature does not verify") from None


def post_is_signed(root: etree._Element) -> bool:
    return root.find(q(saml_spec.DS_NS, "Signature")) is not None


def verify_enveloped(xml: bytes, root_id: str, cert: x509.Certificate) -> None:
    """Check the enveloped signature on a POSTed request's root (``SamlError`` if bad)."""
    try:
        result = check_one_signature(xml, cert, _POST_CONFIG)
    except (InvalidInput, etree.DocumentInvalid) as exc:
        raise SamlError(Reason.SIGNATURE_MALFORMED, f"{type(exc).__name__}: {exc}") from None
    except (SignXMLException, etree.LxmlError, ValueError, TypeError, binascii.Error):
        raise SamlError(Reason.INVALID_SIGNATURE, "request signature does not verify") from None
    if result.signed_xml is None or result.signed_xml.get("ID") != root_id:
        raise SamlError(Reason.REFERENCE_MISMATCH, "signature does not cover the request")
