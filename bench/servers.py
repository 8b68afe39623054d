"""The two WSGI server candidates side by side: cheroot and werkzeug, same app, same TLS.

Prints median `/_lab/health` latency on a kept-alive connection and requests per second from
4 concurrent kept-alive clients, for each engine.

    python bench/servers.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import keepalive_connection, median_ms, time_requests

from harness.lab import Lab, LabOptions


def concurrent_rate(url: str, ca: str, clients: int, seconds: float) -> float:
    counts = [0] * clients
    stop_at = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = keepalive_connection(url, ca)
        while time.perf_counter() < stop_at:
            conn.request("GET", "/_lab/health")
            conn.getresponse().read()
            counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(f"{'engine':10} {'median health (ms)':>20} {'req/s, 4 clients':>18}")
    for engine in ("cheroot", "werkzeug"):
        options = LabOptions(
            port_base=0, systems=("dashboard",), engine=engine, default_world=False
        )
        with Lab(options) as lab:
            url, ca = lab.ctx.url("dashboard"), str(lab.ctx.ca_file)
            conn = keepalive_connection(url, ca)
            latency = median_ms(time_requests(conn, "/_lab/health", 500))
            conn.close()
            rps = concurrent_rate(url, ca, 4, args.seconds)
        print(f"{engine:10} {latency:>20.3f} {rps:>18.0f}")


if __name__ == "__main__":
    main()
