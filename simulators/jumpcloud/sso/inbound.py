"""AuthnRequests arriving at ``/saml2/<label>`` (Redirect or POST binding), checked for the app."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from simulators.saml import constants as saml_spec
from simulators.saml import request_signature as rs
from simulators.saml.bindings import Binding, decode_saml_message
from simulators.saml.constants import q
from simulators.saml.errors import SamlError
from simulators.saml.messages import AuthnRequestInfo, authn_request_info
from simulators.saml.xmlparse import parse_xml

from .errors import SsoRefusal
from .model import SamlApp

MAX_RELAY_STATE = 1024
"""SAML bindings say 80 bytes; Entra's own RelayState is longer, so the IdP accepts up to 1 KiB."""


@dataclass(frozen=True)
class InboundRequest:
    """A checked AuthnRequest: what the IdP must answer and how."""

    info: AuthnRequestInfo
    acs_url: str
    requested_contexts: tuple[str, ...]

    @property
    def wants_mfa(self) -> bool:
        return saml_spec.AC_MFA in self.requested_contexts


def requested_authn_contexts(root: etree._Element) -> tuple[str, ...]:
    """The ``RequestedAuthnContext/AuthnContextClassRef`` values of a request (may be empty)."""
    requested = q(saml_spec.SAMLP_NS, "RequestedAuthnContext")
    refs = root.findall(f"{requested}/{q(saml_spec.SAML_NS, 'AuthnContextClassRef')}")
    return tuple((r.text or "").strip() for r in refs if (r.text or "").strip())


def read_request(
    app: SamlApp, value: str, binding: Binding, query_string: str = ""
) -> InboundRequest:
    """Decode, parse and check a ``SAMLRequest`` for ``app``; ``SsoRefusal`` when unusable.

    ``query_string``: the raw query of a Redirect-binding request (its signature covers it)."""
    try:
        xml = decode_saml_message(value, binding=binding)
        root = parse_xml(xml)
        info = authn_request_info(root)
        contexts = requested_authn_contexts(root)
    except SamlError as exc:
        raise SsoRefusal(
            "invalid_saml_request",
            f"The SAML request could not be read ({exc.reason.value}).",
            status=400,
        ) from None
    check_signature(app, binding, query_string, xml, root, info.id)
    if app.sp_entity_id and info.issuer != app.sp_entity_id:
        raise SsoRefusal(
            "invalid_saml_request",
            f"The SAML request comes from {info.issuer!r}, but this application's SP Entity ID "
            f"is {app.sp_entity_id!r}.",
            status=400,
        )
    acs_url = app.acs_url
    if info.acs_url is not None:
        if info.acs_url not in app.acs_urls:
            raise SsoRefusal(
                "invalid_acs_url",
                "The SAML request asks for an Assertion Consumer Service URL that is not "
                "configured for this application.",
                status=400,
            )
        acs_url = info.acs_url
    return InboundRequest(info=info, acs_url=acs_url, requested_contexts=contexts)


def check_signature(
    app: SamlApp, binding: Binding, query_string: str, xml: bytes, root: etree._Element, rid: str
) -> None:
    """A signed request to an app that holds the SP's certificate must verify with it; unsigned
    requests, and signed ones to an app without that certificate, are taken as they are."""
    signed = (
        rs.redirect_is_signed(query_string) if binding == "redirect" else rs.post_is_signed(root)
    )
    if not (signed and app.sp_certificate):
        return
    try:
        cert = rs.load_certificate(app.sp_certificate)
        if binding == "redirect":
            rs.verify_redirect(query_string, cert)
        else:
            rs.verify_enveloped(xml, rid, cert)
    except SamlError as exc:
        raise SsoRefusal(
            "invalid_saml_request",
            "The SAML request's signature does not verify with this application's SP "
            f"certificate ({exc.reason.value}).",
            status=400,
        ) from None


def check_relay_state(value: str | None) -> str | None:
    """RelayState is echoed byte for byte; only its size is limited."""
    if value is not None and len(value.encode()) > MAX_RELAY_STATE:
        raise SsoRefusal("invalid_saml_request", "RelayState is too long.", status=400)
    return value
