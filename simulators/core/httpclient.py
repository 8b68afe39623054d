"""HTTPS clients that trust the lab CA and nothing else."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import TYPE_CHECKING

from simulators.core.journal import TRACE_HEADER, current_trace, new_trace_id
from simulators.core.wire import Reply, Transport, encode_form

if TYPE_CHECKING:
    import requests


def lab_session(
    ca_file: str | Path, *, session: requests.Session | None = None
) -> requests.Session:
    """A requests session verifying against ``ca_file`` only.

    ``trust_env`` is off: requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a
    session's ``verify``, and lab traffic must never go through an environment proxy.
    """
    import requests  # only clients (tests, the harness) use requests; servers stay without it

    session = session or requests.Session()
    session.trust_env = False
    session.verify = str(ca_file)
    return session


LAB_USER_AGENT = "m365lab-server"
"""How the lab's hosts name themselves when they call each other (``Admission`` lets them in)."""

HTTP_TIMEOUT = 20.0
"""Seconds a server-to-server call may take to connect, and each read."""


class LabClient:
    """A system's kept-alive client for calls to another host (one per thread).

    Built on the lab's HTTP/1.1 wire rather than requests: a federated sign-in makes one such
    call (the portal redeeming its code), and requests' per-call machinery cost more than the
    token endpoint's own work. Sends the current request's trace id (or a fresh one) onward.
    """

    def __init__(self, ca_file: str | Path, timeout: float = HTTP_TIMEOUT) -> None:
        self.transport = Transport(str(ca_file), timeout)

    def request(
        self,
        method: str,
        url: str,
        *,
        data: dict | None = None,
        json: object = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> Reply:
        """One exchange; ``data`` is sent form-encoded, ``json`` as JSON, ``params`` in the
        query. Raises ``wire.TransportError``."""
        sent = {
            "Accept": "application/json",
            "User-Agent": LAB_USER_AGENT,
            TRACE_HEADER: current_trace.get() or new_trace_id(),
            **(headers or {}),
        }
        body = None
        if data is not None:
            body = encode_form(data.items()).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            sent["Content-Type"] = "application/json"
        if params:
            url += ("&" if "?" in url else "?") + encode_form(
                (k, str(v)) for k, v in params.items()
            )
        return self.transport.exchange(method.upper(), url, body, sent)

    def post(self, url: str, *, data: dict | None = None, headers: dict | None = None) -> Reply:
        return self.request("POST", url, data=data, headers=headers)

    def close(self) -> None:
        self.transport.close()
