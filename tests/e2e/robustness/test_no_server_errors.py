"""Every route of every host answers bad input with a 4xx (never a 500 or a traceback)."""

from __future__ import annotations

import re

import pytest

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

BAD_BODIES = (
    {"data": "{not json", "headers": {"Content-Type": "application/json"}},
    {"json": {"x": ["unexpected", {"nested": None}], "password": 12, "id": True}},
    {"data": {"SAMLResponse": "!!!", "RelayState": "x" * 5000, "loginfmt": "\x00"}},
    {"json": []},
    {"data": "[" * 5000 + "]" * 5000, "headers": {"Content-Type": "application/json"}},
    {"data": '{"a":' * 3000 + "1" + "}" * 3000, "headers": {"Content-Type": "application/json"}},
)
PARAM = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(LabOptions(state_dir=tmp_path_factory.mktemp("robust"), port_base=0)).start()
    yield lab
    lab.stop()


def _routes(lab: Lab):
    """(host, method, path) for every route the lab's apps serve, params filled with junk."""
    for server in lab.servers:
        app = server.server.wsgi_app if hasattr(server, "server") else None
        if app is None:
            continue
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/static") or rule.rule == "/_lab/reset":
                continue  # a reset mid-run would leave the other routes only 401s to give
            path = PARAM.sub(lambda m: "zz%27%22junk", rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield server.spec.name, method, path


def test_no_route_answers_bad_input_with_a_server_error(lab):
    api_key = lab.descriptor()["jumpcloud"]["api_key"]
    session = lab_session(lab.ctx.ca_file)
    failures = []
    routes = list(_routes(lab))
    assert len(routes) > 100
    for host, method, path in routes:
        url = lab.ctx.url(host) + path
        headers = {"x-api-key": api_key}
        if path.startswith("/_lab"):
            headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
        for body in BAD_BODIES if method != "GET" else ({},):
            extra = dict(body)
            reply = session.request(
                method,
                url + "?limit=-1&skip=x&filter=%24eq&$top=abc&$filter=(((",
                headers={**headers, **extra.pop("headers", {})},
                timeout=30,
                **extra,
            )
            if reply.status_code >= 500 or "Traceback (most recent call last)" in reply.text:
                failures.append(f"{method} {host}{path} -> {reply.status_code}")
    assert not failures, "\n".join(failures)


HUGE = str(2**63 + 5)
HOSTILE_QUERIES = (
    f"?skip={HUGE}&limit={HUGE}",
    "?$filter=" + "(" * 5000 + "displayName eq 'a'" + ")" * 5000,
    "?$filter=" + "not(" * 3000 + "accountEnabled eq true" + ")" * 3000,
    # 1,500 terms: under the 64 KiB request-line limit (a longer URL is a 414 before Graph)
    "?$filter=" + " or ".join(f"displayName eq 'n{i}'" for i in range(1500)),
    "?$search=" + '"displayName:' + "x" * 50_000 + '"',
)


def test_hostile_queries_get_a_400_not_a_server_error(lab):
    """Huge integers on JumpCloud lists and search; deep, long or huge OData queries on Graph."""
    world = lab.descriptor()
    api_key = world["jumpcloud"]["api_key"]
    ms = world["microsoft"]
    session = lab_session(lab.ctx.ca_file)
    token = session.post(
        f"{lab.ctx.url('login')}/{ms['tenant_id']}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": ms["app"]["client_id"],
              "client_secret": ms["app"]["client_secret"],
              "scope": "https://graph.microsoft.com/.default"},
        timeout=30,
    ).json()["access_token"]  # fmt: skip
    failures = []
    console = lab.ctx.url("console")
    for path in ("/api/systemusers", "/api/applications", "/api/v2/usergroups"):
        reply = session.get(console + path + HOSTILE_QUERIES[0], headers={"x-api-key": api_key},
                            timeout=30)  # fmt: skip
        if reply.status_code != 400:
            failures.append(f"GET {path} huge skip -> {reply.status_code}")
    reply = session.post(console + "/api/search/systemusers", json={"skip": 2**63 + 5},
                         headers={"x-api-key": api_key}, timeout=30)  # fmt: skip
    if reply.status_code != 400:
        failures.append(f"POST /api/search/systemusers huge skip -> {reply.status_code}")
    graph = lab.ctx.url("graph") + "/v1.0/users"
    for query in HOSTILE_QUERIES[1:]:
        reply = session.get(graph + query, timeout=60, headers={
            "Authorization": f"Bearer {token}", "ConsistencyLevel": "eventual"})  # fmt: skip
        if reply.status_code != 400 or "error" not in reply.json():
            failures.append(f"Graph {query[:40]}… -> {reply.status_code} {reply.text[:120]}")
    assert not failures, "\n".join(failures)
