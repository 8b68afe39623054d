"""One lab per test module (jumpcloud only) and small clients for the admin API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "tests" / "data" / "jumpcloud_contract.json"
"""JumpCloud's API descriptions cut to what the lab serves (``tools/jumpcloud_contract.py``)."""

PASSWORD = "Corr3ct-Horse!"


class Api:
    """Requests to the console host as one org's admin (``x-api-key``)."""

    def __init__(self, base: str, session: requests.Session, key: str | None) -> None:
        self.base = base
        self.session = session
        self.key = key

    def request(self, method: str, path: str, **kw) -> requests.Response:
        headers = dict(kw.pop("headers", None) or {})
        if self.key is not None:
            headers.setdefault("x-api-key", self.key)
        return self.session.request(method, self.base + path, headers=headers, timeout=30, **kw)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)


class JcLab:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.ctx = lab.ctx
        self.console = lab.ctx.url("console")
        self.session = lab_session(lab.ctx.ca_file)
        self.ca = str(lab.ctx.ca_file)

    def world(self, jumpcloud: dict, **extra) -> dict:
        doc = {"id": "w" + uuid.uuid4().hex[:10], "jumpcloud": jumpcloud, **extra}
        reply = self.control("POST", "/_lab/worlds", json=doc)
        assert reply.status_code == 201, reply.text
        section = reply.json()["jumpcloud"]
        section["world_id"] = doc["id"]
        return section

    def control(self, method: str, path: str, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.ctx.admin_token}"}
        return self.session.request(method, self.console + path, headers=headers, timeout=60, **kw)

    def advance(self, seconds: float) -> None:
        assert self.control("PUT", "/_lab/clock", json={"advance_seconds": seconds}).ok

    def api(self, world: dict | None = None, key: str | None = None) -> Api:
        return Api(
            self.console, self.session, key if key is not None else (world or {}).get("api_key")
        )


def contract_world_doc() -> dict:
    """A world touching every served operation: users, a group, Microsoft 365, an app."""
    return {
        "users": [
            {
                "username": "ana",
                "email": "ana@contoso.com",
                "password": PASSWORD,
                "totp_secret": "JBSWY3DPEHPK3PXP",
                "phoneNumbers": [{"type": "work", "number": "1"}],
            },
            {
                "username": "bo",
                "email": "bo@contoso.com",
                "password": PASSWORD,
                "state": "STAGED",
            },
        ],
        "groups": [{"name": "g1", "members": ["ana"]}],
        "office365": {
            "domains": ["contoso.com"],
            "defaultDomain": "contoso.com",
            "translation_rules": ["user_city"],
        },
        "apps": [
            {
                "kind": "custom",
                "label": "conf-app",
                "idpEntityId": "e",
                "spEntityId": "s",
                "acsUrl": "https://a/acs",
                "assign_groups": ["g1"],
            }
        ],
        "bindings": {"users": ["ana"], "groups": ["g1"]},
    }


@pytest.fixture(scope="module")
def jc() -> Iterator[JcLab]:
    lab = Lab(LabOptions(port_base=0, systems=("jumpcloud",), default_world=False)).start()
    try:
        yield JcLab(lab)
    finally:
        lab.stop()
