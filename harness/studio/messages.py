"""The messages an exchange carries, decoded into fields a person can read and check.

AuthnRequests, SAML Responses and JWTs become lists of :class:`Field`; the fields that decide a
sign-in are flagged and, when a :class:`Facts` is given, compared with what the other side
expected: the NameID with the user's ``onPremisesImmutableId``, the Issuer with the domain's
``issuerUri``, the signing certificate with its ``signingCertificate``, the Audience with
``urn:federation:MicrosoftOnline``, the validity window with the lab clock.
``facts_from_lab`` gathers those expectations through the lab's public APIs only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from harness.studio.facts import (
    MICROSOFT_AUDIENCE,
    DomainFacts,
    Facts,
    UserFacts,
    facts_from_lab,
    parse_time,
)
from harness.studio.journeys import Exchange

__all__ = [
    "MICROSOFT_AUDIENCE",
    "DomainFacts",
    "Facts",
    "Field",
    "Message",
    "decode_exchange",
    "decode_jwt",
    "facts_from_lab",
]

MULTIPLE_AUTHN = "http://schemas.microsoft.com/claims/multipleauthn"
_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
_DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"samlp": _SAMLP, "saml": _SAML, "ds": _DS}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False
)
_INFLATE_CAP = 1024 * 1024
_HIDDEN = re.compile(
    r"<input[^>]*name=[\"'](SAMLRequest|SAMLResponse)[\"'][^>]*value=[\"']([^\"']+)[\"']",
    re.IGNORECASE,
)
_JWT = re.compile(
    r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.(?:\[signature-redacted\]|[A-Za-z0-9_-]*)"
)
_TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time", "xms_tcdt")
_DECIDING_CLAIMS = {"aud", "iss", "tid", "exp", "nbf", "scp", "roles", "upn", "oid", "appid"}


@dataclass
class Field:
    """One value of a message, possibly compared with what the receiving side expected."""

    name: str
    value: str
    deciding: bool = False
    expected: str | None = None
    ok: bool | None = None
    """``None`` when not compared, else whether ``value`` is what was expected."""
    note: str = ""


@dataclass
class Message:
    """A decoded message: ``kind`` (AuthnRequest, SAMLResponse, JWT), where it was, its fields."""

    kind: str
    where: str
    title: str
    fields: list[Field]
    raw: str = ""
    """Pretty XML or JSON of the whole message."""
    carrier: str = ""
    """What carried it: ``SAMLRequest``, ``SAMLResponse`` (a parameter) or ``JWT``."""
    encoded: str = ""
    """The value as it travelled (base64, or the token), to tell repeated messages apart."""

    @property
    def problems(self) -> list[Field]:
        return [f for f in self.fields if f.ok is False]


# -- entry points -------------------------------------------------------------------------------


def decode_exchange(exchange: Exchange | dict, facts: Facts | None = None) -> list[Message]:
    """Every AuthnRequest, SAML Response and JWT of an exchange (or journal entry), decoded.

    Never raises: a message that cannot be decoded becomes a message with a note.
    """
    entry = exchange.entry if isinstance(exchange, Exchange) else exchange
    facts = facts or Facts()
    when = parse_time(entry.get("time")) or facts.now
    found: list[Message] = []
    seen: set[str] = set()
    for kind, value, where in _saml_values(entry):
        if value in seen:
            continue
        seen.add(value)
        message = _safely(kind, where, lambda k=kind, v=value, w=where: _saml(k, v, w, facts, when))
        message.carrier, message.encoded = kind, value
        found.append(message)
    for where, text in _texts(entry):
        for token in _JWT.findall(text):
            if token in seen:
                continue
            seen.add(token)
            message = _safely("JWT", where, lambda t=token, w=where: decode_jwt(t, w, when))
            message.carrier, message.encoded = "JWT", token
            found.append(message)
    return found


def _safely(kind: str, where: str, build) -> Message:
    try:
        return build()
    except Exception as exc:  # decoding is for display; it never fails a page
        note = f"could not be decoded: {type(exc).__name__}"
        return Message(kind, where, f"{kind} ({note})", [Field("error", note)])


def _saml_values(entry: dict) -> list[tuple[str, str, str]]:
    out = []
    try:
        query = parse_qsl(urlsplit(entry.get("url") or "").query)
    except ValueError:
        query = []
    for key, value in query:
        if key in ("SAMLRequest", "SAMLResponse"):
            out.append((key, value, "query"))
    location = (entry.get("response_headers") or {}).get("Location") or ""
    if "SAML" in location:
        with contextlib.suppress(ValueError):
            for key, value in parse_qsl(urlsplit(location).query):
                if key in ("SAMLRequest", "SAMLResponse"):
                    out.append((key, value, "redirect"))
    body = entry.get("request_body") or ""
    if "SAML" in body and "=" in body and not body.startswith("<"):
        for key, value in parse_qsl(body):
            if key in ("SAMLRequest", "SAMLResponse"):
                out.append((key, value, "form"))
    for match in _HIDDEN.finditer(entry.get("response_body") or ""):
        out.append((match.group(1), match.group(2), "page form"))
    return out


def _texts(entry: dict) -> list[tuple[str, str]]:
    return [
        ("url", entry.get("url") or ""),
        ("request", entry.get("request_body") or ""),
        ("response", entry.get("response_body") or ""),
        ("request headers", json.dumps(entry.get("request_headers") or {})),
        ("response headers", json.dumps(entry.get("response_headers") or {})),
    ]


# -- SAML ---------------------------------------------------------------------------------------


def saml_xml(value: str) -> bytes:
    """The XML of a SAML message value: base64, then raw DEFLATE for the Redirect binding."""
    compact = value.strip().replace(" ", "+")
    raw = base64.b64decode(compact + "=" * (-len(compact) % 4))
    with contextlib.suppress(zlib.error):
        raw = zlib.decompressobj(-15).decompress(raw, _INFLATE_CAP)
    return raw


def _saml(kind: str, value: str, where: str, facts: Facts, when: dt.datetime | None) -> Message:
    try:
        raw = saml_xml(value)
    except (binascii.Error, ValueError):
        return Message(kind, where, f"{kind} (not base64)", [Field("value", value[:200])])
    root = etree.fromstring(raw, _PARSER)
    pretty = etree.tostring(root, pretty_print=True, encoding="unicode")
    name = etree.QName(root).localname
    if name == "AuthnRequest":
        return Message(
            "AuthnRequest", where, "AuthnRequest", authn_request_fields(root, facts), pretty
        )
    if name == "Response":
        fields = response_fields(root, raw, facts, when)
        return Message("SAMLResponse", where, "SAML Response", fields, pretty)
    return Message(kind, where, name, [Field("element", name)], pretty)


def _text(el: etree._Element | None) -> str | None:
    return el.text.strip() if el is not None and el.text else None


def authn_request_fields(root: etree._Element, facts: Facts) -> list[Field]:
    """The fields of an AuthnRequest; the deciding ones are what the IdP checks."""
    policy = root.find("samlp:NameIDPolicy", _NS)
    issuer = _text(root.find("saml:Issuer", _NS))
    context = root.find("samlp:RequestedAuthnContext/saml:AuthnContextClassRef", _NS)
    fields = [
        Field("ID", root.get("ID") or "", deciding=True, note="the Response must answer it"),
        Field("Issuer", issuer or "", deciding=True, expected=facts.audience,
              ok=_eq(issuer, facts.audience)),
        Field("Destination", root.get("Destination") or ""),
        Field("AssertionConsumerServiceURL", root.get("AssertionConsumerServiceURL") or "",
              deciding=True, expected=facts.acs_url,
              ok=_eq(root.get("AssertionConsumerServiceURL"), facts.acs_url)
              if root.get("AssertionConsumerServiceURL") and facts.acs_url else None),
        Field("IssueInstant", root.get("IssueInstant") or ""),
        Field("NameIDPolicy Format", policy.get("Format", "") if policy is not None else ""),
        Field("ForceAuthn", root.get("ForceAuthn") or "false"),
        Field("IsPassive", root.get("IsPassive") or "false"),
    ]  # fmt: skip
    if context is not None:
        fields.append(Field("RequestedAuthnContext", _text(context) or ""))
    return fields


def response_fields(
    root: etree._Element, raw: bytes, facts: Facts, when: dt.datetime | None
) -> list[Field]:
    """The fields of a SAML Response and its assertion, compared with ``facts``."""
    assertion = root.find("saml:Assertion", _NS)
    a = assertion if assertion is not None else root
    status = root.find("samlp:Status/samlp:StatusCode", _NS)
    status_value = (status.get("Value") or "") if status is not None else ""
    name_id = a.find("saml:Subject/saml:NameID", _NS)
    attributes = _attributes(a)
    idp_email = next(iter(attributes.get("IDPEmail", [])), None)
    user = facts.user(idp_email) or facts.user_by_immutable_id(_text(name_id))
    domain = facts.domain_of(user.upn if user else idp_email)
    issuer = _text(a.find("saml:Issuer", _NS)) or _text(root.find("saml:Issuer", _NS))
    confirmation = a.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", _NS)
    conditions = a.find("saml:Conditions", _NS)
    audience = _text(a.find("saml:Conditions/saml:AudienceRestriction/saml:Audience", _NS))
    fields = [
        Field("Status", status_value.rsplit(":", 1)[-1], deciding=True, expected="Success",
              ok=status_value.endswith(":Success")),
        Field("InResponseTo", root.get("InResponseTo") or "(none: IdP-initiated)"),
        Field("Issuer", issuer or "", deciding=True,
              expected=domain.issuer_uri if domain else None,
              ok=_eq(issuer, domain.issuer_uri) if domain and domain.issuer_uri else None,
              note="Entra finds the federated domain by this value (its issuerUri)"),
        _name_id_field(name_id, user),
        Field("NameID Format", name_id.get("Format", "") if name_id is not None else ""),
        Field("IDPEmail", idp_email or "(missing)", deciding=True,
              expected=user.upn if user else None,
              ok=_eq((idp_email or "").lower(), user.upn.lower()) if user else None),
        Field("Destination", root.get("Destination") or "", deciding=True,
              expected=facts.acs_url, ok=_eq(root.get("Destination"), facts.acs_url)
              if facts.acs_url and root.get("Destination") else None),
        Field("Recipient", confirmation.get("Recipient", "") if confirmation is not None else "",
              deciding=True, expected=facts.acs_url,
              ok=_eq(confirmation.get("Recipient"), facts.acs_url)
              if facts.acs_url and confirmation is not None else None),
        Field("Audience", audience or "", deciding=True, expected=facts.audience,
              ok=_eq(audience, facts.audience)),
        _window("NotBefore", conditions.get("NotBefore") if conditions is not None else None,
                when, before=True),
        _window("NotOnOrAfter", conditions.get("NotOnOrAfter") if conditions is not None else None,
                when, before=False),
        _window("SubjectConfirmation NotOnOrAfter",
                confirmation.get("NotOnOrAfter") if confirmation is not None else None,
                when, before=False),
        Field("AuthnContext", _text(a.find(".//saml:AuthnContextClassRef", _NS)) or ""),
        Field("multipleauthn (MFA done at the IdP)",
              "yes" if MULTIPLE_AUTHN in attributes.get(
                  "http://schemas.microsoft.com/claims/authnmethodsreferences", []) else "no"),
    ]  # fmt: skip
    fields.extend(signature_fields(root, raw, domain))
    for name, values in attributes.items():
        if name != "IDPEmail":
            fields.append(Field(f"Attribute {name}", ", ".join(values)))
    return fields


def _name_id_field(name_id: etree._Element | None, user: UserFacts | None) -> Field:
    value = _text(name_id) or ""
    if user is None:
        return Field("NameID", value, deciding=True, note="no Microsoft 365 user to compare with")
    expected = user.immutable_id
    return Field(
        "NameID",
        value,
        deciding=True,
        expected=expected or f"(no onPremisesImmutableId on {user.upn})",
        ok=bool(expected) and value == expected,
        note="Entra finds the user by onPremisesImmutableId = NameID",
    )


def _attributes(assertion: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for attribute in assertion.iterfind("saml:AttributeStatement/saml:Attribute", _NS):
        values = [_text(v) or "" for v in attribute.iterfind("saml:AttributeValue", _NS)]
        out.setdefault(attribute.get("Name") or "?", []).extend(values)
    return out


def _window(name: str, value: str | None, when: dt.datetime | None, *, before: bool) -> Field:
    if not value:
        return Field(name, "(not set)")
    moment = parse_time(value)
    if moment is None or when is None:
        return Field(name, value, deciding=True)
    ok = when >= moment if before else when < moment
    relation = "lab clock at the exchange"
    return Field(
        name,
        value,
        deciding=True,
        expected=f"{'≤' if before else '>'} {when.isoformat().replace('+00:00', 'Z')} ({relation})",
        ok=ok,
    )


def signature_fields(root: etree._Element, raw: bytes, domain: DomainFacts | None) -> list[Field]:
    """Which element is signed, by which certificate, and whether it verifies with the one the
    domain trusts (its ``signingCertificate``, else ``nextSigningCertificate``)."""
    fields = []
    for signature in root.iter(f"{{{_DS}}}Signature"):
        parent = signature.getparent()
        where = etree.QName(parent).localname if parent is not None else "?"
        method = signature.find("ds:SignedInfo/ds:SignatureMethod", _NS)
        algorithm = (method.get("Algorithm") or "").rsplit("#", 1)[-1] if method is not None else ""
        embedded = _text(signature.find(".//ds:X509Certificate", _NS))
        fields.append(Field(f"Signature on {where}", algorithm, deciding=True))
        fields.append(_certificate_field(embedded, domain))
        if domain is not None and domain.signing_certificate:
            fields.append(_verify_field(raw, parent, domain))
    if not fields:
        fields.append(Field("Signature", "(none)", deciding=True, expected="a signed assertion",
                            ok=False))  # fmt: skip
    return fields


def thumbprint(cert_b64: str) -> str:
    """SHA-1 thumbprint of a base64 DER certificate, as Microsoft's portals show it."""
    der = base64.b64decode("".join(cert_b64.split()))
    return hashlib.sha1(der).hexdigest().upper()


