"""schemathesis, unmodified, on JumpCloud's own API descriptions: every operation the lab serves.

The descriptions are the committed contract (``tests/data/jumpcloud_contract.json``). Examples are
deterministic (hypothesis ``derandomize``, no example database, a bounded count), positive and
negative.
Half of the examples have the world's real ids put in their path (a fresh object for each DELETE),
so the happy paths are exercised; the other half keep schemathesis' own ids (not-found paths).

Checked: no server error, replies and their content types match the descriptions. Not checked:
status codes absent from the descriptions (JumpCloud answers 400/401/404/409 that its Swagger
files leave out; README's fidelity table lists them), nor that negative data is refused (the
descriptions under-constrain many fields the real API accepts).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from .conftest import JcLab, contract_world_doc
from .test_api_conformance import contract

EXAMPLES = int(os.environ.get("M365LAB_FUZZ_EXAMPLES", "20"))
"""Examples per operation; raise it for a deeper run (CI keeps 20: under a minute)."""
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


class RealIds:
    """Path parameters naming the fuzz world's own objects; DELETEs get a fresh one each time."""

    def __init__(self, jc: JcLab, world: dict) -> None:
        self.api = jc.api(world)
        self.world = world
        self.user = next(u["id"] for u in world["users"] if u["username"] == "ana")
        self.o365 = world["office365_id"]
        reply = self.api.get(f"/api/v2/office365s/{self.o365}/translationrules")
        self.rule = reply.json()[0]["id"]

    def _new(self, path: str, body: dict, key: str = "id") -> str:
        reply = self.api.post(path, json=body)
        assert reply.status_code in (200, 201), reply.text
        return reply.json()[key]

    def fresh_user(self) -> str:
        name = "fz" + uuid.uuid4().hex[:8]
        body = {"username": name, "email": f"{name}@contoso.com", "password": "Xx-12345678"}
        return self._new("/api/systemusers", body, "_id")

    def fresh_app(self) -> str:
        label = "fz" + uuid.uuid4().hex[:8]
        config = {
            "idpEntityId": {"value": label},
            "spEntityId": {"value": f"https://{label}.test"},
            "acsUrl": {"value": f"https://{label}.test/acs"},
        }
        body = {
            "name": "custom",
            "displayName": label,
            "ssoUrl": f"/saml2/{label}",
            "config": config,
        }
        return self._new("/api/applications", body, "_id")

    def fresh_group(self) -> str:
        return self._new("/api/v2/usergroups", {"name": "fz" + uuid.uuid4().hex[:8]})

    def fresh_rule(self) -> str:
        path = f"/api/v2/office365s/{self.o365}/translationrules"
        self.api.delete(f"{path}/{self.rule}")  # one rule per attribute: make room
        self.rule = self._new(path, {"builtIn": "user_city"})
        return self.rule

    def for_operation(self, method: str, path: str) -> dict[str, str]:
        deleting = method == "DELETE"
        known: dict[str, Callable[[], str]] = {
            "user_id": lambda: self.user,
            "group_id": lambda: self.world["groups"]["g1"],
            "application_id": lambda: self.world["apps"]["conf-app"],
            "office365_id": lambda: self.o365,
        }
        ids = {name: get() for name, get in known.items() if "{" + name + "}" in path}
        if "{id}" in path:
            if path.startswith("/systemusers"):
                ids["id"] = self.fresh_user() if deleting else self.user
            elif path.startswith("/applications"):
                ids["id"] = self.fresh_app() if deleting else self.world["apps"]["conf-app"]
            elif path.startswith("/organizations"):
                ids["id"] = self.world["org_id"]
            elif path.startswith("/usergroups"):
                ids["id"] = self.fresh_group() if deleting else self.world["groups"]["g1"]
            elif "/translationrules/" in path:
                ids["id"] = self.fresh_rule() if deleting else self.rule
        return ids


@pytest.fixture(scope="module")
def fuzz_world(jc):
    return jc.world(contract_world_doc())


