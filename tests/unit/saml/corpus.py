"""Negative corpus: our own mutators over our own signed output, each with its expected Reason.

Every mutator yields ``Case(name, data, reason, settings)``. ``data`` is the decoded Response
(``channel="xml"``) or a raw ``SAMLResponse`` form value (``channel="post"``). The XSW1-XSW8
constructions follow SAML Raider's published attack descriptions (re-implemented here);
evil copies carry the NameID ``EVIL_NAMEID``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from lxml import etree
from signxml import CanonicalizationMethod, XMLSigner

from simulators.saml import constants as saml_spec
from simulators.saml.errors import Reason
from simulators.saml.messages import build_authn_request, build_error_response, build_response
from simulators.saml.signing import sign_response

from .helpers import (
    ISSUER,
    NOW,
    REQUEST_ID,
    attacker_key,
    base_spec,
    deep,
    dump,
    idp_key,
    one,
    signed,
    tree,
)

EVIL_NAMEID = "ZXZpbC1hZG1pbg=="
DS = saml_spec.DS_NS
SAML = saml_spec.SAML_NS
SAMLP = saml_spec.SAMLP_NS
_EXC = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
X509 = "//saml:Assertion/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate"


@dataclass(frozen=True)
class Case:
    """One negative test case."""

    name: str
    data: bytes | str
    reason: Reason
    settings: dict[str, Any] = field(default_factory=dict)
    channel: Literal["xml", "post"] = "xml"


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def _fresh(el: etree._Element, new_id: str) -> etree._Element:
    """Evil copy: new ID, no signature, attacker NameID."""
    el.set("ID", new_id)
    for sig in el.findall(_q(DS, "Signature")):
        el.remove(sig)
    for name_id in el.iter(_q(SAML, "NameID")):
        name_id.text = EVIL_NAMEID
    return el


def _evil_nameid(el: etree._Element) -> None:
    for name_id in el.iter(_q(SAML, "NameID")):
        name_id.text = EVIL_NAMEID


def _assertion(root: etree._Element) -> etree._Element:
    return one(root, "/samlp:Response/saml:Assertion")


# --------------------------------------------------------------------------- XSW1-XSW8


def xsw_cases() -> Iterator[Case]:
    """XSW1-XSW8 plus further wrapping variants."""
    # XSW1: clone of the (response-signed) Response, minus its signature, inside the Signature;
    # the outer Response gets a new ID and evil content (assertion ID kept -> duplicate).
    root = tree(signed(sign_assertion=False, sign_response=True))
    clone = deep(root)
    clone.remove(clone.find(_q(DS, "Signature")))
    root.find(_q(DS, "Signature")).append(clone)
    root.set("ID", "_xsw1outer")
    _evil_nameid(_assertion(root))
    yield Case("xsw1", dump(root), Reason.DUPLICATE_ID)

    # XSW1 on a doubly signed message, with fresh IDs everywhere in the outer message: the
    # clone's assertion signature now sits inside the response Signature.
    root = tree(signed(sign_response=True))
    clone = deep(root)
    clone.remove(clone.find(_q(DS, "Signature")))
    root.find(_q(DS, "Signature")).append(clone)
    root.set("ID", "_xsw1outer")
    _fresh(_assertion(root), "_xsw1evil")
    yield Case("xsw1-fresh-ids", dump(root), Reason.SIGNATURE_WRONG_PLACE)

    # XSW2: clone placed as a sibling *before* the Signature; outer fully fresh.
    root = tree(signed(sign_assertion=False, sign_response=True))
    clone = deep(root)
    clone.remove(clone.find(_q(DS, "Signature")))
    root.find(_q(DS, "Signature")).addprevious(clone)
    root.set("ID", "_xsw2outer")
    _fresh(_assertion(root), "_xsw2evil")
    yield Case("xsw2", dump(root), Reason.MULTIPLE_ASSERTIONS)

    # XSW3: evil copy (new ID, unsigned) inserted before the signed assertion.
    root = tree(signed())
    original = _assertion(root)
    original.addprevious(_fresh(deep(original), "_xsw3evil"))
    yield Case("xsw3", dump(root), Reason.MULTIPLE_ASSERTIONS)

    # XSW4: evil copy appended; the original moved *inside* the evil assertion.
    root = tree(signed())
    original = _assertion(root)
    evil = _fresh(deep(original), "_xsw4evil")
    root.replace(original, evil)
    evil.append(original)
    yield Case("xsw4", dump(root), Reason.SIGNATURE_WRONG_PLACE)

    # XSW5: original edited in place (keeps signature, new ID); clean copy appended.
    root = tree(signed())
    original = _assertion(root)
    clean = deep(original)
    clean.remove(clean.find(_q(DS, "Signature")))
    original.set("ID", "_xsw5evil")
    _evil_nameid(original)
    root.append(clean)
    yield Case("xsw5", dump(root), Reason.MULTIPLE_ASSERTIONS)

    # XSW6: as XSW5, but the clean copy sits inside the original's ds:Signature.
    root = tree(signed())
    original = _assertion(root)
    clean = deep(original)
    clean.remove(clean.find(_q(DS, "Signature")))
    original.set("ID", "_xsw6evil")
    _evil_nameid(original)
    original.find(_q(DS, "Signature")).append(clean)
    yield Case("xsw6", dump(root), Reason.MULTIPLE_ASSERTIONS)

    # XSW7: un-namespaced Extensions before the assertion holds an evil copy with the SAME ID.
    root = tree(signed())
    original = _assertion(root)
    evil = deep(original)
    evil.remove(evil.find(_q(DS, "Signature")))
    _evil_nameid(evil)
    extensions = etree.Element("Extensions")
    extensions.append(evil)
    original.addprevious(extensions)
    yield Case("xsw7", dump(root), Reason.DUPLICATE_ID)

    # XSW7 variant: schema-valid samlp:Extensions holds the signed original; the evil assertion
    # (fresh ID) takes its place.
    root = tree(signed())
    original = _assertion(root)
    evil = _fresh(deep(original), "_xsw7evil")
    extensions = etree.Element(_q(SAMLP, "Extensions"))
    root.find(_q(SAMLP, "Status")).addprevious(extensions)
    root.replace(original, evil)
    extensions.append(original)
    yield Case("xsw7-samlp-extensions", dump(root), Reason.SIGNATURE_WRONG_PLACE)

    # XSW8: original edited in place (same ID, signature kept); clean copy inside an
    # un-namespaced Object under the Signature.
    root = tree(signed())
    original = _assertion(root)
    clean = deep(original)
    clean.remove(clean.find(_q(DS, "Signature")))
    _evil_nameid(original)
    obj = etree.SubElement(original.find(_q(DS, "Signature")), "Object")
    obj.append(clean)
    yield Case("xsw8", dump(root), Reason.DUPLICATE_ID)

    # XSW8 variant: properly namespaced ds:Object, clean copy given a fresh ID (no duplicate).
    root = tree(signed())
    original = _assertion(root)
    clean = deep(original)
    clean.remove(clean.find(_q(DS, "Signature")))
    clean.set("ID", "_xsw8copy")
    _evil_nameid(original)
    obj = etree.SubElement(original.find(_q(DS, "Signature")), _q(DS, "Object"))
    obj.append(clean)
    yield Case("xsw8-ds-object", dump(root), Reason.SIGNATURE_OBJECT)

    # "Sign a different element": an IdP-signed md:EntityDescriptor (e.g. its signed metadata)
    # smuggled into samlp:Extensions next to an unsigned evil assertion.
    metadata = etree.Element(_q(saml_spec.MD_NS, "EntityDescriptor"), nsmap={"md": saml_spec.MD_NS})
    metadata.set("ID", "_metadata1")
    metadata.set("entityID", ISSUER)
    signed_md = XMLSigner(
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
    ).sign(metadata, key=idp_key().private_key, cert=[idp_key().certificate], id_attribute="ID")
    root = build_response(base_spec(), NOW)
    extensions = etree.Element(_q(SAMLP, "Extensions"))
    root.find(_q(SAMLP, "Status")).addprevious(extensions)
    extensions.append(signed_md)
    yield Case("signed-other-element", dump(root), Reason.SIGNATURE_WRONG_PLACE)

    # Signature inside the Assertion whose Reference covers the whole Response instead.
    unsigned = build_response(base_spec(), NOW)
    placeholder = etree.Element(_q(DS, "Signature"), nsmap={"ds": DS})
    placeholder.set("Id", "placeholder")
    unsigned.find(_q(SAML, "Assertion")).find(_q(SAML, "Issuer")).addnext(placeholder)
    resigned = XMLSigner(
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
    ).sign(
        unsigned,
        key=idp_key().private_key,
        cert=[idp_key().certificate],
        reference_uri=unsigned.get("ID"),
        id_attribute="ID",
    )
    yield Case("reference-to-response", dump(resigned), Reason.REFERENCE_MISMATCH)


# --------------------------------------------------------------------------- signatures


def _resign_hmac(data: bytes) -> bytes:
    """Turn the assertion signature into HMAC-SHA256 keyed with the public cert bytes."""
    root = tree(data)
    assertion = _assertion(root)
    sig = assertion.find(_q(DS, "Signature"))
    signed_info = sig.find(_q(DS, "SignedInfo"))
    signed_info.find(_q(DS, "SignatureMethod")).set(
        "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
    )
    c14n = etree.tostring(signed_info, method="c14n", exclusive=True)
    mac = hmac.new(idp_key().cert_pem.encode(), c14n, hashlib.sha256).digest()
    sig.find(_q(DS, "SignatureValue")).text = base64.b64encode(mac).decode()
    key_info = sig.find(_q(DS, "KeyInfo"))
    sig.remove(key_info)
    return dump(root)


def _sig(root: etree._Element, where: str = "assertion") -> etree._Element:
    parent = _assertion(root) if where == "assertion" else root
    return parent.find(_q(DS, "Signature"))


def _edit(data: bytes, fn: Callable[[etree._Element], None]) -> bytes:
    root = tree(data)
    fn(root)
    return dump(root)


def signature_cases() -> Iterator[Case]:
    """Stripping, foreign keys, faked certs, algorithm downgrades, reference/transform abuse."""
    base = signed()
    both = signed(sign_response=True)
    response_only = signed(sign_assertion=False, sign_response=True)

    def strip(where: str) -> Callable[[etree._Element], None]:
        def fn(root: etree._Element) -> None:
            sig = _sig(root, where)
            sig.getparent().remove(sig)

        return fn

    yield Case("strip-assertion-signature", _edit(base, strip("assertion")), Reason.NO_SIGNATURE)
    yield Case(
        "strip-assertion-signature-keep-response",
        _edit(both, strip("assertion")),
        Reason.ASSERTION_NOT_SIGNED,
    )
    yield Case(
        "strip-response-signature-response-only",
        _edit(response_only, strip("response")),
        Reason.NO_SIGNATURE,
    )
    yield Case("response-only-signed", response_only, Reason.ASSERTION_NOT_SIGNED)

    # Foreign key: re-signed by the attacker with the attacker cert embedded.
    foreign = signed(base_spec(name_id=EVIL_NAMEID), key=attacker_key())
    yield Case("foreign-key-own-cert", foreign, Reason.KEY_MISMATCH)
    yield Case(
        "foreign-key-own-cert-ignore-policy",
        foreign,
        Reason.KEY_MISMATCH,
        {"embedded_cert_policy": "ignore"},
    )

    def drop_keyinfo(root: etree._Element) -> None:
        sig = _sig(root)
        sig.remove(sig.find(_q(DS, "KeyInfo")))

    yield Case("foreign-key-no-keyinfo", _edit(foreign, drop_keyinfo), Reason.INVALID_SIGNATURE)

    def embed(cert_b64: str) -> Callable[[etree._Element], None]:
        def fn(root: etree._Element) -> None:
            cert = one(
                root, "//saml:Assertion/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate"
            )
            cert.text = cert_b64

        return fn

    yield Case(
        "foreign-key-idp-cert-embedded",
        _edit(foreign, embed(idp_key().cert_b64)),
        Reason.INVALID_SIGNATURE,
    )
    # Certificate faking: IdP signature kept, embedded cert swapped (same subject, other key).
    yield Case(
        "faked-embedded-cert", _edit(base, embed(attacker_key().cert_b64)), Reason.KEY_MISMATCH
    )
    yield Case("embedded-cert-garbage", _edit(base, embed("AAAA")), Reason.KEY_MISMATCH)

    yield Case("hmac-downgrade", _resign_hmac(base), Reason.DISALLOWED_ALGORITHM)
    yield Case("sha1-signed", signed(algorithm="rsa-sha1"), Reason.DEPRECATED_ALGORITHM)

    def relabel(xpath: str, value: str) -> Callable[[etree._Element], None]:
        def fn(root: etree._Element) -> None:
            one(root, xpath).set("Algorithm", value)

        return fn

    si = "//saml:Assertion/ds:Signature/ds:SignedInfo"
    yield Case(
        "sha1-signature-method-relabel",
        _edit(base, relabel(f"{si}/ds:SignatureMethod", saml_spec.ALG_RSA_SHA1)),
        Reason.DEPRECATED_ALGORITHM,
    )
    yield Case(
        "sha1-digest-relabel",
        _edit(base, relabel(f"{si}/ds:Reference/ds:DigestMethod", saml_spec.DIGEST_SHA1)),
        Reason.DEPRECATED_ALGORITHM,
    )
    yield Case(
        "md5-digest",
        _edit(
            base,
            relabel(
                f"{si}/ds:Reference/ds:DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#md5"
            ),
        ),
        Reason.DISALLOWED_ALGORITHM,
    )
    yield Case(
        "c14n-with-comments",
        _edit(
            base,
            relabel(f"{si}/ds:CanonicalizationMethod", saml_spec.C14N_EXCLUSIVE + "WithComments"),
        ),
        Reason.DISALLOWED_ALGORITHM,
    )
    yield Case(
        "inclusive-c14n",
        _edit(
            base,
            relabel(
                f"{si}/ds:CanonicalizationMethod", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
            ),
        ),
        Reason.DISALLOWED_ALGORITHM,
    )

    def extra_reference(root: etree._Element) -> None:
        ref = one(root, f"{si}/ds:Reference")
        ref.addnext(deep(ref))

    yield Case("extra-reference", _edit(base, extra_reference), Reason.MULTIPLE_REFERENCES)
    yield Case(
        "empty-reference-uri",
        _edit(base, lambda r: one(r, f"{si}/ds:Reference").set("URI", "")),
        Reason.REFERENCE_MISMATCH,
    )
    yield Case(
        "external-reference-uri",
        _edit(base, lambda r: one(r, f"{si}/ds:Reference").set("URI", "http://evil.example/x")),
        Reason.REFERENCE_MISMATCH,
    )

    def add_transform(algorithm: str) -> Callable[[etree._Element], None]:
        def fn(root: etree._Element) -> None:
            transforms = one(root, f"{si}/ds:Reference/ds:Transforms")
            etree.SubElement(transforms, _q(DS, "Transform")).set("Algorithm", algorithm)

        return fn

    yield Case(
        "xslt-transform",
        _edit(base, add_transform("http://www.w3.org/TR/1999/REC-xslt-19991116")),
        Reason.DISALLOWED_TRANSFORM,
    )
    yield Case(
        "base64-transform",
        _edit(base, add_transform("http://www.w3.org/2000/09/xmldsig#base64")),
        Reason.DISALLOWED_TRANSFORM,
    )

    def drop_enveloped(root: etree._Element) -> None:
        transform = one(root, f"{si}/ds:Reference/ds:Transforms/ds:Transform[1]")
        transform.getparent().remove(transform)

    yield Case("no-enveloped-transform", _edit(base, drop_enveloped), Reason.DISALLOWED_TRANSFORM)

    def add_object(root: etree._Element) -> None:
        obj = etree.SubElement(_sig(root), _q(DS, "Object"))
        obj.text = "harmless?"

    yield Case("extra-ds-object", _edit(base, add_object), Reason.SIGNATURE_OBJECT)

    def key_value(root: etree._Element) -> None:
        key_info = one(root, "//saml:Assertion/ds:Signature/ds:KeyInfo")
        etree.SubElement(etree.SubElement(key_info, _q(DS, "KeyValue")), _q(DS, "RSAKeyValue"))

    yield Case("keyvalue-in-keyinfo", _edit(base, key_value), Reason.SIGNATURE_MALFORMED)

    def set_sigvalue(text: str) -> Callable[[etree._Element], None]:
        def fn(root: etree._Element) -> None:
            _sig(root).find(_q(DS, "SignatureValue")).text = text

        return fn

    yield Case("empty-signature-value", _edit(base, set_sigvalue("")), Reason.INVALID_SIGNATURE)
    yield Case(
        "garbage-signature-value",
        _edit(base, set_sigvalue(base64.b64encode(b"\x01" * 256).decode())),
        Reason.INVALID_SIGNATURE,
    )
    yield Case(
        "non-base64-signature-value", _edit(base, set_sigvalue("!!!!")), Reason.INVALID_SIGNATURE
    )

    def set_digest(root: etree._Element) -> None:
        one(root, f"{si}/ds:Reference/ds:DigestValue").text = base64.b64encode(b"\0" * 32).decode()

    yield Case("wrong-digest-value", _edit(base, set_digest), Reason.INVALID_SIGNATURE)

    def tamper_nameid(root: etree._Element) -> None:
        one(root, "//saml:NameID").text = EVIL_NAMEID

    yield Case("tampered-nameid", _edit(base, tamper_nameid), Reason.INVALID_SIGNATURE)

    def tamper_attribute(root: etree._Element) -> None:
        one(root, "//saml:AttributeValue").text = "mallory@corp.example.com"

    yield Case("tampered-idpemail", _edit(both, tamper_attribute), Reason.INVALID_SIGNATURE)

    def second_assertion_signature(root: etree._Element) -> None:
        sig = _sig(root)
        sig.addnext(deep(sig))

    yield Case(
        "two-assertion-signatures",
        _edit(base, second_assertion_signature),
        Reason.TOO_MANY_SIGNATURES,
    )

    def signature_in_subject(root: etree._Element) -> None:
        one(root, "//saml:Subject").append(deep(_sig(root)))

    yield Case(
        "signature-in-subject", _edit(base, signature_in_subject), Reason.SIGNATURE_WRONG_PLACE
    )

    def unnamespaced_signature(root: etree._Element) -> None:
        status = root.find(_q(SAMLP, "Status"))
        detail = etree.SubElement(status, _q(SAMLP, "StatusDetail"))
        etree.SubElement(detail, "Signature")

    yield Case(
        "unnamespaced-signature-in-statusdetail",
        _edit(base, unnamespaced_signature),
        Reason.SIGNATURE_WRONG_PLACE,
    )


# --------------------------------------------------------------------------- parser / text


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol3;</samlp:Response>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://attacker.example/x.dtd">
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"""


