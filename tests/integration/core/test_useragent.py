"""The HTTP user agent follows redirects across hosts and submits self-posting forms."""

from __future__ import annotations

import pytest

from harness.useragent import UserAgent, UserAgentError


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
