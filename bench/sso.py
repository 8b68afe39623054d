"""Federated SSO figures: one SP-initiated sign-in, sustained sign-ins/s, IdP signing time.

The lab runs apart from the HTTP user agents of this script, in two layouts side by side:
``one process`` (what ``m365lab up`` runs: every host in one child process) and ``split``
(``m365lab up --split``: Microsoft, the portal and JumpCloud in processes of their own). Both
get the same federated world, built through the control plane and the public APIs. A sign-in
is the whole journey: portal → Sign in → username → JumpCloud User Portal sign-in →
assertion → ``/login.srf`` → code → portal.

Beside the warm sign-in, its HTTP floor: the same user agent making as many exchanges of a
trivial page (``/_lab/health``), so the sign-in's own work is the difference.

Targets: a warm sign-in ≤ 10 ms (median), ≥ 40 sign-ins/s sustained, p99 ≤ 300 ms with 16
agents against the split lab, signing ≤ 2 ms (median).

    python bench/sso.py [--runs 40] [--workers 16] [--seconds 8] [--layout both|one|split]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.clients.useragent import UserAgent
from harness.lab.descriptor import LabClient, LabDescriptor
from harness.lab.world import World, create_world
from harness.testkit import Person, assert_signed_in, portal_signin
from simulators.jumpcloud.sso.issuance import Delivery, build_signed_response
from simulators.jumpcloud.sso.model import SamlApp, SsoUser
from simulators.saml import constants as c
from simulators.saml.keys import SigningKeyPair

SIGN_RUNS = 300


@dataclass
class Target:
    """What the journey needs of a running lab (urls, CA), without owning the lab."""

    urls: dict
    ca: str
    lab = None

    def url(self, host: str) -> str:
        return self.urls[host]

    def agent(self, **kwargs) -> UserAgent:
        return UserAgent(self.ca, **kwargs)


HOSTS = ("login", "portal", "console", "sso", "graph")


@dataclass
class Served:
    """A running lab with a federated world, as the benchmarks see it from outside."""

    urls: dict
    ca: str
    email: str
    password: str
    sections: dict
    """The world's ``jumpcloud`` and ``microsoft`` sections (API key, app credentials…)."""
    pid: int
    """The lab's process (its children, if any, are the split systems)."""
    admin_token: str = ""
    """The control plane's token (``/_lab/*``), to read each process' journal figures."""


def serve_lab(queue: mp.Queue, stop: mp.Event) -> None:
    """Child process: start the lab, build a federated world, publish how to reach it."""
    from harness.lab import Lab, LabOptions
    from harness.testkit import build_world

    with tempfile.TemporaryDirectory(prefix="m365lab-bench-") as state_dir:
        # what `m365lab up` starts (its systems and thread count), without the default world
        systems = ("microsoft", "portal", "jumpcloud", "dashboard")
        options = LabOptions(Path(state_dir), port_base=0, systems=systems, default_world=False)
        lab = Lab(options).start()
        try:
            world = build_world(lab)
            alice = world.people["alice"]
            urls = {h: lab.ctx.url(h) for h in HOSTS}
            found = (urls, world.ca, alice.email, alice.password, world.sections)
            queue.put((*found, lab.ctx.admin_token))
            stop.wait()
        finally:
            lab.stop()


@contextmanager
def one_process_lab() -> Iterator[Served]:
    context = mp.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    child = context.Process(target=serve_lab, args=(queue, stop), daemon=True)
    child.start()
    try:
        *found, admin_token = queue.get(timeout=120)
        yield Served(*found, pid=child.pid, admin_token=admin_token)
    finally:
        stop.set()
        child.join(timeout=30)


class RunningLab:
    """A lab started by the CLI, seen through its lab.json: what ``build_world`` needs."""

    def __init__(self, state_dir: Path) -> None:
        self.descriptor_path = state_dir / "lab.json"
        self._data = json.loads(self.descriptor_path.read_text())
        urls = {h: u.removesuffix("/v1.0") for h, u in self._data["urls"].items()}
        topology = SimpleNamespace(urls=lambda: self._data["urls"])
        self.ctx = SimpleNamespace(ca_file=self._data["ca_bundle"], url=urls.__getitem__,
                                   topology=topology)  # fmt: skip

    def descriptor(self) -> dict:
        return self._data

    def create_world(self, doc: dict) -> World:
        """A new world through the lab's control plane, as ``Lab.create_world`` makes one."""
        return create_world(LabClient(LabDescriptor(self.descriptor_path, self._data)), doc)


def _descriptor_pid(path: Path) -> int | None:
    try:
        return json.loads(path.read_text()).get("pid")
    except (OSError, ValueError):
        return None


@contextmanager
def split_lab() -> Iterator[Served]:
    from harness.testkit import build_world

    with tempfile.TemporaryDirectory(prefix="m365lab-bench-") as state_dir:
        state = Path(state_dir)
        command = [sys.executable, "-m", "harness.cli", "up", "--split", "--no-default-world"]
        command += ["--port-base", "0", "--state-dir", state_dir]
        # lab.json's published copy goes here, not over a lab the user may be running
        env = {**os.environ, "XDG_STATE_HOME": str(state / "published")}
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        try:
            deadline = time.monotonic() + 120
            while _descriptor_pid(state / "lab.json") != process.pid:  # the children write one too
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"up --split failed: {process.stderr.read().decode()}")
                time.sleep(0.2)
            lab = RunningLab(state)
            world = build_world(lab)  # type: ignore[arg-type]
            alice = world.people["alice"]
            urls = {h: lab.ctx.url(h) for h in HOSTS}
            found = (urls, world.ca, alice.email, alice.password, world.sections, process.pid)
            yield Served(*found, admin_token=lab.descriptor()["admin_token"])
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def fresh_browser(agent: UserAgent) -> UserAgent:
    """The same kept-alive connections, no cookies: a new browser session."""
    agent.cookies.clear()
    agent.history.clear()
    return agent


