"""What a sign-in step decides: show a page, show the error page, answer the client, federate."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from simulators.microsoft.entra.aadsts import AadstsError


class Page(Enum):
    """The sign-in pages (page map ids of common.md)."""

    USERNAME = "username"
    PASSWORD = "password"
    CHANGE_PASSWORD = "change_password"
    MFA = "mfa"
    MFA_REGISTER = "mfa_register"
    CONSENT = "consent"
    ADMIN_APPROVAL = "admin_approval"


@dataclass(frozen=True)
class ShowPage:
    """Show ``page`` of the pending sign-in with ``fields`` (upn, error, scopes...)."""

    page: Page
    pending: dict
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ShowError:
    """Stop on Microsoft's error page (AADSTS code and sub-reason in ``error``)."""

    error: AadstsError
    correlation: str | None = None


@dataclass(frozen=True)
class ErrorToClient:
    """Stop and return the error to the client's redirect URI."""

    redirect_uri: str
    error: AadstsError
    state: str | None
    response_mode: str
    correlation: str


@dataclass(frozen=True)
class Deliver:
    """Finish: return ``params`` (a code, or the admin consent) to the client's redirect URI."""

    redirect_uri: str
    params: dict
    response_mode: str


@dataclass(frozen=True)
class Federate:
    """Hand the sign-in to the federated domain's IdP (a SAML AuthnRequest)."""

    tenant: dict
    domain: dict
    user_hint: str | None
    pending: dict


Outcome = ShowPage | ShowError | ErrorToClient | Deliver | Federate
