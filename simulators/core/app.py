"""Builds the Flask app of one host: journal, faults, control plane, errors, then the system."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from simulators.core import control
from simulators.core.admission import released
from simulators.core.context import CTX_EXTENSION, LabContext, System, lab_context
from simulators.core.errors import code_for_status, render_error
from simulators.core.explanations import more_details_html
from simulators.core.journal import BODY_CAP, TRACE_HEADER, RawExchange, current_trace, new_trace_id
from simulators.core.jsonbody import SafeJSONProvider
from simulators.core.sessions import LabSessionInterface

log = logging.getLogger("m365lab")
MAX_REQUEST_BYTES = 8 * 1024 * 1024
_FORM_TYPE = "application/x-www-form-urlencoded"
_TRACE_ENVIRON = "HTTP_" + TRACE_HEADER.upper().replace("-", "_")


class LazyBuilderRule(Rule):
    """A route whose ``url_for`` builders are compiled on first use.

    werkzeug compiles two Python functions per route as it is added; for the lab's few hundred
    routes that was a fifth of start-up, and most routes are never built with ``url_for``.
    (Overrides werkzeug's ``Rule._compile_builder``; tests/unit/core/test_app_rules.py checks
    that ``url_for`` still builds.)
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: Callable[..., tuple[str, str]] | None = None

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(rule, append_unknown)
            return compiled(rule, *args, **kwargs)

        return build


def create_host_app(
    host: str,
    ctx: LabContext,
    systems: Sequence[System],
    process_systems: Sequence[System] | None = None,
) -> Flask:
    """The WSGI app of ``host``: every request is journaled and errors never leak a traceback.

    ``systems`` serve this host's routes; the control plane acts on ``process_systems`` (every
    system of the process, default ``systems``), so any host can reset or seed them all.
    """
    app = Flask(f"m365lab.{host}")
    app.url_rule_class = LazyBuilderRule
    app.json = SafeJSONProvider(app)
    app.config.update(
        SECRET_KEY=ctx.persistent_secret(f"cookie-{host}"),
        SESSION_COOKIE_NAME=f"m365lab_{host}",  # hosts share 127.0.0.1: cookies must not collide
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    app.session_interface = LabSessionInterface()
    app.extensions[CTX_EXTENSION] = ctx
    app.extensions["m365lab.host"] = host
    app.extensions["m365lab.error_renderers"] = []
    app.extensions["m365lab.json_host"] = any(host in s.json_hosts for s in systems)
    app.jinja_env.globals["more_details"] = more_details_html  # error pages explain their code

    _install_request_hooks(app)
    control.install_control(app, host, ctx, process_systems or systems)
    app.register_blueprint(control.bp)
    for system in systems:
        if host in system.hosts:
            system.register(host, app)
    return app


def _raw_url(environ: dict) -> str:
    """The URL as the client sent it. werkzeug's ``request.url`` re-quotes the query in Python
    one character at a time, about a millisecond for a SAMLRequest."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not target:
        return request.url
    return f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', '')}{target}"


def _chunked(environ: dict) -> bool:
    return "HTTP_TRANSFER_ENCODING" in environ or environ.get("wsgi.input_terminated", False)


def _record(ctx: LabContext, host: str, response: Response) -> None:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    environ = req.environ
    if environ.get("PATH_INFO") == "/_lab/journal":
        return  # reading the journal must not grow it
    # read from the environ: werkzeug parses the Content-Type header on every access
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type.partition(";")[0].strip().lower() == _FORM_TYPE:
        request_body: bytes | list[tuple[str, str]] = list(req.form.items(multi=True))
    elif (
        environ.get("CONTENT_LENGTH", "0") in ("", "0") and "HTTP_TRANSFER_ENCODING" not in environ
    ):
        request_body = b""
    else:
        request_body = req.get_data(cache=True)[: BODY_CAP + 1]
    streamed = response.direct_passthrough or response.is_streamed
    state = g._get_current_object().__dict__
    entry = {
        "time": ctx.clock.now().isoformat().replace("+00:00", "Z"),  # lab time
        "wall_time": time.time(),  # real time, to order entries across processes
        "trace": state.get("trace"),
        "host": host,
        "method": environ["REQUEST_METHOD"],
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - state.get("t0", 0.0)) * 1000, 3),
        "_raw": RawExchange(
            url=_raw_url(environ),
            request_headers={
                k: v
                for k, v in environ.items()
                if k.startswith("HTTP_") or k in ("CONTENT_TYPE", "CONTENT_LENGTH")
            },
            request_body=request_body,
            request_type=content_type,
            response_headers=list(response.headers.items()),
            response_body=None if streamed else response.get_data()[: BODY_CAP + 1],
            response_type=response.content_type or "",
        ),
    }
    if "fault" in state:
        entry["fault"] = state["fault"]
    if "traceback" in state:
        entry["error"] = state["traceback"]
    ctx.journal.record(entry)


def _host() -> str:
    return current_app.extensions["m365lab.host"]


def _begin() -> Response | None:
    """Trace the request, then apply the first matching fault rule (latency, error reply)."""
    ctx, environ = lab_context(), request.environ
    g.t0 = time.perf_counter()
    g.trace = environ.get(_TRACE_ENVIRON) or new_trace_id()
    g.trace_token = current_trace.set(g.trace)
    path = environ.get("PATH_INFO", "")
    if path.startswith("/_lab") or not ctx.faults.active():
        return None
    rule = ctx.faults.pick(_host(), environ["REQUEST_METHOD"], path)
    if rule is None:
        return None
    g.fault = rule.to_dict()
    if rule.latency_ms:
        with released(environ):
            time.sleep(rule.latency_ms / 1000)
    if rule.status is None:
        return None
    response = render_error(
        current_app,
        rule.status,
        rule.code or code_for_status(rule.status),
        rule.message or "Injected fault (lab fault rule).",
    )
    if rule.retry_after is not None:
        response.headers["Retry-After"] = str(rule.retry_after)
    return response


def _journal(response: Response) -> Response:
    response.headers[TRACE_HEADER] = g.get("trace", "")
    try:
        _record(lab_context(), _host(), response)
    except Exception:  # the journal must never break a reply
        log.exception("journal failed")
    return response


def _end(_exc: BaseException | None) -> None:
    token = g.pop("trace_token", None)
    if token is not None:
        current_trace.reset(token)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description or code_for_status(status)
    if status == 404:
        message = f"No route {request.method} {request.path} on the {_host()} host."
    response = render_error(current_app, status, code_for_status(status), message)
    allowed = getattr(exc, "valid_methods", None)  # MethodNotAllowed's
    if status == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _crash(exc: Exception) -> Response:
    host = _host()
    g.traceback = traceback.format_exc()
    log.error("unhandled error on %s %s %s\n%s", host, request.method, request.path, g.traceback)
    return render_error(
        current_app,
        500,
        "InternalServerError",
        f"The {host} host hit an internal error (trace {g.get('trace', '?')}).",
    )


def _install_request_hooks(app: Flask) -> None:
    """Every host: trace and fault rules first, the journal last, errors as the host's shape."""
    app.before_request(_begin)
    app.after_request(_journal)
    app.teardown_request(_end)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _crash)
