"""What every system gets from the lab (topology, clock, journal...) and what it must provide."""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from flask import current_app

from simulators.core.clock import LabClock
from simulators.core.faults import FaultRules
from simulators.core.files import write_private
from simulators.core.httpclient import HTTP_TIMEOUT, LabClient
from simulators.core.journal import Journal
from simulators.core.topology import Topology

if TYPE_CHECKING:
    from flask import Flask

CTX_EXTENSION = "m365lab.ctx"
"""Where a host's Flask app keeps its process' ``LabContext``."""


@dataclass
class LabContext:
    """Shared plumbing of one lab process."""

    topology: Topology
    state_dir: Path
    ca_file: Path
    admin_token: str
    seed: int = 0
    clock: LabClock = field(default_factory=LabClock)
    journal: Journal = field(default_factory=Journal)
    faults: FaultRules = field(default_factory=FaultRules)
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set when the lab begins to stop: background work and retries give up at once."""

    def url(self, host: str) -> str:
        return self.topology.url(host)

    def persistent_secret(self, name: str, nbytes: int = 32) -> str:
        """A random secret kept in the state dir, so it survives restarts (e.g. cookie keys)."""
        cache = self.__dict__.setdefault("_secrets", {})
        if name in cache:
            return cache[name]
        path = self.state_dir / "secrets" / name
        if path.exists():
            value = path.read_text().strip()
        else:
            value = secrets.token_urlsafe(nbytes)
            write_private(path, value)
        cache[name] = value
        return value

    def http(self, timeout: float = HTTP_TIMEOUT) -> LabClient:
        """This thread's kept-alive server-to-server client for ``timeout`` (do not close it);
        a poll of another lab process asks for a short one, so a hung peer costs seconds."""
        local = self.__dict__.setdefault("_http_local", threading.local())
        clients = local.__dict__.setdefault("clients", {})
        client = clients.get(timeout)
        if client is None:
            client = clients[timeout] = LabClient(self.ca_file, timeout)
        return client


class System:
    """A simulated system serving one or more hosts of the topology.

    Subclasses register their routes on each host's Flask app and implement the
    world/reset/state hooks the control plane calls.
    """

    name: ClassVar[str] = ""
    hosts: ClassVar[tuple[str, ...]] = ()
    json_hosts: ClassVar[frozenset[str]] = frozenset()
    """Hosts whose unknown routes and errors answer in JSON rather than an HTML page."""

    def __init__(self, ctx: LabContext) -> None:
        self.ctx = ctx

    def register(self, host: str, app: Flask) -> None:
        """Add this system's routes for ``host`` to ``app``."""

    def create_world(self, world_id: str, doc: dict) -> dict:
        """Create this system's half of an isolated world; return its ids and credentials."""
        return {}

    def delete_world(self, world_id: str) -> bool:
        """Remove a world's objects; False when the world is unknown here."""
        return False

    def reset(self) -> None:
        """Drop every object of this system."""

    def state(self) -> dict:
        """A small JSON summary for ``GET /_lab/state``."""
        return {}

    def started(self) -> None:
        """Called once every host of the process answers: finish what ``__init__`` began in
        the background (its errors then still fail the start)."""

    def close(self) -> None:
        """Release databases and background work."""


def lab_context() -> LabContext:
    """The ``LabContext`` of the app handling the current request."""
    return current_app.extensions[CTX_EXTENSION]
