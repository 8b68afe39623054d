"""Microsoft 365 directory integration steps: consent, import, sync status, settings, rules.

Everything goes through JumpCloud's public admin API (``/api/v2/office365s/{id}``, ``x-api-key``)
except consent, which a Global Administrator gives through the real OAuth pages
(:func:`harness.clients.consent.authorize_with_user_agent`).
``user`` arguments take a JumpCloud user id, a username, or an email address.
"""

from __future__ import annotations

from typing import Any, Literal

from harness.clients.consent import authorize_with_user_agent
from harness.clients.useragent import UserAgent
from harness.errors import ConsentError
from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, StepError, expect_fields
from harness.scenario.registry import step
from harness.steps.jumpcloud import JumpCloudApi


def _office365(ctx: StepContext) -> str:
    return ctx.section("jumpcloud", "office365_id")


def _path(ctx: StepContext, suffix: str = "") -> str:
    return f"/v2/office365s/{_office365(ctx)}{suffix}"


def directory_status(ctx: StepContext) -> dict:
    """The instance's ``oAuthStatus`` as ``GET /api/v2/directories`` shows it."""
    office365_id = _office365(ctx)
    found = JumpCloudApi(ctx).call("GET", "/v2/directories") or []
    for item in found:
        if item.get("id") == office365_id:
            return item.get("oAuthStatus") or {}
    raise StepError(f"GET /api/v2/directories does not list the instance {office365_id}")


@step("m365.authorize")
def authorize(
    ctx: StepContext,
    reauthorize: bool = False,
    decision: Literal["accept", "cancel"] = "accept",
    username: str | None = None,
    password: str | None = None,
    expect: str = "ok",
) -> dict:
    """Authorize the integration as in the admin console: JumpCloud admin sign-in, then the
    Microsoft sign-in and consent pages as a Global Administrator (default: the world's), for the
    organization. ``expect`` is ``ok`` or the error code the flow ends on. Returns ``outcome``
    and the instance's ``oauth`` status."""
    admin = ctx.section("jumpcloud", "admin")
    agent = UserAgent(ctx.descriptor.ca_bundle, trace=ctx.trace)
    try:
        authorize_with_user_agent(
            {"urls": ctx.descriptor.data["urls"]},
            _office365(ctx),
            admin["email"],
            admin["password"],
            username or ctx.section("microsoft", "global_admin", "upn"),
            password or ctx.section("microsoft", "global_admin", "password"),
            ctx.descriptor.ca_bundle,
            reauthorize=reauthorize,
            agent=agent,
            decision=decision,
        )
        outcome, message = "ok", ""
    except ConsentError as exc:
        outcome, message = exc.code, exc.message
    finally:
        agent.close()
    if outcome != expect:
        raise ExpectationFailed(
            f"authorizing Microsoft 365: expected {expect}, got {outcome} {message}".strip(),
            expected=expect,
            actual=outcome,
        )
    return {"outcome": outcome, "message": message, "oauth": directory_status(ctx)}


@step("m365.status")
def status(ctx: StepContext) -> dict:
    """The integration's authorization (``oAuthStatus``: status, tenantId, error...)."""
    return directory_status(ctx)


@step("expect.m365_authorization")
def expect_authorization(
    ctx: StepContext,
    status: Literal["authorized", "not_authorized", "error"] = "authorized",
    tenant_id: str | None = None,
    error_contains: str | None = None,
) -> dict:
    """The integration's ``oAuthStatus.status`` (and tenant, error text) is as given."""
    found = directory_status(ctx)
    wanted: dict[str, Any] = {"status": status}
    if tenant_id is not None:
        wanted["tenantId"] = tenant_id
    shown = f"{found.get('error') or ''} {found.get('errorMessage') or ''}"
    mismatched: dict[str, tuple[Any, Any]] = {}
    if error_contains is not None and error_contains not in shown:
        mismatched["error"] = (shown.strip(), f"... {error_contains} ...")
    expect_fields("Microsoft 365 authorization", found, wanted, mismatched=mismatched)
    return found


@step("m365.import_candidates")
def import_candidates(
    ctx: StepContext, filter: str | None = None, search: str | None = None, top: int = 100
) -> dict:
    """Microsoft 365 users offered for import (``top``, ``skipToken``, ``users``)."""
    params: dict[str, Any] = {"top": top}
    if filter:
        params["filter"] = filter
    if search:
        params["search"] = search
    return JumpCloudApi(ctx).call("GET", _path(ctx, "/import/users"), params=params)


