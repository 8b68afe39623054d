"""Build and parse SAML protocol messages: AuthnRequest (Entra shape) and Response/Assertion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lxml import etree

from . import constants as saml_spec
from .bindings import Binding, decode_saml_message
from .constants import q
from .errors import Reason, SamlError
from .ids import format_instant, is_ncname_id, new_id, parse_instant
from .xmlparse import parse_xml

_SAMLP = saml_spec.SAMLP_NS
_SAML = saml_spec.SAML_NS


def to_bytes(element: etree._Element) -> bytes:
    """Serialise an element compactly as UTF-8 without an XML declaration."""
    return etree.tostring(element, encoding="utf-8")


# --------------------------------------------------------------------------- AuthnRequest


def _boolean(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _protocol_message(
    tag: str, nsmap: dict, message_id: str, now: datetime, **optional: str | None
) -> etree._Element:
    """A samlp element with ID, Version, IssueInstant and the optional attributes given."""
    root = etree.Element(q(_SAMLP, tag), nsmap=nsmap)
    root.set("ID", message_id)
    root.set("Version", saml_spec.VERSION_2_0)
    root.set("IssueInstant", format_instant(now))
    for name, value in optional.items():
        if value is not None:
            root.set(name, value)
    return root


def build_authn_request(
    issuer: str,
    now: datetime,
    *,
    destination: str | None = None,
    acs_url: str | None = None,
    nameid_format: str | None = saml_spec.NAMEID_PERSISTENT,
    request_id: str | None = None,
    protocol_binding: str | None = None,
    force_authn: bool | None = None,
    is_passive: bool | None = None,
) -> tuple[str, bytes]:
    """Build an AuthnRequest shaped like Entra's; returns ``(id, xml)``."""
    rid = request_id or new_id()
    root = _protocol_message(
        "AuthnRequest",
        {"samlp": _SAMLP},
        rid,
        now,
        Destination=destination,
        AssertionConsumerServiceURL=acs_url,
        ProtocolBinding=protocol_binding,
        ForceAuthn=_boolean(force_authn),
        IsPassive=_boolean(is_passive),
    )
    issuer_el = etree.SubElement(root, q(_SAML, "Issuer"), nsmap={None: _SAML})
    issuer_el.text = issuer
    if nameid_format is not None:
        policy = etree.SubElement(root, q(_SAMLP, "NameIDPolicy"))
        policy.set("Format", nameid_format)
    return rid, to_bytes(root)


@dataclass(frozen=True)
class AuthnRequestInfo:
    """What an IdP needs from a parsed AuthnRequest."""

    id: str
    issuer: str
    issue_instant: datetime
    destination: str | None
    acs_url: str | None
    protocol_binding: str | None
    nameid_format: str | None
    force_authn: bool
    is_passive: bool
    signed: bool


def _xs_boolean(value: str | None, name: str) -> bool:
    """Parse xs:boolean (absent → False)."""
    if value is None:
        return False
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise SamlError(Reason.XML_SYNTAX, f"{name} is not an xs:boolean: {value[:32]!r}")


def check_protocol_root(root: etree._Element, tag: str, error: type[SamlError] = SamlError) -> str:
    """The root is a SAML 2.0 ``samlp:<tag>`` with an NCName ID; returns the ID."""
    if root.tag != q(_SAMLP, tag):
        raise error(Reason.WRONG_ROOT, f"expected samlp:{tag}, got {str(root.tag)[:100]}")
    if root.get("Version") != saml_spec.VERSION_2_0:
        raise error(Reason.UNSUPPORTED_VERSION, f"Version={str(root.get('Version'))[:20]!r}")
    rid = root.get("ID")
    if not rid or not is_ncname_id(rid) or len(rid) > 256:
        raise error(Reason.MISSING_ID, f"{tag} ID missing or not an NCName")
    return rid


def parse_authn_request(xml: bytes) -> AuthnRequestInfo:
    """Parse and structurally validate an AuthnRequest (signature, if any, is not verified)."""
    return authn_request_info(parse_xml(xml))


