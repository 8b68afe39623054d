"""Where a warm federated sign-in's time goes: client, HTTP stack, and each route's own work.

Runs a lab in this process (threads), builds the federated world, signs Alice in at the portal
over and over with one warm HTTP user agent (no cookies between sign-ins, as ``bench/sso.py``'s
warm figure), and prints per sign-in:

- wall time, the user agent's CPU (this thread) and the lab's CPU (every other thread);
- the CPU each route spends inside its host's WSGI application (Flask, hooks, journal, handler:
  thread CPU time around the app call), and what remains for cheroot and TLS;
- the HTTP floor: as many exchanges as a sign-in makes, with the same user agent and
  connections, of a trivial page (``/_lab/health``), and the sign-in's wall time above it;
- that in-application CPU by kind of work: the work a sign-in cannot do without (signing,
  verifying, password hashing, SQLite) and the rest (session cookies, the journal, templates,
  then Flask and the routes' own logic), per route and summed.

The client and server never overlap (each exchange waits for the one before), so the wall time
is about the sum of the two CPU figures; that is what ``bench/sso.py``'s ≤ 10 ms target weighs.

    python bench/signin_profile.py [--runs 300]
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sso import HOSTS, Target, fresh_browser, trivial_exchanges

from harness.lab import Lab, LabOptions
from harness.testkit import Person, assert_signed_in, build_world, portal_signin

WARM_UP = 50


class RouteClock:
    """WSGI middleware: thread CPU time spent inside the application, by host, method and path."""

    def __init__(self, kinds: KindClock) -> None:
        self.cpu: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.calls: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        self.kinds = kinds

    def wrap(self, host: str, app: Callable) -> Callable:
        def timed(environ: dict, start_response: Callable) -> Iterable[bytes]:
            key = (host, environ["REQUEST_METHOD"], _route(environ.get("PATH_INFO", "")))
            outer = self.kinds.route(key)
            started = time.thread_time()
            try:
                body = b"".join(app(environ, start_response))  # the body is built inside the app
            finally:
                self.cpu[key] += time.thread_time() - started
                self.kinds.route(outer)
            self.calls[key] += 1
            return [body]

        return timed

    def clear(self) -> None:
        self.cpu.clear()
        self.calls.clear()
        self.kinds.cpu.clear()

    def clear_route(self, key: tuple[str, str, str]) -> float:
        """Forget one route (the floor's trivial page is not part of a sign-in); its CPU."""
        self.calls.pop(key, None)
        for kind_key in [k for k in self.kinds.cpu if k[0] == key]:
            del self.kinds.cpu[kind_key]
        return self.cpu.pop(key, 0.0)


class KindClock:
    """Thread CPU time of chosen functions, by the route that ran them and a kind of work.

    Only the outermost timed call of a thread counts (a signature inside a template would be
    counted once, as the template's), so the kinds of one route add up to at most its total.
    """

    def __init__(self) -> None:
        self.cpu: defaultdict[tuple[tuple[str, str, str], str], float] = defaultdict(float)
        self._local = threading.local()

    def route(self, key: tuple[str, str, str] | None) -> tuple[str, str, str] | None:
        """Set the current thread's route; returns the one it replaces."""
        previous = getattr(self._local, "route", None)
        self._local.route = key
        return previous

    def time(self, owner: object, name: str, kind: str) -> None:
        """Wrap ``owner.name`` (a function or method) so its calls are timed as ``kind``."""
        original = getattr(owner, name)
        local, cpu = self._local, self.cpu

        @functools.wraps(original)
        def timed(*args, **kwargs):
            route = getattr(local, "route", None)
            if route is None or getattr(local, "inside", False):
                return original(*args, **kwargs)
            local.inside, started = True, time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                cpu[(route, kind)] += time.thread_time() - started
                local.inside = False

        setattr(owner, name, timed)


KINDS_NEEDED = ("signing", "verifying", "password hash", "SQLite")
KINDS_OTHER = ("session cookie", "journal", "templates")


def time_kinds(kinds: KindClock) -> None:
    """The functions each kind of work goes through (library entry points the lab calls).

    SQLite counts the statements sent through sqlite-utils, which is every statement of a
    sign-in (they run in autocommit: each write is its own commit).
    """
    import flask.templating
    import jwt.api_jws
    import signxml
    import sqlite_utils.db

    import simulators.core.app
    import simulators.core.passwords
    import simulators.core.sessions

    kinds.time(jwt.api_jws.PyJWS, "encode", "signing")
    kinds.time(signxml.XMLSigner, "sign", "signing")
    kinds.time(signxml.XMLVerifier, "verify", "verifying")
    kinds.time(simulators.core.passwords.hashlib, "pbkdf2_hmac", "password hash")
    kinds.time(sqlite_utils.db.Database, "execute", "SQLite")
    kinds.time(simulators.core.sessions.LabSessionInterface, "open_session", "session cookie")
    kinds.time(simulators.core.sessions.LabSessionInterface, "save_session", "session cookie")
    kinds.time(simulators.core.app, "_record", "journal")
    kinds.time(flask.templating, "_render", "templates")


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

    kinds = KindClock()
    time_kinds(kinds)
    clock = RouteClock(kinds)
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
            portal_signin(target, person, fresh_browser(agent))
            exchanges = len(agent.history)
            clock.clear()

            def signin() -> None:
                assert_signed_in(portal_signin(target, person, fresh_browser(agent)), person)

            wall, client, lab_cpu = _timed(signin, args.runs)
            health = lab.ctx.url("login") + "/_lab/health"

            trivial_wall, trivial_client, trivial_lab = _timed(
                lambda: trivial_exchanges(agent, health, exchanges), args.runs
            )
            trivial_app = clock.clear_route(("login", "GET", "/_lab/health")) / args.runs * 1000
        finally:
            lab.stop()

    in_apps = sum(clock.cpu.values()) / args.runs * 1000
    print(f"warm sign-ins measured: {args.runs}")
    print(f"wall time per sign-in                 {wall:7.2f} ms")
    print(f"  user agent CPU (client)             {client:7.2f} ms")
    print(f"  lab CPU (every server thread)       {lab_cpu:7.2f} ms")
    print(f"    inside the WSGI applications      {in_apps:7.2f} ms")
    print(f"    cheroot, TLS, sockets (the rest)  {lab_cpu - in_apps:7.2f} ms")
    print(f"the same {exchanges} exchanges with a trivial page (/_lab/health), the HTTP floor:")
    print(f"  wall time                           {trivial_wall:7.2f} ms")
    print(f"  user agent CPU                      {trivial_client:7.2f} ms")
    print(f"  lab CPU                             {trivial_lab:7.2f} ms")
    print(f"    inside the WSGI application       {trivial_app:7.2f} ms")
    print(f"sign-in wall time above that floor    {wall - trivial_wall:7.2f} ms")
    print_routes(clock, args.runs)


def _timed(action: Callable[[], None], runs: int) -> tuple[float, float, float]:
    """Per run of ``action``, in ms: wall time, this thread's CPU, every other thread's CPU."""
    process0, client0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    for _ in range(runs):
        action()
    wall = (time.perf_counter() - wall0) / runs * 1000
    client = (time.thread_time() - client0) / runs * 1000
    return wall, client, (time.process_time() - process0) / runs * 1000 - client


def print_routes(clock: RouteClock, runs: int) -> None:
    """Each route's in-application CPU per call, split by kind of work; then the sums."""
    kinds = (*KINDS_NEEDED, *KINDS_OTHER)
    heads = ["sign", "verify", "pwhash", "sqlite", "session", "journal", "jinja", "rest"]
    print("lab CPU inside the application, per route and call (ms):")
    print(f"  {'total':>6s} {'times':>5s}  " + " ".join(f"{h:>7s}" for h in heads) + "  route")
    sums = defaultdict(float)
    for key, cpu in sorted(clock.cpu.items(), key=lambda item: -item[1]):
        calls = clock.calls[key]
        split = [clock.kinds.cpu[(key, kind)] for kind in kinds]
        for kind, value in zip(kinds, split, strict=True):
            sums[kind] += value
        cells = [*split, cpu - sum(split)]
        host, method, path = key
        print(
            f"  {cpu / calls * 1000:6.3f} {calls / runs:5.0f}  "
            + " ".join(f"{value / calls * 1000:7.3f}" for value in cells)
            + f"  {host} {method} {path}"
        )
    total = sum(clock.cpu.values()) / runs * 1000
    needed = sum(sums[kind] for kind in KINDS_NEEDED) / runs * 1000
    print("in-application CPU per sign-in, by kind:")
    for kind in kinds:
        print(f"  {kind:38s}{sums[kind] / runs * 1000:7.2f} ms")
    rest = total - sum(sums.values()) / runs * 1000
    print(f"  {'Flask and the routes own logic':38s}{rest:7.2f} ms")
    print(f"  needed work (signing to SQLite)       {needed:7.2f} ms of {total:.2f}")


if __name__ == "__main__":
    main()
