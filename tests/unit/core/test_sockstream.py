"""The socket files the servers read and write with."""

from __future__ import annotations

import socket

import pytest

from simulators.core import sockstream


@pytest.fixture
def pair():
    left, right = socket.socketpair()
    right.settimeout(2)
    yield left, right
    left.close()
    right.close()


def pending(sock: socket.socket) -> bytes:
    sock.setblocking(False)
    try:
        return sock.recv(1 << 20)
    except BlockingIOError:
        return b""
    finally:
        sock.settimeout(2)


def test_a_reply_leaves_in_one_send_at_flush(pair):
    left, right = pair
    writer = sockstream.makefile(left, "wb")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    writer.write(b"ok")
    assert pending(right) == b""
    writer.flush()
    assert right.recv(100) == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert writer.bytes_written == 40


def test_continue_and_streamed_chunks_are_not_held(pair):
    left, right = pair
    writer = sockstream.makefile(left, "wb")
    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert right.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    writer.write(b"2\r\nhi\r\n")
    assert right.recv(100).endswith(b"2\r\nhi\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n")
    writer.write(b"x")
    assert pending(right) == b""


def test_big_replies_stream_in_pieces(pair):
    left, right = pair
    writer = sockstream.makefile(left, "wb")
    writer.write(b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * sockstream.FLUSH_AT)
    got = b""
    while len(got) < sockstream.FLUSH_AT:
        got += right.recv(1 << 20)
    assert got.endswith(b"a" * 100)


def test_writes_after_close_fail(pair):
    writer = sockstream.makefile(pair[0], "wb")
    writer.close()
    with pytest.raises(ValueError):
        writer.write(b"x")


def test_reader_knows_when_a_request_is_already_buffered(pair):
    left, right = pair
    reader = sockstream.makefile(right, "rb")
    left.sendall(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
    assert reader.readline() == b"GET /a HTTP/1.1\r\n"
    assert reader.readline() == b"\r\n"
    assert reader.has_data()  # the second request came in the same read
    assert reader.readline() == b"GET /b HTTP/1.1\r\n"
    assert reader.read(2) == b"\r\n"
    assert not reader.has_data()
    assert reader.bytes_read == 38