def authn_request_info(root: etree._Element) -> AuthnRequestInfo:
    """Structurally validate an already parsed AuthnRequest (see ``parse_authn_request``)."""
    rid = check_protocol_root(root, "AuthnRequest")
    issue_instant = parse_instant(root.get("IssueInstant"))
    issuers = root.findall(q(_SAML, "Issuer"))
    if len(issuers) != 1 or not (issuers[0].text or "").strip() or len(issuers[0]):
        raise SamlError(Reason.MISSING_ISSUER, "AuthnRequest must carry exactly one Issuer")
    policies = root.findall(q(_SAMLP, "NameIDPolicy"))
    if len(policies) > 1:
        raise SamlError(Reason.XML_SYNTAX, "more than one NameIDPolicy")
    return AuthnRequestInfo(
        id=rid,
        issuer=(issuers[0].text or "").strip(),
        issue_instant=issue_instant,
        destination=root.get("Destination"),
        acs_url=root.get("AssertionConsumerServiceURL"),
        protocol_binding=root.get("ProtocolBinding"),
        nameid_format=policies[0].get("Format") if policies else None,
        force_authn=_xs_boolean(root.get("ForceAuthn"), "ForceAuthn"),
        is_passive=_xs_boolean(root.get("IsPassive"), "IsPassive"),
        signed=root.find(q(saml_spec.DS_NS, "Signature")) is not None,
    )


def parse_authn_request_value(value: str, *, binding: Binding) -> AuthnRequestInfo:
    """Decode a ``SAMLRequest`` value for the binding (Redirect inflates, POST not) and parse it."""
    return parse_authn_request(decode_saml_message(value, binding=binding))


# --------------------------------------------------------------------------- Response


@dataclass(frozen=True)
class ResponseSpec:
    """Everything an IdP decides about one Response; defaults follow Microsoft's sample Response."""

    issuer: str
    destination: str
    audience: str
    name_id: str
    name_id_format: str = saml_spec.NAMEID_PERSISTENT
    in_response_to: str | None = None
    recipient: str | None = None  # defaults to destination
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    attribute_name_format: str | None = None
    mfa: bool = False
    authn_context_class_ref: str | None = None  # overrides the mfa-derived value
    authn_instant: datetime | None = None  # defaults to now
    session_index: str | None = None  # defaults to a fresh ID
    session_not_on_or_after: datetime | None = None
    subject_confirmation_lifetime: timedelta = timedelta(minutes=5)
    conditions_not_before: timedelta = timedelta(minutes=5)  # NotBefore = now - this
    conditions_lifetime: timedelta = timedelta(hours=1)  # NotOnOrAfter = now + this
    response_id: str | None = None
    assertion_id: str | None = None
    consent: str | None = None
    include_response_issuer: bool = True


def _issuer(parent: etree._Element, value: str) -> etree._Element:
    el = etree.SubElement(parent, q(_SAML, "Issuer"))
    el.text = value
    return el


def _response_root(
    *,
    response_id: str,
    now: datetime,
    destination: str | None,
    in_response_to: str | None,
    consent: str | None,
) -> etree._Element:
    return _protocol_message(
        "Response",
        {"samlp": _SAMLP, "saml": _SAML},
        response_id,
        now,
        Destination=destination,
        InResponseTo=in_response_to,
        Consent=consent,
    )


def _status(parent: etree._Element, code: str, sub: str | None, message: str | None) -> None:
    status = etree.SubElement(parent, q(_SAMLP, "Status"))
    code_el = etree.SubElement(status, q(_SAMLP, "StatusCode"))
    code_el.set("Value", code)
    if sub is not None:
        etree.SubElement(code_el, q(_SAMLP, "StatusCode")).set("Value", sub)
    if message is not None:
        etree.SubElement(status, q(_SAMLP, "StatusMessage")).text = message


