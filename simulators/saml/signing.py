"""Enveloped XML-DSig signing of Responses/Assertions with signxml (exc-c14n, X509Data)."""

from __future__ import annotations

from typing import Literal

from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from .constants import DS_NS, SAML_NS, SAMLP_NS, q
from .keys import SigningKeyPair

Algorithm = Literal["rsa-sha256", "rsa-sha1"]

_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0


class _LegacySha1Signer(XMLSigner):
    """XMLSigner that permits RSA-SHA1/SHA-1 (only for SPs that still demand it)."""

    def check_deprecated_methods(self) -> None:
        """Allow SHA-1 on purpose; callers opt in with ``algorithm="rsa-sha1"``."""


def _signer(algorithm: Algorithm) -> XMLSigner:
    """A fresh signer for the algorithm (construction is trivial; instances are not shared)."""
    if algorithm == "rsa-sha256":
        return XMLSigner(
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=_EXC_C14N,
        )
    if algorithm == "rsa-sha1":
        return _LegacySha1Signer(
            signature_algorithm=SignatureMethod.RSA_SHA1,
            digest_algorithm=DigestAlgorithm.SHA1,
            c14n_algorithm=_EXC_C14N,
        )
    raise ValueError(f"unsupported signature algorithm {algorithm!r}")


def _insert_placeholder(element: etree._Element) -> etree._Element:
    """Put ``<ds:Signature Id="placeholder"/>`` right after the element's Issuer (schema order)."""
    placeholder = etree.Element(q(DS_NS, "Signature"), nsmap={"ds": DS_NS})
    placeholder.set("Id", "placeholder")
    issuer = element.find(q(SAML_NS, "Issuer"))
    if issuer is not None:
        issuer.addnext(placeholder)
    else:
        element.insert(0, placeholder)
    return placeholder


def _sign_one(
    root: etree._Element,
    target: etree._Element,
    keypair: SigningKeyPair,
    algorithm: Algorithm,
) -> etree._Element:
    """Sign ``target`` (inside ``root``) with an enveloped signature; returns the new root."""
    target_id = target.get("ID")
    if not target_id:
        raise ValueError(f"{target.tag} has no ID to reference")
    placeholder = _insert_placeholder(target)
    try:
        return _signer(algorithm).sign(
            root,
            key=keypair.private_key,
            cert=[keypair.certificate],
            reference_uri=target_id,
            id_attribute="ID",
        )
    finally:
        target.remove(placeholder)


def sign_response_tree(
    response_root: etree._Element,
    keypair: SigningKeyPair,
    *,
    sign_assertion: bool = True,
    sign_response: bool = False,
    algorithm: Algorithm = "rsa-sha256",
) -> etree._Element:
    """Sign the Assertion and/or Response; the input is left unchanged, a new tree is returned."""
    if response_root.tag != q(SAMLP_NS, "Response"):
        raise ValueError("sign_response expects a samlp:Response root")
    if not (sign_assertion or sign_response):
        raise ValueError("nothing to sign")
    root = response_root
    if sign_assertion:
        assertion = root.find(q(SAML_NS, "Assertion"))
        if assertion is None:
            raise ValueError("Response has no Assertion to sign")
        root = _sign_one(root, assertion, keypair, algorithm)
    if sign_response:
        root = _sign_one(root, root, keypair, algorithm)
    return root


def sign_response(
    response_root: etree._Element,
    keypair: SigningKeyPair,
    *,
    sign_assertion: bool = True,
    sign_response: bool = False,
    algorithm: Algorithm = "rsa-sha256",
) -> bytes:
    """Sign (assertion first, then response) and serialise; never re-indent signed output."""
    signed = sign_response_tree(
        response_root,
        keypair,
        sign_assertion=sign_assertion,
        sign_response=sign_response,
        algorithm=algorithm,
    )
    return etree.tostring(signed, encoding="utf-8")
