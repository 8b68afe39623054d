"""Socket file objects for cheroot built on the C ``io`` classes.

cheroot's own reader subclasses the pure-Python ``_pyio.BufferedReader`` (it needs to see the
buffer for ``has_data``), so every header line costs a dozen Python calls. This reader is the
C ``BufferedReader``; it counts bytes fetched from the socket and bytes handed out, which is
all ``has_data`` needs. The writer holds a reply until the connection has written all of it
(``flush``): status line, headers and body leave in one TLS record and one send instead of
two, and the client reads them in one go.
"""

from __future__ import annotations

import contextlib
import io
import select
import socket


class _CountingSocketIO(socket.SocketIO):
    """The raw socket stream, counting what it fetches for its reader."""

    def __init__(self, sock: socket.socket, reader: StreamReader) -> None:
        super().__init__(sock, "rb")
        self._reader = reader

    def readinto(self, buffer) -> int | None:
        count = super().readinto(buffer)
        if count:
            self._reader.fetched += count
        return count


class StreamReader(io.BufferedReader):
    """What cheroot's ``makefile(sock, "rb")`` returns: reads, readlines, ``has_data``."""

    def __init__(self, sock: socket.socket, mode: str = "rb", bufsize: int = 8192) -> None:
        self.fetched = 0
        self.bytes_read = 0
        super().__init__(_CountingSocketIO(sock, self), bufsize)

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line

    def has_data(self) -> bool:
        """Bytes read from the socket but not yet by cheroot (a pipelined request)."""
        return self.fetched > self.bytes_read


FLUSH_AT = 64 * 1024  # a bigger reply (a journal page) streams out in pieces this size


class StreamWriter:
    """What cheroot's ``makefile(sock, "wb")`` returns; ``flush`` sends what a reply wrote."""

    def __init__(self, sock: socket.socket, mode: str = "wb", bufsize: int = 8192) -> None:
        self._sock = sock
        self._pending = bytearray()
        self._streaming = False
        self.bytes_written = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed socket file")
        if data.startswith(b"HTTP/"):
            # a reply without a length is streamed: its chunks go out as they come
            self._streaming = b"\r\ntransfer-encoding: chunked" in data.lower()
        self._pending += data
        self.bytes_written += len(data)
        if self._streaming or len(self._pending) >= FLUSH_AT or _interim(data):
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._pending:
            data = bytes(self._pending)
            self._pending.clear()
            self._sock.sendall(data)

    def close(self) -> None:
        self.closed = True


def _interim(data: bytes) -> bool:
    """A ``100 Continue``: the client waits for it before sending the body, so it goes now."""
    return data.startswith(b"HTTP/") and data[9:13] == b"100 "


LINGER_SECONDS = 0.02
"""How long a worker keeps waiting on its connection for the client's next request."""
LINGER_SPARE_WORKERS = 2
"""A worker lingers only while at least this many others are idle (new connections wait not)."""


def connection_class():
    """cheroot's connection: flushes the writer once each request has been answered, and
    answers the client's next request on the same thread when it comes quickly.

    cheroot hands every kept-alive connection back to its selector thread after each reply;
    the next request then wakes the selector, which queues the connection for a worker: two
    thread hand-offs per request, about a tenth of a sign-in's server time. A browser-like
    client sends its next request to a host within a few milliseconds, so the worker waits a
    little on the socket first (the GIL is released while it waits).
    """
    from cheroot.server import HTTPConnection

    class FlushingConnection(HTTPConnection):
        def communicate(self):
            while True:
                keep_open = self._answer_one()
                if not keep_open or not self._next_request_soon():
                    return keep_open

        def _answer_one(self) -> bool:
            try:
                return super().communicate()
            finally:
                with contextlib.suppress(OSError):  # the peer is gone; cheroot closes next
                    self.wfile.flush()

        def _next_request_soon(self) -> bool:
            pending = getattr(self.socket, "pending", None)  # TLS: records already decrypted
            if self.rfile.has_data() or (pending is not None and pending()):
                return True
            server = self.server
            if not server.ready or server.requests.idle < LINGER_SPARE_WORKERS:
                return False
            try:
                readable, _, _ = select.select([self.socket], [], [], LINGER_SECONDS)
            except (OSError, ValueError):
                return False
            return bool(readable)

    return FlushingConnection


def makefile(sock: socket.socket, mode: str = "r", bufsize: int = 8192):
    """cheroot's ``MakeFile`` contract: a reader for "r" modes, else a writer."""
    return StreamReader(sock, mode, bufsize) if "r" in mode else StreamWriter(sock, mode, bufsize)