@step("m365.import_users")
def import_users(ctx: StepContext, users: list[str]) -> dict:
    """Import Microsoft 365 users (by Graph id or userPrincipalName) as bound JumpCloud users;
    returns ``results`` and ``by_upn`` (UPN -> result with ``userId``)."""
    api = JumpCloudApi(ctx)
    ids, upns = [], {}
    for user in users:
        if "@" not in user:
            ids.append(user)
            continue
        page = import_candidates(ctx, filter=f"userPrincipalName eq '{user}'", top=5)
        found = [
            u for u in page.get("users") or [] if u["userPrincipalName"].lower() == user.lower()
        ]
        if not found:
            raise StepError(f"{user} is not among the Microsoft 365 users offered for import")
        ids.append(found[0]["id"])
        upns[found[0]["id"]] = user.lower()
    reply = api.call("POST", _path(ctx, "/import/users"), json={"users": ids})
    results = reply.get("results") or []
    failed = [r for r in results if r.get("status") not in (200, 201)]
    if failed:
        raise StepError(f"import refused: {failed}")
    by_upn = {upns.get(r["id"], r["id"]): r for r in results}
    return {"results": results, "by_upn": by_upn}


@step("m365.sync")
def sync(ctx: StepContext) -> dict:
    """Push every pending change now (lab endpoint); returns ``pushed`` and ``pending``."""
    return JumpCloudApi(ctx).call("POST", _path(ctx, "/lab/sync"), json={})


@step("m365.deactivate")
def deactivate(ctx: StepContext) -> dict:
    """Deactivate sync (as the console's Deactivate button): every user and group is unbound,
    the authorization dropped, nothing changes in Microsoft 365; returns the unbound counts."""
    return JumpCloudApi(ctx).call("POST", _path(ctx, "/deactivate"), json={})


@step("m365.settings")
def settings(ctx: StepContext, fields: dict[str, Any]) -> dict:
    """Change the instance (``PATCH /api/v2/office365s/{id}``): ``userLockoutAction``,
    ``userPasswordExpirationAction`` (``suspend`` | ``maintain``)..."""
    return JumpCloudApi(ctx).call("PATCH", _path(ctx), json=fields)


@step("m365.add_translation_rule")
def add_translation_rule(ctx: StepContext, rule: str) -> dict:
    """Add a built-in export translation rule (e.g. ``user_job_title``); returns it."""
    body = {"builtIn": rule, "direction": "export"}
    return JumpCloudApi(ctx).call("POST", _path(ctx, "/translationrules"), json=body)


@step("m365.remove_translation_rule")
def remove_translation_rule(ctx: StepContext, rule_id: str) -> None:
    """Remove a translation rule (by id): that attribute stops syncing."""
    JumpCloudApi(ctx).call("DELETE", _path(ctx, f"/translationrules/{rule_id}"))


def bound_users(ctx: StepContext) -> dict[str, dict]:
    """Users bound to the instance by JumpCloud id, with ``externalId`` and ``syncStatus``."""
    found = JumpCloudApi(ctx).call(
        "GET", _path(ctx, "/users"), params={"syncStatus": "true", "limit": 100}
    )
    return {item["id"]: item for item in found or []}


@step("expect.m365_sync_status")
def expect_sync_status(
    ctx: StepContext,
    user: str,
    code: int | None = None,
    message_contains: str | None = None,
    bound: bool = True,
    external_id: bool | str | None = None,
) -> dict | None:
    """The user's binding to Microsoft 365: bound or not, its ``syncStatus.code`` (200 synced,
    202 pending, 400 refused...), message, and whether it has an ``externalId`` (or which)."""
    user_id = JumpCloudApi(ctx).user_id(user)
    found = bound_users(ctx).get(user_id)
    if not bound:
        if found is not None:
            raise ExpectationFailed(
                f"expected {user} not to be bound to Microsoft 365", expected=None, actual=found
            )
        return None
    if found is None:
        raise ExpectationFailed(
            f"expected {user} to be bound to Microsoft 365", expected="bound", actual="not bound"
        )
    sync_status = found.get("syncStatus") or {}
    actual = {"code": sync_status.get("code"), "message": sync_status.get("message")}
    problems = []
    if code is not None and sync_status.get("code") != code:
        problems.append(f"syncStatus.code is {sync_status.get('code')}, not {code}")
    if message_contains and message_contains not in (sync_status.get("message") or ""):
        problems.append(f"syncStatus.message does not contain {message_contains!r}")
    external = found.get("externalId")
    actual["externalId"] = external
    if external_id is True and not external:
        problems.append("it has no externalId")
    elif external_id is False and external:
        problems.append(f"it has externalId {external}")
    elif isinstance(external_id, str) and external != external_id:
        problems.append(f"externalId is {external}, not {external_id}")
    if problems:
        raise ExpectationFailed(
            f"{user}'s Microsoft 365 binding: {'; '.join(problems)}",
            expected={
                "code": code,
                "message_contains": message_contains,
                "externalId": external_id,
            },
            actual=actual,
        )
    return found
