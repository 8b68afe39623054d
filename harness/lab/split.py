"""``m365lab up --split``: the Microsoft and JumpCloud systems in processes of their own.

By default one process serves every host. Python runs one thread at a time per process, so
under concurrent load that lab uses one core, and threads contending for it cost more CPU per
request than the requests themselves. Split, each system answers from its own process (the
docker-compose layout, without containers): this process starts ``m365lab serve microsoft``
and ``m365lab serve jumpcloud`` on the same ports and state directory, serves the dashboard
itself, and builds the default world through the public APIs once both answer.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import LabError, SplitError
from harness.lab.lab import check_writable
from harness.lab.wait import wait_answering
from simulators.core.server import PortInUseError, check_port_free
from simulators.core.tls import default_ca_dir, server_credentials
from simulators.core.topology import HOSTS, SYSTEM_HOSTS, Topology, TopologyError

SPLIT_SYSTEMS = ("microsoft", "portal", "jumpcloud")
START_TIMEOUT = 60.0


def ephemeral_low(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    """The first port the system hands out to ``bind(0)`` and outgoing connections."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; other systems start higher


def free_port_block(args, attempts: int = 50) -> int:
    """A port base whose consecutive ports are all free right now (for ``--port-base 0``):
    the system processes must agree on every port, so they cannot each pick their own. The
    block lies below the ephemeral range, so another lab's ``bind(0)`` or an outgoing
    connection cannot take one of its ports between this check and the processes' binds."""
    rng = random.Random()
    top = min(ephemeral_low(), 60000) - len(HOSTS)
    bottom = 20000 if top > 21000 else 10000
    for _ in range(attempts):
        base = rng.randrange(bottom, top)
        try:
            probe = Topology.build(args.host, base, names=args.hostnames, bind=args.bind)
            for spec in probe.hosts.values():
                check_port_free(spec)
        except PortInUseError:
            continue
        except (TopologyError, ValueError) as exc:
            raise SplitError(str(exc)) from exc
        return base
    raise SplitError(f"found no {len(HOSTS)} consecutive free ports after {attempts} tries")


@dataclass
class SystemProcesses:
    """The ``serve`` child processes, with their logs in ``<state dir>/logs``."""

    processes: list[tuple[str, subprocess.Popen, Path]] = field(default_factory=list)

    def check_alive(self) -> None:
        for name, process, log in self.processes:
            code = process.poll()
            if code is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                detail = "\n  ".join(tail) or "(no output)"
                raise SplitError(f"the {name} process exited with code {code}; {log}:\n  {detail}")

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _serve_command(args, system: str, state_dir: Path, port_base: int) -> list[str]:
    command = [sys.executable, "-m", "harness.cli", "serve", system]
    command += ["--state-dir", str(state_dir), "--port-base", str(port_base)]
    command += ["--host", args.host, "--seed", str(args.seed), "--server", args.server]
    if args.hostnames:
        command += ["--hostnames", ",".join(f"{k}={v}" for k, v in args.hostnames.items())]
    if args.bind:
        command += ["--bind", args.bind]
    return command


def start_system_processes(args, state_dir: Path, port_base: int) -> SystemProcesses:
    """Start one ``serve`` process per system and wait until all their hosts answer."""
    try:
        topology = Topology.build(args.host, port_base, names=args.hostnames, bind=args.bind)
    except (TopologyError, ValueError) as exc:
        raise SplitError(str(exc)) from exc
    for system in SPLIT_SYSTEMS:
        for host in SYSTEM_HOSTS[system]:
            check_port_free(topology.hosts[host])
    ca_dir = Path(os.environ.get("M365LAB_CA_DIR") or default_ca_dir())
    # made here first, so the children find the CA and certificate instead of racing to make them
    creds = server_credentials(ca_dir, topology.dns_names(), topology.ip_addresses())
    logs = state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    children = SystemProcesses()
    try:
        for system in SPLIT_SYSTEMS:
            log = logs / f"{system}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    _serve_command(args, system, state_dir, port_base),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            children.processes.append((system, process, log))
        specs = [topology.hosts[h] for s in SPLIT_SYSTEMS for h in SYSTEM_HOSTS[s]]
        silent = wait_answering(specs, creds.ca_file, START_TIMEOUT, each_try=children.check_alive)
        if silent is not None:
            raise SplitError(f"{silent.base_url} did not answer within {START_TIMEOUT:.0f} s")
    except BaseException:
        children.stop()
        raise
    return children


def prepare(args) -> tuple[Path, int, bool]:
    """(state dir, port base, whether the state dir is a temporary one to remove at exit)."""
    temporary = args.state_dir is None
    state_dir = Path(tempfile.mkdtemp(prefix="m365lab-")) if temporary else args.state_dir
    state_dir = Path(state_dir).expanduser().resolve()
    try:
        check_writable(state_dir / "logs")
    except LabError as exc:
        raise SplitError(str(exc)) from exc
    port_base = args.port_base or free_port_block(args)
    return state_dir, port_base, temporary


def remove_state_dir(state_dir: Path) -> None:
    shutil.rmtree(state_dir, ignore_errors=True)