def trivial_exchanges(agent: UserAgent, url: str, count: int) -> None:
    """The HTTP floor of ``count`` exchanges: a trivial page, same agent and connections."""
    for _ in range(count):
        agent.get(url)


def one_signin_ms(target: Target, person: Person, runs: int) -> tuple[float, float, float]:
    """Medians: with a new agent per sign-in; with warm connections and no cookies; and the
    HTTP floor of the warm one (as many exchanges of a trivial page, same agent)."""
    cold, warm, floor = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        assert_signed_in(portal_signin(target, person, target.agent()), person)
        cold.append(time.perf_counter() - t0)
    agent = target.agent()
    portal_signin(target, person, fresh_browser(agent))
    exchanges = len(agent.history)
    health = target.url("login") + "/_lab/health"
    for _ in range(runs):
        fresh_browser(agent)
        t0 = time.perf_counter()
        assert_signed_in(portal_signin(target, person, agent), person)
        warm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        trivial_exchanges(agent, health, exchanges)
        floor.append(time.perf_counter() - t0)
    median = statistics.median
    return median(cold) * 1000, median(warm) * 1000, median(floor) * 1000


@dataclass
class Load:
    """A sustained run: sign-ins per second and the latency of each sign-in under that load."""

    rate: float
    p50_ms: float
    p99_ms: float


def sustained(target: Target, person: Person, workers: int, seconds: float) -> Load:
    """``workers`` concurrent agents signing in over and over for about ``seconds``."""
    done = [0] * workers
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def work(i: int) -> None:
        agent = target.agent()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            page = portal_signin(target, person, fresh_browser(agent))
            if page.page_id != "portal.signedin":
                failures.append(f"{page.status} {page.page_id}")
                return
            latencies.append(time.perf_counter() - started)
            done[i] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"sign-ins failed under load: {failures[:3]}")
    rate = sum(done) / (time.perf_counter() - t0)
    cuts = statistics.quantiles(latencies, n=100)
    return Load(rate, cuts[49] * 1000, cuts[98] * 1000)


def signing_ms() -> float:
    """Median build + sign of a Microsoft 365 connector Response (assertion signed)."""
    now = datetime.now(UTC)
    key = SigningKeyPair.generate("bench", now)
    app = SamlApp(
        id="a", org_id="o", label="office365", kind="office365", display_label="Microsoft 365",
        active=True, idp_entity_id="https://contoso.com", sp_entity_id=c.ENTRA_ENTITY_ID,
        acs_urls=("https://login.example/login.srf",), default_relay_state="",
        subject_field="immutableId", nameid_format=c.NAMEID_PERSISTENT, sign_assertion=True,
        sign_response=False, algorithm="rsa-sha256", cert_pem=key.cert_pem,
    )  # fmt: skip
    user = SsoUser("6b0a77f0a588740427fe1839", "o", {"email": "alice@contoso.com"}, "6b0a77f0a5")
    delivery = Delivery(app.acs_url, "_request", "relay")
    samples = []
    for _ in range(SIGN_RUNS):
        t0 = time.perf_counter()
        build_signed_response(app, user, delivery, key, now=now, mfa=True, authn_instant=now)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples[20:]) * 1000


def measure(layout, args) -> tuple[float, ...]:
    """(cold ms, warm ms, floor ms, sign-ins/s, p50 ms, p99 ms under load) against a lab in
    ``layout``."""
    with layout() as served:
        target = Target(served.urls, served.ca)
        person = Person("alice", served.email, served.password)
        cold, warm, floor = one_signin_ms(target, person, args.runs)
        load = sustained(target, person, args.workers, args.seconds)
    return cold, warm, floor, load.rate, load.p50_ms, load.p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="sign-ins for the median")
    parser.add_argument("--workers", type=int, default=16, help="concurrent agents")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of the load run")
    parser.add_argument("--layout", choices=("both", "one", "split"), default="both")
    args = parser.parse_args()

    layouts = {"one process": one_process_lab, "split": split_lab}
    chosen = {
        name: fn
        for name, fn in layouts.items()
        if args.layout == "both" or name.startswith(args.layout)
    }
    figures = {name: measure(layout, args) for name, layout in chosen.items()}
    sign = signing_ms()
    names = list(figures)
    print(f"{'':40s}" + "".join(f"{n:>14s}" for n in names))
    rows = [
        (f"one sign-in, new user agent, median of {args.runs}", 0, "ms", ""),
        ("one sign-in, warm connections, no cookies", 1, "ms", "(target <= 10 ms)"),
        ("  its HTTP floor (trivial page, as often)", 2, "ms", ""),
        (f"sustained, {args.workers} agents, {args.seconds:.0f} s", 3, "/s", "(target >= 40/s)"),
        ("  sign-in latency under that load, p50", 4, "ms", ""),
        ("  sign-in latency under that load, p99", 5, "ms", "(target <= 300 ms split)"),
    ]
    for label, index, unit, target in rows:
        cells = "".join(f"{figures[n][index]:>11.1f} {unit:2s}" for n in names)
        print(f"{label:40s}{cells}  {target}")
    print(f"{'IdP response build+sign, median':40s}{sign:>11.3f} ms  (target <= 2 ms)")


if __name__ == "__main__":
    main()
