"""Hostile input never takes a host down. A 5,000-level JSON body sent to
three hosts, then the journal on each host and the dashboard still answer 200."""

from __future__ import annotations

import json

import pytest

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(LabOptions(state_dir=tmp_path_factory.mktemp("poison"), port_base=0,
                         default_world=False)).start()  # fmt: skip
    yield lab
    lab.stop()


def test_a_deeply_nested_body_does_not_poison_the_journal(lab):
    ctx = lab.ctx
    session = lab_session(ctx.ca_file)
    admin = {"Authorization": f"Bearer {ctx.admin_token}", "Content-Type": "application/json"}
    targets = [
        ("login", "/_lab/worlds", admin),
        ("graph", "/v1.0/users", {"Content-Type": "application/json"}),
        ("console", "/api/systemusers", {"Content-Type": "application/json", "x-api-key": "x"}),
    ]
    for host, path, headers in targets:
        reply = session.post(ctx.url(host) + path, data=DEEP, headers=headers, timeout=30)
        assert reply.status_code < 500, (host, reply.status_code, reply.text[:200])
    for host in ("login", "graph", "console"):
        reply = session.get(ctx.url(host) + "/_lab/journal", headers=admin, timeout=30)
        assert reply.status_code == 200, (host, reply.text[:300])
        bodies = [e.get("request_body") or "" for e in reply.json()["entries"]]
        assert any(b.startswith("[nested too deeply") for b in bodies), host
    for path in ("/api/timeline", "/"):
        reply = session.get(ctx.url("dashboard") + path, headers=admin, timeout=30)
        assert reply.status_code == 200, (path, reply.text[:300])
    json.dumps(reply.text)


@pytest.mark.parametrize(
    "body",
    [
        {"offset_seconds": float("nan")},
        {"offset_seconds": float("inf")},
        {"offset_seconds": -float("inf")},
        {"offset_seconds": 1e308},
        {"offset_seconds": 10**400},
        {"offset_seconds": 1e12},
        {"offset_seconds": -1e11},
        {"advance_seconds": 1e12},
        {"frozen_at": "9999-12-31T00:00:00Z"},
        {"frozen_at": "1970-01-01T00:00:00Z"},
    ],
)
def test_an_out_of_range_clock_is_refused_and_nothing_changes(lab, body):
    ctx = lab.ctx
    session = lab_session(ctx.ca_file)
    admin = {"Authorization": f"Bearer {ctx.admin_token}", "Content-Type": "application/json"}
    before = session.get(ctx.url("login") + "/_lab/clock", headers=admin, timeout=30).json()
    text = (
        json.dumps(body) if "10**" not in repr(body) else '{"offset_seconds": 1' + "0" * 400 + "}"
    )
    reply = session.put(ctx.url("login") + "/_lab/clock", data=text, headers=admin, timeout=30)
    assert reply.status_code == 400, reply.text
    assert "2000-01-01" in reply.text or "finite" in reply.text or "number" in reply.text
    after = session.get(ctx.url("login") + "/_lab/clock", headers=admin, timeout=30).json()
    assert after["frozen"] == before["frozen"]
    assert abs(after["offset_seconds"] - before["offset_seconds"]) < 5
    for host in ("login", "graph", "console", "sso"):
        health = session.get(ctx.url(host) + "/_lab/health", timeout=30)
        assert health.status_code == 200, (host, health.text[:200])
