"""The lab's hosts and the one set of public URLs every system, client and test derives from."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

HOSTS: tuple[str, ...] = ("login", "graph", "portal", "console", "sso", "dashboard")
"""Every host of the lab, in port order (port_base + index)."""

SYSTEM_HOSTS: dict[str, tuple[str, ...]] = {
    "microsoft": ("login", "graph"),
    "portal": ("portal",),
    "jumpcloud": ("console", "sso"),
    "dashboard": ("dashboard",),
}
"""Which system serves which hosts (one docker-compose service per system)."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT_BASE = 8443


class TopologyError(ValueError):
    """A topology that cannot be served (bad host name, port out of range...)."""


@dataclass(frozen=True)
class HostSpec:
    """One host: the name clients use, the port, and the address the server binds."""

    name: str
    public_host: str
    port: int
    bind: str

    @property
    def base_url(self) -> str:
        host = self.public_host
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        return f"https://{host}" if self.port == 443 else f"https://{host}:{self.port}"


def system_of(host: str) -> str:
    """The system that serves ``host``."""
    for system, hosts in SYSTEM_HOSTS.items():
        if host in hosts:
            return system
    raise TopologyError(f"unknown host {host!r}")


def free_ports(count: int, bind: str) -> list[int]:
    """Ports the OS reports free right now (used for --port-base 0)."""
    sockets, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET)
            s.bind((bind, 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


@dataclass(frozen=True)
class Topology:
    """Public base URL and bind address of every host."""

    hosts: dict[str, HostSpec] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        host: str = DEFAULT_HOST,
        port_base: int = DEFAULT_PORT_BASE,
        *,
        names: dict[str, str] | None = None,
        ports: dict[str, int] | None = None,
        bind: str | None = None,
    ) -> Topology:
        """Lay out the six hosts.

        ``host`` is the public name (and default bind address) of every host; ``names``
        overrides it per host (docker-compose DNS names), ``ports`` overrides ports per host.
        ``port_base`` 0 picks free ports.
        """
        names = names or {}
        ports = dict(ports or {})
        unknown = (set(names) | set(ports)) - set(HOSTS)
        if unknown:
            raise TopologyError(f"unknown host name(s): {', '.join(sorted(unknown))}")
        if not (port_base == 0 or 1 <= port_base <= 65535 - len(HOSTS)):
            raise TopologyError(f"--port-base must be 0 or between 1 and {65535 - len(HOSTS)}")
        bind_addr = bind or (host if _is_ip(host) else "0.0.0.0")
        if port_base == 0:
            picked = iter(free_ports(len(HOSTS), bind_addr if bind_addr != "0.0.0.0" else ""))
            for name in HOSTS:
                ports.setdefault(name, next(picked))
        specs = {}
        for index, name in enumerate(HOSTS):
            public = names.get(name, host)
            _check_hostname(public)
            specs[name] = HostSpec(name, public, ports.get(name, port_base + index), bind_addr)
        return cls(specs)

    def url(self, host: str) -> str:
        """Public base URL of ``host`` (no trailing slash)."""
        return self.hosts[host].base_url

    def base_urls(self) -> dict[str, str]:
        """Every host's public base URL (Graph without its version segment)."""
        return {name: spec.base_url for name, spec in self.hosts.items()}

    def urls(self) -> dict[str, str]:
        """The ``urls`` section of lab.json (Graph carries its version segment)."""
        out = {name: spec.base_url for name, spec in self.hosts.items()}
        out["graph"] = out["graph"] + "/v1.0"
        return out

    def dns_names(self) -> list[str]:
        names = {s.public_host for s in self.hosts.values() if not _is_ip(s.public_host)}
        return sorted(names | {"localhost"})

    def ip_addresses(self) -> list[str]:
        ips = {s.public_host for s in self.hosts.values() if _is_ip(s.public_host)}
        ips |= {s.bind for s in self.hosts.values() if _is_ip(s.bind) and s.bind != "0.0.0.0"}
        return sorted(ips | {"127.0.0.1", "::1"})

    def host_for_port(self, port: int) -> str | None:
        for spec in self.hosts.values():
            if spec.port == port:
                return spec.name
        return None

    def to_dict(self) -> dict:
        return {
            n: {"public_host": s.public_host, "port": s.port, "bind": s.bind}
            for n, s in self.hosts.items()
        }

    @classmethod
    def from_dict(cls, data: dict) -> Topology:
        return cls(
            {n: HostSpec(n, d["public_host"], d["port"], d["bind"]) for n, d in data.items()}
        )


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _check_hostname(value: str) -> None:
    if _is_ip(value):
        return
    labels = value.split(".")
    ok = (
        value
        and len(value) <= 253
        and all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels)
    )
    if not ok:
        raise TopologyError(f"invalid host name {value!r}")
