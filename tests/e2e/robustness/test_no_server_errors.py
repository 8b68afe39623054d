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
