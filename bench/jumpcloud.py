"""JumpCloud admin API figures on an organization of 50,000 users.

1. Median server time (lab journal ``duration_ms``) and client time of
   ``GET /api/systemusers?limit=100&filter=department:$eq:Sales`` (target <= 30 ms).
2. v1 ``POST /api/systemusers`` throughput, side by side with moto's IAM ``CreateUser`` on a
   ``ThreadedMotoServer`` in the same run (both sequential, keep-alive, raw requests), printed
   as a ratio (target >= 1.0).

Run: ``python bench/jumpcloud.py [--users 50000] [--queries 50] [--creates 500]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

import requests

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

QUERY = "/api/systemusers?limit=100&filter=department:$eq:Sales"


def seed(lab: Lab, users: int) -> dict:
    ctx = lab.ctx
    session = lab_session(ctx.ca_file)
    started = time.perf_counter()
    reply = session.post(
        ctx.url("console") + "/_lab/worlds",
        json={"id": "bench", "seed": 1, "jumpcloud": {"generate_users": users}},
        headers={"Authorization": f"Bearer {ctx.admin_token}"},
        timeout=600,
    )
    reply.raise_for_status()
    print(f"seeded {users:,} users in {time.perf_counter() - started:.1f} s")
    return reply.json()["jumpcloud"]


def bench_query(lab: Lab, world: dict, runs: int) -> None:
    ctx = lab.ctx
    session = lab_session(ctx.ca_file)
    headers = {"x-api-key": world["api_key"]}
    client_ms, app_ms = [], []
    for _ in range(runs):
        started = time.perf_counter()
        reply = session.get(ctx.url("console") + QUERY, headers=headers, timeout=60)
        client_ms.append((time.perf_counter() - started) * 1000)
        reply.raise_for_status()
        app_ms.append(float(reply.headers["Server-Timing"].split("dur=")[1]))
    body = reply.json()
    journal = session.get(
        ctx.url("console") + "/_lab/journal",
        params={"host": "console", "limit": runs * 2},
        headers={"Authorization": f"Bearer {ctx.admin_token}"},
        timeout=60,
    ).json()["entries"]
    server_ms = [e["duration_ms"] for e in journal if "department" in e["url"]][-runs:]
    print(
        f"GET {QUERY}: totalCount={body['totalCount']:,}, page={len(body['results'])}; "
        f"median server: JumpCloud app {statistics.median(app_ms):.1f} ms (Server-Timing), "
        f"whole request incl. core journaling {statistics.median(server_ms):.1f} ms; "
        f"median client {statistics.median(client_ms):.1f} ms (target <= 30 ms)"
    )


def jumpcloud_creates(lab: Lab, world: dict, count: int) -> float:
    session = lab_session(lab.ctx.ca_file)
    url = lab.ctx.url("console") + "/api/systemusers"
    headers = {"x-api-key": world["api_key"]}
    started = time.perf_counter()
    for n in range(count):
        reply = session.post(
            url,
            json={"username": f"bench{n}", "email": f"bench{n}@bench.example",
                  "firstname": "Bench", "lastname": str(n), "password": "Bench-Passw0rd!"},
            headers=headers,
            timeout=30,
        )  # fmt: skip
        if reply.status_code != 200:
            raise SystemExit(f"create failed: {reply.status_code} {reply.text}")
    return count / (time.perf_counter() - started)


def moto_creates(count: int) -> float:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        session = requests.Session()
        session.trust_env = False
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/iam/"
            "aws4_request, SignedHeaders=host, Signature=0",
        }
        started = time.perf_counter()
        for n in range(count):
            reply = session.post(
                f"http://{host}:{port}/",
                data={"Action": "CreateUser", "Version": "2010-05-08", "UserName": f"bench{n}"},
                headers=headers,
                timeout=30,
            )
            if reply.status_code != 200:
                raise SystemExit(f"moto create failed: {reply.status_code} {reply.text[:200]}")
        return count / (time.perf_counter() - started)
    finally:
        server.stop()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--creates", type=int, default=500)
    args = parser.parse_args()
    lab = Lab(LabOptions(port_base=0, systems=("jumpcloud",), default_world=False)).start()
    try:
        world = seed(lab, args.users)
        bench_query(lab, world, args.queries)
        jc_rate = jumpcloud_creates(lab, world, args.creates)
    finally:
        lab.stop()
    moto_rate = moto_creates(args.creates)
    print(
        f"v1 create: JumpCloud {jc_rate:.0f}/s (HTTPS) vs moto IAM CreateUser {moto_rate:.0f}/s "
        f"(HTTP) -> ratio {jc_rate / moto_rate:.2f} (target >= 1.0)"
    )


if __name__ == "__main__":
    main()
