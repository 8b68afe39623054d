"""Every host answers over HTTPS that the standard library verifies against the lab CA only."""

from __future__ import annotations

import http.client
import re
import socket
import ssl

import pytest
import requests

from simulators.core.httpclient import lab_session


def test_stdlib_ssl_verifies_chain_and_hostname(relay_lab):
    ctx = relay_lab.ctx
    context = ssl.create_default_context(cafile=str(ctx.ca_file))
    spec = ctx.topology.hosts["login"]
    with (
        socket.create_connection((spec.public_host, spec.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=spec.public_host) as tls,
    ):
        cert = tls.getpeercert()
    sans = {value for _, value in cert["subjectAltName"]}
    assert "127.0.0.1" in sans and "localhost" in sans


def test_wrong_hostname_is_rejected(relay_lab):
    ctx = relay_lab.ctx
    context = ssl.create_default_context(cafile=str(ctx.ca_file))
    spec = ctx.topology.hosts["login"]
    with (
        socket.create_connection((spec.public_host, spec.port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="login.microsoftonline.com")


def test_system_trust_store_does_not_trust_the_lab(relay_lab):
    context = ssl.create_default_context()  # the machine's CAs, not ours
    spec = relay_lab.ctx.topology.hosts["login"]
    with (
        socket.create_connection((spec.public_host, spec.port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname=spec.public_host)


def test_every_served_host_is_healthy_over_verified_https(relay_lab):
    session = lab_session(relay_lab.ctx.ca_file)
    for host in ("login", "sso", "graph", "dashboard"):
        reply = session.get(relay_lab.ctx.url(host) + "/_lab/health", timeout=5)
        assert reply.status_code == 200
        body = reply.json()
        assert body["status"] == "ok" and body["host"] == host
        assert body["process"] == relay_lab.ctx.instance_id


def test_plain_http_is_not_served(relay_lab):
    url = relay_lab.ctx.url("login").replace("https://", "http://") + "/_lab/health"
    with pytest.raises(requests.RequestException):
        requests.get(url, timeout=3).raise_for_status()


def test_keep_alive_reuses_one_connection(relay_lab):
    spec = relay_lab.ctx.topology.hosts["login"]
    context = ssl.create_default_context(cafile=str(relay_lab.ctx.ca_file))
    conn = http.client.HTTPSConnection(spec.public_host, spec.port, context=context, timeout=5)
    sockets = set()
    for _ in range(3):
        conn.request("GET", "/_lab/health")
        reply = conn.getresponse()
        assert reply.status == 200 and not reply.will_close
        reply.read()
        sockets.add(id(conn.sock))
    conn.close()
    assert len(sockets) == 1


def test_pipelined_requests_and_bodies_on_one_connection(relay_lab):
    """Requests sent back to back in one write are all answered, in order (the reader must
    notice a request already buffered, without waiting for the socket)."""
    spec = relay_lab.ctx.topology.hosts["graph"]
    context = ssl.create_default_context(cafile=str(relay_lab.ctx.ca_file))
    raw = socket.create_connection((spec.public_host, spec.port), timeout=5)
    with context.wrap_socket(raw, server_hostname=spec.public_host) as tls:
        host = f"{spec.public_host}:{spec.port}"
        body = "password=" + "x" * 20000  # larger than one read buffer
        tls.sendall(
            (
                f"GET /_lab/health HTTP/1.1\r\nHost: {host}\r\n\r\n"
                f"POST /login HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n{body}"
                f"GET /_lab/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        received = b""
        while chunk := tls.recv(65536):
            received += chunk
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", received) == [b"200"] * 3
    assert b'"password_seen":true' in received
