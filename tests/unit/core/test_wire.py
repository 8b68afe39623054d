"""The user agent's HTTP/1.1 client reads every framing a server may use."""

from __future__ import annotations

import socket
import threading

import pytest

from simulators.core.wire import Transport, TransportError


def serve_once(*replies: bytes) -> tuple[str, list[bytes]]:
    """A loopback server answering one connection with ``replies`` (one per request), then
    closing it; returns its URL and the requests it read."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def run() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            for reply in replies:
                seen.append(conn.recv(65536))
                conn.sendall(reply)

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", seen


@pytest.fixture
def transport():
    t = Transport("no-ca-needed-for-plain-http.pem", timeout=5)
    yield t
    t.close()


def test_content_length_then_chunked_on_one_connection(transport):
    url, seen = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n",
    )
    first = transport.exchange("GET", url + "/a?x=1#frag", None, {"Accept": "*/*"})
    second = transport.exchange("POST", url + "/b", b"k=v", {})
    assert (first.status, first.content) == (200, b"hello")
    assert first.headers.get_all("set-cookie") == ["a=1", "b=2"]
    assert (second.status, second.content) == (201, b"abcde")
    assert seen[0].startswith(b"GET /a?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert seen[1].endswith(b"Content-Length: 3\r\n\r\nk=v")  # headers and body in one send


def test_interim_replies_folding_and_close_delimited_bodies(transport):
    url, _ = serve_once(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nX-Long: one\r\n two\r\n\r\nuntil close"
    )
    reply = transport.exchange("GET", url, None, {})
    assert reply.headers["x-long"] == "one two" and reply.content == b"until close"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"SMTP ready\r\n\r\n", "malformed status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "cut short"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed reply header"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"", "without a reply"),
    ],
)
def test_broken_replies_are_clear_errors(transport, raw, message):
    url, _ = serve_once(raw)
    with pytest.raises(TransportError, match=message):
        transport.exchange("GET", url, None, {})


def test_head_and_no_content_have_no_body(transport):
    url, _ = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n"
    )
    assert transport.exchange("HEAD", url, None, {}).content == b""
    assert transport.exchange("GET", url, None, {}).status == 204


def test_only_http_urls(transport):
    with pytest.raises(TransportError, match="not an http"):
        transport.exchange("GET", "ftp://127.0.0.1/x", None, {})
