"""The integration's event log: Directory Insights events over the API, and the console table."""

from __future__ import annotations

import json

import pytest

from harness.clients.useragent import UserAgent
from simulators.core.httpclient import lab_session

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"
ADMIN = {"email": "root@fabrikam-evt.com", "password": "Admin-Passw0rd!"}
SINCE = "2000-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {"domains": [{"name": "fabrikam-evt.com", "verified": True}]},
        {
            "admin": ADMIN,
            "users": [{"username": "eli", "email": "eli@fabrikam-evt.com", "firstname": "Eli",
                       "lastname": "Eng", "password": PASSWORD}],
            "office365": {"domains": ["fabrikam-evt.com"]},
            "bindings": {"users": ["eli"]},
        },
    )  # fmt: skip
    w.authorize()  # export: m365_user_create
    eli = w.user_id("eli")
    assert w.portal_signin("eli", PASSWORD).page_id == "jc.userportal.home"  # password sync
    w.ok("PUT", f"/systemusers/{eli}", json={"lastname": "Engel"})  # m365_user_update
    external = w.statuses()[eli]["externalId"]
    with lab_session(w.ca) as admin:
        admin.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
        rule = {"host": "graph", "method": "PATCH", "path": f"/v1.0/users/{external}",
                "status": 400, "code": "Request_BadRequest", "count": 1}  # fmt: skip
        faults = f"{w.url('graph')}/_lab/faults"
        assert admin.put(faults, json={"rules": [rule]}, timeout=30).status_code == 200
        try:
            w.ok("PUT", f"/systemusers/{eli}", json={"firstname": "Elias"})  # a refused write
        finally:
            admin.put(faults, json={"rules": []}, timeout=30)
    return w


def _events(world, key: str | None = None, **body) -> list[dict]:
    reply = _post(world, key, {"service": ["all"], "start_time": SINCE, **body})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _post(world, key, body):
    headers = {"x-api-key": key or world.jc["api_key"]}
    url = f"{world.url('console')}/insights/directory/v1/events"
    return world.jc_api.post(url, json=body, headers=headers, timeout=30)


def test_every_graph_write_is_a_directory_insights_event(world):
    eli = world.user_id("eli")
    events = _events(world, service=["office_365"], sort="ASC")
    kinds = [e["event_type"] for e in events]
    assert kinds == ["m365_user_create", "m365_password_sync", "m365_user_update",
                     "m365_user_update"], kinds  # fmt: skip
    for event in events:
        assert event["service"] == "office_365" and event["resource"]["id"] == eli
        assert event["timestamp"].endswith("Z") and event["id"] and event["version"] == "1"
        assert event["initiated_by"]["type"] == "system"
        assert event["organization"] == world.jc["org_id"]
    created, password, updated, refused = events
    assert created["success"] is True and created["result"]["status"] == 201
    assert created["request"]["method"] == "POST" and created["request"]["path"] == "/users"
    sent = json.dumps(password["request"])
    assert "[redacted]" in sent and PASSWORD not in sent
    assert updated["request"]["body"] == {"surname": "Engel", "displayName": "Eli Engel"}
    assert refused["success"] is False and refused["result"]["code"] == "Request_BadRequest"
    # newest first by default; service and search_term filters; the time window
    assert [e["id"] for e in _events(world, service=["office_365"])] == [
        e["id"] for e in reversed(events)
    ]
    assert all(e["service"] != "office_365" for e in _events(world, service=["directory"]))
    only = _events(world, search_term={"and": {"event_type": "m365_user_create"}})
    assert [e["id"] for e in only] == [created["id"]]
    assert _events(world, service=["office_365"], end_time=SINCE) == []
    slim = _events(world, service=["office_365"], fields=["event_type", "success"])
    assert all(set(e) == {"event_type", "success"} for e in slim)


def test_paging_with_search_after(world):
    everything = _events(world, sort="ASC")
    seen, after = [], None
    while True:
        body = {"service": ["all"], "start_time": SINCE, "sort": "ASC", "limit": 2}
        if after:
            body["search_after"] = after
        reply = _post(world, None, body)
        assert reply.status_code == 200 and reply.headers["X-Limit"] == "2"
        page = reply.json()
        assert reply.headers["X-Result-Count"] == str(len(page))
        seen += [e["id"] for e in page]
        if "X-Search_after" not in reply.headers:
            break
        after = json.loads(reply.headers["X-Search_after"])
    assert seen == [e["id"] for e in everything] and len(seen) > 4


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"start_time": SINCE}, 400),
        ({"service": ["all"]}, 400),
        ({"service": ["all"], "start_time": "yesterday"}, 400),
        ({"service": ["all"], "start_time": SINCE, "limit": 0}, 400),
        ({"service": ["all"], "start_time": SINCE, "sort": "UP"}, 400),
        ({"service": ["all"], "start_time": SINCE, "search_after": [1, "nope"]}, 400),
    ],
)
def test_bad_queries_get_jumpcloud_errors(world, body, status):
    reply = _post(world, None, body)
    assert reply.status_code == status
    assert set(reply.json()) >= {"code", "message", "status"}


def test_credentials_and_isolation(world, lab):
    url = f"{world.url('console')}/insights/directory/v1/events"
    with lab_session(world.ca) as anonymous:
        reply = anonymous.post(url, json={"service": ["all"], "start_time": SINCE}, timeout=30)
    assert reply.status_code == 401 and reply.json()["code"] == 401
    other = new_world(lab, {}, {})
    theirs = _events(world, key=other.jc["api_key"])
    assert not any(e["service"] == "office_365" for e in theirs)
    assert all(e["organization"] == other.jc["org_id"] for e in theirs)


def test_console_lists_the_integration_events(world):
    with UserAgent(world.ca) as agent:
        page = agent.get(world.url("console") + "/directories")
        page.form("admin-login-form").fill(**ADMIN).submit()
        page = agent.get(world.url("console") + "/directories")
    assert page.page_id == "jc.admin.directories"
    table = page.by_id("m365-events")
    rows = [
        [cell.text_content().strip() for cell in row.findall("td")]
        for row in table.find_class("m365-event")
    ]
    assert [r[1] for r in rows] == ["m365_user_update", "m365_user_update", "m365_password_sync",
                                    "m365_user_create", "m365_authorize"]  # fmt: skip
    assert all(r[2] == "eli" and r[0].endswith("Z") for r in rows[:-1])
    assert rows[0][3].startswith("failed") and "Request_BadRequest" in rows[0][3]
    assert {r[3] for r in rows[1:]} == {"success"}
    assert rows[-1][2] == ADMIN["email"]  # the admin who authorized the integration
