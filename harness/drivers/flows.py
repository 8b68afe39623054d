"""User journeys through the page map, identical under every driver.

Each journey is a small state machine: at every step it reads the page id (``data-page``) and
acts with the handler for that page; a page it has no handler for is an :class:`UnexpectedPage`
naming the page reached (and its ``#error-code``, if it shows one). An error page, or a form
page re-shown with an ``#error-code``, ends the journey with that code as its outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.drivers import pages as P
from harness.drivers.base import Driver, DriverError, UnexpectedPage

OK = "ok"
MAX_PAGES = 25

Totp = Callable[[str, str], str]
"""(base32 secret, host whose lab clock to use) -> the current 6-digit code."""


@dataclass
class Credentials:
    """Who signs in, and what they may be asked for on the way."""

    username: str
    password: str
    jumpcloud_username: str | None = None
    jumpcloud_password: str | None = None
    totp_secret: str | None = None
    """JumpCloud TOTP secret."""
    mfa_secret: str | None = None
    """Microsoft authenticator (TOTP) secret."""
    new_password: str | None = None
    """Used when a forced or expired password change is asked for."""


@dataclass
class Outcome:
    """Where a journey ended: ``outcome`` is ``ok`` or the error code shown."""

    outcome: str
    page: str | None
    url: str
    pages: list[str | None] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "page": self.page,
            "url": self.url,
            "pages": self.pages,
            **self.details,
        }


class Journey:
    """Drives ``driver`` from page to page until a terminal page."""

    def __init__(
        self,
        driver: Driver,
        urls: Callable[[str], str],
        totp: Totp,
        creds: Credentials | None = None,
        *,
        consent: str = "accept",
        consent_org: bool = False,
    ) -> None:
        self.driver = driver
        self.urls = urls
        self.totp = totp
        self.creds = creds
        self.consent = consent
        self.consent_org = consent_org
        self.details: dict[str, Any] = {}
        self.handlers: dict[str, Callable[[], None]] = {
            P.MS_USERNAME.id: self._ms_username,
            P.MS_PASSWORD.id: self._ms_password,
            P.MS_CHANGE_PASSWORD.id: self._ms_change_password,
            P.MS_MFA.id: self._ms_mfa,
            P.MS_MFA_REGISTER.id: self._ms_mfa_register,
            P.MS_CONSENT.id: self._ms_consent,
            P.JC_SIGNIN.id: self._jc_signin,
            P.JC_MFA.id: self._jc_mfa,
            P.JC_MFA_ENROLL.id: self._jc_mfa_enroll,
            P.JC_PASSWORD_EXPIRED.id: self._jc_password_expired,
        }

    # -- the loop ---------------------------------------------------------------------------
    def run(self, action: str, done: Callable[[str | None], bool]) -> Outcome:
        """Act on each page until ``done(page_id)``, an error, or a page with no handler."""
        visited: list[str | None] = []
        repeats = 0
        while True:
            page = self.driver.page_id
            visited.append(page)
            if len(visited) > MAX_PAGES:
                raise DriverError(f"{action}: more than {MAX_PAGES} pages, last {page}")
            if done(page):
                return Outcome(OK, page, self.driver.url, visited, dict(self.details))
            code = self.driver.error_code()
            if page in P.ERROR_PAGES or code:
                self.details["error_message"] = (
                    self.driver.text_of(P.ERROR_MESSAGE) if self.driver.has(P.ERROR_MESSAGE) else ""
                )
                outcome = code or f"error page {page} without #error-code"
                return Outcome(outcome, page, self.driver.url, visited, dict(self.details))
            handler = self.handlers.get(page or "")
            if handler is None:
                expected = [*self.handlers, "a finishing page"]
                raise UnexpectedPage(action, expected, page, self.driver.url)
            repeats = repeats + 1 if len(visited) > 1 and visited[-2] == page else 0
            if repeats >= 2:
                raise DriverError(f"{action}: stuck on page {page} at {self.driver.url}")
            handler()

    def _need(self, what: str, value: str | None, page: str) -> str:
        if not value:
            raise DriverError(f"page {page} asks for {what}, but the step was not given one")
        return value

    @property
    def _creds(self) -> Credentials:
        if self.creds is None:
            raise DriverError(f"page {self.driver.page_id} asks for credentials; none were given")
        return self.creds

    # -- Microsoft pages ----------------------------------------------------------------------
    def _ms_username(self) -> None:
        self.driver.submit(P.MS_USERNAME, {"username": self._creds.username})

    def _ms_password(self) -> None:
        self.driver.submit(P.MS_PASSWORD, {"password": self._creds.password})

    def _ms_change_password(self) -> None:
        creds = self._creds
        new = self._need(
            "a new password (new_password)", creds.new_password, P.MS_CHANGE_PASSWORD.id
        )
        self.driver.submit(
            P.MS_CHANGE_PASSWORD, {"current": creds.password, "new": new, "confirm": new}
        )
        creds.password = new
        self.details["password_changed"] = True

    def _ms_mfa(self) -> None:
        secret = self._need("a Microsoft MFA code (mfa_secret)", self._creds.mfa_secret, "ms.mfa")
        self.driver.submit(P.MS_MFA, {"code": self.totp(secret, "login")})

    def _ms_mfa_register(self) -> None:
        secret = self.driver.text_of(P.MS_MFA_REGISTER.element("secret")).replace(" ", "")
        self._creds.mfa_secret = secret
        self.details["mfa_secret"] = secret
        self.driver.submit(P.MS_MFA_REGISTER, {"code": self.totp(secret, "login")})

    def _ms_consent(self) -> None:
        button = P.MS_CONSENT.element("accept" if self.consent == "accept" else "cancel")
        check = ["consent_org"] if self.consent_org and self.consent == "accept" else []
        self.driver.submit(P.MS_CONSENT, {}, button=button, check=check)
        self.details["consent"] = self.consent

    # -- JumpCloud pages ----------------------------------------------------------------------
    def _jc_signin(self) -> None:
        creds = self._creds
        self.driver.submit(
            P.JC_SIGNIN,
            {
                "username": creds.jumpcloud_username or creds.username,
                "password": creds.jumpcloud_password or creds.password,
            },
        )

    def _jc_mfa(self) -> None:
        secret = self._need(
            "a JumpCloud TOTP code (totp_secret)", self._creds.totp_secret, "jc.mfa"
        )
        self.driver.submit(P.JC_MFA, {"code": self.totp(secret, "console")})

    def _jc_mfa_enroll(self) -> None:
        secret = self.driver.text_of(P.JC_MFA_ENROLL.element("secret")).replace(" ", "")
        self._creds.totp_secret = secret
        self.details["totp_secret"] = secret
        self.driver.submit(P.JC_MFA_ENROLL, {"code": self.totp(secret, "console")})

    def _jc_password_expired(self) -> None:
        creds = self._creds
        new = self._need("a new password (new_password)", creds.new_password, "password.expired")
        current = creds.jumpcloud_password or creds.password
        self.driver.submit(P.JC_PASSWORD_EXPIRED, {"current": current, "new": new, "confirm": new})
        creds.jumpcloud_password = new
        self.details["password_changed"] = True


def _is(*page_ids: str) -> Callable[[str | None], bool]:
    return lambda page: page in page_ids


def sign_in_microsoft(journey: Journey) -> Outcome:
    """From the M365 portal: sign-in link, username, (JumpCloud), password, MFA, consent."""
    driver = journey.driver
    driver.open(P.PORTAL_HOME.address(journey.urls))
    action = "signing in at the Microsoft 365 portal"
    if driver.expect(action, P.PORTAL_HOME.id, P.PORTAL_SIGNED_IN.id) == P.PORTAL_HOME.id:
        driver.click(P.PORTAL_HOME.element("signin"))
    outcome = journey.run(action, _is(P.PORTAL_SIGNED_IN.id))
    if outcome.outcome == OK:
        outcome.details.update(
            _read(driver, P.PORTAL_SIGNED_IN, "display_name", "upn", "tenant_id")
        )
    return outcome


def sign_in_jumpcloud_portal(journey: Journey) -> Outcome:
    """At the JumpCloud User Portal: username and password, TOTP (or enrolment), home."""
    driver = journey.driver
    driver.open(P.JC_SIGNIN.address(journey.urls))
    outcome = journey.run("signing in at the JumpCloud User Portal", _is(P.JC_HOME.id))
    if outcome.outcome == OK:
        outcome.details.update(_read(driver, P.JC_HOME, "user_name"))
    return outcome


def _to_jumpcloud_home(journey: Journey, action: str) -> None:
    driver = journey.driver
    if driver.page_id != P.JC_HOME.id:
        driver.open(P.JC_HOME.address(journey.urls))
    driver.expect(action, P.JC_HOME.id)


def launch_app(journey: Journey, app_id: str, lands_on: str = P.PORTAL_SIGNED_IN.id) -> Outcome:
    """Click an app tile on the User Portal home and follow the SAML flow to the app."""
    action = f"launching app {app_id} from the User Portal"
    _to_jumpcloud_home(journey, action)
    tile = P.app_tile(app_id)
    if not journey.driver.has(tile):
        raise DriverError(f"{action}: no tile #{tile} on the User Portal home (not assigned?)")
    journey.driver.click(tile)
    return journey.run(action, _is(lands_on))


def change_jumpcloud_password(journey: Journey, current: str, new: str) -> Outcome:
    """User Portal: change-password link, the password form, and its result message."""
    action = "changing the JumpCloud password"
    _to_jumpcloud_home(journey, action)
    driver = journey.driver
    driver.click(P.JC_HOME.element("change_password"))
    driver.expect(action, P.JC_PASSWORD.id)
    driver.submit(P.JC_PASSWORD, {"current": current, "new": new, "confirm": new})
    page = driver.expect(action, P.JC_PASSWORD.id, P.JC_HOME.id, *P.ERROR_PAGES)
    message_id = P.JC_PASSWORD.element("message")
    details = {"message": driver.text_of(message_id) if driver.has(message_id) else ""}
    code = driver.error_code()
    return Outcome(code or OK, page, driver.url, [P.JC_PASSWORD.id, page], details)


def admin_consent(journey: Journey, url: str) -> Outcome:
    """Open an admin-consent URL, sign in as needed, decide, and follow the redirect back."""
    driver = journey.driver
    driver.open(url)
    outcome = journey.run(
        "giving admin consent",
        lambda page: (
            not (page or "").startswith(("ms.", "jc.userportal")) and page not in P.ERROR_PAGES
        ),
    )
    query = {k: v[-1] for k, v in parse_qs(urlsplit(driver.url).query).items()}
    outcome.details["redirect_query"] = query
    if outcome.outcome == OK and "error" in query:
        description = query.get("error_description", "")
        code = description.split(":", 1)[0] if description.startswith("AADSTS") else ""
        outcome.outcome = code or query["error"]
    return outcome


def sign_out(journey: Journey, system: str) -> Outcome:
    """Sign out of the Microsoft 365 portal (``microsoft``) or the User Portal (``jumpcloud``)."""
    driver = journey.driver
    if system == "jumpcloud":
        _to_jumpcloud_home(journey, "signing out of the User Portal")
        driver.click(P.JC_HOME.element("signout"))
        return journey.run("signing out of the User Portal", _is(P.JC_SIGNIN.id))
    action = "signing out of the Microsoft 365 portal"
    if driver.page_id != P.PORTAL_SIGNED_IN.id:
        driver.open(P.PORTAL_SIGNED_IN.address(journey.urls))
    driver.expect(action, P.PORTAL_SIGNED_IN.id)
    driver.click(P.PORTAL_SIGNED_IN.element("signout"))
    return journey.run(action, _is(P.PORTAL_HOME.id))


def _read(driver: Driver, page: P.PageSpec, *logical: str) -> dict[str, str]:
    out = {}
    for name in logical:
        element = page.element(name)
        if driver.has(element):
            out[name] = driver.text_of(element)
    return out
