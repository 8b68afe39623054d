"""The HTTP user agent follows redirects across hosts and submits self-posting forms."""

from __future__ import annotations

import socket
import threading

import pytest

from harness.clients.useragent import UserAgent, UserAgentError
from simulators.core.httpclient import LabClient
from simulators.core.journal import current_trace


def test_redirect_chain_then_auto_submitted_post_across_two_hosts(relay_lab):
    ctx = relay_lab.ctx
    with UserAgent(str(ctx.ca_file), trace="trace-ua") as agent:
        page = agent.get(ctx.url("login") + "/start")
    assert page.page_id == "relay.done"
    assert page.text_of("got") == "PHNhbWw+|a&b"  # RelayState echoed byte for byte
    hops = [(e.method, e.url.rsplit("/", 1)[1], e.status) for e in agent.history]
    assert hops == [
        ("GET", "start", 302),
        ("GET", "hop1", 302),
        ("GET", "hop2", 200),
        ("POST", "acs", 200),
    ]
    assert agent.history[2].url.startswith(ctx.url("sso"))
    assert agent.history[3].url.startswith(ctx.url("login"))


def test_every_request_carries_the_trace(relay_lab, admin):
    ctx = relay_lab.ctx
    with UserAgent(str(ctx.ca_file), trace="trace-ua2") as agent:
        agent.get(ctx.url("login") + "/start")
    journal = admin.get(ctx.url("login") + "/_lab/journal", params={"trace": "trace-ua2"})
    assert {e["host"] for e in journal.json()["entries"]} == {"login", "sso"}


def test_forms_are_filled_by_field_name(relay_lab):
    ctx = relay_lab.ctx
    with UserAgent(str(ctx.ca_file), auto_submit=False) as agent:
        page = agent.get(ctx.url("sso") + "/hop2")
        form = page.form()
        assert form.get("RelayState") == "a&b"
        with pytest.raises(UserAgentError, match="no field 'nope'"):
            form.set("nope", "x")
        done = form.set("RelayState", "changed").submit()
    assert done.text_of("got") == "PHNhbWw+|changed"


def test_missing_elements_give_a_clear_error(relay_lab):
    with UserAgent(str(relay_lab.ctx.ca_file)) as agent:
        page = agent.get(relay_lab.ctx.url("login") + "/start")
        with pytest.raises(UserAgentError, match="no element #nothing"):
            page.text_of("nothing")
        with pytest.raises(UserAgentError, match="no form #x"):
            page.form("x")


@pytest.mark.parametrize(
    ("status", "method", "body"),
    [
        (301, "GET", ""),
        (302, "GET", ""),
        (303, "GET", ""),
        (307, "POST", "a=1"),
        (308, "POST", "a=1"),
    ],
)
def test_redirects_change_the_method_the_way_browsers_do(relay_lab, status, method, body):
    with UserAgent(str(relay_lab.ctx.ca_file)) as agent:
        page = agent.post(relay_lab.ctx.url("login") + f"/redirect/{status}", {"a": "1"})
    seen = page.json()
    assert (seen["method"], seen["body"]) == (method, body)
    assert seen["cookie"] == "hop=set-on-redirect"  # stored from the redirect itself
    assert [e.status for e in agent.history] == [status, 200]


def test_query_parameters_and_fragments(relay_lab):
    with UserAgent(str(relay_lab.ctx.ca_file)) as agent:
        page = agent.get(relay_lab.ctx.url("login") + "/echo?x=1", params={"q": "a b&c"})
        assert page.json()["query"] == "x=1&q=a+b%26c"
        hop = agent.get(relay_lab.ctx.url("login") + "/redirect/302?to=/echo%23frag")
        assert hop.url.endswith("/echo#frag") and hop.json()["query"] == ""


def test_connection_refused_is_a_user_agent_error(relay_lab):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        UserAgent(str(relay_lab.ctx.ca_file)) as agent,
        pytest.raises(UserAgentError, match="request failed"),
    ):
        agent.get(f"https://127.0.0.1:{port}/")


def _one_reply_per_connection_server() -> tuple[socket.socket, list[int]]:
    """Plain HTTP: answers the first request of a connection, then drops it when the next
    request arrives (a server that closed a kept-alive connection the client still holds)."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[int] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            body = f"connection {len(connections)}".encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body
            )  # fmt: skip
            conn.recv(65536)  # the next request on this connection: hang up unanswered

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, connections


def test_a_dropped_kept_alive_connection_is_replaced_once(relay_lab):
    listener, connections = _one_reply_per_connection_server()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        with UserAgent(str(relay_lab.ctx.ca_file)) as agent:
            first, second = agent.get(url), agent.get(url)
    finally:
        listener.close()
    assert (first.text, second.text) == ("connection 1", "connection 2")
    assert len(connections) == 2


def test_lab_client_posts_forms_and_carries_the_trace(relay_lab, admin):
    client = LabClient(relay_lab.ctx.ca_file)
    token = current_trace.set("trace-labclient")
    try:
        reply = client.post(relay_lab.ctx.url("login") + "/echo", data={"a": "1 2", "b": "é"})
    finally:
        current_trace.reset(token)
        client.close()
    assert reply.status == 200 and reply.json()["body"] == "a=1+2&b=%C3%A9"
    journal = admin.get(
        relay_lab.ctx.url("login") + "/_lab/journal", params={"trace": "trace-labclient"}
    )
    assert [e["url"].rsplit("/", 1)[1] for e in journal.json()["entries"]] == ["echo"]
