"""SP-side Response verification engine: the order of checks and the pinned signxml use below.

Processing order (each step raises ``SamlValidationError`` with its own ``Reason``):

1. Transport: exactly one non-empty ``SAMLResponse`` value, size cap, strict base64 (no inflate).
2. One parse with the hardened parser (no DTD/entities/PIs, depth and element caps).
3. Structure on the raw tree: root ``samlp:Response`` + ``Version="2.0"`` + NCName ``ID``; Status
   Success; unique ``ID`` values; no ``ds:Object``; every Signature-like element is a
   ``ds:Signature`` child of the root or of a root-level ``saml:Assertion``, at most one each;
   exactly one (unencrypted) assertion, a direct child of the root; signature presence (the
   assertion must be signed); per signature exactly one Reference to ``#<parent ID>``,
   exclusive c14n, RSA-SHA256/SHA-256 (SHA-1 only with ``allow_sha1``), transforms
   {enveloped, exc-c14n} only, KeyInfo limited to KeyName/X509Data.
4. Issuer: the trust is selected by the (unverified) assertion Issuer; a Response Issuer must
   equal it.
5. Embedded-certificate policy (``embedded_cert_policy="must-match"``, the default): a certificate
   carried in KeyInfo that is not one of the configured certs is rejected as KEY_MISMATCH
   (AADSTS500081) *before* any cryptography, and after a successful verification the embedded
   certificate must be the very cert that verified. The embedded cert is never trusted. With
   ``"ignore"`` the embedded cert is disregarded (pysaml2 behaviour), except that a signature
   which fails against every configured cert but verifies with the embedded one is reported as
   KEY_MISMATCH instead of INVALID_SIGNATURE.
6. Cryptography with signxml: configured certs only (current, then next), ``id_attribute="ID"``,
   pinned location, ``expect_references=1``, pinned algorithms. Response signature first; the
   assertion signature is then checked on the Response's ``signed_xml`` so the assertion used was
   covered by both. Every value afterwards is read from signxml's ``signed_xml`` only.
7. Semantics on the signed content: Issuer, Destination, IssueInstant, NameID, bearer
   SubjectConfirmation (Recipient, NotOnOrAfter, no NotBefore), Conditions (time, audience),
   AuthnStatement, attributes; then the replay cache, then InResponseTo against pending requests.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import (
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
)
from signxml.exceptions import (
    InvalidCertificate,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    SignXMLException,
)

from . import constants as saml_spec
from .bindings import MAX_MESSAGE_BYTES, decode_post_value, single_form_value
from .constants import q
from .errors import Reason, SamlError, SamlValidationError
from .ids import as_utc, is_ncname_id, parse_instant
from .keys import cert_from_b64
from .messages import check_protocol_root
from .signature_check import check_one_signature
from .xmlparse import parse_xml

logger = logging.getLogger(__name__)

_SAML: Final = saml_spec.SAML_NS
_SAMLP: Final = saml_spec.SAMLP_NS
_DS: Final = saml_spec.DS_NS

_RESPONSE = q(_SAMLP, "Response")
_ASSERTION = q(_SAML, "Assertion")
_ISSUER = q(_SAML, "Issuer")
_SIGNATURE = q(_DS, "Signature")
_DS_OBJECT = q(_DS, "Object")

_ALLOWED_TRANSFORMS: Final = frozenset({saml_spec.TRANSFORM_ENVELOPED, saml_spec.C14N_EXCLUSIVE})
_KEYINFO_CHILDREN: Final = frozenset({q(_DS, "KeyName"), q(_DS, "X509Data")})

InResponseToCheck = Callable[[str], bool] | Collection[str] | None
TrustLookup = Callable[[str], "IdpTrust | None"]


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class SpSettings:
    """SP policy. Defaults are Entra's: audience urn:federation:MicrosoftOnline, ACS login.srf."""

    entity_id: str = saml_spec.ENTRA_ENTITY_ID  # the Audience that must be present
    acs_url: str = saml_spec.ENTRA_ACS_URL  # Destination and Recipient must equal it exactly
    clock_skew: timedelta = timedelta(minutes=5)
    allow_sha1: bool = False
    allow_unsolicited: bool = True
    max_message_bytes: int = MAX_MESSAGE_BYTES
    require_signed_assertion: bool = True
    require_destination: bool = True
    required_nameid_format: str | None = saml_spec.NAMEID_PERSISTENT
    max_nameid_length: int = 64
    enforce_cert_validity: bool = False  # True: the pinned cert must be valid at ``now``
    embedded_cert_policy: Literal["must-match", "ignore"] = "must-match"


