"""JumpCloud admin steps through the public API (v1 ``/api``, v2 ``/api/v2``, ``x-api-key``).

``user`` arguments take a JumpCloud user id, a username, or an email address.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from harness.scenario.context import StepContext
from harness.scenario.errors import StepError, expect_fields
from harness.scenario.registry import step
from harness.steps.http import check_status

_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


class JumpCloudApi:
    """A thin client for one world's organization (its API key), carrying the scenario trace."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.base = ctx.url("console") + "/api"
        self.api_key = ctx.section("jumpcloud", "api_key")

    def call(
        self, method: str, path: str, *, json: Any = None, params: Any = None, ok=(200, 201, 204)
    ) -> Any:
        headers = {
            "x-api-key": self.api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            reply = self.ctx.http.request(
                method, self.base + path, json=json, params=params, headers=headers, timeout=30
            )
        except requests.RequestException as exc:
            raise StepError(f"JumpCloud {method} {path} failed: {exc}") from exc
        check_status(reply, list(ok), f"JumpCloud {method} /api{path}")
        if not reply.content:
            return None
        try:
            return reply.json()
        except ValueError:
            return reply.text

    def user(self, user: str) -> dict:
        """A user by id, username or email."""
        if _OBJECT_ID.match(user):
            return _with_id(self.call("GET", f"/systemusers/{user}"))
        field = "email" if "@" in user else "username"
        found = self.call("GET", "/systemusers", params={"filter": f"{field}:$eq:{user}"})
        results = (found or {}).get("results") or []
        if not results:
            raise StepError(f"no JumpCloud user with {field} {user!r}")
        return _with_id(results[0])

    def user_id(self, user: str) -> str:
        return user if _OBJECT_ID.match(user) else self.user(user)["id"]

    def associate(self, collection: str, object_id: str, op: str, kind: str, target: str) -> None:
        self.call(
            "POST",
            f"/v2/{collection}/{object_id}/associations",
            json={"op": op, "type": kind, "id": target},
        )


def _with_id(user: dict) -> dict:
    """A v1 user with ``id`` beside ``_id`` (so ``${steps.x.id}`` works)."""
    if isinstance(user, dict) and "_id" in user:
        return {"id": user["_id"], **user}
    return user


def _office365_id(ctx: StepContext, office365_id: str | None) -> str:
    return office365_id or ctx.section("jumpcloud", "office365_id")


@step("jumpcloud.create_user")
def create_user(
    ctx: StepContext,
    username: str,
    email: str | None = None,
    password: str | None = None,
    firstname: str | None = None,
    lastname: str | None = None,
    state: str | None = None,
    fields: dict[str, Any] | None = None,
) -> dict:
    """Create a user (``POST /api/systemusers``); returns it (with ``id``)."""
    body = {
        k: v
        for k, v in dict(
            username=username,
            email=email or f"{username}@example.com",
            password=password,
            firstname=firstname,
            lastname=lastname,
            state=state,
        ).items()
        if v is not None
    }
    body.update(fields or {})
    return _with_id(JumpCloudApi(ctx).call("POST", "/systemusers", json=body))


@step("jumpcloud.get_user")
def get_user(ctx: StepContext, user: str) -> dict:
    """A user by id, username or email."""
    return JumpCloudApi(ctx).user(user)


@step("jumpcloud.update_user")
def update_user(ctx: StepContext, user: str, fields: dict[str, Any]) -> dict:
    """Change a user's fields (``PUT /api/systemusers/{id}``); returns the user."""
    api = JumpCloudApi(ctx)
    return _with_id(api.call("PUT", f"/systemusers/{api.user_id(user)}", json=fields))


@step("jumpcloud.suspend_user")
def suspend_user(ctx: StepContext, user: str) -> dict:
    """Suspend a user (state ``SUSPENDED``)."""
    return update_user(ctx, user, {"state": "SUSPENDED"})


@step("jumpcloud.activate_user")
def activate_user(ctx: StepContext, user: str) -> dict:
    """Activate a staged user, or reactivate a suspended one."""
    api = JumpCloudApi(ctx)
    found = api.user(user)
    if found.get("state") == "STAGED":
        api.call("POST", f"/systemusers/{found['id']}/state/activate", json={})
        return api.user(found["id"])
    return update_user(ctx, found["id"], {"state": "ACTIVATED"})


@step("jumpcloud.delete_user")
def delete_user(ctx: StepContext, user: str) -> dict:
    """Delete a user; returns the deleted user."""
    api = JumpCloudApi(ctx)
    return _with_id(api.call("DELETE", f"/systemusers/{api.user_id(user)}"))


@step("jumpcloud.set_password")
def set_password(ctx: StepContext, user: str, password: str) -> dict:
    """Set a user's password as an admin."""
    return update_user(ctx, user, {"password": password})


@step("jumpcloud.expire_password")
def expire_password(ctx: StepContext, user: str) -> None:
    """Expire a user's password (``POST /systemusers/{id}/expire``)."""
    api = JumpCloudApi(ctx)
    api.call("POST", f"/systemusers/{api.user_id(user)}/expire")


@step("jumpcloud.unlock_user")
def unlock_user(ctx: StepContext, user: str) -> None:
    """Unlock a locked-out user."""
    api = JumpCloudApi(ctx)
    api.call("POST", f"/systemusers/{api.user_id(user)}/unlock")


@step("jumpcloud.reset_mfa")
def reset_mfa(ctx: StepContext, user: str, exclusion_days: int | None = None) -> None:
    """Reset a user's TOTP; with ``exclusion_days`` they may sign in without it meanwhile."""
    api = JumpCloudApi(ctx)
    body: dict[str, Any] = {"exclusion": exclusion_days is not None}
    if exclusion_days is not None:
        body["exclusionDays"] = exclusion_days
    api.call("POST", f"/systemusers/{api.user_id(user)}/resetmfa", json=body)


@step("jumpcloud.bind_office365")
def bind_office365(ctx: StepContext, user: str, office365_id: str | None = None) -> None:
    """Bind a user to the Microsoft 365 directory (association with the office365 instance)."""
    api = JumpCloudApi(ctx)
    api.associate("office365s", _office365_id(ctx, office365_id), "add", "user", api.user_id(user))


@step("jumpcloud.unbind_office365")
def unbind_office365(ctx: StepContext, user: str, office365_id: str | None = None) -> None:
    """Remove a user's binding to the Microsoft 365 directory."""
    api = JumpCloudApi(ctx)
    api.associate(
        "office365s", _office365_id(ctx, office365_id), "remove", "user", api.user_id(user)
    )


@step("jumpcloud.assign_app")
def assign_app(ctx: StepContext, user: str, app_id: str | None = None) -> None:
    """Give a user an SSO application (default: the world's Microsoft 365 SAML app)."""
    api = JumpCloudApi(ctx)
    app = app_id or ctx.section("jumpcloud", "m365_sso_app_id")
    api.associate("applications", app, "add", "user", api.user_id(user))


@step("jumpcloud.unassign_app")
def unassign_app(ctx: StepContext, user: str, app_id: str | None = None) -> None:
    """Take an SSO application away from a user."""
    api = JumpCloudApi(ctx)
    app = app_id or ctx.section("jumpcloud", "m365_sso_app_id")
    api.associate("applications", app, "remove", "user", api.user_id(user))


@step("jumpcloud.create_group")
def create_group(ctx: StepContext, name: str, description: str | None = None) -> dict:
    """Create a user group (``POST /api/v2/usergroups``); returns it."""
    body = {"name": name, **({"description": description} if description else {})}
    return JumpCloudApi(ctx).call("POST", "/v2/usergroups", json=body)


def _group_membership(ctx: StepContext, op: str, group: str, user: str) -> None:
    api = JumpCloudApi(ctx)
    body = {"op": op, "type": "user", "id": api.user_id(user)}
    api.call("POST", f"/v2/usergroups/{group}/members", json=body)


@step("jumpcloud.add_to_group")
def add_to_group(ctx: StepContext, group: str, user: str) -> None:
    """Add a user to a user group (by group id)."""
    _group_membership(ctx, "add", group, user)


@step("jumpcloud.remove_from_group")
def remove_from_group(ctx: StepContext, group: str, user: str) -> None:
    """Remove a user from a user group (by group id)."""
    _group_membership(ctx, "remove", group, user)


@step("jumpcloud.bind_group_office365")
def bind_group_office365(ctx: StepContext, group: str, office365_id: str | None = None) -> None:
    """Bind a whole user group to the Microsoft 365 directory."""
    JumpCloudApi(ctx).associate(
        "office365s", _office365_id(ctx, office365_id), "add", "user_group", group
    )


@step("jumpcloud.unbind_group_office365")
def unbind_group_office365(ctx: StepContext, group: str, office365_id: str | None = None) -> None:
    """Unbind a user group from the Microsoft 365 directory."""
    JumpCloudApi(ctx).associate(
        "office365s", _office365_id(ctx, office365_id), "remove", "user_group", group
    )


@step("jumpcloud.rename_group")
def rename_group(ctx: StepContext, group: str, name: str) -> dict:
    """Rename a user group (``PUT /api/v2/usergroups/{id}``, the rest kept); returns it."""
    api = JumpCloudApi(ctx)
    current = api.call("GET", f"/v2/usergroups/{group}")
    keep = {k: current[k] for k in ("description", "email") if current.get(k)}
    return api.call("PUT", f"/v2/usergroups/{group}", json={**keep, "name": name})


@step("expect.jumpcloud_user")
def expect_user(ctx: StepContext, user: str, fields: dict[str, Any] | None = None) -> dict:
    """A JumpCloud user exists and its ``fields`` have these values; returns the user."""
    found = JumpCloudApi(ctx).user(user)
    expect_fields(f"JumpCloud user {user}", found, fields or {})
    return found
