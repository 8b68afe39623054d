"""What a driver can do, the same under the HTTP user agent and under Chromium."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.drivers.pages import ERROR_CODE, PageSpec
from harness.errors import StepError


class DriverError(StepError):
    """The driver could not do what was asked (no such form, element, or a network error)."""


class UnexpectedPage(DriverError):
    """A page transition ended somewhere the flow does not expect; names the page reached."""

    def __init__(
        self,
        action: str,
        expected: Iterable[str],
        reached: str | None,
        url: str,
        error_code: str | None = None,
    ) -> None:
        self.expected = sorted(expected)
        self.reached = reached
        self.url = url
        self.error_code = error_code
        shown = f"page {reached!r}" if reached else "a page without data-page"
        message = f"{action}: expected {' or '.join(self.expected)} but reached {shown} at {url}"
        if error_code:
            message += f" showing error {error_code}"
        super().__init__(message)


class Driver(abc.ABC):
    """A user agent a scenario drives through the page map."""

    name: str = ""

    @abc.abstractmethod
    def open(self, url: str) -> str | None:
        """Navigate to ``url`` (following redirects and self-posting forms); the page id."""

    @property
    @abc.abstractmethod
    def page_id(self) -> str | None:
        """``data-page`` of the current page."""

    @property
    @abc.abstractmethod
    def url(self) -> str:
        """URL of the current page."""

    @abc.abstractmethod
    def has(self, element_id: str) -> bool:
        """Whether the current page has an element with this id."""

    @abc.abstractmethod
    def text_of(self, element_id: str) -> str:
        """Visible text of an element (whitespace collapsed); DriverError if absent."""

    @abc.abstractmethod
    def page_text(self) -> str:
        """Visible text of the whole page (whitespace collapsed)."""

    @abc.abstractmethod
    def submit(
        self,
        page: PageSpec,
        values: Mapping[str, str],
        *,
        button: str | None = None,
        check: Iterable[str] = (),
    ) -> str | None:
        """Fill logical fields of ``page``'s form, tick checkboxes, press ``button`` (element id,
        default the page's submit button); the page id reached."""

    @abc.abstractmethod
    def click(self, element_id: str) -> str | None:
        """Follow a link (by element id); the page id reached."""

    def screenshot(self, path: Path) -> Path | None:
        """Save a picture of the current page; None if this driver cannot."""
        return None

    def close(self) -> None:  # noqa: B027 - drivers without resources need not override
        """Release the driver's resources."""

    # -- shared helpers ---------------------------------------------------------------------
    def error_code(self) -> str | None:
        """The ``#error-code`` shown on the current page, if any."""
        if not self.has(ERROR_CODE):
            return None
        return self.text_of(ERROR_CODE) or None

    def expect(self, action: str, *page_ids: str) -> str:
        """The current page id, which must be one of ``page_ids``."""
        current = self.page_id
        if current not in page_ids:
            raise UnexpectedPage(action, page_ids, current, self.url, self.error_code())
        return current

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
