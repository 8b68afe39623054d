"""Find and read a running lab's descriptor (lab.json), and talk to its control plane."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import DescriptorError
from simulators.core.httpclient import lab_session
from simulators.core.topology import HOSTS

if TYPE_CHECKING:  # requests loads with the first session, off the lab's start-up path
    import requests


def default_descriptor_path() -> Path:
    """Where ``m365lab up`` publishes the running lab's descriptor for ``m365lab env``."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "m365lab" / "lab.json"


def find_descriptor(state_dir: str | Path | None = None) -> Path:
    """``--state-dir``, then ``$M365LAB_DESCRIPTOR``, then the default published location."""
    candidates: list[tuple[str, Path]] = []
    if state_dir:
        candidates.append(("--state-dir", Path(state_dir).expanduser() / "lab.json"))
    elif os.environ.get("M365LAB_DESCRIPTOR"):
        candidates.append(("M365LAB_DESCRIPTOR", Path(os.environ["M365LAB_DESCRIPTOR"])))
    else:
        candidates.append(("default location", default_descriptor_path()))
    source, path = candidates[0]
    if not path.is_file():
        raise DescriptorError(
            f"no running lab found: {path} ({source}) does not exist; start one with "
            "'m365lab up' or point --state-dir / M365LAB_DESCRIPTOR at its lab.json"
        )
    return path


@dataclass
class LabDescriptor:
    """A parsed lab.json."""

    path: Path | None
    data: dict
    processes: dict[str, str] | None = field(default=None, compare=False, repr=False)
    """Process id -> one of its hosts, once every host has answered (processes do not move)."""

    @classmethod
    def load(cls, path: str | Path) -> LabDescriptor:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise DescriptorError(f"cannot read lab descriptor {path}: {exc}") from exc
        missing = {"ca_bundle", "admin_token", "urls"} - set(data)
        if missing:
            raise DescriptorError(f"{path} is not a lab descriptor (missing {sorted(missing)})")
        return cls(path, data)

    @property
    def ca_bundle(self) -> str:
        return self.data["ca_bundle"]

    def url(self, host: str) -> str:
        """Base URL of a host (Graph without its /v1.0 segment)."""
        url = self.data["urls"][host]
        return url[: -len("/v1.0")] if host == "graph" and url.endswith("/v1.0") else url

    def control(self) -> LabClient:
        return LabClient(self)


class LabClient:
    """Calls the control plane of every host of a lab (in-process or docker-compose)."""

    def __init__(self, descriptor: LabDescriptor, timeout: float = 10) -> None:
        self.descriptor = descriptor
        self.timeout = timeout
        self.session = lab_session(descriptor.ca_bundle)
        self.session.headers["Authorization"] = f"Bearer {descriptor.data['admin_token']}"

    def hosts(self) -> list[str]:
        return [h for h in HOSTS if h in self.descriptor.data["urls"]]

    def health(self, host: str) -> dict:
        r = self.session.get(self.descriptor.url(host) + "/_lab/health", timeout=self.timeout)
        r.raise_for_status()
        return r.json()

    def processes(self) -> dict[str, str]:
        """One reachable host per lab process (process id -> host); asked of every host until
        all of them have answered once, then remembered on the descriptor."""
        known = self.descriptor.processes
        if known is not None:
            return dict(known)
        import requests  # loaded by the session already; kept off the start-up path

        seen: dict[str, str] = {}
        answered = 0
        for host in self.hosts():
            try:
                process = self.health(host)["process"]
            except requests.RequestException:
                continue
            answered += 1
            seen.setdefault(process, host)
        if answered == len(self.hosts()):
            self.descriptor.processes = dict(seen)
        return seen

    def call(self, method: str, host: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.descriptor.url(host) + path, **kwargs)

    def each_process(self, method: str, path: str, **kwargs) -> list[requests.Response]:
        """Send one request to every distinct process (so each shared clock moves once)."""
        out = []
        for host in self.processes().values():
            r = self.call(method, host, path, **kwargs)
            r.raise_for_status()
            out.append(r)
        return out

    def reset(self) -> None:
        self.each_process("POST", "/_lab/reset")

    def set_clock(self, **body) -> dict:
        return self.each_process("PUT", "/_lab/clock", json=body)[0].json()

    def journal(self, trace: str | None = None, since: int | None = None) -> list[dict]:
        entries: list[dict] = []
        for host in self.processes().values():
            params = {k: v for k, v in {"trace": trace, "since": since}.items() if v}
            r = self.call("GET", host, "/_lab/journal", params=params)
            r.raise_for_status()
            entries += r.json()["entries"]
        return sorted(entries, key=lambda e: (e.get("wall_time", 0), e["seq"]))
