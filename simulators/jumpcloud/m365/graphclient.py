"""A small Microsoft Graph v1.0 client: bearer tokens, retries on throttling, request counts.

It knows Graph only by its HTTPS endpoints; sessions come from the lab context (lab CA, trace
header). Every failure becomes a :class:`GraphError`; nothing here writes JumpCloud state.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from simulators.core.httpclient import LabClient
from simulators.core.wire import Reply, TransportError

from .retry import RetryPolicy


class GraphError(Exception):
    """A Graph call that did not succeed: HTTP ``status`` (0 = no answer) and OData ``code``."""

    def __init__(self, status: int, code: str, message: str, *, method: str = "", path: str = ""):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path

    @property
    def transient(self) -> bool:
        """Throttling, unavailability or no answer: worth trying again later."""
        return self.status in (0, 429, 503, 504)

    def detail(self) -> dict:
        return {"status": self.status, "code": self.code, "message": self.message}


class AuthorizationLost(GraphError):
    """The integration's grant no longer works (refresh refused, or Graph keeps saying 401)."""

    def __init__(self, code: str, message: str, *, status: int = 401):
        super().__init__(status, code, message)


class TokenSource(Protocol):
    def access_token(self) -> str:
        """A current access token (refreshed if due); AuthorizationLost when there is none."""

    def refresh(self, rejected: str) -> str:
        """A new access token after Graph rejected ``rejected``; AuthorizationLost on failure."""


@dataclass
class RequestCounter:
    """Graph requests made (attempts, retries included), by method; thread-safe."""

    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str) -> None:
        with self.lock:
            self.counts[method] += 1

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)


def error_from(response: Reply, method: str, path: str) -> GraphError:
    """Read Graph's OData error body (``{"error": {"code", "message"}}``) or make one up."""
    code, message = f"HTTP{response.status}", "error"
    try:
        body = response.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            code = str(err.get("code") or code)
            message = str(err.get("message") or message)
    except ValueError:
        pass
    return GraphError(response.status, code, message, method=method, path=path)


class GraphClient:
    """Calls ``{base_url}{path}`` with the integration's delegated token."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        http: Callable[[], LabClient],
        *,
        policy: RetryPolicy | None = None,
        counter: RequestCounter | None = None,
        sleep: Callable[[float], None] | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.http = http
        self.policy = policy or RetryPolicy()
        self.counter = counter or RequestCounter()
        self.stopping = stopping or threading.Event()
        self.sleep = sleep or self.stopping.wait  # a stop cuts a Retry-After wait short

    def url(self, path: str) -> str:
        return path if path.startswith("https://") else self.base_url + path

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
    ) -> dict | None:
        """One Graph operation: the JSON reply (None for 204), or GraphError."""
        url = self.url(path)
        shown = urlsplit(url).path
        token = self.tokens.access_token()
        refreshed = False
        attempt, waited = 0, 0.0
        while True:
            if self.stopping.is_set():
                raise GraphError(
                    0, "LabStopping", "The lab is stopping; the change is pushed after it starts",
                    method=method, path=shown,
                )  # fmt: skip
            response = self._send(method, url, token, params, json, headers)
            status = response.status if response is not None else 0
            if status == 401 and not refreshed:
                refreshed = True
                token = self.tokens.refresh(token)
                continue
            if response is not None and status < 400:
                if status == 204 or not response.content:
                    return None
                try:
                    return response.json()
                except ValueError:
                    raise GraphError(
                        status, "InvalidResponse", "Graph sent a body that is not JSON",
                        method=method, path=shown,
                    ) from None  # fmt: skip
            attempt += 1
            retry_after = response.headers.get("Retry-After") if response is not None else None
            delay = self.policy.delay(attempt, status, retry_after, waited)
            if delay is None:
                if response is None:
                    raise GraphError(
                        0, "NoResponse", "Graph did not answer", method=method, path=shown
                    )
                error = error_from(response, method, shown)
                if status == 401:
                    raise AuthorizationLost(error.code, error.message)
                raise error
            waited += delay
            self.sleep(delay)

    def _send(self, method, url, token, params, json, headers) -> Reply | None:
        self.counter.add(method)
        all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        all_headers.update(headers or {})
        try:
            return self.http().request(method, url, params=params, json=json, headers=all_headers)
        except TransportError:
            return None
