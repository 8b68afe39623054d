"""Helpers shared by the benchmark scripts (timing, RSS, kept-alive HTTPS connections)."""

from __future__ import annotations

import http.client
import os
import ssl
import statistics
import time
from collections.abc import Callable


def installed_env(**extra: str) -> dict[str, str]:
    """The environment for a lab child process that runs as an installed package would:
    bytecode cached (``PYTHONDONTWRITEBYTECODE`` dropped), or each start compiles every module
    again and start-up figures measure the compiler."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found")


def keepalive_connection(url: str, ca_file: str) -> http.client.HTTPSConnection:
    """One persistent TLS connection to the host of ``url``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    context = ssl.create_default_context(cafile=ca_file)
    return http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=context)


def time_requests(
    conn: http.client.HTTPSConnection, path: str, n: int, headers: dict | None = None
) -> list[float]:
    """Wall time of ``n`` sequential GETs on one kept-alive connection (after a warm-up)."""
    samples = []
    for i in range(n + 10):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            raise RuntimeError(f"GET {path} -> {reply.status}")
        if i >= 10:
            samples.append(time.perf_counter() - t0)
    return samples


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - t0)


def tree_rss_mb(pid: int) -> tuple[float, int]:
    """RSS of a process and all its descendants in MiB, and how many processes (Linux /proc)."""
    import os

    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, count, pending = 0.0, 0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += rss_mb(current)
        except (OSError, RuntimeError):
            continue  # gone meanwhile
        count += 1
        pending.extend(children.get(current, []))
    return total, count
