"""Clients that never finish, or send too much, do not stop a host answering others.

Three kinds, 64 of each, on one host: a TCP connection that never starts TLS, one that sends
half a TLS ClientHello, and one that completes TLS and dribbles its request headers. Health on
the same host must still answer within a second.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time

from simulators.core.httpclient import lab_session

SLOW = 64


def _open(spec, kind: str, context: ssl.SSLContext) -> socket.socket:
    raw = socket.create_connection((spec.public_host, spec.port), timeout=5)
    if kind == "silent":
        return raw
    if kind == "half-hello":
        raw.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        return raw
    tls = context.wrap_socket(raw, server_hostname=spec.public_host)
    tls.sendall(b"GET /_lab/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return tls


def test_slow_clients_leave_health_answering_within_a_second(relay_lab):
    ctx = relay_lab.ctx
    spec = ctx.topology.hosts["graph"]
    context = ssl.create_default_context(cafile=str(ctx.ca_file))
    session = lab_session(ctx.ca_file)
    health = ctx.url("graph") + "/_lab/health"
    held: list[socket.socket] = []
    try:
        for kind in ("silent", "half-hello", "dribbling"):
            held.extend(_open(spec, kind, context) for _ in range(SLOW))
            for sock in held[-SLOW:] if kind == "dribbling" else ():
                sock.sendall(b"a")  # one more byte: still not a whole header line
            started = time.monotonic()
            reply = session.get(health, timeout=10)
            elapsed = time.monotonic() - started
            assert reply.status_code == 200, reply.text
            assert elapsed <= 1.0, f"health took {elapsed:.2f} s behind {len(held)} slow clients"
    finally:
        for sock in held:
            with contextlib.suppress(OSError):
                sock.close()


def test_a_header_block_over_64_kib_is_a_431(relay_lab):
    session = lab_session(relay_lab.ctx.ca_file)
    url = relay_lab.ctx.url("graph") + "/_lab/health"
    reply = session.get(url, headers={f"X-Pad-{i}": "x" * 1000 for i in range(70)}, timeout=10)
    assert reply.status_code == 431, reply.text
    assert session.get(url, headers={"X-Pad": "x" * 30_000}, timeout=10).status_code == 200
    long_url = url + "?q=" + "x" * 70_000
    assert session.get(long_url, timeout=10).status_code == 414
