"""Plain HTTPS requests to a lab host (traced), with an optional status expectation."""

from __future__ import annotations

from typing import Any, Literal

import requests

from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, StepError
from harness.scenario.registry import step

TEXT_CAP = 4000


def reply_dict(reply: requests.Response) -> dict[str, Any]:
    """A response as a step result: status, headers, parsed JSON (or None) and text."""
    try:
        body = reply.json()
    except ValueError:
        body = None
    return {
        "status": reply.status_code,
        "headers": dict(reply.headers),
        "json": body,
        "text": reply.text[:TEXT_CAP],
        "url": reply.url,
    }


def check_status(reply: requests.Response, expected: int | list[int] | None, what: str) -> None:
    """ExpectationFailed when the status is not the expected one(s)."""
    if expected is None:
        return
    allowed = expected if isinstance(expected, list) else [expected]
    if reply.status_code not in allowed:
        raise ExpectationFailed(
            f"{what}: expected HTTP {' or '.join(map(str, allowed))}, got {reply.status_code}: "
            f"{reply.text[:300]}",
            expected=expected,
            actual=reply.status_code,
        )


@step("http.request")
def request(
    ctx: StepContext,
    host: str,
    path: str = "/",
    method: str = "GET",
    json: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    auth: Literal["none", "admin"] = "none",
    expect_status: int | list[int] | None = None,
) -> dict:
    """Send a request to a lab host (``auth: admin`` adds the control-plane token); returns
    ``status``, ``headers``, ``json``, ``text``, ``url``. ``expect_status`` checks the status."""
    if json is not None and form is not None:
        raise StepError("give 'json' or 'form', not both")
    url = ctx.url(host) + (path if path.startswith("/") else "/" + path)
    sent = dict(headers or {})
    if auth == "admin":
        sent["Authorization"] = f"Bearer {ctx.descriptor.data['admin_token']}"
    try:
        reply = ctx.http.request(
            method.upper(), url, json=json, data=form, headers=sent, timeout=30
        )
    except requests.RequestException as exc:
        raise StepError(f"{method.upper()} {url} failed: {exc}") from exc
    check_status(reply, expect_status, f"{method.upper()} {path} on {host}")
    return reply_dict(reply)
