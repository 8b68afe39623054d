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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from simulators.core.app import create_host_app
from simulators.core.context import LabContext, System
from simulators.core.files import write_private
from simulators.core.httpclient import lab_session
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
    HostSpec,
    Topology,
)

log = logging.getLogger("m365lab")

SYSTEM_CLASSES: dict[str, str] = {
    "microsoft": "simulators.microsoft.system:MicrosoftSystem",
    "jumpcloud": "simulators.jumpcloud.system:JumpCloudSystem",
    "dashboard": "harness.dashboard:DashboardSystem",
}
"""Where each system's implementation lives (imported on demand)."""


class LabError(Exception):
    """A lab that cannot start; the message is one line a user can act on."""


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


def default_descriptor_path() -> Path:
    """Where ``m365lab up`` publishes the running lab's descriptor for ``m365lab env``."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "m365lab" / "lab.json"


def wait_answering(
    specs: list[HostSpec],
    ca_file: str | Path,
    timeout: float,
    *,
    each_try: Callable[[], None] | None = None,
) -> HostSpec | None:
    """Poll each host's ``/_lab/health`` over verified HTTPS until it answers 200; returns the
    first spec still silent when ``timeout`` runs out, else None. ``each_try`` runs before every
    attempt (it may raise to give up early)."""
    deadline = time.monotonic() + timeout
    with lab_session(ca_file) as session:
        for spec in specs:
            while True:
                if each_try is not None:
                    each_try()
                try:
                    if session.get(spec.base_url + "/_lab/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    return spec
                time.sleep(0.02)
    return None


def check_writable(path: Path) -> None:
    """Make ``path`` and write in it, or a LabError naming it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
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
    systems: tuple[str, ...] = ("microsoft", "jumpcloud", "dashboard")
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
        self.world: dict = {}
        self._temp_dir: Path | None = None
        self.descriptor_path: Path | None = None

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
        self.world = self._load_or_build_default_world()
        self.write_descriptor()
        return self

    def _load_or_build_default_world(self) -> dict:
        """The default world's descriptor sections, built once per state dir."""
        if not self.options.default_world:
            return {}
        from harness import world

        if not world.can_build_default(self):
            if not self.options.remote_default_world:
                return {}
            self.wait_healthy(timeout=120, every_host=True)
        assert self.ctx is not None
        path = self.ctx.state_dir / "default-world.json"
        if path.exists():
            return json.loads(path.read_text())
        from harness.default_world import DefaultWorldError

        try:
            built = world.build_default_world(self)
        except DefaultWorldError as exc:
            raise LabError(f"cannot build the default world: {exc}") from exc
        write_private(path, json.dumps(built, indent=2))
        return built

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
        data.update(self.world)
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


def _quietly(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        action()
