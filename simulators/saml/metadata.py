"""IdP metadata: builder, hardened parser, and JumpCloud's entity-id → federated-domain rule."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from . import constants as saml_spec
from .constants import q
from .errors import MetadataError, SamlError
from .keys import cert_from_b64
from .xmlparse import parse_xml

_MD = saml_spec.MD_NS
_DS = saml_spec.DS_NS

# A DNS name: labels of letters/digits/hyphens, at least one dot, no leading/trailing hyphen.
_DOMAIN_RE = re.compile(
    r"(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)


@dataclass(frozen=True)
class IdpMetadata:
    """What a consumer (O365SSO-style tooling) reads from IdP metadata."""

    entity_id: str
    sso_url: str
    certificates_b64: list[str]
    sso_bindings: dict[str, str]
    nameid_formats: list[str]


def build_idp_metadata(
    entity_id: str,
    sso_url: str,
    certificates_b64: Sequence[str],
    *,
    nameid_formats: Sequence[str] = (saml_spec.NAMEID_PERSISTENT, saml_spec.NAMEID_EMAIL),
    slo_url: str | None = None,
    want_authn_requests_signed: bool = False,
) -> bytes:
    """Build an EntityDescriptor with one IDPSSODescriptor (Redirect + POST SSO endpoints)."""
    if not certificates_b64:
        raise MetadataError("at least one signing certificate is required")
    root = etree.Element(q(_MD, "EntityDescriptor"), nsmap={"md": _MD, "ds": _DS})
    root.set("entityID", entity_id)
    idp = etree.SubElement(root, q(_MD, "IDPSSODescriptor"))
    idp.set("WantAuthnRequestsSigned", "true" if want_authn_requests_signed else "false")
    idp.set("protocolSupportEnumeration", saml_spec.SAMLP_NS)
    for cert_b64 in certificates_b64:
        compact = "".join(cert_b64.split())
        try:
            cert_from_b64(compact)
        except ValueError as exc:
            raise MetadataError(f"unusable signing certificate: {exc}") from None
        key = etree.SubElement(idp, q(_MD, "KeyDescriptor"))
        key.set("use", "signing")
        info = etree.SubElement(key, q(_DS, "KeyInfo"))
        data = etree.SubElement(info, q(_DS, "X509Data"))
        etree.SubElement(data, q(_DS, "X509Certificate")).text = compact
    if slo_url is not None:
        for binding in (saml_spec.BINDING_HTTP_REDIRECT, saml_spec.BINDING_HTTP_POST):
            slo = etree.SubElement(idp, q(_MD, "SingleLogoutService"))
            slo.set("Binding", binding)
            slo.set("Location", slo_url)
    for fmt in nameid_formats:
        etree.SubElement(idp, q(_MD, "NameIDFormat")).text = fmt
    for binding in (saml_spec.BINDING_HTTP_REDIRECT, saml_spec.BINDING_HTTP_POST):
        sso = etree.SubElement(idp, q(_MD, "SingleSignOnService"))
        sso.set("Binding", binding)
        sso.set("Location", sso_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_idp_metadata(xml: bytes) -> IdpMetadata:
    """Parse IdP metadata with the hardened parser; ``MetadataError`` on anything unusable."""
    try:
        root = parse_xml(xml)
    except SamlError as exc:
        raise MetadataError(f"metadata rejected: {exc.reason.value}: {exc.detail}") from None
    if root.tag != q(_MD, "EntityDescriptor"):
        raise MetadataError(f"root must be md:EntityDescriptor, got {root.tag!s:.100}")
    entity_id = (root.get("entityID") or "").strip()
    if not entity_id:
        raise MetadataError("EntityDescriptor has no entityID")
    idps = root.findall(q(_MD, "IDPSSODescriptor"))
    if len(idps) != 1:
        raise MetadataError(f"expected one IDPSSODescriptor, found {len(idps)}")
    idp = idps[0]
    if saml_spec.SAMLP_NS not in (idp.get("protocolSupportEnumeration") or "").split():
        raise MetadataError("IDPSSODescriptor does not support SAML 2.0 protocol")
    services = idp.findall(q(_MD, "SingleSignOnService"))
    if not services or not (services[0].get("Location") or "").strip():
        raise MetadataError("no SingleSignOnService Location")
    bindings: dict[str, str] = {}
    for service in services:
        binding, location = service.get("Binding"), service.get("Location")
        if binding and location and binding not in bindings:
            bindings[binding] = location.strip()
    certs: list[str] = []
    for key in idp.findall(q(_MD, "KeyDescriptor")):
        if key.get("use") not in (None, "signing"):
            continue
        for cert_el in key.iterfind(
            f"{q(_DS, 'KeyInfo')}/{q(_DS, 'X509Data')}/{q(_DS, 'X509Certificate')}"
        ):
            compact = "".join((cert_el.text or "").split())
            try:
                cert_from_b64(compact)
            except ValueError as exc:
                raise MetadataError(f"unusable X509Certificate: {exc}") from None
            certs.append(compact)
    if not certs:
        raise MetadataError("no signing certificate in metadata")
    return IdpMetadata(
        entity_id=entity_id,
        sso_url=(services[0].get("Location") or "").strip(),
        certificates_b64=certs,
        sso_bindings=bindings,
        nameid_formats=[(el.text or "").strip() for el in idp.findall(q(_MD, "NameIDFormat"))],
    )


def federation_domain_from_entity_id(entity_id: str) -> str:
    """JumpCloud M365 rule: entity id ``https://<domain>`` or ``urn:uri:<domain>`` → domain."""
    for prefix in ("https://", "urn:uri:"):
        if entity_id.startswith(prefix):
            domain = entity_id[len(prefix) :]
            if _DOMAIN_RE.fullmatch(domain):
                return domain.lower()
            raise MetadataError(
                f"IdP Entity ID {entity_id!r}: {domain!r} after {prefix!r} "
                "is not a bare domain name"
            )
    raise MetadataError(
        f"IdP Entity ID {entity_id!r} must be 'https://<domain>' or 'urn:uri:<domain>' "
        "so the domain to federate can be derived from it"
    )