def _certificate_field(embedded: str | None, domain: DomainFacts | None) -> Field:
    shown = f"thumbprint {thumbprint(embedded)}" if embedded else "(no certificate in KeyInfo)"
    trusted = (
        [c for c in (domain.signing_certificate, domain.next_signing_certificate) if c]
        if (domain)
        else []
    )
    if not embedded or not trusted or domain is None:
        return Field("Signing certificate", shown, deciding=True)
    expected = thumbprint(trusted[0])
    ok = any("".join(embedded.split()) == "".join(c.split()) for c in trusted)
    return Field(
        "Signing certificate",
        shown,
        deciding=True,
        expected=f"thumbprint {expected} (signingCertificate of {domain.name})",
        ok=ok,
    )


def _verify_field(raw: bytes, signed: etree._Element | None, domain: DomainFacts) -> Field:
    from signxml import XMLVerifier  # imported here: most pages never verify anything

    ok, note = False, ""
    for cert in (domain.signing_certificate, domain.next_signing_certificate):
        if not cert or signed is None:
            continue
        try:
            XMLVerifier().verify(
                etree.tostring(signed),
                x509_cert=_pem(cert),
                id_attribute="ID",
                expect_references=1,
            )
            ok, note = True, ""
            break
        except Exception as exc:  # signxml raises several kinds; all mean "does not verify"
            note = f"{type(exc).__name__}: {str(exc)[:120]}"
    return Field(
        "Signature valid",
        "yes" if ok else "no",
        deciding=True,
        expected=f"verifies with the signingCertificate of {domain.name}",
        ok=ok,
        note=note,
    )


