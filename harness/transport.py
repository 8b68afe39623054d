"""The user agent's wire: one kept-alive connection per origin, trusting only the lab CA.

Built on ``http.client`` rather than requests: a browser-like journey makes a dozen exchanges,
and requests' per-request machinery (prepared requests, adapters, hooks, the stdlib cookie
policy) cost more CPU than the servers' work. Connection reuse follows what browsers do: an
idle connection the server has closed is replaced, and a request that failed on a reused
connection before any reply arrived is sent once more on a new one.
"""

from __future__ import annotations

import functools
import http.client
import select
import ssl
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

_RETRYABLE = (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, http.client.BadStatusLine)


class TransportError(Exception):
    """The request could not be made or answered (connection refused, TLS, timeout)."""


@functools.lru_cache(maxsize=16)
def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """A client TLS context that trusts ``ca_bundle`` alone (built once per bundle)."""
    return ssl.create_default_context(cafile=ca_bundle)


@dataclass
class Reply:
    """A response as the transport read it."""

    method: str
    url: str
    status: int
    headers: http.client.HTTPMessage
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def charset(self) -> str:
        return self.headers.get_content_charset() or "utf-8"


def request_target(parts: SplitResult) -> str:
    """Path and query of a URL, as sent on the request line (never the fragment)."""
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class Transport:
    """Sends requests over per-origin kept-alive connections."""

    def __init__(self, ca_bundle: str, timeout: float) -> None:
        self.context = tls_context(ca_bundle)
        self.timeout = timeout
        self._connections: dict[tuple[str, str, int | None], http.client.HTTPConnection] = {}

    def _connection(self, parts: SplitResult) -> tuple[http.client.HTTPConnection, bool]:
        """(connection, reused) for the URL's origin."""
        origin = (parts.scheme, parts.hostname or "", parts.port)
        conn = self._connections.get(origin)
        if conn is not None and conn.sock is not None:
            readable, _, _ = select.select([conn.sock], [], [], 0)
            if not readable:
                return conn, True
            conn.close()  # an idle connection that reads is one the server closed
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                origin[1], parts.port, timeout=self.timeout, context=self.context
            )
        elif parts.scheme == "http":
            conn = http.client.HTTPConnection(origin[1], parts.port, timeout=self.timeout)
        else:
            raise TransportError(f"cannot fetch {parts.geturl()}: not an http(s) URL")
        self._connections[origin] = conn
        return conn, False

    def exchange(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        """One request and its whole response (redirects are the caller's business)."""
        parts = urlsplit(url)
        target = request_target(parts)
        for attempt in (1, 2):
            conn, reused = self._connection(parts)
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
            except _RETRYABLE as exc:
                conn.close()
                if reused and attempt == 1:
                    continue
                raise TransportError(f"{method} {url} failed: {exc!r}") from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise TransportError(f"{method} {url} failed: {exc!r}") from exc
            if response.will_close:
                conn.close()
            return Reply(method, url, response.status, response.headers, content)
        raise AssertionError("unreachable")

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()
