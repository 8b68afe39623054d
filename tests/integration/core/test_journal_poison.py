"""One hostile body in the journal never breaks reading it: a 5,000-level JSON body sent to
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
