"""Benchmark of the fake Microsoft Graph and Entra token endpoint (prints figures).

    python bench/graph.py [--users 50000] [--samples 200] [--creates 400] [--threads 4]

Measures, on a tenant of ``--users`` generated users:
  1. median server time (journal ``duration_ms``) and client round trip on a kept-alive
     connection of ``GET /v1.0/users?$filter=startsWith(displayName,'Al')&$top=100``
     (target <= 30 ms);
  2. the token endpoint's client-credentials rate (target >= 200/s);
  3. ``POST /v1.0/users`` throughput next to moto's IAM ``CreateUser`` in the same run
     (ratio target >= 1.0).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

QUERY = {"$filter": "startsWith(displayName,'Al')", "$top": "100"}


def _rate(count: int, threads: int, work) -> float:
    """Calls per second of ``work(i)`` run ``count`` times on ``threads`` threads."""
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(count)))
    return count / (time.perf_counter() - start)


class Sessions:
    """One kept-alive session per thread (requests' sessions are not thread-safe)."""

    def __init__(self, ca_file: str) -> None:
        self.ca_file = ca_file
        self.by_thread: dict[int, requests.Session] = {}

    def get(self) -> requests.Session:
        key = threading.get_ident()
        if key not in self.by_thread:
            self.by_thread[key] = lab_session(self.ca_file)
        return self.by_thread[key]


def make_world(lab: Lab, users: int) -> tuple[dict, float]:
    """A generated world through the control plane; seconds taken."""
    ctx = lab.ctx
    admin = lab_session(ctx.ca_file)
    admin.headers["Authorization"] = f"Bearer {ctx.admin_token}"
    t0 = time.perf_counter()
    reply = admin.post(
        ctx.url("login") + "/_lab/worlds",
        json={"id": "bench", "seed": 1, "microsoft": {"generate_users": users}},
        timeout=600,
    )
    reply.raise_for_status()
    return reply.json()["microsoft"], time.perf_counter() - t0


def list_latency(lab: Lab, token: str, samples: int) -> tuple[list[float], list[float]]:
    """Client and server (journal) milliseconds of the filtered user list."""
    ctx = lab.ctx
    graph = lab_session(ctx.ca_file)
    graph.headers["Authorization"] = f"Bearer {token}"
    users_url = ctx.url("graph") + "/v1.0/users"
    for _ in range(5):  # warm up the connection, caches and SQLite pages
        graph.get(users_url, params=QUERY, timeout=30).raise_for_status()
    seq = ctx.journal.stats()["entries"]
    since = ctx.journal.query(limit=1)[-1]["seq"] if seq else 0
    client_ms = []
    for _ in range(samples):
        t = time.perf_counter()
        reply = graph.get(users_url, params=QUERY, timeout=30)
        client_ms.append((time.perf_counter() - t) * 1000)
        assert reply.status_code == 200 and reply.json()["value"], reply.text
    server_ms = [
        e["duration_ms"]
        for e in ctx.journal.query(since=since, host="graph")
        if e.get("method") == "GET"
    ]
    return client_ms, server_ms


def bench_lab(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="m365lab-bench-") as state:
        options = LabOptions(
            state_dir=Path(state), port_base=0, systems=("microsoft",), default_world=False
        )
        return _bench_lab(Lab(options), args)


def _bench_lab(lab: Lab, args) -> dict:
    lab.start()
    try:
        ctx = lab.ctx
        world, world_seconds = make_world(lab, args.users)
        token_url = f"{ctx.url('login')}/{world['tenant_id']}/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": world["app"]["client_id"],
            "client_secret": world["app"]["client_secret"],
            "scope": "https://graph.microsoft.com/.default",
        }
        sessions = Sessions(ctx.ca_file)
        token = sessions.get().post(token_url, data=form, timeout=30).json()["access_token"]
        client_ms, server_ms = list_latency(lab, token, args.samples)

        def get_token(_):
            sessions.get().post(token_url, data=form, timeout=30).raise_for_status()

        _rate(20, args.threads, get_token)
        token_rate = _rate(args.token_requests, args.threads, get_token)
        run = uuid.uuid4().hex[:6]

        def create(i):
            s = sessions.get()
            s.headers["Authorization"] = f"Bearer {token}"
            reply = s.post(
                ctx.url("graph") + "/v1.0/users",
                json={
                    "accountEnabled": True,
                    "displayName": f"Bench {i}",
                    "mailNickname": f"bench{run}{i}",
                    "userPrincipalName": f"bench{run}{i}@{world['initial_domain']}",
                    "passwordProfile": {"password": "Bench-Pass-123"},
                },
                timeout=30,
            )
            assert reply.status_code == 201, reply.text

        create_rate = _rate(args.creates, args.threads, create)
        return {
            "world_seconds": world_seconds,
            "server_median_ms": statistics.median(server_ms),
            "server_p95_ms": statistics.quantiles(server_ms, n=20)[-1],
            "client_median_ms": statistics.median(client_ms),
            "token_rate": token_rate,
            "create_rate": create_rate,
        }
    finally:
        lab.stop()


def bench_moto(args) -> float:
    """IAM CreateUser per second on moto's threaded server (plain HTTP), same concurrency."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per moto request

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        clients: dict[int, object] = {}

        def client():
            import threading

            key = threading.get_ident()
            if key not in clients:
                clients[key] = boto3.client(
                    "iam", endpoint_url=f"http://{host}:{port}", region_name="us-east-1"
                )
            return clients[key]

        run = uuid.uuid4().hex[:6]

        def create(i):
            client().create_user(UserName=f"bench{run}{i}")

        _rate(20, args.threads, lambda i: client().create_user(UserName=f"warm{run}{i}"))
        return _rate(args.creates, args.threads, create)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--token-requests", type=int, default=600)
    parser.add_argument("--creates", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    lab = bench_lab(args)
    moto_rate = bench_moto(args)
    print(f"tenant of {args.users} users created in {lab['world_seconds']:.1f} s")
    print(
        f"GET /users?$filter=startsWith(displayName,'Al')&$top=100: "
        f"server median {lab['server_median_ms']:.1f} ms (p95 {lab['server_p95_ms']:.1f} ms), "
        f"client round trip median {lab['client_median_ms']:.1f} ms   [target <= 30 ms]"
    )
    print(
        f"token endpoint (client credentials, {args.threads} threads): "
        f"{lab['token_rate']:.0f} tokens/s   [target >= 200/s]"
    )
    print(
        f"POST /users: {lab['create_rate']:.0f}/s vs moto IAM CreateUser {moto_rate:.0f}/s "
        f"-> ratio {lab['create_rate'] / moto_rate:.2f}   [target >= 1.0]"
    )


if __name__ == "__main__":
    main()
