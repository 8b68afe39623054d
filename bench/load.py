"""Mixed load: concurrent clients of Graph, JumpCloud, the token endpoint and federated sign-in.

    python bench/load.py [--clients 16] [--seconds 60] [--layout both|one|split]
                         [--until-full SECONDS]

The lab runs apart from this script, in the two layouts of ``bench/sso.py``: ``one process``
(``m365lab up``) and ``split`` (``m365lab up --split``), each with the standard federated
world. Every client is a thread with its own kept-alive connections; each loops over the
operations in turn:

  graph.users      GET /v1.0/users?$top=20 (an app token, client credentials)
  graph.user       GET /v1.0/users/{upn}
  token            POST /{tenant}/oauth2/v2.0/token (client credentials)
  jumpcloud.users  GET /api/systemusers?limit=10 (x-api-key)
  jumpcloud.groups GET /api/v2/usergroups
  signin           portal → Microsoft → JumpCloud → assertion → portal, a fresh browser

Prints per layout: throughput, p50/p99 per operation, errors by status (target: 0 errors,
0 5xx), and the lab's RSS (its process and children) before and after the load (target: growth
<= the journal's byte cap + 30 MB, per process: each process of the split lab keeps a journal),
with each process' journal fill. ``--until-full`` keeps the load on until every busy journal is
at its cap (entries or bytes), so the RSS growth shown is the bounded steady state.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import tree_rss_mb
from bench.sso import Served, Target, fresh_browser, one_process_lab, split_lab
from harness.lab.federation import graph_token
from harness.testkit import Person, portal_signin
from simulators.core.httpclient import lab_session
from simulators.core.journal import Journal

JOURNAL_CAP_MB = Journal().max_bytes / 1024 / 1024


class Client:
    """One concurrent user of the lab: its own sessions, token and browser."""

    def __init__(self, served: Served) -> None:
        self.served = served
        microsoft, jumpcloud = served.sections["microsoft"], served.sections["jumpcloud"]
        self.app = microsoft["app"]
        self.tenant = microsoft["tenant_id"]
        self.http = lab_session(served.ca)
        self.token = graph_token(
            self.http,
            served.urls["login"],
            self.tenant,
            self.app["client_id"],
            self.app["client_secret"],
        )
        self.graph = lab_session(served.ca)
        self.graph.headers["Authorization"] = f"Bearer {self.token}"
        self.jc = lab_session(served.ca)
        self.jc.headers["x-api-key"] = jumpcloud["api_key"]
        self.target = Target(served.urls, served.ca)
        self.agent = self.target.agent()
        self.person = Person("alice", served.email, served.password)

    def operations(self) -> list[tuple[str, Callable[[], int]]]:
        urls = self.served.urls
        graph, console = urls["graph"] + "/v1.0", urls["console"]

        def get(session, url: str) -> Callable[[], int]:
            return lambda: session.get(url, timeout=30).status_code

        def token() -> int:
            data = {
                "grant_type": "client_credentials",
                "client_id": self.app["client_id"],
                "client_secret": self.app["client_secret"],
                "scope": "https://graph.microsoft.com/.default",
            }
            url = f"{urls['login']}/{self.tenant}/oauth2/v2.0/token"
            return self.http.post(url, data=data, timeout=30).status_code

        def signin() -> int:
            page = portal_signin(self.target, self.person, fresh_browser(self.agent))
            return 200 if page.page_id == "portal.signedin" else page.status or 599

        return [
            ("graph.users", get(self.graph, f"{graph}/users?$top=20")),
            ("graph.user", get(self.graph, f"{graph}/users/{self.served.email}")),
            ("token", token),
            ("jumpcloud.users", get(self.jc, f"{console}/api/systemusers?limit=10")),
            ("jumpcloud.groups", get(self.jc, f"{console}/api/v2/usergroups")),
            ("signin", signin),
        ]


class Tally:
    """Latencies and statuses per operation, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter[tuple[str, str]] = collections.Counter()

    def merge(self, other: Tally) -> None:
        with self.lock:
            for name, samples in other.seconds.items():
                self.seconds[name] += samples
            self.errors.update(other.errors)

    def add(self, name: str, elapsed: float, status: int | str) -> None:
        with self.lock:
            self.seconds[name].append(elapsed)
            if not (isinstance(status, int) and 200 <= status < 400):
                self.errors[(name, str(status))] += 1