def _with_doctype(data: bytes, doctype: bytes) -> bytes:
    return doctype + b"\n" + data


def parser_cases() -> Iterator[Case]:
    """DTD/entity/PI attacks, comment injection, limits."""
    base = signed()
    yield Case("billion-laughs", BILLION_LAUGHS, Reason.DTD_FORBIDDEN)
    yield Case("xxe", XXE, Reason.DTD_FORBIDDEN)
    yield Case("external-dtd", EXTERNAL_DTD, Reason.DTD_FORBIDDEN)
    attlist = b'<!DOCTYPE samlp:Response [<!ATTLIST Signature xmlns CDATA "http://www.w3.org/2000/09/xmldsig#">]>'
    yield Case("attlist-default-namespace", _with_doctype(base, attlist), Reason.DTD_FORBIDDEN)
    utf16 = (b'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE r [<!ENTITY x "y">]>\n').decode()
    utf16_doc = (utf16 + base.decode()).encode("utf-16")
    yield Case("doctype-in-utf16", utf16_doc, Reason.DTD_FORBIDDEN)
    yield Case("pi-in-prolog", b"<?evil x?>" + base, Reason.PROCESSING_INSTRUCTION)

    def pi_in_nameid(root: etree._Element) -> None:
        one(root, "//saml:NameID").append(etree.ProcessingInstruction("evil", "x"))

    yield Case("pi-in-nameid", _edit(base, pi_in_nameid), Reason.PROCESSING_INSTRUCTION)
    yield Case("not-xml", b"this is not xml", Reason.XML_SYNTAX)
    yield Case("truncated-xml", base[: len(base) // 2], Reason.XML_SYNTAX)

    # Comment injection: the IdP signs "<id>.evil"; the attacker inserts a comment so that a
    # naive .text reader sees only "<id>". The signature stays valid under exc-c14n.
    victim = "Zm9vYmFyLWltbXV0YWJsZS1pZA"
    injected = signed(base_spec(name_id=victim + ".evil"))
    injected = injected.replace(f">{victim}.evil<".encode(), f">{victim}<!---->.evil<".encode())
    yield Case("comment-in-nameid", injected, Reason.NAMEID_HAS_CHILD_NODES)

    deep_doc = b"<a>" * 40 + b"</a>" * 40
    yield Case("too-deep", deep_doc, Reason.TOO_DEEP)
    wide = b"<a>" + b"<b/>" * 2100 + b"</a>"
    yield Case("too-many-elements", wide, Reason.TOO_MANY_ELEMENTS)


# --------------------------------------------------------------------------- structure/semantics


def structure_cases() -> Iterator[Case]:
    """Root/version/ID/status, assertion counting, encrypted assertion, issuer and audience."""
    base = signed()
    _, authn_request = build_authn_request(saml_spec.ENTRA_ENTITY_ID, NOW)
    yield Case("authn-request-instead", authn_request, Reason.WRONG_ROOT)
    yield Case(
        "wrong-version",
        _edit(base, lambda r: r.set("Version", "1.1")),
        Reason.UNSUPPORTED_VERSION,
    )

    def drop_id(root: etree._Element) -> None:
        del root.attrib["ID"]

    yield Case("missing-response-id", _edit(base, drop_id), Reason.MISSING_ID)
    yield Case(
        "numeric-response-id",
        _edit(base, lambda r: r.set("ID", "1234")),
        Reason.MISSING_ID,
    )

    error = sign_response(
        build_error_response(
            issuer=ISSUER,
            destination=saml_spec.ENTRA_ACS_URL,
            now=NOW,
            status="Responder",
            message="user is not assigned to this application",
            in_response_to=REQUEST_ID,
        ),
        idp_key(),
        sign_assertion=False,
        sign_response=True,
    )
    yield Case("status-responder", error, Reason.STATUS_NOT_SUCCESS)

    def status_requester(root: etree._Element) -> None:
        one(root, "/samlp:Response/samlp:Status/samlp:StatusCode").set(
            "Value", saml_spec.STATUS_REQUESTER
        )

    yield Case("status-edited-requester", _edit(base, status_requester), Reason.STATUS_NOT_SUCCESS)

    def two_assertions(root: etree._Element) -> None:
        other = tree(signed())
        root.append(_assertion(other))

    yield Case("two-signed-assertions", _edit(base, two_assertions), Reason.MULTIPLE_ASSERTIONS)

    def encrypt(root: etree._Element) -> None:
        assertion = _assertion(root)
        enc = etree.Element(_q(SAML, "EncryptedAssertion"))
        etree.SubElement(enc, _q(saml_spec.XENC_NS, "EncryptedData"))
        root.replace(assertion, enc)

    yield Case("encrypted-assertion", _edit(base, encrypt), Reason.ENCRYPTED_ASSERTION_UNSUPPORTED)

    def no_assertion(root: etree._Element) -> None:
        root.remove(_assertion(root))

    yield Case("no-assertion", _edit(base, no_assertion), Reason.NO_ASSERTION)

    def foreign_ns_assertion(root: etree._Element) -> None:
        assertion = _assertion(root)
        evil = etree.Element("{urn:evil}Assertion")
        root.replace(assertion, evil)
        evil.append(assertion)

    yield Case(
        "assertion-in-foreign-wrapper",
        _edit(base, foreign_ns_assertion),
        Reason.SIGNATURE_WRONG_PLACE,
    )

    def lookalike(root: etree._Element) -> None:
        evil = etree.Element("{urn:evil}Assertion")
        etree.SubElement(evil, "{urn:evil}NameID").text = EVIL_NAMEID
        _assertion(root).addprevious(evil)

    yield Case("foreign-namespace-lookalike", _edit(base, lookalike), Reason.MULTIPLE_ASSERTIONS)

    yield Case(
        "unknown-issuer",
        signed(base_spec(issuer="https://evil.example.com")),
        Reason.UNKNOWN_ISSUER,
    )

    def response_issuer(root: etree._Element) -> None:
        one(root, "/samlp:Response/saml:Issuer").text = "https://other.example.com"

    yield Case("response-issuer-differs", _edit(base, response_issuer), Reason.ISSUER_MISMATCH)

    def no_issuer(root: etree._Element) -> None:
        issuer = one(root, "//saml:Assertion/saml:Issuer")
        issuer.getparent().remove(issuer)

    yield Case("assertion-without-issuer", _edit(base, no_issuer), Reason.MISSING_ISSUER)


def semantic_cases() -> Iterator[Case]:
    """IdP-signed but semantically wrong responses (misconfigured or malicious IdP)."""
    yield Case(
        "wrong-audience",
        signed(base_spec(audience="https://sp.example.org")),
        Reason.AUDIENCE_MISMATCH,
    )
    yield Case(
        "wrong-destination",
        signed(base_spec(destination="https://evil.example.com/login.srf")),
        Reason.DESTINATION_MISMATCH,
    )
    yield Case(
        "destination-prefix-only",
        signed(base_spec(destination=saml_spec.ENTRA_ACS_URL + ".evil")),
        Reason.DESTINATION_MISMATCH,
    )

    def no_destination(root: etree._Element) -> None:
        del root.attrib["Destination"]

    yield Case("missing-destination", signed(pre_sign=no_destination), Reason.DESTINATION_MISMATCH)
    yield Case(
        "wrong-recipient",
        signed(base_spec(recipient="https://login.microsoftonline.com/other")),
        Reason.RECIPIENT_MISMATCH,
    )
    yield Case("empty-nameid", signed(base_spec(name_id="")), Reason.EMPTY_NAMEID)
    yield Case("whitespace-nameid", signed(base_spec(name_id="   \n ")), Reason.EMPTY_NAMEID)
    yield Case("overlong-nameid", signed(base_spec(name_id="A" * 65)), Reason.NAMEID_TOO_LONG)
    yield Case(
        "email-nameid-format",
        signed(base_spec(name_id_format=saml_spec.NAMEID_EMAIL)),
        Reason.NAMEID_FORMAT,
    )

    def drop(path: str) -> Callable[[etree._Element], None]:
        def fn(root: etree._Element) -> None:
            el = one(root, path)
            el.getparent().remove(el)

        return fn

    yield Case(
        "missing-conditions", signed(pre_sign=drop("//saml:Conditions")), Reason.MISSING_CONDITIONS
    )
    yield Case(
        "missing-audience-restriction",
        signed(pre_sign=drop("//saml:AudienceRestriction")),
        Reason.AUDIENCE_MISMATCH,
    )
    yield Case(
        "missing-authn-statement",
        signed(pre_sign=drop("//saml:AuthnStatement")),
        Reason.MISSING_AUTHN_STATEMENT,
    )
    yield Case("missing-nameid", signed(pre_sign=drop("//saml:NameID")), Reason.MISSING_NAMEID)

    def scd_not_before(root: etree._Element) -> None:
        one(root, "//saml:SubjectConfirmationData").set("NotBefore", "2026-11-28T11:59:00.000Z")

    yield Case("scd-not-before", signed(pre_sign=scd_not_before), Reason.NO_BEARER_CONFIRMATION)

    def holder_of_key(root: etree._Element) -> None:
        one(root, "//saml:SubjectConfirmation").set(
            "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
        )

    yield Case("no-bearer-method", signed(pre_sign=holder_of_key), Reason.NO_BEARER_CONFIRMATION)

    def offset_time(root: etree._Element) -> None:
        one(root, "//saml:Conditions").set("NotOnOrAfter", "2026-11-28T14:00:00.000+01:00")

    yield Case("non-utc-timestamp", signed(pre_sign=offset_time), Reason.BAD_TIMESTAMP)

    def duplicate_idpemail(root: etree._Element) -> None:
        attribute = one(root, "//saml:Attribute")
        twin = deep(attribute)
        twin.find(_q(SAML, "AttributeValue")).text = "mallory@corp.example.com"
        attribute.addnext(twin)

    # Accepted by verify(); VerifiedAssertion.attribute("IDPEmail") raises (see test).
    yield Case(
        "duplicate-idpemail", signed(pre_sign=duplicate_idpemail), Reason.DUPLICATE_ATTRIBUTE
    )

    def response_irt(root: etree._Element) -> None:
        root.set("InResponseTo", "_someotherrequest")

    yield Case(
        "response-inresponseto-differs",
        _edit(signed(), response_irt),
        Reason.IN_RESPONSE_TO_MISMATCH,
    )
    yield Case(
        "unknown-inresponseto",
        signed(base_spec(in_response_to="_unknownrequest")),
        Reason.IN_RESPONSE_TO_MISMATCH,
    )
    yield Case(
        "unsolicited-not-allowed",
        signed(base_spec(in_response_to=None)),
        Reason.UNSOLICITED_NOT_ALLOWED,
        {"allow_unsolicited": False},
    )


# --------------------------------------------------------------------------- transport


def transport_cases() -> Iterator[Case]:
    """POST-binding form values: malformed base64, oversize, deflated payload."""
    good = base64.b64encode(signed()).decode()
    yield Case("empty-value", "", Reason.MISSING_MESSAGE, channel="post")
    yield Case("bad-alphabet", good[:40] + "*" + good[41:], Reason.MALFORMED_BASE64, channel="post")
    yield Case("bad-padding", good.rstrip("=") + "=", Reason.MALFORMED_BASE64, channel="post")
    yield Case("truncated-base64", good[:-3], Reason.MALFORMED_BASE64, channel="post")
    yield Case(
        "space-in-base64", good[:50] + " " + good[50:], Reason.MALFORMED_BASE64, channel="post"
    )
    yield Case("oversized-post", "A" * (256 * 1024 + 4), Reason.MESSAGE_TOO_LARGE, channel="post")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(signed()) + compressor.flush()
    yield Case(
        "deflated-on-post", base64.b64encode(deflated).decode(), Reason.XML_SYNTAX, channel="post"
    )


ALL_GROUPS: tuple[Callable[[], Iterator[Case]], ...] = (
    xsw_cases,
    signature_cases,
    parser_cases,
    structure_cases,
    semantic_cases,
    transport_cases,
)


def all_cases() -> list[Case]:
    """Every case of every group (names are unique)."""
    cases = [case for group in ALL_GROUPS for case in group()]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases
