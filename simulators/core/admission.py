"""How many requests of one host run the application at once.

A lab process runs its hosts' Python under one GIL. With sixteen browsers signing in at once,
every worker thread of a host was inside Flask together: each time one of them released the
GIL (a socket read, an SQLite call, a signature) it queued behind all the others to get it
back, and the process spent a fifth of its CPU handing the GIL around. Letting two requests of
a host into the application at a time, the rest waiting their turn, gave ~12%
more sign-ins per second and a shorter tail (``bench/sso.py``).

What does not wait: the control plane (``/_lab/…``: health checks, world creation, the journal),
calls between the lab's own hosts (``LAB_USER_AGENT``: the portal redeeming a code inside a
request already let in, JumpCloud's sync engine pushing to Graph from its eight workers), and a
request whose turn has not come within ``PATIENCE`` seconds (it then runs anyway, so a
host that calls itself, or a long request, can never stall the others for good). A latency
fault gives its turn back while it sleeps (``released``), so injected latency delays the
requests it hits, not every other request of the host.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from simulators.core.httpclient import LAB_USER_AGENT

ADMITTED = 2
"""Requests of one host inside the application at once."""
PATIENCE = 2.0
"""Seconds a request waits for its turn before it runs regardless."""
ENVIRON_KEY = "m365lab.admission"
_EXEMPT_PREFIX = "/_lab"

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class Admission:
    """WSGI middleware: at most ``admitted`` requests in ``app`` at once, about in arrival order."""

    def __init__(self, app: WsgiApp, admitted: int = ADMITTED, patience: float = PATIENCE):
        self.app = app
        self.patience = patience
        self._turns = threading.Semaphore(admitted)

    def __getattr__(self, name: str) -> Any:
        """The wrapped application's attributes (its ``url_map``, ``extensions``…)."""
        return getattr(self.app, name)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO", "").startswith(_EXEMPT_PREFIX)
            or environ.get("HTTP_USER_AGENT") == LAB_USER_AGENT
        ):
            return self.app(environ, start_response)
        turn = _Turn(self._turns, self.patience)
        environ[ENVIRON_KEY] = turn
        turn.take()
        try:
            return self.app(environ, start_response)
        finally:
            turn.give_back()


class _Turn:
    """One request's turn: taken once, given back once, lent out around a wait."""

    def __init__(self, turns: threading.Semaphore, patience: float) -> None:
        self._turns = turns
        self._patience = patience
        self._held = False

    def take(self) -> None:
        self._held = self._turns.acquire(timeout=self._patience)

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._turns.release()


@contextlib.contextmanager
def released(environ: dict[str, Any]) -> Iterator[None]:
    """Give the request's turn to another request of its host while this block waits."""
    turn = environ.get(ENVIRON_KEY)
    if not isinstance(turn, _Turn):
        yield
        return
    turn.give_back()
    try:
        yield
    finally:
        turn.take()
