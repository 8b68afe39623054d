"""Where a warm federated sign-in's time goes: client, HTTP stack, and each route's own work.

Runs a lab in this process (threads), builds the federated world, signs Alice in at the portal
over and over with one warm HTTP user agent (no cookies between sign-ins, as ``bench/sso.py``'s
warm figure), and prints per sign-in:

- wall time, the user agent's CPU (this thread) and the lab's CPU (every other thread);
- the CPU each route spends inside its host's WSGI application (Flask, hooks, journal, handler:
  thread CPU time around the app call), and what remains for cheroot and TLS.

The client and server never overlap (each exchange waits for the one before), so the wall time
is about the sum of the two CPU figures; that is what ``bench/sso.py``'s ≤ 10 ms target weighs.

    python bench/signin_profile.py [--runs 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sso import HOSTS, Target, fresh_browser

from harness.lab import Lab, LabOptions
from harness.testkit import Person, assert_signed_in, build_world, portal_signin

WARM_UP = 50


class RouteClock:
    """WSGI middleware: thread CPU time spent inside the application, by host, method and path."""

    def __init__(self) -> None:
        self.cpu: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.calls: defaultdict[tuple[str, str, str], int] = defaultdict(int)

    def wrap(self, host: str, app: Callable) -> Callable:
        def timed(environ: dict, start_response: Callable) -> Iterable[bytes]:
            started = time.thread_time()
            body = b"".join(app(environ, start_response))  # the body is built inside the app
            key = (host, environ["REQUEST_METHOD"], _route(environ.get("PATH_INFO", "")))
            self.cpu[key] += time.thread_time() - started
            self.calls[key] += 1
            return [body]

        return timed

    def clear(self) -> None:
        self.cpu.clear()
        self.calls.clear()


def _route(path: str) -> str:
    """The path with per-world segments (the SAML application id) folded."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "saml2":
        parts[2] = "{app}"
    return "/".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="warm sign-ins to measure")
    args = parser.parse_args()

    clock = RouteClock()
    with tempfile.TemporaryDirectory(prefix="m365lab-bench-") as state_dir:
        lab = Lab(LabOptions(Path(state_dir), port_base=0, default_world=False)).start()
        try:
            for server in lab.servers:
                server.server.wsgi_app = clock.wrap(server.spec.name, server.server.wsgi_app)
            world = build_world(lab)
            alice = world.people["alice"]
            target = Target({h: lab.ctx.url(h) for h in HOSTS}, world.ca)
            person = Person("alice", alice.email, alice.password)
            agent = target.agent()
            for _ in range(WARM_UP):
                portal_signin(target, person, fresh_browser(agent))
            clock.clear()
            process0, client0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
            for _ in range(args.runs):
                assert_signed_in(portal_signin(target, person, fresh_browser(agent)), person)
            wall = (time.perf_counter() - wall0) / args.runs * 1000
            client = (time.thread_time() - client0) / args.runs * 1000
            lab_cpu = (time.process_time() - process0) / args.runs * 1000 - client
        finally:
            lab.stop()

    in_apps = sum(clock.cpu.values()) / args.runs * 1000
    print(f"warm sign-ins measured: {args.runs}")
    print(f"wall time per sign-in                 {wall:7.2f} ms")
    print(f"  user agent CPU (client)             {client:7.2f} ms")
    print(f"  lab CPU (every server thread)       {lab_cpu:7.2f} ms")
    print(f"    inside the WSGI applications      {in_apps:7.2f} ms")
    print(f"    cheroot, TLS, sockets (the rest)  {lab_cpu - in_apps:7.2f} ms")
    print("lab CPU inside the application, per route and sign-in:")
    for key, cpu in sorted(clock.cpu.items(), key=lambda item: -item[1]):
        host, method, path = key
        per_call = cpu / clock.calls[key] * 1000
        times = clock.calls[key] / args.runs
        print(f"  {per_call:6.3f} ms x{times:.0f}  {host:8s} {method:5s} {path}")


if __name__ == "__main__":
    main()