@pytest.fixture(scope="module")
def real_ids(jc, fuzz_world) -> RealIds:
    return RealIds(jc, fuzz_world)


def _schema(jc: JcLab, world: dict, version: str):
    raw = contract()[version]
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.update(
        base_url=jc.console + raw["basePath"].rstrip("/"),
        headers={"x-api-key": world["api_key"]},
        tls_verify=jc.ca,
        request_timeout=30,
    )
    return schema


@pytest.fixture(scope="module")
def schemas(jc, fuzz_world) -> dict:
    return {version: _schema(jc, fuzz_world, version) for version in ("v1", "v2")}


def _with_real_ids(case, real_ids: RealIds) -> None:
    """Every other example (by a hash of what was drawn) names the world's real objects."""
    drawn = repr(sorted((case.path_parameters or {}).items())) + repr(case.query)
    if hashlib.sha256(drawn.encode()).digest()[0] % 2:
        case.path_parameters = {
            **(case.path_parameters or {}),
            **real_ids.for_operation(case.method, case.path),
        }


def _operations() -> list[tuple[str, str, str]]:
    return [
        (version, method.upper(), path)
        for version in ("v1", "v2")
        for path, item in contract()[version]["paths"].items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    ]


# schemathesis' own pytest loader (``from_fixture``) needs a pytest private attribute that
# pytest 9 dropped; its documented Python API (operation strategies) drives hypothesis instead.
@pytest.mark.parametrize(("version", "method", "path"), _operations())
def test_operation(schemas, real_ids, version, method, path):
    operation = schemas[version][path][method]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy())
    def run(case) -> None:
        _with_real_ids(case, real_ids)
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attributes", {"posixGroups": {"id": 1}}),
        ("memberQuery", [None, None]),
        ("memberQuery", {"queryType": "AAA"}),
        ("memberSuggestionsNotify", {}),
        ("memberQueryExemptions", [{"id": 1}]),
    ],
)
def test_usergroup_bodies_of_the_wrong_shape_are_refused_and_not_stored(
    jc, fuzz_world, field, value
):
    api = jc.api(fuzz_world)
    group = fuzz_world["groups"]["g1"]
    before = api.get(f"/api/v2/usergroups/{group}").json()
    created = api.post("/api/v2/usergroups", json={"name": "bad-" + field, field: value})
    replaced = api.put(f"/api/v2/usergroups/{group}", json={"name": "g1", field: value})
    for reply in (created, replaced):
        assert reply.status_code == 400, reply.text
        assert reply.json()["code"] == 400 and reply.json()["message"].startswith(field)
    assert api.get(f"/api/v2/usergroups/{group}").json() == before
    names = [g["name"] for g in api.get("/api/v2/usergroups").json()]
    assert "bad-" + field not in names


def test_an_application_read_modify_write_round_trips(jc, fuzz_world):
    """GET, change the description, PUT the same body back: the key pair stays as it was."""
    api = jc.api(fuzz_world)
    path = f"/api/applications/{fuzz_world['apps']['conf-app']}"
    app = api.get(path).json()
    assert app["config"]["idpPrivateKey"]["value"] == ""
    app["description"] = "changed by a client"
    reply = api.put(path, json=app)
    assert reply.status_code == 200, reply.text
    again = api.get(path).json()
    assert again["description"] == "changed by a client"
    assert again["config"]["idpCertificate"] == app["config"]["idpCertificate"]


@pytest.mark.parametrize("value", [[None, None], "PEM", 7])
def test_a_key_field_that_is_not_an_object_is_a_400(jc, fuzz_world, value):
    api = jc.api(fuzz_world)
    path = f"/api/applications/{fuzz_world['apps']['conf-app']}"
    app = api.get(path).json()
    app["config"]["idpPrivateKey"] = value
    app["description"] = "never stored"
    reply = api.put(path, json=app)
    assert reply.status_code == 400, reply.text
    assert reply.json()["message"].startswith("config.idpPrivateKey")
    assert api.get(path).json()["description"] != "never stored"
