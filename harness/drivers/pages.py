"""The one page map both drivers use: page ids (``<body data-page>``) -> forms, fields, elements.

Logical field names (``username``, ``password``, ``code``...) map to the real input names each
page uses; steps and journeys speak only in logical names and page ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

ERROR_CODE = "error-code"
ERROR_MESSAGE = "error-message"
APP_TILE_PREFIX = "app-tile-"


def _frozen(**items: str) -> Mapping[str, str]:
    return MappingProxyType(items)


@dataclass(frozen=True)
class PageSpec:
    """One page of the map."""

    id: str
    host: str
    form: str | None = None
    """Form id; None means "the form holding the fields"."""
    fields: Mapping[str, str] = field(default_factory=_frozen)
    """Logical name -> input name."""
    submit: str | None = None
    """Element id of the button that submits the form."""
    elements: Mapping[str, str] = field(default_factory=_frozen)
    """Logical name -> element id."""
    path: str | None = None
    """Where to open the page directly (entry pages only)."""

    def address(self, urls: Callable[[str], str]) -> str:
        """The page's URL, from ``urls`` (host name to base URL); entry pages only."""
        if self.path is None:
            raise KeyError(f"page {self.id} cannot be opened directly")
        return urls(self.host) + self.path

    def field_name(self, logical: str) -> str:
        try:
            return self.fields[logical]
        except KeyError:
            raise KeyError(f"page {self.id} has no field {logical!r}") from None

    def element(self, logical: str) -> str:
        try:
            return self.elements[logical]
        except KeyError:
            raise KeyError(f"page {self.id} has no element {logical!r}") from None


# -- Microsoft: login host -------------------------------------------------------------------
MS_USERNAME = PageSpec(
    "ms.signin.username",
    "login",
    form="credentials",
    fields=_frozen(username="loginfmt"),
    submit="idSIButton9",
    elements=_frozen(username="i0116"),
)
MS_PASSWORD = PageSpec(
    "ms.signin.password",
    "login",
    form="credentials",
    fields=_frozen(username="loginfmt", password="passwd"),
    submit="idSIButton9",
    elements=_frozen(password="i0118", password_error="passwordError", error_code=ERROR_CODE),
)
MS_CHANGE_PASSWORD = PageSpec(
    "ms.signin.changepassword",
    "login",
    fields=_frozen(current="currentPassword", new="newPassword", confirm="confirmNewPassword"),
    submit="idSIButton9",
)
MS_MFA = PageSpec(
    "ms.signin.mfa",
    "login",
    fields=_frozen(code="otc"),
    submit="idSubmit_SAOTCC_Continue",
    elements=_frozen(code="idTxtBx_SAOTCC_OTC"),
)
MS_MFA_REGISTER = PageSpec(
    "ms.signin.mfa.register",
    "login",
    fields=_frozen(code="otc"),
    submit="idSubmit_SAOTCC_Continue",
    elements=_frozen(secret="totp-secret"),
)
MS_CONSENT = PageSpec(
    "ms.consent",
    "login",
    form="consent",
    fields=_frozen(consent_org="consent_org"),
    submit="idBtn_Accept",
    elements=_frozen(accept="idBtn_Accept", cancel="idBtn_Back"),
)
MS_ERROR = PageSpec(
    "ms.error",
    "login",
    elements=_frozen(
        code=ERROR_CODE,
        message=ERROR_MESSAGE,
        correlation_id="correlation-id",
        timestamp="timestamp",
        subreason="error-subreason",
    ),
)

# -- Microsoft: portal host ------------------------------------------------------------------
PORTAL_HOME = PageSpec("portal.home", "portal", elements=_frozen(signin="signin-link"), path="/")
PORTAL_SIGNED_IN = PageSpec(
    "portal.signedin",
    "portal",
    elements=_frozen(
        display_name="user-display-name",
        upn="user-upn",
        tenant_id="tenant-id",
        signout="signout-link",
    ),
    path="/",
)

# -- JumpCloud: console host (User Portal and admin console) ----------------------------------
JC_SIGNIN = PageSpec(
    "jc.userportal.signin",
    "console",
    form="login-form",
    fields=_frozen(username="email", password="password", return_to="return_to"),
    submit="login-submit",
    path="/userconsole",
)
JC_MFA = PageSpec(
    "jc.userportal.mfa", "console", form="mfa-form", fields=_frozen(code="otp"), submit="mfa-submit"
)
JC_MFA_ENROLL = PageSpec(
    "jc.userportal.mfa.enroll",
    "console",
    form="mfa-enroll-form",
    fields=_frozen(code="otp"),
    submit="mfa-enroll-submit",
    elements=_frozen(secret="totp-secret", qr="totp-qr"),
)
JC_HOME = PageSpec(
    "jc.userportal.home",
    "console",
    elements=_frozen(
        user_name="user-name", change_password="change-password-link", signout="signout-link"
    ),
    path="/userconsole",
)
_PASSWORD_FIELDS = _frozen(current="currentPassword", new="newPassword", confirm="confirmPassword")
JC_PASSWORD = PageSpec(
    "jc.userportal.password",
    "console",
    form="password-form",
    fields=_PASSWORD_FIELDS,
    submit="password-submit",
    elements=_frozen(message="password-message"),
)
JC_PASSWORD_EXPIRED = PageSpec(
    "jc.userportal.password.expired",
    "console",
    form="password-form",
    fields=_PASSWORD_FIELDS,
    submit="password-submit",
    elements=_frozen(message="password-message"),
)
JC_ERROR = PageSpec("jc.error", "console", elements=_frozen(code=ERROR_CODE, message=ERROR_MESSAGE))
JC_ADMIN_SIGNIN = PageSpec(
    "jc.admin.signin",
    "console",
    form="admin-login-form",
    fields=_frozen(email="email", password="password"),
    submit="admin-login-submit",
)

# -- the lab's own pages ---------------------------------------------------------------------
LAB_ERROR = PageSpec("error", "*", elements=_frozen(code=ERROR_CODE, message=ERROR_MESSAGE))
DASHBOARD = PageSpec(
    "dashboard.timeline", "dashboard", elements=_frozen(timeline="timeline"), path="/"
)

PAGES: Mapping[str, PageSpec] = MappingProxyType(
    {
        spec.id: spec
        for spec in (
            MS_USERNAME,
            MS_PASSWORD,
            MS_CHANGE_PASSWORD,
            MS_MFA,
            MS_MFA_REGISTER,
            MS_CONSENT,
            MS_ERROR,
            PORTAL_HOME,
            PORTAL_SIGNED_IN,
            JC_SIGNIN,
            JC_MFA,
            JC_MFA_ENROLL,
            JC_HOME,
            JC_PASSWORD,
            JC_PASSWORD_EXPIRED,
            JC_ERROR,
            JC_ADMIN_SIGNIN,
            LAB_ERROR,
            DASHBOARD,
        )
    }
)
"""Every page of the map by id."""

ERROR_PAGES = frozenset({MS_ERROR.id, JC_ERROR.id, LAB_ERROR.id})
"""Pages that only show an error (their ``#error-code`` is the outcome)."""


def app_tile(app_id: str) -> str:
    """Element id of a User Portal app tile."""
    return APP_TILE_PREFIX + app_id
