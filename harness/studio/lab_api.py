"""The studio's view of the running lab: only its public APIs, as any admin script would use them.

JumpCloud's admin API with the org's key, Microsoft Graph with a client-credentials token of
the tenant's app, and the control plane (``/_lab``) with the admin token. Everything is read
from ``lab.json`` each time it changes, so a reset (new ids) is picked up at once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.lab.descriptor import LabClient, LabDescriptor
from harness.lab.federation import graph_token
from simulators.core.httpclient import lab_session

if TYPE_CHECKING:  # requests loads with the first session, off the lab's start-up path
    import requests

TIMEOUT = 10


class LabApiError(Exception):
    """A public API answered with an error; the message names the call and the answer."""


class LabApi:
    """Calls the lab's public APIs with the credentials ``lab.json`` holds."""

    def __init__(self, descriptor_path: Path) -> None:
        self.descriptor_path = descriptor_path
        self._lock = threading.Lock()
        self._loaded: tuple[float, LabDescriptor] | None = None
        self._token: tuple[float, str] | None = None
        self._session: requests.Session | None = None

    @property
    def descriptor(self) -> LabDescriptor:
        """lab.json as it is now (read again when the file changed)."""
        mtime = self.descriptor_path.stat().st_mtime
        with self._lock:
            if self._loaded is None or self._loaded[0] != mtime:
                self._loaded = (mtime, LabDescriptor.load(self.descriptor_path))
                self._token = None
            return self._loaded[1]

    @property
    def data(self) -> dict:
        return self.descriptor.data

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = lab_session(self.data["ca_bundle"])
        return self._session

    def control(self) -> LabClient:
        return LabClient(self.descriptor)

    # -- JumpCloud -------------------------------------------------------------------------
    def jumpcloud(self, method: str, path: str, **kwargs: Any) -> Any:
        """``/api`` of the console host with the org's API key; the JSON answer."""
        url = self.descriptor.url("console") + "/api" + path
        headers = {"x-api-key": self.data["jumpcloud"]["api_key"]}
        reply = self.session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        return _json(reply, f"JumpCloud {method} {path}")

    # -- Graph -----------------------------------------------------------------------------
    def _graph_token(self) -> str:
        found = self._token
        if found is not None and found[0] > time.monotonic():
            return found[1]
        ms, urls = self.data["microsoft"], self.data["urls"]
        token = graph_token(
            self.session,
            urls["login"],
            ms["tenant_id"],
            ms["app"]["client_id"],
            ms["app"]["client_secret"],
        )
        self._token = (time.monotonic() + 600, token)
        return token

    def graph(self, method: str, path: str, **kwargs: Any) -> Any:
        """``/v1.0`` of the graph host with the tenant app's token; the JSON answer."""
        url = self.descriptor.url("graph") + "/v1.0" + path
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._graph_token()}"}
            reply = self.session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
            if reply.status_code != 401 or attempt == 2:
                return _json(reply, f"Graph {method} {path}")
            self._token = None  # expired on a moved lab clock: ask for a new one
        raise AssertionError("unreachable")

    # -- control plane ---------------------------------------------------------------------
    def lab(self, method: str, host: str, path: str, **kwargs: Any) -> Any:
        """``/_lab`` of one host with the admin token; the JSON answer."""
        reply = self.control().call(method, host, "/_lab" + path, **kwargs)
        return _json(reply, f"control plane {method} {host} /_lab{path}")


def _json(reply: requests.Response, what: str) -> Any:
    if reply.status_code >= 400:
        raise LabApiError(f"{what}: HTTP {reply.status_code} {reply.text[:300]}")
    return reply.json() if reply.content else {}
