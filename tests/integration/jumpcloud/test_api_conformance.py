"""Every path served is in JumpCloud's Swagger descriptions with that method; replies validate.

The descriptions are the committed contract ``tests/data/jumpcloud_contract.json`` (extracted from
JumpCloud's published Swagger files by ``tools/jumpcloud_contract.py``, provenance inside).
Swagger 2.0 ``x-nullable`` is honoured by widening the type to include null. Routes in
``NOT_IN_SPEC`` are left out of the contract: JumpCloud serves them but does not describe them,
or they are the lab's own.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from functools import cache

import jsonschema
import pytest

from .conftest import CONTRACT, ROOT, contract_world_doc

NOT_IN_SPEC = {
    # served by JumpCloud, absent from its published descriptions
    ("v2", "GET", "/office365s"),
    ("v2", "GET", "/office365s/{office365_id}/domains"),
    ("v2", "POST", "/office365s/{office365_id}/domains"),
    ("v2", "DELETE", "/office365s/{office365_id}/domains/{domain_id}"),
    ("v2", "POST", "/office365s/{office365_id}/import/users"),  # described for GET only
    ("v1", "GET", "/organizations/{org_id}/applications/{app_id}/metadata.xml"),  # no methods
    # the lab's own routes (README: certificate rotation, eventual-consistency controls)
    ("v1", "POST", "/applications/{app_id}/rotate-certificate"),
    ("v2", "GET", "/office365s/{office365_id}/lab/settings"),
    ("v2", "PUT", "/office365s/{office365_id}/lab/settings"),
    ("v2", "POST", "/office365s/{office365_id}/lab/sync"),
    ("v2", "POST", "/office365s/{office365_id}/deactivate"),  # README: deactivating sync
    ("v2", "GET", "/office365s/{office365_id}/lab/events"),
    ("v2", "GET", "/office365s/{office365_id}/lab/stats"),
}


def _tool():
    location = importlib.util.spec_from_file_location(
        "jumpcloud_contract", ROOT / "tools" / "jumpcloud_contract.py"
    )
    module = importlib.util.module_from_spec(location)
    location.loader.exec_module(module)
    return module


def _nullable(node):
    if isinstance(node, dict):
        if node.get("x-nullable") and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable(value)
    elif isinstance(node, list):
        for value in node:
            _nullable(value)


@cache
def contract() -> dict:
    return json.loads(CONTRACT.read_text())


@cache
def spec(version: str) -> dict:
    data = copy.deepcopy(contract()[version])
    _nullable(data)
    return data


def _pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def find_operation(version: str, method: str, path: str) -> tuple[str, dict | None]:
    """The spec path template matching ``path`` (most literal segments wins) and its op."""
    candidates = [t for t in spec(version)["paths"] if _pattern(t).match(path)]
    assert candidates, f"{method} {path} is not a path of the {version} spec"
    template = max(candidates, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)))
    return template, spec(version)["paths"][template].get(method.lower())


def check(version: str, method: str, path: str, reply) -> None:
    for v, m, template in NOT_IN_SPEC:
        if (v, m) == (version, method) and _pattern(template).match(path):
            return
    template, operation = find_operation(version, method, path)
    assert operation is not None, f"{method} {template} has no such method in the {version} spec"
    responses = operation["responses"]
    assert str(reply.status_code) in responses, (
        f"{method} {template}: {reply.status_code} not among {sorted(responses)}"
    )
    schema = (responses[str(reply.status_code)] or {}).get("schema")
    if schema is None or not reply.content:
        return
    full = {**copy.deepcopy(schema), "definitions": spec(version)["definitions"]}
    jsonschema.Draft4Validator(full).validate(reply.json())


@pytest.fixture(scope="module")
def world(jc):
    return jc.world(contract_world_doc())


def test_every_served_route_conforms(jc, world):
    api = jc.api(world)
    ana = next(u["id"] for u in world["users"] if u["username"] == "ana")
    bo = next(u["id"] for u in world["users"] if u["username"] == "bo")
    group, o365 = world["groups"]["g1"], world["office365_id"]
    app = world["apps"]["conf-app"]
    rule = api.get(f"/api/v2/office365s/{o365}/translationrules").json()[0]["id"]
    domain = api.post(f"/api/v2/office365s/{o365}/domains", json={"domain": "x.example"})
    new_group = api.post("/api/v2/usergroups", json={"name": "conf-tmp"}).json()["id"]
    new_user = {"username": "cy", "email": "cy@contoso.com", "password": "Xx-12345678"}
    calls = [
        ("v1", "GET", "/systemusers", {"params": {"limit": 5}}),
        ("v1", "POST", "/systemusers", {"json": new_user}),
        ("v1", "GET", f"/systemusers/{ana}", {}),
        ("v1", "PUT", f"/systemusers/{ana}", {"json": {"jobTitle": "x"}}),
        ("v1", "POST", f"/systemusers/{ana}/expire", {}),
        ("v1", "POST", f"/systemusers/{ana}/unlock", {}),
        ("v1", "GET", f"/systemusers/{ana}/totpinfo", {}),
        ("v1", "POST", f"/systemusers/{ana}/mfasync", {}),
        ("v1", "POST", f"/systemusers/{bo}/state/activate", {"json": {"email": False}}),
        ("v1", "POST", f"/systemusers/{ana}/resetmfa", {"json": {"exclusion": False}}),
        ("v1", "POST", "/search/systemusers", {"json": {"filter": {"and": [{"username": "ana"}]}}}),
        ("v1", "GET", "/applications", {}),
        ("v1", "GET", f"/applications/{app}", {}),
        ("v1", "GET", f"/applications/{world['m365_sso_app_id']}", {}),
        ("v1", "GET", "/organizations", {}),
        ("v1", "GET", f"/organizations/{world['org_id']}", {}),
        ("v1", "GET", f"/organizations/{world['org_id']}/applications/{app}/metadata.xml", {}),
        ("v2", "GET", "/usergroups", {}),
        ("v2", "GET", f"/usergroups/{group}", {}),
        ("v2", "PUT", f"/usergroups/{new_group}", {"json": {"name": "conf-tmp2"}}),
        ("v2", "GET", f"/usergroups/{group}/members", {}),
        (
            "v2",
            "POST",
            f"/usergroups/{new_group}/members",
            {"json": {"op": "add", "type": "user", "id": ana}},
        ),
        ("v2", "GET", f"/usergroups/{group}/membership", {}),
        ("v2", "GET", f"/usergroups/{group}/associations", {"params": {"targets": "application"}}),
        (
            "v2",
            "POST",
            f"/usergroups/{new_group}/associations",
            {"json": {"op": "add", "type": "application", "id": app}},
        ),
        ("v2", "GET", f"/usergroups/{group}/applications", {}),
        ("v2", "GET", f"/usergroups/{group}/office365s", {}),
        ("v2", "GET", f"/usergroups/{group}/directories", {}),
        ("v2", "DELETE", f"/usergroups/{new_group}", {}),
        ("v2", "GET", f"/users/{ana}/associations", {"params": {"targets": "office_365"}}),
        (
            "v2",
            "POST",
            f"/users/{ana}/associations",
            {"json": {"op": "add", "type": "application", "id": app}},
        ),
        ("v2", "GET", f"/users/{ana}/memberof", {}),
        ("v2", "GET", f"/users/{ana}/applications", {}),
        ("v2", "GET", f"/users/{ana}/office365s", {}),
        ("v2", "GET", f"/users/{ana}/directories", {}),
        ("v2", "GET", f"/applications/{app}/associations", {"params": {"targets": "user_group"}}),
        (
            "v2",
            "POST",
            f"/applications/{app}/associations",
            {"json": {"op": "remove", "type": "user", "id": ana}},
        ),
        ("v2", "GET", f"/applications/{app}/users", {}),
        ("v2", "GET", f"/applications/{app}/usergroups", {}),
        ("v2", "GET", "/directories", {}),
        ("v2", "GET", "/office365s", {}),
        ("v2", "GET", f"/office365s/{o365}", {}),
        ("v2", "PATCH", f"/office365s/{o365}", {"json": {"userLockoutAction": "suspend"}}),
        ("v2", "GET", f"/office365s/{o365}/associations", {"params": {"targets": "user"}}),
        (
            "v2",
            "POST",
            f"/office365s/{o365}/associations",
            {"json": {"op": "remove", "type": "user", "id": ana}},
        ),
        ("v2", "GET", f"/office365s/{o365}/users", {"params": {"syncStatus": "true"}}),
        ("v2", "GET", f"/office365s/{o365}/usergroups", {}),
        ("v2", "GET", f"/office365s/{o365}/translationrules", {}),
        ("v2", "POST", f"/office365s/{o365}/translationrules", {"json": {"builtIn": "user_state"}}),
        ("v2", "GET", f"/office365s/{o365}/translationrules/{rule}", {}),
        ("v2", "DELETE", f"/office365s/{o365}/translationrules/{rule}", {}),
        ("v2", "GET", f"/office365s/{o365}/domains", {}),
        ("v2", "DELETE", f"/office365s/{o365}/domains/{domain.json()['domain']['objectId']}", {}),
        ("v2", "GET", f"/office365s/{o365}/import/users", {}),
        ("v1", "DELETE", f"/systemusers/{bo}", {}),
    ]
    assert domain.status_code == 201
    o365_model = jc.lab.model("jumpcloud").office365
    provider, o365_model.import_provider = o365_model.import_provider, None  # engine-free shape
    try:
        run(api, calls)
    finally:
        o365_model.import_provider = provider


def run(api, calls) -> None:
    for version, method, path, kw in calls:
        prefix = "/api" if version == "v1" else "/api/v2"
        reply = api.request(method, prefix + path, **kw)
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.text}"
        check(version, method, path, reply)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/systemusers/0123456789abcdef01234567", 404), ("/api/v2/usergroups?limit=500", 400)],
)
def test_errors_validate_against_error_definition(jc, world, path, status):
    reply = jc.api(world).get(path)
    assert reply.status_code == status
    schema = {**spec("v2")["definitions"]["Error"], "required": ["code", "message", "status"]}
    jsonschema.Draft4Validator(schema).validate(reply.json())
    assert reply.json()["code"] == status


def test_unserved_spec_method_is_405_not_500(jc, world):
    reply = jc.api(world).delete("/api/organizations")
    assert reply.status_code == 405 and reply.json()["code"] == 405


def _served(jc) -> dict[tuple[str, str, str], list[str]]:
    """(version, method, rule as a spec-style template) → the contract's templates it routes."""
    tool = _tool()
    console = next(s for s in jc.lab.servers if s.spec.name == "console")
    paths = {v: contract()[v]["paths"] for v in ("v1", "v2")}
    operations = tool.served_operations(tool.served_rules(console.server.wsgi_app), paths)
    return {
        (v, m, re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule)): templates
        for (v, m, rule), templates in operations.items()
    }


