"""The HTTP user agent: a scripted browser without a browser (the ``http`` driver's engine).

It trusts only the lab CA, sends ``X-Lab-Trace``, keeps cookies, follows redirects as browsers
do, parses HTML with lxml, fills and submits forms by field name, and submits self-posting
forms (the SAML POST binding) on its own, as a browser running their one line of script would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html

from harness.clients.cookies import CookieJar
from simulators.core.journal import TRACE_HEADER, new_trace_id
from simulators.core.wire import Reply, Transport, TransportError, encode_form

_ONLOAD_SUBMIT = re.compile(r"forms\[0\]\.submit\(\)|\.submit\(\)")
FormData = dict | list | str | bytes | None
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 30  # what requests allows; browsers stop at about 20


class UserAgentError(Exception):
    """The page does not have what the script asked for, or the request could not be made."""


@dataclass
class Exchange:
    """One request the agent made, as it saw it."""

    method: str
    url: str
    status: int


@dataclass
class Form:
    """A form on a page, with its current field values."""

    page: Page
    element: lxml.html.FormElement
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, page: Page, element: lxml.html.FormElement) -> Form:
        action = urljoin(page.url, element.get("action") or page.url)
        method = (element.get("method") or "get").upper()
        fields: list[tuple[str, str]] = []
        buttons: list[tuple[str, str]] = []
        for el in element.iter("input", "select", "textarea", "button"):
            name = el.get("name")
            kind = (el.get("type") or ("submit" if el.tag == "button" else "text")).lower()
            if el.tag in ("button",) or kind in ("submit", "image"):
                if name:
                    buttons.append((name, el.get("value") or ""))
                continue
            if not name or el.get("disabled") is not None or kind in ("reset", "file"):
                continue
            if kind in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    fields.append((name, el.get("value") or "on"))
            elif el.tag == "select":
                options = el.findall(".//option")
                chosen = [o for o in options if o.get("selected") is not None] or options[:1]
                for option in chosen:
                    value = option.get("value")
                    fields.append((name, option.text_content() if value is None else value))
            elif el.tag == "textarea":
                fields.append((name, el.text or ""))
            else:
                fields.append((name, el.get("value") or ""))
        return cls(page, element, action, method, fields, buttons)

    def names(self) -> list[str]:
        return [name for name, _ in self.fields]

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def set(self, name: str, value: str, *, create: bool = False) -> Form:
        """Set a field by name; unknown names are an error unless ``create``."""
        for i, (key, _) in enumerate(self.fields):
            if key == name:
                self.fields[i] = (name, value)
                return self
        if not create and not any(el.get("name") == name for el in self.element.iter()):
            raise UserAgentError(
                f"form {self.element.get('id') or self.action!r} on {self.page.url} has no field "
                f"{name!r} (fields: {', '.join(self.names()) or 'none'})"
            )
        self.fields.append((name, value))
        return self

    def fill(self, **values: str) -> Form:
        for name, value in values.items():
            self.set(name, value)
        return self

    def submit(self, button: str | None = None) -> Page:
        data = list(self.fields)
        if button is not None:
            match = [b for b in self.buttons if b[0] == button or b[1] == button]
            if not match:
                raise UserAgentError(f"no button {button!r} in form on {self.page.url}")
            data.append(match[0])
        elif self.buttons:
            data.append(self.buttons[0])
        return self.page.agent.send(self.method, self.action, data)


class Page:
    """A response as a page: status, URL after redirects, HTML tree, the page's stable id."""

    def __init__(self, agent: UserAgent, reply: Reply) -> None:
        self.agent = agent
        self.reply = reply
        self.url = reply.url
        self.status = reply.status
        self.headers = reply.headers
        self.content = reply.content
        self.text = reply.content.decode(reply.charset(), errors="replace")
        self.tree = (
            lxml.html.document_fromstring(reply.content)
            if "html" in reply.content_type and reply.content.strip()
            else None
        )

    @property
    def page_id(self) -> str | None:
        """The ``data-page`` attribute of ``<body>``: which page of the page map this is."""
        if self.tree is None:
            return None
        body = self.tree.find("body")
        return body.get("data-page") if body is not None else None

    def json(self):
        return json.loads(self.content)

    def by_id(self, element_id: str):
        if self.tree is None:
            return None
        found = self.tree.xpath("//*[@id=$id]", id=element_id)
        return found[0] if found else None

    def text_of(self, element_id: str) -> str:
        """Visible text of an element by id; an error naming the page when it is absent."""
        el = self.by_id(element_id)
        if el is None:
            raise UserAgentError(f"no element #{element_id} on {self.url} (page {self.page_id})")
        return " ".join(el.text_content().split())

    def has(self, element_id: str) -> bool:
        return self.by_id(element_id) is not None

    def forms(self) -> list[Form]:
        if self.tree is None:
            return []
        return [Form.parse(self, f) for f in self.tree.forms]

    def form(self, form_id: str | None = None) -> Form:
        """A form by id (or the first form)."""
        forms = self.forms()
        if form_id is not None:
            forms = [f for f in forms if f.element.get("id") == form_id]
        if not forms:
            what = f"form #{form_id}" if form_id else "a form"
            raise UserAgentError(
                f"no {what} on {self.url} (page {self.page_id}, HTTP {self.status})"
            )
        return forms[0]

    def link(self, element_id: str) -> str:
        el = self.by_id(element_id)
        if el is None or not el.get("href"):
            raise UserAgentError(f"no link #{element_id} on {self.url}")
        return urljoin(self.url, el.get("href"))

    def autosubmit_form(self) -> Form | None:
        """The form a browser would submit by itself (``data-autosubmit`` or body onload)."""
        if self.tree is None or not self.tree.forms:
            return None
        for form in self.tree.forms:
            if form.get("data-autosubmit") is not None:
                return Form.parse(self, form)
        body = self.tree.find("body")
        if body is not None and _ONLOAD_SUBMIT.search(body.get("onload") or ""):
            return Form.parse(self, self.tree.forms[0])
        return None

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.url} {self.page_id}>"


