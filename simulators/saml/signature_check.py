"""signxml's check of one enveloped signature, called the same way by every verifier here."""

from __future__ import annotations

from cryptography import x509
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.verifier import VerifyResult

from .xmlparse import get_parser


def check_one_signature(
    xml: bytes | etree._Element, cert: x509.Certificate, config: SignatureConfiguration
) -> VerifyResult:
    """The one signature ``config`` expects, verified with ``cert``; references by ``ID``,
    parsed with the hardened parser. Raises what signxml raises."""
    result = XMLVerifier().verify(
        xml, x509_cert=cert, expect_config=config, id_attribute="ID", parser=get_parser()
    )
    assert not isinstance(result, list)  # expect_references=1
    return result
