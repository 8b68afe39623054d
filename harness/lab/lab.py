"""Start and stop a whole lab (or one system of it) in this process, and describe it."""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import DefaultWorldError, LabError
from harness.lab.clock import LabClock
from harness.lab.default_world import build as build_default_world
from harness.lab.descriptor import LabClient, LabDescriptor, default_descriptor_path
from harness.lab.wait import wait_answering
from harness.lab.world import World, create_world
from simulators.core.app import create_host_app
from simulators.core.context import LabContext, System
from simulators.core.files import write_private
from simulators.core.server import (
    DEFAULT_ENGINE,
    HostServer,
    PortInUseError,
    check_port_free,
    make_server,
)
from simulators.core.tls import default_ca_dir, server_credentials, spki_sha256
from simulators.core.topology import (
    DEFAULT_HOST,
    DEFAULT_PORT_BASE,
    SYSTEM_HOSTS,
    Topology,
)

log = logging.getLogger("m365lab")

SYSTEM_CLASSES: dict[str, str] = {
    "microsoft": "simulators.microsoft.system:MicrosoftSystem",
    "portal": "simulators.microsoft.portal.system:PortalSystem",
    "jumpcloud": "simulators.jumpcloud.system:JumpCloudSystem",
    "dashboard": "harness.dashboard:DashboardSystem",
}
"""Where each system's implementation lives (imported on demand)."""
ALL_SYSTEMS = tuple(SYSTEM_CLASSES)
"""What ``m365lab up`` runs: every system."""
_WORLD_KEYS = ("world_id", "microsoft", "jumpcloud", "people")
"""The default world's sections of lab.json."""


def load_system_class(name: str) -> type[System]:
    """The System subclass for ``name``; a bare host set if its package is not built yet."""
    module_name, _, attr = SYSTEM_CLASSES[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return type(
                f"Bare{name.title()}System",
                (System,),
                {
                    "name": name,
                    "hosts": SYSTEM_HOSTS[name],
                },
            )
        raise
    return getattr(module, attr)


def check_writable(path: Path) -> None:
    """Make ``path`` and write in it, or a LabError naming it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        # a probe of its own: labs starting side by side (run -n 2) share the CA directory,
        # and one lab removing a shared probe made the other's removal fail
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-probe-"):
            pass
    except OSError as exc:
        raise LabError(f"cannot write state directory {path}: {exc.strerror or exc}") from exc


@dataclass
class LabOptions:
    """Everything ``m365lab up`` / ``serve`` can set."""

    state_dir: Path | None = None
    seed: int = 0
    host: str = DEFAULT_HOST
    port_base: int = DEFAULT_PORT_BASE
    names: dict[str, str] = field(default_factory=dict)
    bind: str | None = None
    systems: tuple[str, ...] = ALL_SYSTEMS
    engine: str = DEFAULT_ENGINE
    ca_dir: Path | None = None
    admin_token: str | None = None
    default_world: bool = True
    publish: bool = False
    threads: int = 8
    remote_default_world: bool = False
    """Build the default world even though the systems run in other processes (the
    dashboard service of docker-compose does this once the other services are healthy)."""
    system_classes: dict[str, type[System]] = field(default_factory=dict)
    """Extra or replacement System classes by name (tests plug their own systems in here)."""


class Lab:
    """A running lab: servers, systems, and the lab.json descriptor."""

    def __init__(self, options: LabOptions | None = None) -> None:
        self.options = options or LabOptions()
        self.ctx: LabContext | None = None
        self.systems: list[System] = []
        self.servers: list[HostServer] = []
        self.default_world: dict = {}
        """The default world's lab.json sections (empty when the lab has none)."""
        self._temp_dir: Path | None = None
        self.descriptor_path: Path | None = None
        self._control: LabClient | None = None
        self._worlds: dict[str, World] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Lab:
        opts = self.options
        unknown = set(opts.systems) - set(SYSTEM_CLASSES) - set(opts.system_classes)
        if unknown:
            raise LabError(
                f"unknown system {sorted(unknown)[0]!r}; choose from {', '.join(SYSTEM_CLASSES)}"
            )
        if opts.state_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="m365lab-"))
            state_dir = self._temp_dir
        else:
            state_dir = Path(opts.state_dir).expanduser().resolve()
        try:
            check_writable(state_dir)
            # Free ports picked for --port-base 0 can be taken by another lab starting at the
            # same moment; pick again rather than fail.
            attempts = 3 if opts.port_base == 0 else 1
            for attempt in range(attempts):
                try:
                    return self._start_in(state_dir)
                except PortInUseError:
                    self._stop_servers()
                    if attempt == attempts - 1:
                        raise
        except BaseException:
            self.stop()
            raise
        raise AssertionError("unreachable")

    def _start_in(self, state_dir: Path) -> Lab:
        opts = self.options
        try:
            topology = Topology.build(opts.host, opts.port_base, names=opts.names, bind=opts.bind)
        except ValueError as exc:
            raise LabError(str(exc)) from exc
        classes = [opts.system_classes.get(n) or load_system_class(n) for n in opts.systems]
        served = [h for h in topology.hosts if any(h in c.hosts for c in classes)]
        for name in served:
            check_port_free(topology.hosts[name])
        ca_dir = Path(opts.ca_dir or os.environ.get("M365LAB_CA_DIR") or default_ca_dir())
        check_writable(ca_dir)
        creds = server_credentials(ca_dir, topology.dns_names(), topology.ip_addresses())
        self.server_cert = creds.cert_file
        ctx = LabContext(
            topology=topology,
            state_dir=state_dir,
            ca_file=creds.ca_file,
            admin_token="",
            seed=opts.seed,
        )
        ctx.admin_token = (
            opts.admin_token
            or os.environ.get("M365LAB_ADMIN_TOKEN")
            or ctx.persistent_secret("admin_token")
        )
        self.ctx = ctx
        self.systems = [cls(ctx) for cls in classes]
        for name in served:
            serving = [s for s in self.systems if name in s.hosts]
            app = create_host_app(name, ctx, serving, self.systems)
            server = make_server(opts.engine, topology.hosts[name], app, creds, opts.threads)
            server.start()
            self.servers.append(server)
        self.wait_healthy()
        for system in self.systems:
            system.started()
        self.default_world = self._load_or_build_default_world()
        self.write_descriptor()
        return self

    def _load_or_build_default_world(self) -> dict:
        """The default world's descriptor sections, built once per state dir."""
        if not self.options.default_world:
            return {}
        if not self.builds_default_world():
            if not self.options.remote_default_world:
                return {}
            self.wait_healthy(timeout=120, every_host=True)
        assert self.ctx is not None
        path = self.ctx.state_dir / "default-world.json"
        if path.exists():
            return json.loads(path.read_text())
        try:
            built = build_default_world(self.descriptor(), self.ctx.seed)
        except DefaultWorldError as exc:
            raise LabError(f"cannot build the default world: {exc}") from exc
        write_private(path, json.dumps(built, indent=2))
        return built

    def builds_default_world(self) -> bool:
        """The default world needs both the Microsoft and the JumpCloud system in this process."""
        names = {s.name for s in self.systems if type(s).create_world is not System.create_world}
        return {"microsoft", "jumpcloud"} <= names

    def wait_healthy(self, timeout: float = 10.0, *, every_host: bool = False) -> None:
        """Block until every served host (or every host of the topology, served elsewhere
        too) answers /_lab/health over verified HTTPS."""
        assert self.ctx is not None
        specs = (
            list(self.ctx.topology.hosts.values())
            if every_host
            else [server.spec for server in self.servers]
        )
        silent = wait_answering(specs, self.ctx.ca_file, timeout)
        if silent is not None:
            raise LabError(f"{silent.name} did not become healthy at {silent.base_url}/_lab/health")

    def _stop_servers(self) -> None:
        if self.ctx is not None:
            self.ctx.stopping.set()  # retries and background work end now, not after backoff
        stoppers = [
            threading.Thread(target=_quietly, args=(server.stop,), name=f"stop-{server.spec.name}")
            for server in self.servers
        ]  # each waits up to its shutdown timeout for its workers: all at once, not in a row
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        self.servers = []
        for system in self.systems:
            with contextlib.suppress(Exception):
                system.close()
        self.systems = []

    def stop(self) -> None:
        if self._control is not None:
            self._control.session.close()
            self._control = None
        self._worlds = {}
        self._stop_servers()
        if self.descriptor_path and self.options.publish:
            published = default_descriptor_path()
            with contextlib.suppress(OSError):
                if json.loads(published.read_text()).get("state_dir") == str(
                    self.ctx.state_dir if self.ctx else ""
                ):
                    published.unlink()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- descriptor ------------------------------------------------------------------------
    def descriptor(self) -> dict:
        """lab.json (README: ``lab.json``)."""
        assert self.ctx is not None
        ctx = self.ctx
        data: dict = {
            "ca_bundle": str(ctx.ca_file),
            "admin_token": ctx.admin_token,
            "urls": ctx.topology.urls(),
            "state_dir": str(ctx.state_dir),
            "seed": ctx.seed,
            "pid": os.getpid(),
            "systems": list(self.options.systems),
            "topology": ctx.topology.to_dict(),
            "tls": {
                "server_cert": str(self.server_cert),
                "server_spki_sha256": spki_sha256(self.server_cert),
            },
        }
        data.update(self.default_world)
        return data

    def write_descriptor(self) -> Path:
        assert self.ctx is not None
        path = self.ctx.state_dir / "lab.json"
        text = json.dumps(self.descriptor(), indent=2)
        write_private(path, text)
        self.descriptor_path = path
        if self.options.publish:
            write_private(default_descriptor_path(), text)
        return path

    def system(self, name: str) -> System:
        for system in self.systems:
            if system.name == name:
                return system
        raise KeyError(name)

    def reload(self) -> None:
        """Read the default world back from lab.json, after something outside this object
        rebuilt it (``m365lab reset``)."""
        assert self.descriptor_path is not None
        data = json.loads(self.descriptor_path.read_text())
        self.default_world = {k: data[k] for k in _WORLD_KEYS if k in data}

    # -- the test API: what tests use instead of the lab's internals ------------------------
    def control(self) -> LabClient:
        """The control plane of every host (``/_lab/...``), with the admin token."""
        if self._control is None:
            assert self.descriptor_path is not None, "the lab is not started"
            self._control = LabClient(LabDescriptor(self.descriptor_path, self.descriptor()))
        return self._control

    @property
    def clock(self) -> LabClock:
        """Lab time: read here, moved through ``PUT /_lab/clock`` in every lab process."""
        assert self.ctx is not None, "the lab is not started"
        return LabClock(self.control(), self.ctx.clock.timestamp)

    def journal(self, trace: str | None = None, since: int | None = None) -> list[dict]:
        """Journal entries of every process (``GET /_lab/journal``), oldest first."""
        return self.control().journal(trace=trace, since=since)

    def create_world(self, doc: dict) -> World:
        """A new isolated world from a seed document; ``world(its id)`` finds it again."""
        created = create_world(self.control(), doc)
        self._worlds[created.id] = created
        return created

    def world(self, name: str = "default") -> World:
        """A world by id: ``"default"`` (the default world) or one made by ``create_world``."""
        if name in self._worlds:
            return self._worlds[name]
        if name == "default" and self.default_world:
            sections = {k: v for k, v in self.default_world.items() if k != "world_id"}
            return World(self.default_world.get("world_id", "default"), self.control(), sections)
        raise KeyError(f"no world {name!r} in this lab")

    def model(self, system: str) -> Any:
        """A system's in-process model (JumpCloud's ``JumpCloudModel``, Microsoft's
        ``Directory``): only for what no HTTP interface shows, e.g. a hook or a stored row."""
        found: Any = self.system(system)  # each system class adds its own model attribute
        return found.directory if system == "microsoft" else found.model

    def sync_engine(self) -> Any:
        """The JumpCloud system's Microsoft 365 sync engine (request counter, caches, links)."""
        jumpcloud: Any = self.system("jumpcloud")
        return jumpcloud.m365.engine


def _quietly(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        action()