class UserAgent:
    """A cookie-keeping HTTPS client that behaves like a browser without script."""

    def __init__(
        self,
        ca_bundle: str,
        *,
        trace: str | None = None,
        timeout: float = 20,
        auto_submit: bool = True,
        max_auto_submits: int = 10,
    ) -> None:
        self.transport = Transport(ca_bundle, timeout)
        self.cookies = CookieJar()
        self.trace = trace or new_trace_id()
        self.headers = {
            TRACE_HEADER: self.trace,
            "User-Agent": "Mozilla/5.0 (m365lab http driver)",
            "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
        }
        self.auto_submit = auto_submit
        self.max_auto_submits = max_auto_submits
        self.history: list[Exchange] = []
        self.page: Page | None = None
        # A hook that may replace a navigation's data: ``(method, url, data) -> data``; how
        # steps tamper with a form post (a SAMLResponse) the way an attacker's proxy would.
        self.rewrite_data: Callable[[str, str, FormData], FormData] | None = None

    def get(self, url: str, params: dict | None = None) -> Page:
        return self.send("GET", url, params=params)

    def post(self, url: str, data: dict | list | None = None) -> Page:
        return self.send("POST", url, data or {})

    def send(self, method: str, url: str, data=None, params=None) -> Page:
        """Make a request as a browser would, then submit self-posting forms it lands on."""
        page = self._navigate(method, url, data, params)
        submits = 0
        while self.auto_submit and (form := page.autosubmit_form()) is not None:
            submits += 1
            if submits > self.max_auto_submits:
                raise UserAgentError(
                    f"more than {self.max_auto_submits} self-posting forms "
                    f"in a row, last at {page.url}"
                )
            page = self._navigate(form.method, form.action, form.fields, None)
        self.page = page
        return page

    def _navigate(self, method: str, url: str, data, params) -> Page:
        """One navigation: the request, then its redirects, the way browsers follow them."""
        method = method.upper()
        if self.rewrite_data is not None:
            data = self.rewrite_data(method, url, data)
        body: bytes | None = None
        content_type: str | None = None
        if method == "GET":
            params = params or data
        elif isinstance(data, dict | list):
            body = encode_form(data.items() if isinstance(data, dict) else data).encode()
            content_type = "application/x-www-form-urlencoded"
        elif data is not None:
            body = data.encode() if isinstance(data, str) else bytes(data)
        if params:
            query = encode_form(params.items() if isinstance(params, dict) else params)
            base, fragment = urldefrag(url)
            url = f"{base}{'&' if '?' in base else '?'}{query}"
            url = f"{url}#{fragment}" if fragment else url
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._exchange(method, url, body, content_type)
            self.history.append(Exchange(method, url, reply.status))
            location = reply.headers.get("Location")
            if reply.status not in _REDIRECTS or not location:
                return Page(self, reply)
            url = _redirect_target(url, location)
            if reply.status == 303 or (reply.status in (301, 302) and method == "POST"):
                method, body, content_type = "GET", None, None  # RFC 9110 §15.4, as browsers
        raise UserAgentError(f"more than {MAX_REDIRECTS} redirects, last to {url}")

    def _exchange(
        self, method: str, url: str, body: bytes | None, content_type: str | None
    ) -> Reply:
        parts = urlsplit(url)
        headers = dict(self.headers)
        cookie = self.cookies.header(parts.hostname or "", parts.path, parts.scheme == "https")
        if cookie:
            headers["Cookie"] = cookie
        if content_type:
            headers["Content-Type"] = content_type
        try:
            reply = self.transport.exchange(method, url, body, headers)
        except TransportError as exc:
            raise UserAgentError(f"request failed: {exc}") from exc
        set_cookies = reply.headers.get_all("Set-Cookie")
        if set_cookies:
            self.cookies.receive(parts.hostname or "", parts.path, set_cookies)
        return reply

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> UserAgent:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _redirect_target(current: str, location: str) -> str:
    """Where a redirect leads; a Location without a fragment keeps the current one (RFC 9110)."""
    target = urljoin(current, location)
    _, fragment = urldefrag(current)
    if fragment and "#" not in location:
        target = f"{target}#{fragment}"
    return target
