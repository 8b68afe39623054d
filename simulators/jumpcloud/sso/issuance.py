"""The assertions JumpCloud issues: NameID choice, attributes, MFA context, signing (no Flask).

Microsoft 365 connector: persistent NameID = the user's Microsoft 365 immutable id (written by
the directory integration when the user is bound). A user who was never bound has none; JumpCloud
then falls back to its default NameID source, the email, and still signs the assertion: Entra
finds no user whose ``onPremisesImmutableId`` is that value and answers AADSTS51004.
``IDPEmail`` is the UPN the integration gave the user in Microsoft 365 (which a translation rule
may take from the alternate email), as Entra compares it with the user's UPN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simulators.saml import constants as saml_spec
from simulators.saml.ids import new_id
from simulators.saml.keys import SigningKeyPair
from simulators.saml.messages import ResponseSpec, build_error_response, build_response
from simulators.saml.signing import sign_response

from .model import SamlApp, SsoUser


@dataclass(frozen=True)
class Delivery:
    """Where and what the POST binding carries back to the SP."""

    acs_url: str
    in_response_to: str | None
    relay_state: str | None


def name_id_of(app: SamlApp, user: SsoUser) -> tuple[str, str]:
    """(NameID value, Format) for ``user`` under ``app``'s subject settings."""
    if app.microsoft365:
        return user.immutable_id or user.email, saml_spec.NAMEID_PERSISTENT
    value = user.field(app.subject_field)
    if app.subject_field in ("immutableId", "immutableID") and not value:
        value = user.email
    return value, app.nameid_format


def attributes_of(app: SamlApp, user: SsoUser) -> dict[str, list[str]]:
    """SAML attributes: the connector's mapped user fields, constants and (optionally) groups."""
    attributes: dict[str, list[str]] = {}
    for name, source in app.database_attributes:
        attributes.setdefault(name, []).append(user.field(source))
    for name, value in app.constant_attributes:
        attributes.setdefault(name, []).append(value)
    if app.microsoft365:
        attributes["IDPEmail"] = [user.upn]
    if app.groups_attribute and user.group_names:
        attributes[app.groups_attribute] = list(user.group_names)
    return attributes


def build_signed_response(
    app: SamlApp,
    user: SsoUser,
    delivery: Delivery,
    key: SigningKeyPair,
    *,
    now: datetime,
    mfa: bool,
    authn_instant: datetime,
    session_index: str | None = None,
) -> bytes:
    """A complete, signed Response for ``user`` (assertion and/or response signed per app)."""
    name_id, name_id_format = name_id_of(app, user)
    spec = ResponseSpec(
        issuer=app.idp_entity_id,
        destination=delivery.acs_url,
        audience=app.sp_entity_id,
        name_id=name_id,
        name_id_format=name_id_format,
        in_response_to=delivery.in_response_to,
        attributes=attributes_of(app, user),
        mfa=mfa,
        authn_instant=authn_instant,
        session_index=session_index or new_id(),
    )
    return sign_response(
        build_response(spec, now),
        key,
        sign_assertion=app.sign_assertion or not app.sign_response,
        sign_response=app.sign_response,
        algorithm=app.algorithm,
    )


def build_signed_refusal(
    app: SamlApp,
    delivery: Delivery,
    key: SigningKeyPair,
    *,
    now: datetime,
    status: str,
    sub_status: str | None,
    message: str,
) -> bytes:
    """A signed assertion-less Response (e.g. ``NoPassive`` when IsPassive finds no session)."""
    root = build_error_response(
        issuer=app.idp_entity_id,
        destination=delivery.acs_url,
        now=now,
        status=status,
        sub_status=sub_status,
        message=message,
        in_response_to=delivery.in_response_to,
    )
    return sign_response(
        root, key, sign_assertion=False, sign_response=True, algorithm=app.algorithm
    )