def test_the_contract_covers_every_api_route_served(jc):
    """A route added to the admin API needs its operation in the contract (or NOT_IN_SPEC)."""
    served = _served(jc)
    missing = [" ".join(k) for k, t in sorted(served.items()) if not t and k not in NOT_IN_SPEC]
    assert not missing, "served, not in the contract (run tools/jumpcloud_contract.py):\n" + (
        "\n".join(missing)
    )
    assert len(served) > 60


def test_not_in_spec_lists_only_routes_served(jc):
    assert not NOT_IN_SPEC - set(_served(jc))


def test_the_contract_is_self_contained_swagger():
    """Each version is a Swagger 2.0 document whose every $ref resolves, with its provenance."""
    data = contract()
    assert data["x-provenance"]["license"] == "MIT"
    for version in ("v1", "v2"):
        doc = data[version]
        assert doc["swagger"] == "2.0" and doc["basePath"].startswith("/api")
        assert doc["info"]["x-provenance"]["repository"] == data["x-provenance"]["repository"]
        assert doc["securityDefinitions"]["x-api-key"]["in"] == "header"
        for ref in set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))):
            _, section, name = ref.split("/", 2)
            assert name in doc.get(section, {}), f"{version}: {ref} does not resolve"


def test_the_request_bodies_the_lab_checks_are_derived_from_the_contract():
    """``request_bodies.json`` is what ``tools/jumpcloud_contract.py --bodies-only`` writes."""
    committed = ROOT / "simulators" / "jumpcloud" / "api" / "request_bodies.json"
    assert json.loads(committed.read_text()) == _tool().request_bodies(contract())
