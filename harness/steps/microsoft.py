"""Microsoft admin steps through Graph v1.0, with an app-only token (client credentials) from the
lab's Entra ``/{tenant}/oauth2/v2.0/token`` for the world's registered application.

``user`` arguments take an object id or a userPrincipalName.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, StepError, expect_fields
from harness.scenario.registry import step
from harness.steps.http import check_status

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_TOKEN_CACHE_KEY = "microsoft.graph_token"


class GraphApi:
    """Graph v1.0 for one world's tenant, carrying the scenario trace."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.base = ctx.url("graph") + "/v1.0"

    def token(self) -> str:
        cached = self.ctx.cache.get(_TOKEN_CACHE_KEY)
        if cached:
            return cached
        tenant = self.ctx.section("microsoft", "tenant_id")
        app = self.ctx.section("microsoft", "app")
        url = f"{self.ctx.url('login')}/{tenant}/oauth2/v2.0/token"
        try:
            reply = self.ctx.http.post(
                url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "scope": GRAPH_SCOPE,
                },
                timeout=30,
            )
        except requests.RequestException as exc:
            raise StepError(f"token request to {url} failed: {exc}") from exc
        if reply.status_code != 200:
            raise StepError(
                f"no Graph token for the world's app: HTTP {reply.status_code} {reply.text[:300]}"
            )
        token = reply.json()["access_token"]
        self.ctx.cache[_TOKEN_CACHE_KEY] = token
        return token

    def call(self, method: str, path: str, *, json: Any = None, ok=(200, 201, 204)) -> Any:
        try:
            reply = self.raw(method, path, json=json)
        except requests.RequestException as exc:
            raise StepError(f"Graph {method} {path} failed: {exc}") from exc
        check_status(reply, list(ok), f"Graph {method} {path}")
        return reply.json() if reply.content else None

    def raw(self, method: str, path: str, *, json: Any = None) -> requests.Response:
        """One Graph request; a 401 (the token expired: the lab clock moved) gets a new token."""
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
            reply = self.ctx.http.request(
                method, self.base + path, json=json, headers=headers, timeout=30
            )
            if reply.status_code != 401 or attempt:
                return reply
            self.ctx.cache.pop(_TOKEN_CACHE_KEY, None)
        return reply


def _user_path(user: str) -> str:
    return f"/users/{quote(user, safe='@')}"


@step("microsoft.create_user")
def create_user(
    ctx: StepContext,
    user_principal_name: str,
    password: str,
    display_name: str | None = None,
    mail_nickname: str | None = None,
    account_enabled: bool = True,
    immutable_id: str | None = None,
    force_change_password: bool = False,
    fields: dict[str, Any] | None = None,
) -> dict:
    """Create a user (``POST /v1.0/users``); returns it."""
    local = user_principal_name.split("@", 1)[0]
    body: dict[str, Any] = {
        "accountEnabled": account_enabled,
        "displayName": display_name or local,
        "mailNickname": mail_nickname or local,
        "userPrincipalName": user_principal_name,
        "passwordProfile": {
            "password": password,
            "forceChangePasswordNextSignIn": force_change_password,
        },
    }
    if immutable_id is not None:
        body["onPremisesImmutableId"] = immutable_id
    body.update(fields or {})
    return GraphApi(ctx).call("POST", "/users", json=body)


@step("microsoft.get_user")
def get_user(ctx: StepContext, user: str, select: list[str] | None = None) -> dict:
    """A user by id or UPN (``$select`` the given properties)."""
    query = "?$select=" + ",".join(select) if select else ""
    return GraphApi(ctx).call("GET", _user_path(user) + query)


@step("microsoft.update_user")
def update_user(ctx: StepContext, user: str, fields: dict[str, Any]) -> None:
    """Change a user's properties (``PATCH``)."""
    GraphApi(ctx).call("PATCH", _user_path(user), json=fields)


@step("microsoft.delete_user")
def delete_user(ctx: StepContext, user: str) -> None:
    """Delete a user (to deleted items)."""
    GraphApi(ctx).call("DELETE", _user_path(user))


@step("microsoft.set_password")
def set_password(
    ctx: StepContext, user: str, password: str, force_change_password: bool = False
) -> None:
    """Set a user's password through ``passwordProfile``."""
    profile = {"password": password, "forceChangePasswordNextSignIn": force_change_password}
    GraphApi(ctx).call("PATCH", _user_path(user), json={"passwordProfile": profile})


@step("microsoft.security_defaults")
def security_defaults(ctx: StepContext, enabled: bool = True) -> dict:
    """Turn the tenant's security defaults on or off (``PATCH /policies/
    identitySecurityDefaultsEnforcementPolicy``): on, every user must use MFA at sign-in.
    Returns the policy as Graph then shows it."""
    path = "/policies/identitySecurityDefaultsEnforcementPolicy"
    api = GraphApi(ctx)
    api.call("PATCH", path, json={"isEnabled": enabled})
    return api.call("GET", path)


@step("expect.graph_group")
def expect_graph_group(
    ctx: StepContext,
    name: str,
    members: list[str] | None = None,
    absent: bool = False,
    fields: dict[str, Any] | None = None,
) -> dict | None:
    """A Microsoft 365 group of that display name exists (or not, with ``absent``), has these
    ``fields``, and exactly these ``members`` (UPNs, any order) when given; returns it with
    ``members``."""
    api = GraphApi(ctx)
    quoted = name.replace("'", "''")
    found = (api.call("GET", f"/groups?$filter=displayName eq '{quoted}'") or {}).get("value", [])
    if absent:
        if found:
            raise ExpectationFailed(
                f"a group named {name!r} exists", expected="absent", actual=found[0]["id"]
            )
        return None
    if len(found) != 1:
        raise ExpectationFailed(
            f"expected one group named {name!r}, found {len(found)}", expected=1, actual=len(found)
        )
    group = found[0]
    listed = api.call("GET", f"/groups/{group['id']}/members?$select=userPrincipalName") or {}
    upns = sorted(m.get("userPrincipalName", "").lower() for m in listed.get("value", []))
    group["members"] = upns
    if members is not None and upns != sorted(m.lower() for m in members):
        raise ExpectationFailed(
            f"members of {name!r}", expected=sorted(m.lower() for m in members), actual=upns
        )
    differ = {k: group.get(k) for k, v in (fields or {}).items() if group.get(k) != v}
    if differ:
        raise ExpectationFailed(f"group {name!r} differs: {differ}", expected=fields, actual=differ)
    return group


@step("expect.graph_user")
def expect_graph_user(
    ctx: StepContext, user: str, fields: dict[str, Any] | None = None, absent: bool = False
) -> dict | None:
    """A Graph user exists with these property values (``$select``-ed), or is ``absent``."""
    api = GraphApi(ctx)
    names = sorted(fields or {})
    query = "?$select=" + ",".join(["id", *names]) if names else ""
    reply = api.raw("GET", _user_path(user) + query)
    if absent:
        if reply.status_code != 404:
            raise ExpectationFailed(
                f"expected no Graph user {user}, got HTTP {reply.status_code}",
                expected=404,
                actual=reply.status_code,
            )
        return None
    if reply.status_code != 200:
        raise ExpectationFailed(
            f"expected Graph user {user}, got HTTP {reply.status_code}: {reply.text[:300]}",
            expected=200,
            actual=reply.status_code,
        )
    found = reply.json()
    expect_fields(f"Graph user {user}", found, {k: (fields or {})[k] for k in names})
    return found
