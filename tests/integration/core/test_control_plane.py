"""The /_lab control plane: auth, clock, journal, reset, state, faults, errors by host style."""

from __future__ import annotations

import datetime as dt

from simulators.core.httpclient import lab_session


def test_health_is_open_and_everything_else_needs_the_token(relay_lab):
    anon = lab_session(relay_lab.ctx.ca_file)
    base = relay_lab.ctx.url("login")
    assert anon.get(base + "/_lab/health").status_code == 200
    for method, path in (
        ("POST", "/_lab/reset"),
        ("GET", "/_lab/state"),
        ("GET", "/_lab/journal"),
        ("PUT", "/_lab/clock"),
        ("POST", "/_lab/worlds"),
        ("DELETE", "/_lab/worlds/x"),
        ("PUT", "/_lab/faults"),
    ):
        reply = anon.request(method, base + path, json={})
        assert reply.status_code == 401, path
        assert reply.json()["error"]["code"] == "Unauthorized"
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = anon.get(base + "/_lab/state", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_clock_offset_is_seen_by_every_host(relay_lab, admin):
    ctx = relay_lab.ctx
    try:
        reply = admin.put(ctx.url("graph") + "/_lab/clock", json={"offset_seconds": 86400})
        assert reply.status_code == 200
        for host in ("login", "sso"):
            seen = dt.datetime.fromisoformat(admin.get(ctx.url(host) + "/clock").json()["now"])
            delta = seen - dt.datetime.now(dt.UTC)
            assert dt.timedelta(hours=23, minutes=59) < delta < dt.timedelta(hours=24, minutes=1)
        admin.put(ctx.url("login") + "/_lab/clock", json={"frozen_at": "2030-01-02T03:04:05Z"})
        now = admin.get(ctx.url("sso") + "/clock").json()["now"]
        assert now.startswith("2030-01-02T03:04:05")
        admin.put(ctx.url("login") + "/_lab/clock", json={"advance_seconds": 60})
        assert admin.get(ctx.url("sso") + "/clock").json()["now"].startswith("2030-01-02T03:05:05")
    finally:
        admin.put(ctx.url("login") + "/_lab/clock", json={"reset": True})


def test_bad_clock_body_is_a_clear_400(relay_lab, admin):
    reply = admin.put(relay_lab.ctx.url("login") + "/_lab/clock", json={"frozen_at": "soon"})
    assert reply.status_code == 400
    assert "ISO-8601" in reply.json()["error"]["message"]
    reply = admin.put(relay_lab.ctx.url("login") + "/_lab/clock", data="not json")
    assert reply.status_code == 400


def test_journal_records_every_exchange_with_trace_and_redaction(relay_lab, admin):
    ctx = relay_lab.ctx
    anon = lab_session(ctx.ca_file)
    anon.post(
        ctx.url("graph") + "/login",
        data={"user": "ann", "password": "S3cret!"},
        headers={"X-Lab-Trace": "trace-redact", "Authorization": "Bearer abc.def"},
    )
    entries = admin.get(ctx.url("login") + "/_lab/journal", params={"trace": "trace-redact"}).json()
    (entry,) = entries["entries"]
    assert entry["host"] == "graph" and entry["method"] == "POST" and entry["status"] == 200
    assert "S3cret" not in entry["request_body"] and "user=ann" in entry["request_body"]
    assert entry["request_headers"]["Authorization"] == "Bearer [redacted]"
    assert entry["response_headers"]["X-Lab-Trace"] == "trace-redact"
    assert entry["duration_ms"] >= 0


def test_journal_since_filters_by_sequence(relay_lab, admin):
    ctx = relay_lab.ctx
    last = admin.get(ctx.url("login") + "/_lab/journal").json()["entries"][-1]["seq"]
    admin.get(ctx.url("login") + "/_lab/health")
    newer = admin.get(ctx.url("login") + "/_lab/journal", params={"since": last}).json()
    assert [e["url"].endswith("/_lab/health") for e in newer["entries"]] == [True]


def test_unknown_routes_answer_in_the_host_style(relay_lab):
    anon = lab_session(relay_lab.ctx.ca_file)
    api = anon.get(relay_lab.ctx.url("graph") + "/nope")
    assert api.status_code == 404 and api.json()["error"]["code"] == "NotFound"
    page = anon.get(relay_lab.ctx.url("sso") + "/nope")
    assert page.status_code == 404 and "text/html" in page.headers["Content-Type"]
    assert 'data-page="error"' in page.text and "Traceback" not in page.text


def test_a_crash_is_a_500_without_traceback_but_journaled_with_it(relay_lab, admin):
    ctx = relay_lab.ctx
    anon = lab_session(ctx.ca_file)
    reply = anon.get(ctx.url("graph") + "/boom", headers={"X-Lab-Trace": "trace-boom"})
    assert reply.status_code == 500
    assert reply.json()["error"]["code"] == "InternalServerError"
    assert "kaboom" not in reply.text and "Traceback" not in reply.text
    (entry,) = admin.get(ctx.url("login") + "/_lab/journal", params={"trace": "trace-boom"}).json()[
        "entries"
    ]
    assert "RuntimeError: kaboom" in entry["error"]


def test_fault_rules_inject_status_retry_after_and_count(relay_lab, admin):
    ctx = relay_lab.ctx
    anon = lab_session(ctx.ca_file)
    rules = [
        {
            "host": "graph",
            "method": "POST",
            "path": "/count",
            "status": 429,
            "retry_after": 2,
            "count": 2,
        }
    ]
    assert admin.put(ctx.url("login") + "/_lab/faults", json={"rules": rules}).status_code == 200
    statuses = [anon.post(ctx.url("graph") + "/count") for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "2"
    assert statuses[0].json()["error"]["code"] == "TooManyRequests"
    bad = admin.put(ctx.url("login") + "/_lab/faults", json={"rules": [{"status": 99}]})
    assert bad.status_code == 400 and "rules[0].status" in bad.json()["error"]["message"]
    admin.delete(ctx.url("login") + "/_lab/faults")


def test_state_and_reset(relay_lab, admin):
    ctx = relay_lab.ctx
    admin.post(ctx.url("graph") + "/count")
    state = admin.get(ctx.url("login") + "/_lab/state").json()
    assert state["systems"]["relay"]["hits"] >= 1 and "clock" in state
    assert admin.post(ctx.url("sso") + "/_lab/reset").status_code == 200
    assert admin.get(ctx.url("login") + "/_lab/state").json()["systems"]["relay"]["hits"] == 0


def test_world_routes_validate(relay_lab, admin):
    base = relay_lab.ctx.url("login")
    assert admin.post(base + "/_lab/worlds", data="x").status_code == 400
    assert admin.post(base + "/_lab/worlds", json={"id": "bad id!"}).status_code == 400
    assert admin.delete(base + "/_lab/worlds/unknown").status_code == 404
