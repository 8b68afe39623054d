"""Microsoft 365 directory integration figures (JumpCloud engine → Graph over HTTPS).

1. Export: time for one ``POST /api/v2/office365s/{id}/associations`` binding a user group of
   2,000 new users (every user matched by email, then created in Entra with its immutable ID,
   before the request returns) — target <= 30 s.
2. Import: time to list 10,000 import candidates through
   ``GET /api/v2/office365s/{id}/import/users`` page by page (``top=999``) — target <= 5 s.

Each figure comes with the number of Graph requests the engine made (its own counter).

Run: ``python bench/sync.py [--export 2000] [--candidates 10000]``.
"""

from __future__ import annotations

import argparse
import logging
import time

from harness.clients.consent import authorize_with_user_agent
from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

PASSWORD = "Bench-Passw0rd!1"


def world(lab: Lab, export: int, candidates: int) -> dict:
    ctx = lab.ctx
    admin = lab_session(ctx.ca_file)
    admin.headers["Authorization"] = f"Bearer {ctx.admin_token}"
    doc = {
        "id": "syncbench",
        "seed": 1,
        "microsoft": {
            "domains": [
                {"name": "import-bench.com", "verified": True},
                {"name": "export-bench.com", "verified": True},
            ],
            "generate_users": {"count": candidates - 1, "domain": "import-bench.com"},
        },
        "jumpcloud": {
            "generate_users": {"count": export, "domain": "export-bench.com", "password": PASSWORD},
            "office365": {"domains": ["export-bench.com"]},
        },
    }
    started = time.perf_counter()
    body: dict = {}
    for host in ("console", "login"):  # each process builds the halves of its systems
        if "microsoft" in body:
            break
        reply = admin.post(f"{ctx.url(host)}/_lab/worlds", json=doc, timeout=900)
        reply.raise_for_status()
        body.update(reply.json())
    print(f"seeded {candidates:,} Microsoft and {export:,} JumpCloud users "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=10000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    lab = Lab(LabOptions(port_base=0, systems=("microsoft", "jumpcloud"), default_world=False,
                         threads=16)).start()  # fmt: skip
    try:
        ctx = lab.ctx
        found = world(lab, args.export, args.candidates)
        ms, jc = found["microsoft"], found["jumpcloud"]
        o365 = jc["office365_id"]
        authorize_with_user_agent(
            {"urls": ctx.topology.urls()}, o365, jc["admin"]["email"], jc["admin"]["password"],
            ms["global_admin"]["upn"], ms["global_admin"]["password"], str(ctx.ca_file),
        )  # fmt: skip
        api = lab_session(ctx.ca_file)
        api.headers["x-api-key"] = jc["api_key"]
        base = ctx.url("console") + "/api"
        engine = lab.sync_engine()

        before = engine.counter.total
        started = time.perf_counter()
        listed, token, pages = 0, None, 0
        while True:
            params = {"top": 999, **({"skipToken": token} if token else {})}
            page = api.get(f"{base}/v2/office365s/{o365}/import/users", params=params, timeout=60)
            page.raise_for_status()
            body = page.json()
            listed += len(body["users"])
            pages += 1
            token = body["skipToken"]
            if not token:
                break
        elapsed = time.perf_counter() - started
        print(f"listing {listed:,} import candidates ({pages} pages of 999): {elapsed:.2f} s "
              f"(target <= 5 s), {engine.counter.total - before:,} Graph requests")  # fmt: skip
        group = api.post(f"{base}/v2/usergroups", json={"name": "m365-bench"}, timeout=30).json()
        users, skip = [], 0
        while len(users) < args.export:
            page = api.get(f"{base}/systemusers", params={"limit": 100, "skip": skip}, timeout=30)
            batch = page.json()["results"]
            if not batch:
                break
            users += [u["_id"] for u in batch]
            skip += len(batch)
        for user_id in users:
            api.post(f"{base}/v2/usergroups/{group['id']}/members",
                     json={"op": "add", "type": "user", "id": user_id}, timeout=30)  # fmt: skip

        before = engine.counter.total
        by_method = engine.counter.snapshot()
        started = time.perf_counter()
        reply = api.post(f"{base}/v2/office365s/{o365}/associations",
                         json={"op": "add", "type": "user_group", "id": group["id"]},
                         timeout=600)  # fmt: skip
        elapsed = time.perf_counter() - started
        reply.raise_for_status()
        params = {"syncStatus": "true", "limit": 100}
        statuses = api.get(f"{base}/v2/office365s/{o365}/users", params=params, timeout=60).json()
        synced = sum(1 for s in statuses if (s.get("syncStatus") or {}).get("code") == 200)
        print(f"export of {len(users):,} newly bound users: {elapsed:.1f} s "
              f"(target <= 30 s), {engine.counter.total - before:,} Graph requests "
              f"({len(users) / elapsed:.0f} users/s; first page of statuses: {synced}/"
              f"{len(statuses)} synced)")  # fmt: skip
        after = engine.counter.snapshot()
        print("  by method: " + ", ".join(
            f"{m} {after[m] - by_method.get(m, 0):,}" for m in sorted(after)))  # fmt: skip

    finally:
        lab.stop()


if __name__ == "__main__":
    main()