def build_response(spec: ResponseSpec, now: datetime) -> etree._Element:
    """Build an unsigned samlp:Response with one Assertion carrying every Entra-required element."""
    assertion_id = spec.assertion_id or new_id()
    root = _response_root(
        response_id=spec.response_id or new_id(),
        now=now,
        destination=spec.destination,
        in_response_to=spec.in_response_to,
        consent=spec.consent,
    )
    if spec.include_response_issuer:
        _issuer(root, spec.issuer)
    _status(root, saml_spec.STATUS_SUCCESS, None, None)

    assertion = etree.SubElement(root, q(_SAML, "Assertion"))
    assertion.set("ID", assertion_id)
    assertion.set("IssueInstant", format_instant(now))
    assertion.set("Version", saml_spec.VERSION_2_0)
    _issuer(assertion, spec.issuer)

    subject = etree.SubElement(assertion, q(_SAML, "Subject"))
    name_id = etree.SubElement(subject, q(_SAML, "NameID"))
    name_id.set("Format", spec.name_id_format)
    name_id.text = spec.name_id
    confirmation = etree.SubElement(subject, q(_SAML, "SubjectConfirmation"))
    confirmation.set("Method", saml_spec.CM_BEARER)
    scd = etree.SubElement(confirmation, q(_SAML, "SubjectConfirmationData"))
    if spec.in_response_to is not None:
        scd.set("InResponseTo", spec.in_response_to)
    scd.set("NotOnOrAfter", format_instant(now + spec.subject_confirmation_lifetime))
    scd.set("Recipient", spec.recipient or spec.destination)

    conditions = etree.SubElement(assertion, q(_SAML, "Conditions"))
    conditions.set("NotBefore", format_instant(now - spec.conditions_not_before))
    conditions.set("NotOnOrAfter", format_instant(now + spec.conditions_lifetime))
    restriction = etree.SubElement(conditions, q(_SAML, "AudienceRestriction"))
    etree.SubElement(restriction, q(_SAML, "Audience")).text = spec.audience

    if spec.attributes:
        statement = etree.SubElement(assertion, q(_SAML, "AttributeStatement"))
        for name, values in spec.attributes.items():
            attribute = etree.SubElement(statement, q(_SAML, "Attribute"))
            attribute.set("Name", name)
            if spec.attribute_name_format is not None:
                attribute.set("NameFormat", spec.attribute_name_format)
            for value in [values] if isinstance(values, str) else values:
                etree.SubElement(attribute, q(_SAML, "AttributeValue")).text = value

    authn = etree.SubElement(assertion, q(_SAML, "AuthnStatement"))
    authn.set("AuthnInstant", format_instant(spec.authn_instant or now))
    if spec.session_not_on_or_after is not None:
        authn.set("SessionNotOnOrAfter", format_instant(spec.session_not_on_or_after))
    authn.set("SessionIndex", spec.session_index or new_id())
    context = etree.SubElement(authn, q(_SAML, "AuthnContext"))
    class_ref = spec.authn_context_class_ref or (
        saml_spec.AC_MFA if spec.mfa else saml_spec.AC_PASSWORD_PROTECTED
    )
    etree.SubElement(context, q(_SAML, "AuthnContextClassRef")).text = class_ref
    return root


def _status_uri(value: str) -> str:
    return value if value.startswith("urn:") else f"urn:oasis:names:tc:SAML:2.0:status:{value}"


def build_error_response(
    *,
    issuer: str,
    destination: str,
    now: datetime,
    status: str = saml_spec.STATUS_RESPONDER,
    sub_status: str | None = None,
    message: str | None = None,
    in_response_to: str | None = None,
    response_id: str | None = None,
) -> etree._Element:
    """Build an unsigned assertion-less refusal Response (``Responder`` / ``Requester``)."""
    root = _response_root(
        response_id=response_id or new_id(),
        now=now,
        destination=destination,
        in_response_to=in_response_to,
        consent=None,
    )
    _issuer(root, issuer)
    _status(
        root,
        _status_uri(status),
        _status_uri(sub_status) if sub_status is not None else None,
        message,
    )
    return root
