"""One Microsoft-only lab per test module, and helpers to make worlds and call its hosts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harness.clients.useragent import UserAgent
from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

from .graph_clients import world_document


@dataclass
class MicrosoftLab:
    """A running lab with the Microsoft system and convenience calls against it."""

    lab: Lab

    @property
    def ctx(self):
        return self.lab.ctx

    @property
    def ca(self) -> str:
        return str(self.ctx.ca_file)

    @property
    def login(self) -> str:
        return self.ctx.url("login")

    @property
    def graph(self) -> str:
        return self.ctx.url("graph") + "/v1.0"

    @property
    def portal(self) -> str:
        return self.ctx.url("portal")

    def session(self) -> requests.Session:
        return lab_session(self.ca)

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        with self.session() as s:
            return s.request(
                method,
                self.login + path,
                headers={"Authorization": f"Bearer {self.ctx.admin_token}"},
                timeout=60,
                **kwargs,
            )

    def world(self, section: dict | None = None, **doc) -> dict:
        """Create a world; returns its ``microsoft`` section (plus ``world_id``)."""
        world_id = doc.pop("id", None) or uuid.uuid4().hex[:10]
        body = {"id": world_id, "microsoft": section or {}, **doc}
        reply = self.admin("POST", "/_lab/worlds", json=body)
        assert reply.status_code == 201, reply.text
        return {**reply.json()["microsoft"], "world_id": world_id}

    def app_token(self, world: dict, app: dict | None = None) -> str:
        app = app or world["app"]
        with self.session() as s:
            reply = s.post(
                f"{self.login}/{world['tenant_id']}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "scope": "https://graph.microsoft.com/.default",
                },
                timeout=30,
            )
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]

    def delegated_token(self, world: dict, app: dict, upn: str, password: str, scope: str) -> str:
        """Sign ``upn`` in through the pages (auth code + PKCE) and redeem the code."""
        verifier = "m365lab-test-verifier-" + "x" * 30
        redirect_uri = (
            app["redirect_uris"][0] if "redirect_uris" in app else self.portal + "/_test/cb"
        )
        with UserAgent(self.ca) as agent:
            page = agent.get(
                f"{self.login}/{world['tenant_id']}/oauth2/v2.0/authorize",
                params={
                    "client_id": app["client_id"],
                    "response_type": "code",
                    "redirect_uri": redirect_uri,
                    "scope": scope,
                    "login_hint": upn,
                    "code_challenge": verifier,
                    "code_challenge_method": "plain",
                },
            )
            page = page.form("credentials").fill(passwd=password).submit()
            code = parse_qs(urlsplit(page.url).query)["code"][0]
        with self.session() as s:
            reply = s.post(
                f"{self.login}/{world['tenant_id']}/oauth2/v2.0/token",
                data={
                    "grant_type": "authorization_code",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
                timeout=30,
            )
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]

    def graph_session(self, token: str) -> requests.Session:
        s = self.session()
        s.headers["Authorization"] = f"Bearer {token}"
        return s

    def clock(self, **body) -> None:
        assert self.admin("PUT", "/_lab/clock", json=body).status_code == 200


@pytest.fixture(scope="module")
def ms(tmp_path_factory):
    options = LabOptions(
        state_dir=tmp_path_factory.mktemp("microsoft"),
        port_base=0,
        systems=("microsoft", "portal"),
        default_world=False,
    )
    lab = Lab(options).start()
    # requests lets REQUESTS_CA_BUNDLE override msal's ``verify=``; point it at the lab CA too.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(lab.ctx.ca_file))
        yield MicrosoftLab(lab)
    lab.stop()


@pytest.fixture(scope="module")
def graph(ms, world):
    """A Graph session with an app-only token of the test module's ``world``."""
    s = ms.graph_session(ms.app_token(world))
    yield s
    s.close()


@pytest.fixture(scope="module")
def clients_world(ms):
    """The world the third-party Graph client suites share (see ``graph_clients``)."""
    return ms.world(world_document())


@pytest.fixture
def clock_reset(ms):
    yield
    ms.clock(reset=True)