@dataclass(frozen=True)
class IdpTrust:
    """A federation's issuer and its signing certs (base64 DER; current first, then next)."""

    issuer: str
    certificates_b64: Sequence[str]
    _certs: tuple[x509.Certificate, ...] = field(init=False, repr=False, compare=False)
    _ders: tuple[bytes, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        certs = tuple(cert_from_b64(b64) for b64 in self.certificates_b64 if b64)
        if not certs:
            raise ValueError(f"IdpTrust for {self.issuer!r} has no signing certificate")
        object.__setattr__(self, "_certs", certs)
        ders = tuple(cert.public_bytes(serialization.Encoding.DER) for cert in certs)
        object.__setattr__(self, "_ders", ders)

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """Parsed configured certificates, in trial order."""
        return self._certs


def static_trust(*trusts: IdpTrust) -> TrustLookup:
    """A ``trust_lookup`` over a fixed set of trusts, keyed by exact issuer string."""
    table = {trust.issuer: trust for trust in trusts}
    return table.get


# --------------------------------------------------------------------------- state


class ReplayCache:
    """Thread-safe seen-assertion-ID cache, bounded.

    An ID is forgotten only once both clocks are past its deadline: lab time past the
    assertion's SCD NotOnOrAfter + skew, and wall time past the moment the assertion's remaining
    validity had run out in real seconds. Purging on lab time alone let a response refused as a
    replay through after the lab clock went forward and back.
    """

    def __init__(
        self, max_entries: int = 100_000, wall: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._max = max_entries
        self._wall = wall
        self._expiry: dict[str, tuple[datetime, float]] = {}
        self._heap: list[tuple[float, str]] = []
        """(wall deadline, id); stale pairs (the id was stored again) are skipped."""

    def _pop_earliest(self) -> None:
        while self._heap:
            wall_deadline, key = heapq.heappop(self._heap)
            if key in self._expiry and self._expiry[key][1] == wall_deadline:
                del self._expiry[key]
                return

    def _purge(self, now: datetime, wall_now: float) -> None:
        while self._heap and self._heap[0][0] <= wall_now:
            wall_deadline, key = heapq.heappop(self._heap)
            entry = self._expiry.get(key)
            if entry is None or entry[1] != wall_deadline:
                continue
            expires_at = entry[0]
            if expires_at <= now:
                del self._expiry[key]
            else:  # the lab clock went back: keep it for what is left of its validity
                later = wall_now + (expires_at - now).total_seconds()
                self._expiry[key] = (expires_at, later)
                heapq.heappush(self._heap, (later, key))

    def check_and_store(self, assertion_id: str, expires_at: datetime, now: datetime) -> bool:
        """Record the ID; False if it was already seen and has not expired (a replay)."""
        now, expires_at = as_utc(now), as_utc(expires_at)
        with self._lock:
            wall_now = self._wall()
            self._purge(now, wall_now)
            if assertion_id in self._expiry:
                return False
            while len(self._expiry) >= self._max:
                self._pop_earliest()  # bounded: evict the entry closest to its deadline
            wall_deadline = wall_now + max((expires_at - now).total_seconds(), 0.0)
            self._expiry[assertion_id] = (expires_at, wall_deadline)
            heapq.heappush(self._heap, (wall_deadline, assertion_id))
            return True

    def __contains__(self, assertion_id: object) -> bool:
        with self._lock:
            return assertion_id in self._expiry

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


class PendingRequests:
    """Thread-safe set of outstanding AuthnRequest IDs; each may be consumed once, in time."""

    def __init__(self, lifetime: timedelta = timedelta(minutes=15), max_entries: int = 10_000):
        self._lock = threading.Lock()
        self._lifetime = lifetime
        self._max = max_entries
        self._issued: dict[str, datetime] = {}

    def add(self, request_id: str, now: datetime) -> None:
        """Remember a request ID issued at ``now``."""
        now = as_utc(now)
        with self._lock:
            if len(self._issued) >= self._max:
                oldest = min(self._issued, key=self._issued.__getitem__)
                del self._issued[oldest]
            self._issued[request_id] = now

    def consume(self, request_id: str, now: datetime) -> bool:
        """True exactly once for a known, unexpired ID."""
        now = as_utc(now)
        with self._lock:
            issued = self._issued.pop(request_id, None)
        return issued is not None and now < issued + self._lifetime

    def checker(self, now: datetime) -> Callable[[str], bool]:
        """An ``expected_in_response_to`` callable bound to ``now``."""
        return lambda request_id: self.consume(request_id, now)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class VerifiedAssertion:
    """Identity data read only from the signed (c14n-reparsed) assertion."""

    issuer: str
    assertion_id: str
    name_id: str
    name_id_format: str | None
    attributes: dict[str, list[str]]
    authn_context_class_ref: str | None
    mfa: bool
    authn_instant: datetime
    session_index: str | None
    in_response_to: str | None
    not_on_or_after: datetime
    response_signed: bool
    duplicate_attributes: frozenset[str] = frozenset()

    def attribute(self, name: str) -> str | None:
        """The single value of ``name``; None if absent; DUPLICATE_ATTRIBUTE if repeated."""
        if name in self.duplicate_attributes:
            raise SamlValidationError(Reason.DUPLICATE_ATTRIBUTE, f"attribute {name!r} repeated")
        values = self.attributes.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise SamlValidationError(
                Reason.DUPLICATE_ATTRIBUTE, f"attribute {name!r} has {len(values)} values"
            )
        return values[0]


# --------------------------------------------------------------------------- helpers


def _fail(reason: Reason, detail: str) -> SamlValidationError:
    return SamlValidationError(reason, detail)


def _local(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None
    return tag.rpartition("}")[2]


def _any_ns(*names: str) -> tuple[str, ...]:
    """lxml ``iter()`` tags matching ``names`` in any namespace or none (walked in C)."""
    return tuple(f"{{*}}{name}" for name in names)


_OBJECT_TAGS: Final = _any_ns("Object")
_SIGNATURE_PART_TAGS: Final = _any_ns("SignedInfo", "SignatureValue", "Signature")
_ASSERTION_TAGS: Final = _any_ns("Assertion", "EncryptedAssertion")


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return el.text or ""


def _single(parent: etree._Element, tag: str) -> etree._Element | None:
    found = parent.findall(tag)
    return found[0] if len(found) == 1 else None


def _status_detail(status: etree._Element | None) -> tuple[str | None, str]:
    if status is None:
        return None, "Status element missing"
    code = status.find(q(_SAMLP, "StatusCode"))
    value = code.get("Value") if code is not None else None
    parts = [f"StatusCode={value}"]
    if code is not None:
        sub = code.find(q(_SAMLP, "StatusCode"))
        if sub is not None:
            parts.append(f"sub={sub.get('Value')}")
    message = status.find(q(_SAMLP, "StatusMessage"))
    if message is not None and message.text:
        parts.append(f"message={message.text.strip()[:200]}")
    return value, ", ".join(parts)


def _check_status(response: etree._Element) -> None:
    value, detail = _status_detail(_single(response, q(_SAMLP, "Status")))
    if value != saml_spec.STATUS_SUCCESS:
        raise _fail(Reason.STATUS_NOT_SUCCESS, detail)


def _embedded_der(cert_b64: str, trust: IdpTrust) -> bytes:
    """DER of a KeyInfo certificate; ValueError if it is not a readable certificate.

    Bytes equal to a configured certificate's DER are that (already parsed) certificate, so
    only other certificates are parsed (and re-encoded, as the policy compares encodings).
    """
    try:
        raw = base64.b64decode("".join(cert_b64.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"certificate is not valid base64: {exc}") from None
    if raw in trust._ders:
        return raw
    return x509.load_der_x509_certificate(raw).public_bytes(serialization.Encoding.DER)


# --------------------------------------------------------------------------- engine


class SpVerifier:
    """Verifies SAML Responses POSTed to an SP; one instance per SP configuration."""

    def __init__(
        self,
        settings: SpSettings,
        trust_lookup: TrustLookup,
        replay_cache: ReplayCache | None = None,
    ) -> None:
        self.settings = settings
        self.trust_lookup = trust_lookup
        self.replay_cache = replay_cache if replay_cache is not None else ReplayCache()
        methods = {SignatureMethod.RSA_SHA256}
        digests = {DigestAlgorithm.SHA256}
        if settings.allow_sha1:
            methods.add(SignatureMethod.RSA_SHA1)
            digests.add(DigestAlgorithm.SHA1)
        self._base_config = SignatureConfiguration(
            location="./",
            expect_references=1,
            require_x509=True,
            ignore_ambiguous_key_info=False,
            signature_methods=frozenset(methods),
            digest_algorithms=frozenset(digests),
        )
        self._assertion_config = replace(self._base_config, location=f"./{{{_SAML}}}Assertion/")
        self._sig_algs = {saml_spec.ALG_RSA_SHA256} | (
            {saml_spec.ALG_RSA_SHA1} if settings.allow_sha1 else set()
        )
        self._digest_algs = {saml_spec.DIGEST_SHA256} | (
            {saml_spec.DIGEST_SHA1} if settings.allow_sha1 else set()
        )

    # ----------------------------------------------------------------- entry points

    def verify_post(
        self,
        saml_response: str | Sequence[str] | None,
        *,
        now: datetime,
        expected_in_response_to: InResponseToCheck = None,
    ) -> VerifiedAssertion:
        """Verify the ``SAMLResponse`` form value(s) of an HTTP-POST (pass ``getlist``)."""
        try:
            value = single_form_value(saml_response, name="SAMLResponse")
            xml = decode_post_value(value, limit=self.settings.max_message_bytes)
        except SamlValidationError:
            raise
        except SamlError as exc:
            raise SamlValidationError(exc.reason, exc.detail) from None
        return self.verify_xml(xml, now=now, expected_in_response_to=expected_in_response_to)

    def verify_xml(
        self,
        xml: bytes,
        *,
        now: datetime,
        expected_in_response_to: InResponseToCheck = None,
    ) -> VerifiedAssertion:
        """Verify a decoded Response document; only ``SamlValidationError`` ever escapes."""
        try:
            return self._verify(xml, as_utc(now), expected_in_response_to)
        except SamlValidationError:
            raise
        except SamlError as exc:
            raise SamlValidationError(exc.reason, exc.detail) from None
        except Exception as exc:  # last resort: unexpected library exception on hostile input
            logger.exception("unexpected exception while verifying a SAML Response")
            raise SamlValidationError(Reason.UNEXPECTED, f"{type(exc).__name__}: {exc}") from None

    # ----------------------------------------------------------------- pipeline

    def _verify(self, xml: bytes, now: datetime, expected: InResponseToCheck) -> VerifiedAssertion:
        s = self.settings
        if not isinstance(xml, bytes | bytearray) or not xml:
            raise _fail(Reason.MISSING_MESSAGE, "empty message")
        if len(xml) > s.max_message_bytes:
            raise _fail(Reason.MESSAGE_TOO_LARGE, f"message exceeds {s.max_message_bytes} bytes")
        xml = bytes(xml)
        root = parse_xml(xml)

        self._check_root(root)
        _check_status(root)
        self._check_unique_ids(root)
        resp_sig, assertion, assert_sig = self._check_structure(root)

        issuer = self._raw_issuer(root, assertion)
        trust = self.trust_lookup(issuer)
        if trust is None:
            raise _fail(Reason.UNKNOWN_ISSUER, f"no federation with issuer {issuer[:200]!r}")
        embedded = self._embedded_certs(
            [sig for sig in (resp_sig, assert_sig) if sig is not None], trust
        )

        doc = xml
        response_view = root
        if resp_sig is not None:
            response_view = self._crypto(
                doc, trust, embedded, self._base_config, _RESPONSE, root.get("ID") or "", now
            )
            doc = etree.tostring(response_view)
        if assert_sig is not None:
            signed_assertion = self._crypto(
                doc,
                trust,
                embedded,
                self._assertion_config,
                _ASSERTION,
                assertion.get("ID") or "",
                now,
            )
        else:
            found = response_view.find(_ASSERTION)
            if found is None:
                raise _fail(Reason.NO_ASSERTION, "signed Response carries no assertion")
            signed_assertion = found

        return self._semantics(
            response_view=response_view,
            response_signed=resp_sig is not None,
            raw_assertion=assertion,
            assertion=signed_assertion,
            trust=trust,
            now=now,
            expected=expected,
        )

    # ----------------------------------------------------------------- step 3: structure

    def _check_root(self, root: etree._Element) -> None:
        check_protocol_root(root, "Response", SamlValidationError)

    def _check_unique_ids(self, root: etree._Element) -> None:
        seen: set[str] = set()
        for el in root.iter(etree.Element):
            for name, value in el.items():
                if name == "ID" or name.endswith("}ID"):  # ID in any namespace
                    if value in seen:
                        raise _fail(Reason.DUPLICATE_ID, f"ID {value[:80]!r} occurs more than once")
                    seen.add(value)

    def _check_structure(
        self, root: etree._Element
    ) -> tuple[etree._Element | None, etree._Element, etree._Element | None]:
        # ds:Object anywhere, or any Object-named child of a Signature-named element.
        for el in root.iter(*_OBJECT_TAGS):
            parent = el.getparent()
            if el.tag == _DS_OBJECT or (parent is not None and _local(parent.tag) == "Signature"):
                raise _fail(Reason.SIGNATURE_OBJECT, "ds:Object is not allowed in SAML signatures")
        # The element objects are held here, so ``getparent()`` returns these very objects.
        allowed_parents = [root, *root.findall(_ASSERTION)]
        per_parent: dict[etree._Element, int] = {}
        for el in root.iter(*_SIGNATURE_PART_TAGS):  # document order, as the checks require
            local = _local(el.tag)
            parent = el.getparent()
            if local != "Signature":  # a SignedInfo or SignatureValue
                if parent is None or parent.tag != _SIGNATURE:
                    raise _fail(Reason.SIGNATURE_WRONG_PLACE, f"stray {local} element")
                continue
            if el.tag != _SIGNATURE or parent is None or parent not in allowed_parents:
                where = str(parent.tag)[:80] if parent is not None else "document"
                raise _fail(Reason.SIGNATURE_WRONG_PLACE, f"{str(el.tag)[:80]} under {where}")
            per_parent[parent] = per_parent.get(parent, 0) + 1
            if per_parent[parent] > 1:
                raise _fail(Reason.TOO_MANY_SIGNATURES, f"more than one Signature in {parent.tag}")

        candidates = list(root.iter(*_ASSERTION_TAGS))
        if not candidates:
            raise _fail(Reason.NO_ASSERTION, "Response contains no assertion")
        if len(candidates) > 1:
            raise _fail(Reason.MULTIPLE_ASSERTIONS, f"{len(candidates)} assertions in Response")
        assertion = candidates[0]
        if _local(assertion.tag) == "EncryptedAssertion":
            raise _fail(Reason.ENCRYPTED_ASSERTION_UNSUPPORTED, "EncryptedAssertion not supported")
        if assertion.tag != _ASSERTION or assertion.getparent() is not root:
            raise _fail(Reason.ASSERTION_WRONG_PLACE, "assertion must be a child of the Response")
        if assertion.get("Version") != saml_spec.VERSION_2_0:
            raise _fail(Reason.UNSUPPORTED_VERSION, "assertion Version must be 2.0")
        aid = assertion.get("ID")
        if not aid or not is_ncname_id(aid) or len(aid) > 256:
            raise _fail(Reason.MISSING_ID, "assertion ID missing or not an NCName")

        resp_sig = root.find(_SIGNATURE)
        assert_sig = assertion.find(_SIGNATURE)
        if resp_sig is None and assert_sig is None:
            raise _fail(Reason.NO_SIGNATURE, "neither Response nor Assertion is signed")
        if assert_sig is None and self.settings.require_signed_assertion:
            raise _fail(Reason.ASSERTION_NOT_SIGNED, "the Assertion itself must be signed")
        for sig, parent in ((resp_sig, root), (assert_sig, assertion)):
            if sig is not None:
                self._check_signature_shape(sig, parent)
        return resp_sig, assertion, assert_sig

    def _check_signature_shape(self, sig: etree._Element, parent: etree._Element) -> None:
        children = [ch for ch in sig if isinstance(ch.tag, str)]
        signed_infos = [ch for ch in children if ch.tag == q(_DS, "SignedInfo")]
        if len(signed_infos) != 1 or children[0] is not signed_infos[0]:
            raise _fail(Reason.SIGNATURE_MALFORMED, "Signature must start with one SignedInfo")
        signed_info = signed_infos[0]
        c14n = signed_info.findall(q(_DS, "CanonicalizationMethod"))
        if len(c14n) != 1 or c14n[0].get("Algorithm") != saml_spec.C14N_EXCLUSIVE:
            alg = c14n[0].get("Algorithm") if c14n else None
            raise _fail(Reason.DISALLOWED_ALGORITHM, f"CanonicalizationMethod {alg!r}")
        method = signed_info.findall(q(_DS, "SignatureMethod"))
        alg = method[0].get("Algorithm") if len(method) == 1 else None
        self._check_alg(alg, self._sig_algs, saml_spec.ALG_RSA_SHA1, "SignatureMethod")
        refs = signed_info.findall(q(_DS, "Reference"))
        if len(refs) > 1:
            raise _fail(Reason.MULTIPLE_REFERENCES, f"{len(refs)} References in one Signature")
        if not refs:
            raise _fail(Reason.REFERENCE_MISMATCH, "Signature has no Reference")
        ref = refs[0]
        expected_uri = "#" + (parent.get("ID") or "")
        if ref.get("URI") != expected_uri:
            raise _fail(
                Reason.REFERENCE_MISMATCH,
                f"Reference URI {str(ref.get('URI'))[:80]!r} is not the enclosing element "
                f"{expected_uri!r}",
            )
        transforms = ref.findall(f"{q(_DS, 'Transforms')}/{q(_DS, 'Transform')}")
        algs = [t.get("Algorithm") for t in transforms]
        if (
            saml_spec.TRANSFORM_ENVELOPED not in algs
            or len(set(algs)) != len(algs)
            or not set(algs) <= _ALLOWED_TRANSFORMS
        ):
            raise _fail(Reason.DISALLOWED_TRANSFORM, f"Transforms {algs!r}")
        for transform in transforms:
            for child in transform:
                if isinstance(child.tag, str) and not (
                    child.tag == q(saml_spec.EC_NS, "InclusiveNamespaces")
                    and transform.get("Algorithm") == saml_spec.C14N_EXCLUSIVE
                ):
                    raise _fail(Reason.DISALLOWED_TRANSFORM, f"Transform child {child.tag!s:.80}")
        digest = ref.findall(q(_DS, "DigestMethod"))
        alg = digest[0].get("Algorithm") if len(digest) == 1 else None
        self._check_alg(alg, self._digest_algs, saml_spec.DIGEST_SHA1, "DigestMethod")
        value = sig.find(q(_DS, "SignatureValue"))
        if value is None or not (value.text or "").strip():
            raise _fail(Reason.INVALID_SIGNATURE, "SignatureValue missing or empty")
        key_info = sig.find(q(_DS, "KeyInfo"))
        if key_info is not None:
            for child in key_info:
                if isinstance(child.tag, str) and child.tag not in _KEYINFO_CHILDREN:
                    raise _fail(Reason.SIGNATURE_MALFORMED, f"KeyInfo child {child.tag!s:.80}")

    def _check_alg(self, alg: str | None, allowed: set[str], sha1: str, what: str) -> None:
        if alg in allowed:
            return
        if alg == sha1:
            raise _fail(Reason.DEPRECATED_ALGORITHM, f"{what} {alg} (SHA-1 is deprecated)")
        raise _fail(Reason.DISALLOWED_ALGORITHM, f"{what} {str(alg)[:100]!r}")

    # ----------------------------------------------------------------- step 4/5: trust

    def _raw_issuer(self, root: etree._Element, assertion: etree._Element) -> str:
        issuers = assertion.findall(_ISSUER)
        if len(issuers) != 1 or len(issuers[0]) or not (issuers[0].text or "").strip():
            raise _fail(Reason.MISSING_ISSUER, "assertion must carry exactly one plain Issuer")
        issuer = issuers[0].text or ""
        resp_issuers = root.findall(_ISSUER)
        if len(resp_issuers) > 1:
            raise _fail(Reason.ISSUER_MISMATCH, "more than one Response Issuer")
        if resp_issuers and (resp_issuers[0].text or "") != issuer:
            raise _fail(
                Reason.ISSUER_MISMATCH,
                f"Response Issuer {(resp_issuers[0].text or '')[:100]!r} != assertion Issuer",
            )
        return issuer

    def _embedded_certs(self, sigs: list[etree._Element], trust: IdpTrust) -> list[bytes]:
        """DER of every KeyInfo certificate; applies the pre-crypto part of the cert policy."""
        ders: list[bytes] = []
        for sig in sigs:
            for el in sig.iterfind(
                f"{q(_DS, 'KeyInfo')}/{q(_DS, 'X509Data')}/{q(_DS, 'X509Certificate')}"
            ):
                try:
                    der = _embedded_der(el.text or "", trust)
                except ValueError:
                    raise _fail(Reason.KEY_MISMATCH, "embedded certificate is unreadable") from None
                if self.settings.embedded_cert_policy == "must-match" and der not in trust._ders:
                    raise _fail(
                        Reason.KEY_MISMATCH,
                        "embedded signing certificate is not a configured certificate",
                    )
                ders.append(der)
        return ders

    # ----------------------------------------------------------------- step 6: crypto

    def _verification_time(self, cert: x509.Certificate, now: datetime) -> datetime:
        if self.settings.enforce_cert_validity:
            return now
        return cert.not_valid_before_utc  # inside the validity window: validity not enforced

    def _signxml(
        self, doc: bytes, cert: x509.Certificate, config: SignatureConfiguration, now: datetime
    ) -> tuple[etree._Element, str | None]:
        config = replace(config, verification_time=self._verification_time(cert, now))
        result = check_one_signature(doc, cert, config)
        if result.signed_xml is None:
            raise _fail(Reason.SIGNATURE_MALFORMED, "signed data is not XML")
        ref = result.signature_xml.find(f"{q(_DS, 'SignedInfo')}/{q(_DS, 'Reference')}")
        return result.signed_xml, (ref.get("URI") if ref is not None else None)

    def _crypto(
        self,
        doc: bytes,
        trust: IdpTrust,
        embedded: list[bytes],
        config: SignatureConfiguration,
        expected_tag: str,
        expected_id: str,
        now: datetime,
    ) -> etree._Element:
        failures: list[Reason] = []
        for cert, der in zip(trust.certificates, trust._ders, strict=True):
            try:
                signed, uri = self._signxml(doc, cert, config, now)
            except InvalidDigest:
                raise _fail(
                    Reason.INVALID_SIGNATURE, "digest mismatch: signed content altered"
                ) from None
            except InvalidCertificate:
                failures.append(Reason.CERT_NOT_VALID)
                continue
            except InvalidSignature:
                failures.append(Reason.INVALID_SIGNATURE)
                continue
            except (TypeError, binascii.Error):
                raise _fail(
                    Reason.INVALID_SIGNATURE, "SignatureValue/DigestValue undecodable"
                ) from None
            except etree.DocumentInvalid as exc:
                raise _fail(
                    Reason.SIGNATURE_MALFORMED, f"Signature schema-invalid: {exc}"
                ) from None
            except InvalidInput as exc:
                raise _fail(Reason.SIGNATURE_MALFORMED, f"signxml rejected input: {exc}") from None
            except (etree.C14NError, etree.XMLSyntaxError, SignXMLException, ValueError) as exc:
                raise _fail(Reason.SIGNATURE_MALFORMED, f"{type(exc).__name__}: {exc}") from None
            if signed.tag != expected_tag or signed.get("ID") != expected_id:
                raise _fail(Reason.REFERENCE_MISMATCH, "signature does not cover its parent")
            if uri != "#" + expected_id:
                raise _fail(Reason.REFERENCE_MISMATCH, "verified Reference URI differs")
            if (
                self.settings.embedded_cert_policy == "must-match"
                and embedded
                and any(e != der for e in embedded)
            ):
                raise _fail(Reason.KEY_MISMATCH, "embedded certificate is not the verifying one")
            return signed
        if failures and all(f is Reason.CERT_NOT_VALID for f in failures):
            raise _fail(Reason.CERT_NOT_VALID, "configured signing certificate not valid now")
        if embedded and self._verifies_with_embedded(doc, embedded, config):
            raise _fail(Reason.KEY_MISMATCH, "signed by a key not configured for the issuer")
        raise _fail(Reason.INVALID_SIGNATURE, "signature does not verify with a configured key")

    def _verifies_with_embedded(
        self, doc: bytes, embedded: list[bytes], config: SignatureConfiguration
    ) -> bool:
        for der in embedded:
            try:
                cert = x509.load_der_x509_certificate(der)
                self._signxml(doc, cert, config, cert.not_valid_before_utc)
            except Exception:  # any failure just means "not signed by this key"
                continue
            return True
        return False

    # ----------------------------------------------------------------- step 7: semantics

    def _instant(self, el: etree._Element, name: str) -> datetime | None:
        value = el.get(name)
        return None if value is None else parse_instant(value)

    def _semantics(
        self,
        *,
        response_view: etree._Element,
        response_signed: bool,
        raw_assertion: etree._Element,
        assertion: etree._Element,
        trust: IdpTrust,
        now: datetime,
        expected: InResponseToCheck,
    ) -> VerifiedAssertion:
        skew = self.settings.clock_skew
        # Response level (signed view when the Response was signed, else raw: reject-only use).
        self._check_response_header(response_view, trust, now)
        assertion_id = self._check_assertion_header(assertion, trust, now)
        subject, name_id_el = self._subject(raw_assertion, assertion)
        scd_irt, scd_noa = self._bearer(subject, now)
        self._check_conditions(assertion, now)
        authn, authn_instant, class_ref = self._authn_statement(assertion, now)
        attributes, duplicates = self._attributes(assertion)
        in_response_to = self._in_response_to(response_view, scd_irt, response_signed)

        # Replay, then pending-request consumption.
        if not self.replay_cache.check_and_store(assertion_id, scd_noa + skew, now):
            raise _fail(Reason.REPLAY, f"assertion {assertion_id[:80]!r} already used")
        if in_response_to is not None and not _pending_ok(expected, in_response_to):
            raise _fail(
                Reason.IN_RESPONSE_TO_MISMATCH,
                f"InResponseTo {in_response_to[:80]!r} is not a pending request",
            )

        return VerifiedAssertion(
            issuer=trust.issuer,
            assertion_id=assertion_id,
            name_id=name_id_el.text or "",
            name_id_format=name_id_el.get("Format"),
            attributes=attributes,
            authn_context_class_ref=class_ref,
            mfa=class_ref == saml_spec.AC_MFA,
            authn_instant=authn_instant,
            session_index=authn.get("SessionIndex"),
            in_response_to=in_response_to,
            not_on_or_after=scd_noa,
            response_signed=response_signed,
            duplicate_attributes=frozenset(duplicates),
        )

    def _check_response_header(
        self, response_view: etree._Element, trust: IdpTrust, now: datetime
    ) -> None:
        s = self.settings
        destination = response_view.get("Destination")
        if destination is None and s.require_destination:
            raise _fail(Reason.DESTINATION_MISMATCH, "Response has no Destination")
        if destination is not None and destination != s.acs_url:
            raise _fail(Reason.DESTINATION_MISMATCH, f"Destination {destination[:200]!r}")
        resp_issuer = response_view.find(_ISSUER)
        if resp_issuer is not None and (resp_issuer.text or "") != trust.issuer:
            raise _fail(Reason.ISSUER_MISMATCH, "Response Issuer differs from the federation's")
        _check_status(response_view)
        self._issued_in_past(response_view, "IssueInstant", "Response IssueInstant", now)

    def _check_assertion_header(
        self, assertion: etree._Element, trust: IdpTrust, now: datetime
    ) -> str:
        """The signed assertion's Version, Issuer and IssueInstant; returns its ID."""
        if assertion.get("Version") != saml_spec.VERSION_2_0:
            raise _fail(Reason.UNSUPPORTED_VERSION, "assertion Version must be 2.0")
        a_issuer = _single(assertion, _ISSUER)
        if a_issuer is None or (a_issuer.text or "") != trust.issuer:
            raise _fail(Reason.ISSUER_MISMATCH, "signed assertion Issuer differs from the trust")
        self._issued_in_past(assertion, "IssueInstant", "assertion IssueInstant", now)
        return assertion.get("ID") or ""

    def _issued_in_past(
        self, element: etree._Element, attribute: str, what: str, now: datetime
    ) -> datetime:
        """A required instant that may not lie beyond the allowed clock skew."""
        instant = self._instant(element, attribute)
        if instant is None:
            raise _fail(Reason.BAD_TIMESTAMP, f"{what} missing")
        if instant > now + self.settings.clock_skew:
            raise _fail(Reason.NOT_YET_VALID, f"{what} is in the future")
        return instant

    def _subject(
        self, raw_assertion: etree._Element, assertion: etree._Element
    ) -> tuple[etree._Element, etree._Element]:
        """The one Subject and its one well-formed NameID."""
        s = self.settings
        subject = _single(assertion, q(_SAML, "Subject"))
        if subject is None:
            raise _fail(Reason.MISSING_NAMEID, "assertion must have exactly one Subject")
        raw_nameids = raw_assertion.findall(f"{q(_SAML, 'Subject')}/{q(_SAML, 'NameID')}")
        if any(len(n) for n in raw_nameids):
            raise _fail(Reason.NAMEID_HAS_CHILD_NODES, "NameID contains comments/PIs/elements")
        name_id_el = _single(subject, q(_SAML, "NameID"))
        if name_id_el is None:
            raise _fail(Reason.MISSING_NAMEID, "Subject must have exactly one NameID")
        if len(name_id_el):
            raise _fail(Reason.NAMEID_HAS_CHILD_NODES, "NameID has child elements")
        name_id = name_id_el.text or ""
        if not name_id.strip():
            raise _fail(Reason.EMPTY_NAMEID, "NameID is empty")
        if len(name_id) > s.max_nameid_length:
            raise _fail(
                Reason.NAMEID_TOO_LONG, f"NameID has {len(name_id)} > {s.max_nameid_length} chars"
            )
        name_id_format = name_id_el.get("Format")
        if s.required_nameid_format is not None and name_id_format != s.required_nameid_format:
            raise _fail(Reason.NAMEID_FORMAT, f"NameID Format {str(name_id_format)[:100]!r}")
        return subject, name_id_el

    def _check_conditions(self, assertion: etree._Element, now: datetime) -> None:
        s = self.settings
        skew = s.clock_skew
        conditions_all = assertion.findall(q(_SAML, "Conditions"))
        if len(conditions_all) != 1:
            raise _fail(Reason.MISSING_CONDITIONS, f"{len(conditions_all)} Conditions elements")
        conditions = conditions_all[0]
        not_before = self._instant(conditions, "NotBefore")
        not_after = self._instant(conditions, "NotOnOrAfter")
        if not_before is not None and now + skew < not_before:
            raise _fail(Reason.NOT_YET_VALID, "Conditions NotBefore is in the future")
        if not_after is not None and now - skew >= not_after:
            raise _fail(Reason.EXPIRED, "Conditions NotOnOrAfter has passed")
        restrictions = conditions.findall(q(_SAML, "AudienceRestriction"))
        if not restrictions:
            raise _fail(Reason.AUDIENCE_MISMATCH, "no AudienceRestriction")
        for restriction in restrictions:
            audiences = [(a.text or "") for a in restriction.findall(q(_SAML, "Audience"))]
            if s.entity_id not in audiences:
                raise _fail(Reason.AUDIENCE_MISMATCH, f"audiences {audiences[:5]!r}")

    def _authn_statement(
        self, assertion: etree._Element, now: datetime
    ) -> tuple[etree._Element, datetime, str | None]:
        """The one AuthnStatement, its AuthnInstant and AuthnContextClassRef."""
        statements = assertion.findall(q(_SAML, "AuthnStatement"))
        if not statements:
            raise _fail(Reason.MISSING_AUTHN_STATEMENT, "no AuthnStatement")
        if len(statements) > 1:
            raise _fail(Reason.MULTIPLE_AUTHN_STATEMENTS, f"{len(statements)} AuthnStatements")
        authn = statements[0]
        authn_instant = self._issued_in_past(authn, "AuthnInstant", "AuthnInstant", now)
        session_end = self._instant(authn, "SessionNotOnOrAfter")
        if session_end is not None and now - self.settings.clock_skew >= session_end:
            raise _fail(Reason.EXPIRED, "SessionNotOnOrAfter has passed")
        class_ref_el = authn.find(f"{q(_SAML, 'AuthnContext')}/{q(_SAML, 'AuthnContextClassRef')}")
        class_ref = (class_ref_el.text or "").strip() if class_ref_el is not None else None
        return authn, authn_instant, class_ref

    def _in_response_to(
        self, response_view: etree._Element, scd_irt: str | None, response_signed: bool
    ) -> str | None:
        """The request this answers: the Response's and the confirmation's must agree."""
        resp_irt = response_view.get("InResponseTo")
        if resp_irt is not None and scd_irt is not None and resp_irt != scd_irt:
            raise _fail(Reason.IN_RESPONSE_TO_MISMATCH, "Response and SCD InResponseTo differ")
        if scd_irt is None and resp_irt is not None and response_signed is False:
            raise _fail(Reason.IN_RESPONSE_TO_MISMATCH, "unsigned InResponseTo only")
        in_response_to = scd_irt if scd_irt is not None else resp_irt
        if in_response_to is None and not self.settings.allow_unsolicited:
            raise _fail(Reason.UNSOLICITED_NOT_ALLOWED, "unsolicited Responses are not accepted")
        return in_response_to

    def _bearer(self, subject: etree._Element, now: datetime) -> tuple[str | None, datetime]:
        """Find one valid bearer confirmation; returns (InResponseTo, NotOnOrAfter)."""
        s = self.settings
        bearers = [
            sc
            for sc in subject.findall(q(_SAML, "SubjectConfirmation"))
            if sc.get("Method") == saml_spec.CM_BEARER
        ]
        if not bearers:
            raise _fail(Reason.NO_BEARER_CONFIRMATION, "no bearer SubjectConfirmation")
        first_error: SamlError | None = None
        for sc in bearers:
            try:
                data = _single(sc, q(_SAML, "SubjectConfirmationData"))
                if data is None:
                    raise _fail(Reason.NO_BEARER_CONFIRMATION, "no SubjectConfirmationData")
                if data.get("NotBefore") is not None:
                    raise _fail(Reason.NO_BEARER_CONFIRMATION, "bearer SCD must not have NotBefore")
                recipient = data.get("Recipient")
                if recipient != s.acs_url:
                    raise _fail(Reason.RECIPIENT_MISMATCH, f"Recipient {str(recipient)[:200]!r}")
                not_after = self._instant(data, "NotOnOrAfter")
                if not_after is None:
                    raise _fail(Reason.NO_BEARER_CONFIRMATION, "bearer SCD has no NotOnOrAfter")
                if now - s.clock_skew >= not_after:
                    raise _fail(Reason.EXPIRED, "SubjectConfirmationData NotOnOrAfter has passed")
                return data.get("InResponseTo"), not_after
            except SamlError as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def _attributes(self, assertion: etree._Element) -> tuple[dict[str, list[str]], set[str]]:
        attributes: dict[str, list[str]] = {}
        duplicates: set[str] = set()
        for statement in assertion.findall(q(_SAML, "AttributeStatement")):
            for child in statement:
                if not isinstance(child.tag, str):
                    continue
                if child.tag != q(_SAML, "Attribute"):
                    raise _fail(Reason.ATTRIBUTE_MALFORMED, f"unsupported {child.tag!s:.80}")
                name = child.get("Name")
                if not name:
                    raise _fail(Reason.ATTRIBUTE_MALFORMED, "Attribute without Name")
                values: list[str] = []
                for value_el in child:
                    if not isinstance(value_el.tag, str):
                        continue
                    if value_el.tag != q(_SAML, "AttributeValue") or len(value_el):
                        raise _fail(Reason.ATTRIBUTE_MALFORMED, f"bad value in {name[:80]!r}")
                    values.append(value_el.text or "")
                if name in attributes:
                    duplicates.add(name)
                    attributes[name].extend(values)
                else:
                    attributes[name] = values
        return attributes, duplicates


def _pending_ok(expected: InResponseToCheck, request_id: str) -> bool:
    if expected is None:
        return False
    if callable(expected):
        return bool(expected(request_id))
    return request_id in expected


def verify_response(
    xml: bytes,
    *,
    settings: SpSettings,
    trust_lookup: TrustLookup,
    now: datetime,
    replay_cache: ReplayCache | None = None,
    expected_in_response_to: InResponseToCheck = None,
) -> VerifiedAssertion:
    """One-shot convenience wrapper around ``SpVerifier.verify_xml``."""
    verifier = SpVerifier(settings, trust_lookup, replay_cache)
    return verifier.verify_xml(xml, now=now, expected_in_response_to=expected_in_response_to)
