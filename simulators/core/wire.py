"""HTTP/1.1 over one kept-alive connection per origin: the user agent's wire and the systems'.

A browser-like journey makes a dozen exchanges, and the stock clients cost more CPU per exchange
than the lab's servers spend answering: requests' machinery (prepared requests, adapters, the
stdlib cookie policy) and ``http.client``'s header parsing through the ``email`` package. This
client writes a request in one send and reads the reply with the C buffered reader: status
line, headers, then the body by ``Content-Length``, chunks, or until the server closes.

Connection reuse follows what browsers do: an idle connection the server has closed is
replaced, and a request that failed on a reused connection before any reply byte arrived is
sent once more on a new one.
"""

from __future__ import annotations

import functools
import io
import json
import select
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, quote_plus, urlsplit

MAX_LINE = 65536
MAX_HEADERS = 200
_DEFAULT_PORTS = {"https": 443, "http": 80}


_FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_FORM_TABLE = {
    c: ("+" if c == 0x20 else chr(c) if c in _FORM_SAFE else f"%{c:02X}") for c in range(128)
}


def encode_form(pairs: Iterable[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded, as browsers send it.

    ``urllib``'s quoting goes character by character in Python; a SAMLResponse is ~10 KB of
    base64, so ASCII values take a C-speed ``str.translate`` instead.
    """

    def one(value: str) -> str:
        return value.translate(_FORM_TABLE) if value.isascii() else quote_plus(value)

    return "&".join(f"{one(str(k))}={one(str(v))}" for k, v in pairs)


class TransportError(Exception):
    """The request could not be made or answered (connection refused, TLS, timeout, framing)."""


class _NoReply(TransportError):
    """The connection ended before the first byte of a reply: safe to send again."""


@functools.lru_cache(maxsize=16)
def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """A client TLS context that trusts ``ca_bundle`` alone (built once per bundle)."""
    return ssl.create_default_context(cafile=ca_bundle)


class Headers:
    """Reply headers in arrival order; names compare case-insensitively."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._by_name: dict[str, list[str]] = {}
        for key, value in pairs:
            self._by_name.setdefault(key.lower(), []).append(value)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._by_name.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self._by_name.get(name.lower(), ()))

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"


@dataclass
class Reply:
    """A response as the transport read it."""

    method: str
    url: str
    status: int
    headers: Headers
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "") or ""

    def charset(self) -> str:
        for param in self.content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.charset(), errors="replace")

    def json(self):
        """The body as JSON (``ValueError`` when it is not)."""
        return json.loads(self.content)


