"""Enterprise-size directories: a 200,000-user tenant and organization (prints figures).

    python bench/scale.py [--users 200000] [--export 20000] [--runs 30]

One world holds ``--users`` generated Microsoft 365 users (the import candidates) and as many
JumpCloud users, ``--export`` of them on the tenant's export domain. Prints, with its target:
  1. world creation through the world document (seconds);
  2. Graph ``startsWith`` with ``$top=100``: median server time (journal) (target <= 30 ms);
  3. Graph ``$count`` with ``ConsistencyLevel: eventual`` (target <= 50 ms);
  4. JumpCloud filtered list ``department:$eq:Sales`` (target <= 30 ms);
  5. listing every import candidate page by page (``top=999``) (target <= 20 s);
  6. exporting ``--export`` newly bound users with one group binding (target <= 60 s);
  7. lab RSS after loading (target <= 400 MB);
  8. restart from the state directory to every host healthy (target <= 2 s).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import installed_env, rss_mb  # noqa: E402
from harness.clients.consent import authorize_with_user_agent  # noqa: E402
from harness.lab import Lab, LabOptions  # noqa: E402
from simulators.core.httpclient import lab_session  # noqa: E402

PASSWORD = "Scale-Passw0rd!1"
EXPORT_DOMAIN = "export-scale.com"
IMPORT_DOMAIN = "import-scale.com"


def build_world(lab: Lab, users: int, export: int) -> tuple[dict, float]:
    """The world document's two halves, built by each process's systems; seconds taken."""
    ctx = lab.ctx
    admin = lab_session(ctx.ca_file)
    admin.headers["Authorization"] = f"Bearer {ctx.admin_token}"
    doc = {
        "id": "scale",
        "seed": 1,
        "microsoft": {
            "domains": [
                {"name": IMPORT_DOMAIN, "verified": True},
                {"name": EXPORT_DOMAIN, "verified": True},
            ],
            "generate_users": {"count": users, "domain": IMPORT_DOMAIN},
        },
        "jumpcloud": {
            "generate_users": {"count": users - export, "password": PASSWORD},  # + export below
            "office365": {"domains": [EXPORT_DOMAIN]},
        },
    }
    started = time.perf_counter()
    reply = admin.post(ctx.url("login") + "/_lab/worlds", json=doc, timeout=3600)
    reply.raise_for_status()
    return reply.json(), time.perf_counter() - started


def server_median(lab: Lab, host: str, contains: str, runs: int) -> float:
    """Median ``duration_ms`` of the last ``runs`` journal entries whose URL has ``contains``."""
    ctx = lab.ctx
    admin = lab_session(ctx.ca_file)
    admin.headers["Authorization"] = f"Bearer {ctx.admin_token}"
    entries = admin.get(
        ctx.url(host) + "/_lab/journal", params={"host": host, "limit": runs * 3}, timeout=60
    ).json()["entries"]
    found = [e["duration_ms"] for e in entries if contains in e["url"]][-runs:]
    return statistics.median(found)


def graph_queries(lab: Lab, ms: dict, runs: int) -> None:
    ctx = lab.ctx
    session = lab_session(ctx.ca_file)
    token = session.post(
        f"{ctx.url('login')}/{ms['tenant_id']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ms["app"]["client_id"],
            "client_secret": ms["app"]["client_secret"],
            "scope": "https://graph.microsoft.com/.default",
        },
        timeout=60,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    graph = ctx.url("graph") + "/v1.0"
    for _ in range(runs):
        reply = session.get(
            graph + "/users",
            params={"$filter": "startsWith(displayName,'Al')", "$top": "100"},
            timeout=60,
        )
        reply.raise_for_status()
    median = server_median(lab, "graph", "startsWith", runs)
    print(f"Graph startsWith $top=100        {median:8.1f} ms server median (target <= 30)")
    for _ in range(runs):
        reply = session.get(
            graph + "/users/$count", headers={"ConsistencyLevel": "eventual"}, timeout=60
        )
        reply.raise_for_status()
    median = server_median(lab, "graph", "$count", runs)
    print(f"Graph $count (eventual)          {median:8.1f} ms server median (target <= 50);"
          f" count {reply.text}")  # fmt: skip


def jumpcloud_list(lab: Lab, jc: dict, runs: int) -> None:
    ctx = lab.ctx
    session = lab_session(ctx.ca_file)
    session.headers["x-api-key"] = jc["api_key"]
    for _ in range(runs):
        reply = session.get(
            ctx.url("console") + "/api/systemusers",
            params={"limit": 100, "filter": "department:$eq:Sales"},
            timeout=60,
        )
        reply.raise_for_status()
    median = server_median(lab, "console", "department", runs)
    total = reply.json()["totalCount"]
    print(f"JumpCloud filtered list          {median:8.1f} ms server median (target <= 30);"
          f" totalCount {total:,}")  # fmt: skip


def import_candidates(api, base: str, o365: str) -> None:
    started = time.perf_counter()
    listed, token, pages = 0, None, 0
    while True:
        params = {"top": 999, **({"skipToken": token} if token else {})}
        page = api.get(f"{base}/v2/office365s/{o365}/import/users", params=params, timeout=120)
        page.raise_for_status()
        body = page.json()
        listed += len(body["users"])
        pages += 1
        token = body["skipToken"]
        if not token:
            break
    elapsed = time.perf_counter() - started
    print(f"all import candidates            {elapsed:8.1f} s  (target <= 20; {listed:,} in "
          f"{pages} pages)")  # fmt: skip


def export_users(api, base: str, o365: str, count: int) -> None:
    group = api.post(f"{base}/v2/usergroups", json={"name": "scale-export"}, timeout=30).json()
    for i in range(count):
        user = api.post(
            f"{base}/systemusers",
            json={"username": f"exp{i}", "email": f"exp{i}@{EXPORT_DOMAIN}",
                  "firstname": "Exp", "lastname": f"User{i}"},
            timeout=30,
        ).json()  # fmt: skip
        api.post(f"{base}/v2/usergroups/{group['id']}/members",
                 json={"op": "add", "type": "user", "id": user["_id"]}, timeout=30)  # fmt: skip
    started = time.perf_counter()
    reply = api.post(f"{base}/v2/office365s/{o365}/associations",
                     json={"op": "add", "type": "user_group", "id": group["id"]},
                     timeout=3600)  # fmt: skip
    reply.raise_for_status()
    elapsed = time.perf_counter() - started
    print(f"export of newly bound users      {elapsed:8.1f} s  (target <= 60; {count:,} users, "
          f"{count / elapsed:.0f}/s)")  # fmt: skip


def restart_to_healthy(state: Path) -> None:
    """``m365lab up --state-dir`` on the loaded state: seconds to every host healthy."""
    descriptor = state / "lab.json"
    descriptor.unlink(missing_ok=True)
    env = installed_env(PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "up", "--state-dir", str(state), "--port-base",
         "0", "--no-default-world"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not descriptor.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        data = json.loads(descriptor.read_text())
        with lab_session(data["ca_bundle"]) as session:
            for url in data["urls"].values():
                parts = urlsplit(url)
                while time.monotonic() < deadline:
                    try:
                        health = f"{parts.scheme}://{parts.netloc}/_lab/health"
                        if session.get(health, timeout=5).status_code == 200:
                            break
                    except OSError:
                        pass
                    time.sleep(0.01)
        print(f"restart to healthy               {time.perf_counter() - started:8.2f} s  "
              f"(target <= 2)")  # fmt: skip
    finally:
        child.terminate()
        child.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--export", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="m365lab-scale-") as state:
        measure(Path(state), args)
    return 0


def measure(state: Path, args: argparse.Namespace) -> None:
    """Every figure, on a lab whose state lives in ``state`` (restarted from it at the end)."""
    lab = Lab(LabOptions(state_dir=state, port_base=0, default_world=False, threads=16)).start()
    try:
        body, seconds = build_world(lab, args.users, args.export)
        print(f"world of {args.users:,} + {args.users - args.export:,} users   "
              f"{seconds:8.1f} s")  # fmt: skip
        ms, jc = body["microsoft"], body["jumpcloud"]
        graph_queries(lab, ms, args.runs)
        jumpcloud_list(lab, jc, args.runs)
        ctx = lab.ctx
        o365 = jc["office365_id"]
        authorize_with_user_agent(
            {"urls": ctx.topology.urls()}, o365, jc["admin"]["email"], jc["admin"]["password"],
            ms["global_admin"]["upn"], ms["global_admin"]["password"], str(ctx.ca_file),
        )  # fmt: skip
        api = lab_session(ctx.ca_file)
        api.headers["x-api-key"] = jc["api_key"]
        base = ctx.url("console") + "/api"
        import_candidates(api, base, o365)
        export_users(api, base, o365, args.export)
        print(f"lab RSS after loading            {rss_mb(os.getpid()):8.0f} MB (target <= 400)")
    finally:
        lab.stop()
    restart_to_healthy(state)


if __name__ == "__main__":
    sys.exit(main())
