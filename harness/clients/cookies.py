"""The user agent's cookie store: the parts of RFC 6265 a browser applies to lab hosts.

``http.cookiejar`` implements the 1997 and Netscape rules through a policy object and costs
about a millisecond per exchange; a sign-in makes a dozen. This store keeps what browsers do
today: host-only and Domain cookies, default and explicit paths, Secure, Max-Age before
Expires, deletion by a past date, longest path first in the ``Cookie`` header.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from itertools import count

_ORDER = count()


@dataclass
class Cookie:
    """One stored cookie (RFC 6265 §5.3)."""

    name: str
    value: str
    domain: str
    path: str
    host_only: bool = True
    secure: bool = False
    http_only: bool = False
    same_site: str = ""
    expires: float | None = None  # epoch seconds; None = a session cookie
    order: int = field(default_factory=lambda: next(_ORDER))

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now

    def matches(self, host: str, path: str, secure: bool) -> bool:
        if self.secure and not secure:
            return False
        if self.host_only:
            if host != self.domain:
                return False
        elif not domain_match(host, self.domain):
            return False
        return path_match(path, self.path)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def domain_match(host: str, domain: str) -> bool:
    """RFC 6265 §5.1.3: the host is the domain, or a name (not an IP) below it."""
    return host == domain or (host.endswith("." + domain) and not _is_ip(host))


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 §5.1.4."""
    if request_path == cookie_path:
        return True
    if not request_path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"


def default_path(request_path: str) -> str:
    """RFC 6265 §5.1.4: the request path up to, not including, its last slash."""
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rfind("/")]


def _expiry(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # an unparseable Expires is ignored, as browsers do


def parse_set_cookie(header: str, host: str, request_path: str, now: float) -> Cookie | None:
    """A ``Set-Cookie`` value as RFC 6265 §5.2 and §5.3 store it; None when a browser ignores it."""
    pair, _, rest = header.partition(";")
    if "=" not in pair:
        return None
    name, _, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    if not name:
        return None
    cookie = Cookie(name, value, host, default_path(request_path))
    max_age: float | None = None
    for attribute in rest.split(";"):
        key, _, arg = attribute.partition("=")
        key, arg = key.strip().lower(), arg.strip()
        if key == "max-age":
            try:
                max_age = now + int(arg) if int(arg) > 0 else 0.0
            except ValueError:
                continue
        elif key == "expires" and max_age is None:
            cookie.expires = _expiry(arg)
        elif key == "domain" and arg:
            domain = arg.lstrip(".").lower()
            if not domain_match(host, domain):
                return None  # a host cannot set cookies for another site
            cookie.domain, cookie.host_only = domain, False
        elif key == "path":
            cookie.path = arg if arg.startswith("/") else default_path(request_path)
        elif key == "secure":
            cookie.secure = True
        elif key == "httponly":
            cookie.http_only = True
        elif key == "samesite":
            cookie.same_site = arg.lower()
    if max_age is not None:
        cookie.expires = max_age
    return cookie


class CookieJar:
    """Cookies by (domain, path, name), as a browser profile keeps them."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def __len__(self) -> int:
        return len(self._cookies)

    def receive(self, host: str, request_path: str, headers: list[str]) -> None:
        """Store the ``Set-Cookie`` headers of a response from ``host``."""
        now = time.time()
        for header in headers:
            cookie = parse_set_cookie(header, host.lower(), request_path or "/", now)
            if cookie is None:
                continue
            key = (cookie.domain, cookie.path, cookie.name)
            old = self._cookies.pop(key, None)
            if cookie.expired(now):
                continue  # a past date deletes the cookie
            if old is not None:
                cookie.order = old.order  # RFC 6265 §5.3 step 11: keep the creation time
            self._cookies[key] = cookie

    def header(self, host: str, path: str, secure: bool) -> str | None:
        """The ``Cookie`` header for a request, or None when no cookie applies."""
        if not self._cookies:
            return None
        now = time.time()
        host = host.lower()
        chosen = []
        for key, cookie in list(self._cookies.items()):
            if cookie.expired(now):
                del self._cookies[key]
            elif cookie.matches(host, path or "/", secure):
                chosen.append(cookie)
        if not chosen:
            return None
        chosen.sort(key=lambda c: (-len(c.path), c.order))
        return "; ".join(f"{c.name}={c.value}" for c in chosen)

    def clear(self, domain: str | None = None, path: str | None = None, name: str | None = None):
        """Forget every cookie, or those of a domain, a domain and path, or one cookie."""
        for key in list(self._cookies):
            wanted = (domain, path, name)
            if all(w is None or w == k for w, k in zip(wanted, key, strict=True)):
                del self._cookies[key]

    def as_dict(self) -> dict[str, str]:
        return {c.name: c.value for c in self}