def run_load(served: Served, clients: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    workers = [Client(served) for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def work(client: Client, offset: int) -> None:
        ops = client.operations()
        i = offset
        while time.perf_counter() < deadline:
            name, call = ops[i % len(ops)]
            i += 1
            t0 = time.perf_counter()
            try:
                status: int | str = call()
            except Exception as exc:  # a refused or reset connection is an error to count
                status = type(exc).__name__
            tally.add(name, time.perf_counter() - t0, status)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - t0


def journals(served: Served) -> dict[str, dict]:
    """Each lab process' journal figures (entries, bytes, caps), by process id."""
    found: dict[str, dict] = {}
    with lab_session(served.ca) as http:
        http.headers["Authorization"] = f"Bearer {served.admin_token}"
        for host in ("login", "console"):  # the hosts the load reaches
            state = http.get(served.urls[host] + "/_lab/state", timeout=30).json()
            found[state["process"]] = state["journal"]
    return found


def full(journal: dict) -> bool:
    """At a cap: the journal drops its oldest entries from now on, so its memory stops growing."""
    return (
        journal["entries"] >= journal["max_entries"]
        or journal["bytes"] >= 0.95 * journal["max_bytes"]
    )


def fill_journals(served: Served, clients: int, tally: Tally, limit: float) -> float:
    """More of the same load until every process that serves it has a full journal."""
    spent, deadline = 0.0, time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = [j for j in journals(served).values() if j["entries"] > 1000]
        if busy and all(full(j) for j in busy):
            break
        more, wall = run_load(served, clients, 30.0)
        tally.merge(more)
        spent += wall
    return spent


def percentile(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def report(
    name: str,
    tally: Tally,
    wall: float,
    rss: tuple[float, float, int],
    clients: int,
    filled: dict[str, dict],
) -> None:
    total = sum(len(v) for v in tally.seconds.values())
    print(f"\n== {name}: {clients} clients, {wall:.0f} s, {total / wall:.1f} requests/s in all")
    print(f"{'operation':18s}{'count':>8s}{'per s':>9s}{'p50 ms':>9s}{'p99 ms':>9s}")
    for op, samples in sorted(tally.seconds.items()):
        p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
        print(f"{op:18s}{len(samples):8d}{len(samples) / wall:9.1f}{p50:9.1f}{p99:9.1f}")
    errors = sum(tally.errors.values())
    five = sum(n for (_, status), n in tally.errors.items() if status.startswith("5"))
    print(f"errors: {errors} (5xx: {five})  (target: 0 and 0)")
    for (op, status), n in sorted(tally.errors.items()):
        print(f"  {op} {status}: {n}")
    before, after, processes = rss
    limit = (JOURNAL_CAP_MB + 30) * processes
    print(
        f"lab RSS ({processes} processes): {before:.0f} MB before, {after:.0f} MB after, "
        f"growth {after - before:.0f} MB  (target <= {limit:.0f} MB: the journal's cap + 30 MB"
        " per process)"
    )
    for process, journal in filled.items():
        mb = journal["bytes"] / 1024 / 1024
        print(
            f"  journal {process[:8]}: {journal['entries']}/{journal['max_entries']} entries, "
            f"{mb:.1f}/{journal['max_bytes'] / 1024 / 1024:.0f} MB"
            + ("  (full)" if full(journal) else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--layout", choices=("both", "one", "split"), default="both")
    parser.add_argument(
        "--until-full",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="after the timed run, keep the load on (up to SECONDS) until every busy process'"
        " journal is at its cap, so the RSS figure is the bounded steady state",
    )
    args = parser.parse_args()
    layouts = {"one process": one_process_lab, "split": split_lab}
    for name, layout in layouts.items():
        if args.layout != "both" and not name.startswith(args.layout):
            continue
        with layout() as served:
            before, processes = tree_rss_mb(served.pid)
            tally, wall = run_load(served, args.clients, args.seconds)
            if args.until_full:
                wall += fill_journals(served, args.clients, tally, args.until_full)
            after, _ = tree_rss_mb(served.pid)
            filled = journals(served)
        report(name, tally, wall, (before, after, processes), args.clients, filled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
