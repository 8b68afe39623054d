"""Federated SSO figures: one SP-initiated sign-in, sustained sign-ins/s, IdP signing time.

The lab (both systems, one federated world) runs in a child process, so the HTTP user agents
of this process do not share its interpreter. A sign-in is the whole journey: portal → Sign in
→ username → JumpCloud User Portal sign-in → assertion → ``/login.srf`` → code → portal.

Targets: one sign-in ≤ 25 ms (median), ≥ 40 sign-ins/s sustained, signing ≤ 2 ms (median).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.useragent import UserAgent
from simulators.jumpcloud.sso.issuance import Delivery, build_signed_response
from simulators.jumpcloud.sso.model import SamlApp, SsoUser
from simulators.saml import constants as c
from simulators.saml.keys import SigningKeyPair
from tests.e2e.saml.support import Person, assert_signed_in, portal_signin

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


def serve_lab(queue: mp.Queue, stop: mp.Event) -> None:
    """Child process: start the lab, build a federated world, publish how to reach it."""
    from tests.e2e.saml.support import build_world, start_lab

    with tempfile.TemporaryDirectory(prefix="m365lab-bench-") as state_dir:
        lab = start_lab(Path(state_dir))
        try:
            world = build_world(lab)
            alice = world.people["alice"]
            urls = {h: lab.ctx.url(h) for h in ("login", "portal", "console", "sso")}
            queue.put((urls, world.ca, alice.email, alice.password))
            stop.wait()
        finally:
            lab.stop()


def fresh_browser(agent: UserAgent) -> UserAgent:
    """The same kept-alive connections, no cookies: a new browser session."""
    agent.cookies.clear()
    agent.history.clear()
    return agent


def one_signin_ms(target: Target, person: Person, runs: int) -> tuple[float, float]:
    """(median with a new agent per sign-in, median with warm connections and no cookies)."""
    cold, warm = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        assert_signed_in(portal_signin(target, person, target.agent()), person)
        cold.append(time.perf_counter() - t0)
    agent = target.agent()
    portal_signin(target, person, agent)
    for _ in range(runs):
        fresh_browser(agent)
        t0 = time.perf_counter()
        assert_signed_in(portal_signin(target, person, agent), person)
        warm.append(time.perf_counter() - t0)
    return statistics.median(cold) * 1000, statistics.median(warm) * 1000


def sustained(target: Target, person: Person, workers: int, seconds: float) -> float:
    """Sign-ins per second with ``workers`` concurrent agents for about ``seconds``."""
    done = [0] * workers
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def work(i: int) -> None:
        agent = target.agent()
        while time.perf_counter() < deadline:
            page = portal_signin(target, person, fresh_browser(agent))
            if page.page_id != "portal.signedin":
                failures.append(f"{page.status} {page.page_id}")
                return
            done[i] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"sign-ins failed under load: {failures[:3]}")
    return sum(done) / (time.perf_counter() - t0)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="sign-ins for the median")
    parser.add_argument("--workers", type=int, default=8, help="concurrent agents")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of the load run")
    args = parser.parse_args()

    context = mp.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    child = context.Process(target=serve_lab, args=(queue, stop), daemon=True)
    child.start()
    try:
        urls, ca, email, password = queue.get(timeout=120)
        target = Target(urls, ca)
        person = Person("alice", email, password)
        cold, warm = one_signin_ms(target, person, args.runs)
        rate = sustained(target, person, args.workers, args.seconds)
    finally:
        stop.set()
        child.join(timeout=30)
    sign = signing_ms()
    print(f"one SP-initiated sign-in, median of {args.runs}:")
    print(f"  new user agent (TLS handshakes)   {cold:7.1f} ms")
    print(f"  warm connections, no cookies      {warm:7.1f} ms   (target <= 25 ms)")
    load = f"sustained, {args.workers} agents, {args.seconds:.0f} s"
    print(f"{load:36s}{rate:7.1f} sign-ins/s (target >= 40)")
    print(f"IdP response build+sign, median     {sign:7.3f} ms   (target <= 2 ms)")


if __name__ == "__main__":
    main()
