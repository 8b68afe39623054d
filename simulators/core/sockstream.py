"""Socket file objects for cheroot built on the C ``io`` classes.

cheroot's own reader subclasses the pure-Python ``_pyio.BufferedReader`` (it needs to see the
buffer for ``has_data``), so every header line costs a dozen Python calls. This reader is the
C ``BufferedReader``; it counts bytes fetched from the socket and bytes handed out, which is
all ``has_data`` needs. The writer sends each write whole, as cheroot's does, without the
buffer bookkeeping.
"""

from __future__ import annotations

import io
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


class StreamWriter:
    """What cheroot's ``makefile(sock, "wb")`` returns: each ``write`` goes out whole."""

    def __init__(self, sock: socket.socket, mode: str = "wb", bufsize: int = 8192) -> None:
        self._sock = sock
        self.bytes_written = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed socket file")
        self._sock.sendall(data)
        self.bytes_written += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered."""

    def close(self) -> None:
        self.closed = True


def makefile(sock: socket.socket, mode: str = "r", bufsize: int = 8192):
    """cheroot's ``MakeFile`` contract: a reader for "r" modes, else a writer."""
    return StreamReader(sock, mode, bufsize) if "r" in mode else StreamWriter(sock, mode, bufsize)
