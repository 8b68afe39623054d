"""A world of both systems, seen the way the tests look at it: JumpCloud's API with the
org's key, Graph with the tenant's automation app, and both sign-in journeys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import requests

from harness.clients.consent import authorize_with_user_agent
from harness.clients.useragent import Page, UserAgent
from harness.lab import Lab
from simulators.core.httpclient import lab_session


@dataclass
class World:
    lab: Lab
    ms: dict
    jc: dict
    id: str
    jc_api: requests.Session = field(init=False)
    graph: requests.Session = field(init=False)

    def __post_init__(self) -> None:
        ca = str(self.lab.ctx.ca_file)
        self.jc_api = lab_session(ca)
        self.jc_api.headers["x-api-key"] = self.jc["api_key"]
        self.graph = lab_session(ca)
        self.renew_graph_token()

    def renew_graph_token(self) -> None:
        """A client-credentials token of the tenant's automation app (again after a clock jump)."""
        reply = lab_session(self.ca).post(
            f"{self.url('login')}/{self.ms['tenant_id']}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.ms["app"]["client_id"],
                "client_secret": self.ms["app"]["client_secret"],
                "scope": "https://graph.microsoft.com/.default",
            },
            timeout=20,
        )
        reply.raise_for_status()
        self.graph.headers["Authorization"] = "Bearer " + reply.json()["access_token"]

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def ca(self) -> str:
        return str(self.lab.ctx.ca_file)

    @property
    def o365(self) -> str:
        return self.jc["office365_id"]

    @property
    def engine(self):
        """The JumpCloud system's M365 sync engine (to read its Graph request counter)."""
        return self.lab.sync_engine()

    def url(self, host: str) -> str:
        return self.lab.ctx.url(host)

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.jc_api.request(method, f"{self.url('console')}/api{path}", timeout=60, **kwargs)

    def ok(self, method: str, path: str, **kwargs):
        reply = self.api(method, path, **kwargs)
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.text[:500]}"
        return reply.json() if reply.content else None

    def graph_call(self, method: str, path: str, **kwargs) -> requests.Response:
        url = f"{self.url('graph')}/v1.0{path}"
        reply = self.graph.request(method, url, timeout=30, **kwargs)
        if reply.status_code == 401:
            self.renew_graph_token()
            reply = self.graph.request(method, url, timeout=30, **kwargs)
        return reply

    def graph_get(self, path: str, **params) -> requests.Response:
        return self.graph_call("GET", path, params=params)

    def graph_patch(self, path: str, body: dict) -> requests.Response:
        return self.graph_call("PATCH", path, json=body)

    def ms_user(self, upn_or_id: str) -> dict | None:
        select = (
            "id,userPrincipalName,mail,givenName,surname,displayName,accountEnabled,"
            "onPremisesImmutableId,jobTitle,department,city,mobilePhone,officeLocation,"
            "businessPhones,otherMails,usageLocation"
        )
        reply = self.graph_get(f"/users/{upn_or_id}", **{"$select": select})
        if reply.status_code == 404:
            return None
        reply.raise_for_status()
        return reply.json()

    # -- JumpCloud actions ---------------------------------------------------------------------
    def authorize(self, **kwargs) -> Page:
        return authorize_with_user_agent(
            {"urls": self.lab.ctx.topology.urls()},
            self.o365,
            self.jc["admin"]["email"],
            self.jc["admin"]["password"],
            self.ms["global_admin"]["upn"],
            self.ms["global_admin"]["password"],
            self.ca,
            **kwargs,
        )

    def user_id(self, username: str) -> str:
        users = self.jc["users"]
        if isinstance(users, dict):
            return users[username]["id"] if isinstance(users[username], dict) else users[username]
        for user in users:
            if user.get("username") == username:
                return user.get("id") or user.get("_id")
        raise KeyError(username)

    def create_user(self, **fields) -> dict:
        return self.ok("POST", "/systemusers", json=fields)

    def bind(self, kind: str, object_id: str, op: str = "add") -> None:
        self.ok(
            "POST",
            f"/v2/office365s/{self.o365}/associations",
            json={"op": op, "type": kind, "id": object_id},
        )

    def statuses(self) -> dict[str, dict]:
        found = self.ok("GET", f"/v2/office365s/{self.o365}/users?syncStatus=true&limit=100")
        return {item["id"]: item for item in found}

    def directory(self) -> dict:
        found = self.ok("GET", "/v2/directories")
        return next(d for d in found if d["id"] == self.o365)

    # -- sign-in journeys ----------------------------------------------------------------------
    def portal_signin(self, login: str, password: str) -> Page:
        """JumpCloud User Portal sign-in (the password-takeover moment)."""
        agent = UserAgent(self.ca)
        page = agent.get(f"{self.url('console')}/userconsole/login")
        return page.form("login-form").fill(email=login, password=password).submit()

    def microsoft_signin(self, upn: str, password: str) -> Page:
        """Sign in at the Microsoft 365 portal: ``portal.signedin`` or an error page."""
        agent = UserAgent(self.ca)
        page = agent.get(f"{self.url('portal')}/signin", params={"login_hint": upn})
        if page.page_id == "ms.signin.username":
            page = page.form("credentials").fill(loginfmt=upn).submit()
        if page.page_id == "ms.signin.password":
            page = page.form("credentials").fill(passwd=password).submit()
        return page


def error_code(page: Page) -> str | None:
    return page.text_of("error-code") if page.has("error-code") else None


def new_world(lab: Lab, microsoft: dict, jumpcloud: dict) -> World:
    world_id = "m" + uuid.uuid4().hex[:10]
    doc = {"id": world_id, "microsoft": microsoft, "jumpcloud": jumpcloud}
    admin = lab_session(lab.ctx.ca_file)
    admin.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    body: dict = {}
    for host in ("console", "login"):  # each process builds the halves of its systems
        if "microsoft" in body:
            break
        reply = admin.post(f"{lab.ctx.url(host)}/_lab/worlds", json=doc, timeout=300)
        assert reply.status_code == 201, reply.text
        body.update(reply.json())
    return World(lab, body["microsoft"], body["jumpcloud"], world_id)