def request_target(parts: SplitResult) -> str:
    """Path and query of a URL, as sent on the request line (never the fragment)."""
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host_header(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


class Connection:
    """One HTTP/1.1 connection to an origin, opened on first use."""

    def __init__(self, parts: SplitResult, ca_bundle: str, timeout: float) -> None:
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.host_header = _host_header(parts)
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.reader: io.BufferedReader | None = None

    def open(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.scheme == "https":
                context = tls_context(self.ca_bundle)
                sock = context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock, self.reader = sock, sock.makefile("rb")

    @property
    def _stream(self) -> io.BufferedReader:
        if self.reader is None:
            raise _NoReply("the connection is closed")
        return self.reader

    def idle_and_open(self) -> bool:
        """Open and quiet: an idle connection that reads has been closed by the server."""
        if self.sock is None:
            return False
        readable, _, _ = select.select([self.sock], [], [], 0)
        return not readable

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None

    def roundtrip(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, Headers, bytes]:
        if self.sock is None:
            self.open()
        assert self.sock is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        try:
            self.sock.sendall(request)
            first = self._stream.readline(MAX_LINE + 1)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError) as exc:
            raise _NoReply(repr(exc)) from exc
        if not first:
            raise _NoReply("the server closed the connection without a reply")
        status, version, headers_ = self._read_head(first)
        content = self._read_body(method, status, headers_)
        connection = (headers_.get("Connection") or "").lower()
        if "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection):
            self.close()
        return status, headers_, content

    def _read_head(self, first: bytes) -> tuple[int, str, Headers]:
        while True:
            status, version = _status_line(first)
            headers = self._read_headers()
            if not 100 <= status < 200 or status == 101:
                return status, version, headers
            first = self._stream.readline(MAX_LINE + 1)  # an interim reply: the real one follows

    def _read_headers(self) -> Headers:
        pairs: list[tuple[str, str]] = []
        while True:
            line = self._stream.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise TransportError("a reply header line is too long")
            if line in (b"\r\n", b"\n", b""):
                return Headers(pairs)
            if len(pairs) >= MAX_HEADERS:
                raise TransportError(f"a reply has more than {MAX_HEADERS} headers")
            text = line.decode("latin-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and pairs:  # obsolete line folding
                name, value = pairs[-1]
                pairs[-1] = (name, f"{value} {text.strip()}")
                continue
            name, sep, value = text.partition(":")
            if not sep:
                raise TransportError(f"malformed reply header line {text[:80]!r}")
            pairs.append((name.strip(), value.strip()))

    def _read_body(self, method: str, status: int, headers: Headers) -> bytes:
        if method == "HEAD" or status in (204, 304):
            return b""
        if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunks()
        length = headers.get("Content-Length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                raise TransportError(f"bad Content-Length {length!r}") from None
            content = self._stream.read(size)
            if len(content) < size:
                raise TransportError(f"reply cut short: {len(content)} of {size} bytes")
            return content
        content = self._stream.read()  # no framing: the body ends when the server closes
        self.close()
        return content

    def _read_chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self._stream.readline(MAX_LINE + 1)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise TransportError(f"bad chunk size line {line[:40]!r}") from None
            if size == 0:
                self._read_headers()  # trailers
                return b"".join(parts)
            chunk = self._stream.read(size + 2)
            if len(chunk) < size + 2:
                raise TransportError("reply cut short inside a chunk")
            parts.append(chunk[:size])


def _status_line(line: bytes) -> tuple[int, str]:
    text = line.decode("latin-1").rstrip("\r\n")
    version, _, rest = text.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/") or not code.isdigit():
        raise TransportError(f"malformed status line {text[:80]!r}")
    return int(code), version


class Transport:
    """Sends requests over per-origin kept-alive connections."""

    def __init__(self, ca_bundle: str, timeout: float) -> None:
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self._connections: dict[tuple[str, str, int | None], Connection] = {}

    def _connection(self, parts: SplitResult) -> tuple[Connection, bool]:
        """(connection, reused) for the URL's origin."""
        if parts.scheme not in _DEFAULT_PORTS:
            raise TransportError(f"cannot fetch {parts.geturl()}: not an http(s) URL")
        origin = (parts.scheme, parts.hostname or "", parts.port)
        conn = self._connections.get(origin)
        if conn is None:
            conn = self._connections[origin] = Connection(parts, self.ca_bundle, self.timeout)
        if conn.idle_and_open():
            return conn, True
        conn.close()
        return conn, False

    def exchange(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        """One request and its whole reply (redirects are the caller's business)."""
        parts = urlsplit(url)
        target = request_target(parts)
        for attempt in (1, 2):
            conn, reused = self._connection(parts)
            try:
                status, reply_headers, content = conn.roundtrip(method, target, headers, body)
            except _NoReply as exc:
                conn.close()
                if reused and attempt == 1:
                    continue
                raise TransportError(f"{method} {url} failed: {exc}") from exc
            except TransportError as exc:
                conn.close()
                raise TransportError(f"{method} {url} failed: {exc}") from exc
            except OSError as exc:
                conn.close()
                raise TransportError(f"{method} {url} failed: {exc!r}") from exc
            return Reply(method, url, status, reply_headers, content)
        raise AssertionError("unreachable")

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()