def _pem(cert_b64: str) -> str:
    body = "".join(cert_b64.split())
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"


# -- JWT ----------------------------------------------------------------------------------------


def _b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def decode_jwt(token: str, where: str = "", when: dt.datetime | None = None) -> Message:
    """Header and claims of a JWT (the journal dropped its signature); times against the lab
    clock at the exchange."""
    header_part, claims_part = token.split(".")[:2]
    header, claims = _b64json(header_part), _b64json(claims_part)
    fields = [Field(f"header {k}", _show(v)) for k, v in header.items()]
    for key, value in claims.items():
        fields.append(_claim(key, value, when))
    raw = json.dumps({"header": header, "claims": claims}, indent=2, ensure_ascii=False)
    kind = (
        "access token"
        if "scp" in claims or "roles" in claims
        else "id token"
        if ("nonce" in claims)
        else "JWT"
    )
    return Message("JWT", where, f"JWT ({kind})", fields, raw)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _claim(key: str, value: Any, when: dt.datetime | None) -> Field:
    deciding = key in _DECIDING_CLAIMS
    if key in _TIME_CLAIMS and isinstance(value, int | float):
        moment = dt.datetime.fromtimestamp(value, dt.UTC)
        shown = f"{value} ({moment.isoformat().replace('+00:00', 'Z')})"
        if key == "exp" and when is not None:
            return Field(key, shown, deciding=True, expected=f"> {when.isoformat()} (lab clock)",
                         ok=moment > when)  # fmt: skip
        if key == "nbf" and when is not None:
            return Field(key, shown, deciding=True, expected=f"≤ {when.isoformat()} (lab clock)",
                         ok=moment <= when + dt.timedelta(minutes=5))  # fmt: skip
        return Field(key, shown, deciding=deciding)
    return Field(key, _show(value), deciding=deciding)


# -- helpers ------------------------------------------------------------------------------------


def _eq(value: str | None, expected: str | None) -> bool | None:
    if expected is None:
        return None
    return (value or "") == expected
