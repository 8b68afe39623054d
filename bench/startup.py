"""Start-up time, idle memory and control-plane latency of a whole lab.

Prints: median time from `m365lab up` to every host healthy (CA already made, and first start
with a new CA), idle RSS of the lab process, and median `/_lab/health` latency on a kept-alive
TLS connection. Targets: <= 1.5 s, <= 3 s, <= 120 MB, <= 2 ms.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import keepalive_connection, median_ms, rss_mb, time_requests


def start_once(cache_dir: Path, default_world: bool) -> tuple[float, subprocess.Popen, dict]:
    state = Path(tempfile.mkdtemp(prefix="m365lab-bench-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_dir), "XDG_STATE_HOME": str(state / "x")}
    args = [
        sys.executable,
        "-m",
        "harness.cli",
        "up",
        "--port-base",
        "0",
        "--state-dir",
        str(state),
    ]
    if not default_world:
        args.append("--no-default-world")
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    lab_json = state / "lab.json"
    while not lab_json.exists():
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode())
        time.sleep(0.005)
    time.sleep(0.005)
    desc = json.loads(lab_json.read_text())
    session = requests.Session()
    session.trust_env = False
    session.verify = desc["ca_bundle"]
    for url in desc["urls"].values():
        base = url.removesuffix("/v1.0")
        session.get(base + "/_lab/health", timeout=5).raise_for_status()
    return time.perf_counter() - t0, proc, desc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-default-world", action="store_true")
    args = parser.parse_args()
    world = not args.no_default_world
    warm_cache = Path(tempfile.mkdtemp(prefix="m365lab-ca-"))
    warm, cold, rss, health = [], [], [], []
    for i in range(args.runs):
        cold_cache = Path(tempfile.mkdtemp(prefix="m365lab-ca-cold-"))
        seconds, proc, _ = start_once(cold_cache, world)
        cold.append(seconds)
        stop(proc)
        if i == 0:
            _, proc, _ = start_once(warm_cache, world)  # make the warm CA once
            stop(proc)
        seconds, proc, desc = start_once(warm_cache, world)
        warm.append(seconds)
        time.sleep(1.0)
        rss.append(rss_mb(proc.pid))
        conn = keepalive_connection(desc["urls"]["login"], desc["ca_bundle"])
        health += time_requests(conn, "/_lab/health", 200)
        conn.close()
        stop(proc)
    print(f"runs: {args.runs} (default world: {'yes' if world else 'no'})")
    print(
        f"start to all hosts healthy, CA already made: median {statistics.median(warm):.3f} s"
        "  (target <= 1.5 s)"
    )
    print(
        f"start to all hosts healthy, first start:     median {statistics.median(cold):.3f} s"
        "  (target <= 3 s)"
    )
    print(
        f"idle RSS of the lab process:                 median {statistics.median(rss):.1f} MB"
        "  (target <= 120 MB)"
    )
    print(
        f"/_lab/health on a kept-alive TLS connection: median {median_ms(health):.3f} ms"
        "  (target <= 2 ms)"
    )


if __name__ == "__main__":
    main()
