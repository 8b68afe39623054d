"""The ``http`` driver: the scripted user agent (no browser), through the page map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.clients.useragent import Form, Page, UserAgent, UserAgentError
from harness.drivers.base import Driver, DriverError
from harness.drivers.pages import PageSpec


class HttpDriver(Driver):
    """Drives :class:`harness.clients.useragent.UserAgent`."""

    name = "http"

    def __init__(self, ca_bundle: str, *, trace: str | None = None) -> None:
        self.agent = UserAgent(ca_bundle, trace=trace)

    @property
    def current(self) -> Page:
        if self.agent.page is None:
            raise DriverError("no page is open yet")
        return self.agent.page

    def _go(self, action) -> str | None:
        try:
            return action().page_id
        except UserAgentError as exc:
            raise DriverError(str(exc)) from exc

    def open(self, url: str) -> str | None:
        return self._go(lambda: self.agent.get(url))

    @property
    def page_id(self) -> str | None:
        return self.agent.page.page_id if self.agent.page else None

    @property
    def url(self) -> str:
        return self.agent.page.url if self.agent.page else ""

    def has(self, element_id: str) -> bool:
        return self.agent.page is not None and self.current.has(element_id)

    def text_of(self, element_id: str) -> str:
        try:
            return self.current.text_of(element_id)
        except UserAgentError as exc:
            raise DriverError(str(exc)) from exc

    def page_text(self) -> str:
        page = self.current
        if page.tree is None:
            return " ".join(page.text.split())
        body = page.tree.find("body")
        return " ".join((body if body is not None else page.tree).text_content().split())

    def _form(self, page: PageSpec) -> Form:
        current = self.current
        if page.form:
            return self._guard(lambda: current.form(page.form))
        names = set(page.fields.values())
        for form in current.forms():
            if names & {el.get("name") for el in form.element.iter() if el.get("name")}:
                return form
        raise DriverError(
            f"no form with fields {', '.join(sorted(names))} on {current.url} "
            f"(page {current.page_id})"
        )

    @staticmethod
    def _guard(action):
        try:
            return action()
        except UserAgentError as exc:
            raise DriverError(str(exc)) from exc

    def submit(
        self,
        page: PageSpec,
        values: Mapping[str, str],
        *,
        button: str | None = None,
        check: Iterable[str] = (),
    ) -> str | None:
        form = self._form(page)
        for logical, value in values.items():
            name = page.field_name(logical)
            self._guard(lambda n=name, v=value: form.set(n, v))
        for logical in check:
            name = page.field_name(logical)
            box = next((el for el in form.element.iter("input") if el.get("name") == name), None)
            if box is None:
                raise DriverError(f"no checkbox {name!r} on {self.url} (page {self.page_id})")
            form.set(name, box.get("value") or "on", create=True)
        data = list(form.fields)
        button_id = button or page.submit
        if button_id:
            element = self.current.by_id(button_id)
            if element is None:
                raise DriverError(f"no button #{button_id} on {self.url} (page {self.page_id})")
            if element.get("name"):
                data.append((element.get("name"), element.get("value") or ""))
        return self._go(lambda: self.agent.send(form.method, form.action, data))

    def click(self, element_id: str) -> str | None:
        url = self._guard(lambda: self.current.link(element_id))
        return self._go(lambda: self.agent.get(url))

    def screenshot(self, path: Path) -> Path | None:
        """The HTTP driver keeps the page's HTML instead of a picture."""
        if self.agent.page is None:
            return None
        target = path.with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.agent.page.text, encoding="utf-8")
        return target

    def close(self) -> None:
        self.agent.close()
