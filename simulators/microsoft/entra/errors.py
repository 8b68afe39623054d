"""How Entra reports an AADSTS error: token JSON, redirect parameters, the error page."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, jsonify, render_template, request

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.ids import new_guid, sts_timestamp
from simulators.microsoft.services import services


def correlation_id() -> str:
    """The caller's ``client-request-id`` (MSAL sends one) or a fresh id."""
    return request.headers.get("client-request-id") or new_guid()


def described(err: AadstsError, correlation: str, trace_id: str, timestamp: str) -> str:
    return (
        f"AADSTS{err.code}: {err.text}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation}\r\nTimestamp: {timestamp}"
    )


def token_error(err: AadstsError, *, error_value: str | None = None) -> Response:
    """The token endpoint's JSON error body (400; 401 for invalid_client)."""
    svc = services()
    trace_id, correlation = new_guid(), correlation_id()
    timestamp = sts_timestamp(svc.ctx.clock.now())
    body = {
        "error": error_value or err.entry.error,
        "error_description": described(err, correlation, trace_id, timestamp),
        "error_codes": [err.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation,
        "error_uri": f"{svc.login_url}/error?code={err.code}",
    }
    if err.code == 65001:
        body["suberror"] = "consent_required"
    response = jsonify(body)
    response.status_code = err.entry.status
    response.headers["Cache-Control"] = "no-store, no-cache"
    return response


def error_page(err: AadstsError, correlation: str | None = None, status: int = 200) -> Response:
    """Microsoft's sign-in error page (``ms.error``)."""
    svc = services()
    html = render_template(
        "ms_error.html",
        code=f"AADSTS{err.code}",
        message=err.text,
        sub_reason=err.sub_reason,
        correlation_id=correlation or correlation_id(),
        timestamp=sts_timestamp(svc.ctx.clock.now()),
    )
    return Response(html, status=status, mimetype="text/html")


def redirect_with_error(
    redirect_uri: str, err: AadstsError, *, state: str | None, response_mode: str, correlation: str
) -> Response:
    """Send the error back to the client's redirect URI (query or form_post)."""
    svc = services()
    trace_id = new_guid()
    params = {
        "error": err.entry.error,
        "error_description": described(
            err, correlation, trace_id, sts_timestamp(svc.ctx.clock.now())
        ),
        "error_uri": f"{svc.login_url}/error?code={err.code}",
    }
    if state is not None:
        params["state"] = state
    return deliver(redirect_uri, params, response_mode)


def deliver(redirect_uri: str, params: dict, response_mode: str) -> Response:
    """Return parameters to a client: a 302 with a query, or an auto-submitting form."""
    if response_mode == "form_post":
        html = render_template("ms_form_post.html", action=redirect_uri, fields=params)
        return Response(html, mimetype="text/html")
    separator = "&" if "?" in redirect_uri else "?"
    response = Response(status=302)
    response.headers["Location"] = redirect_uri + separator + urlencode(params)
    return response
