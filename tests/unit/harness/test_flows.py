"""Journeys as state machines over the page map, against a scripted fake driver."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.drivers.base import Driver, DriverError, UnexpectedPage
from harness.drivers.flows import Credentials, Journey, sign_in_jumpcloud_portal, sign_in_microsoft

Page = dict  # {"elements": {id: text}, "links": {id: page}, "submit": fn(values, button)->page}


class FakeDriver(Driver):
    """Moves between scripted pages; records what was submitted."""

    name = "fake"

    def __init__(self, pages: dict[str, Page], start: dict[str, str]) -> None:
        self.pages, self.start, self.current = pages, start, ""
        self.submitted: list[tuple[str, dict, str | None]] = []

    def open(self, url: str):
        self.current = next(p for prefix, p in self.start.items() if url.startswith(prefix))
        return self.current

    @property
    def page_id(self):
        return self.current

    @property
    def url(self) -> str:
        return f"https://lab/{self.current}"

    def _page(self) -> Page:
        return self.pages[self.current]

    def has(self, element_id: str) -> bool:
        return element_id in self._page().get("elements", {})

    def text_of(self, element_id: str) -> str:
        return self._page()["elements"][element_id]

    def page_text(self) -> str:
        return " ".join(self._page().get("elements", {}).values())

    def submit(self, page, values, *, button=None, check=()):
        assert page.id == self.current, (page.id, self.current)
        fields = {page.field_name(k): v for k, v in values.items()}
        fields.update({page.field_name(k): "on" for k in check})
        self.submitted.append((self.current, fields, button))
        self.current = self._page()["submit"](fields, button)
        return self.current

    def click(self, element_id: str):
        self.current = self._page()["links"][element_id]
        return self.current


def to(page: str) -> Callable:
    return lambda fields, button: page


SIGNED_IN = {
    "elements": {"user-display-name": "Alice", "user-upn": "alice@contoso.com", "tenant-id": "t"}
}


def managed_pages(password_ok: bool = True) -> dict[str, Page]:
    return {
        "portal.home": {"links": {"signin-link": "ms.signin.username"}},
        "ms.signin.username": {"submit": to("ms.signin.password")},
        "ms.signin.password": {
            "submit": lambda f, b: "ms.signin.mfa" if f["passwd"] == "pw" else "ms.bad.password",
        },
        "ms.bad.password": {},
        "ms.signin.mfa": {"submit": to("portal.signedin")},
        "portal.signedin": SIGNED_IN,
    }


def journey(driver, creds, codes: list):
    def totp(secret: str, host: str) -> str:
        codes.append((secret, host))
        return "123456"

    return Journey(driver, lambda host: f"https://{host}", totp, creds)


START = {"https://portal": "portal.home", "https://console": "jc.userportal.signin"}


def test_managed_sign_in_with_microsoft_mfa():
    driver, codes = FakeDriver(managed_pages(), START), []
    creds = Credentials("alice@contoso.com", "pw", mfa_secret="MS")
    outcome = sign_in_microsoft(journey(driver, creds, codes))
    assert outcome.outcome == "ok"
    assert outcome.pages == [
        "ms.signin.username",
        "ms.signin.password",
        "ms.signin.mfa",
        "portal.signedin",
    ]
    assert outcome.details == {
        "display_name": "Alice",
        "upn": "alice@contoso.com",
        "tenant_id": "t",
    }
    assert driver.submitted[0][1] == {"loginfmt": "alice@contoso.com"}
    assert driver.submitted[2][1] == {"otc": "123456"}
    assert codes == [("MS", "login")]


def test_federated_sign_in_through_jumpcloud_totp_and_consent():
    pages = {
        "portal.home": {"links": {"signin-link": "ms.signin.username"}},
        "ms.signin.username": {"submit": to("jc.userportal.signin")},
        "jc.userportal.signin": {"submit": to("jc.userportal.mfa")},
        "jc.userportal.mfa": {"submit": to("ms.consent")},
        "ms.consent": {"submit": lambda f, b: "portal.signedin" if b == "idBtn_Accept" else "x"},
        "portal.signedin": SIGNED_IN,
    }
    driver, codes = FakeDriver(pages, START), []
    creds = Credentials("alice@contoso.com", "pw", jumpcloud_username="alice", totp_secret="JC")
    outcome = sign_in_microsoft(journey(driver, creds, codes))
    assert outcome.outcome == "ok"
    assert driver.submitted[1] == (
        "jc.userportal.signin",
        {"email": "alice", "password": "pw"},
        None,
    )
    assert codes == [("JC", "console")]


def test_error_shown_on_a_form_page_is_the_outcome():
    pages = managed_pages()
    pages["ms.bad.password"] = {
        "elements": {"error-code": "AADSTS50126", "error-message": "Wrong password"}
    }
    pages["ms.signin.password"]["submit"] = to("ms.bad.password")
    driver = FakeDriver(pages, START)
    outcome = sign_in_microsoft(journey(driver, Credentials("a@b.c", "nope"), []))
    assert outcome.outcome == "AADSTS50126"
    assert outcome.details["error_message"] == "Wrong password"


def test_unexpected_page_names_the_page_reached():
    pages = managed_pages()
    pages["ms.signin.username"]["submit"] = to("kmsi.prompt")
    pages["kmsi.prompt"] = {"elements": {}}
    driver = FakeDriver(pages, START)
    with pytest.raises(UnexpectedPage) as info:
        sign_in_microsoft(journey(driver, Credentials("a@b.c", "pw"), []))
    assert "reached page 'kmsi.prompt' at https://lab/kmsi.prompt" in str(info.value)
    assert info.value.reached == "kmsi.prompt"


def test_missing_secret_is_a_clear_error_and_loops_are_caught():
    driver = FakeDriver(managed_pages(), START)
    with pytest.raises(DriverError, match="asks for a Microsoft MFA code"):
        sign_in_microsoft(journey(driver, Credentials("a@b.c", "pw"), []))
    pages = {"jc.userportal.signin": {"submit": to("jc.userportal.signin")}}
    with pytest.raises(DriverError, match=r"stuck on page jc\.userportal\.signin"):
        sign_in_jumpcloud_portal(journey(FakeDriver(pages, START), Credentials("a", "b"), []))
