"""The live feed: new exchanges (and the journeys they change) as server-sent events.

Exchanges of this process arrive the moment the journal records them (``Journal.wait_newer``);
the other processes of a split lab are polled through their ``/_lab/journal`` every
``REMOTE_POLL_S``. The stream ends when the lab stops, and a comment line every
``KEEPALIVE_S`` keeps proxies from closing it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from simulators.core.context import LabContext
from simulators.core.wire import TransportError

REMOTE_POLL_S = 0.25
PEER_TIMEOUT = 3.0
"""Seconds a call to another lab process may take: a hung peer must not hold a page."""
KEEPALIVE_S = 15.0
LOCAL_WAIT_S = 1.0
SUMMARY_FIELDS = ("seq", "time", "wall_time", "trace", "host", "method", "url", "status",
                  "duration_ms")  # fmt: skip


def sse(event: str, data: object, event_id: str | None = None) -> str:
    """One server-sent event."""
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in json.dumps(data).splitlines()]
    return "\n".join(lines) + "\n\n"


def summary(entry: dict) -> dict:
    """The fields a timeline row shows."""
    return {k: entry.get(k) for k in SUMMARY_FIELDS}


@dataclass
class Cursor:
    """Where a listener is in each process' journal (process id -> last sequence number)."""

    local: int
    remote: dict[str, int] = field(default_factory=dict)


class Feed:
    """New exchanges of every process of the lab, in arrival order."""

    def __init__(self, ctx: LabContext, remote_hosts: Callable[[], dict[str, str]]) -> None:
        self.ctx = ctx
        self.remote_hosts = remote_hosts
        """process id -> one of its hosts, for the processes other than this one"""

    def cursor(self) -> Cursor:
        """A cursor at the newest exchange: a listener sees only what happens next."""
        return Cursor(self.ctx.journal.last_seq)

    def _remote(self, cursor: Cursor) -> list[dict]:
        out: list[dict] = []
        for process, host in self.remote_hosts().items():
            since = cursor.remote.get(process)
            params = {"since": since} if since is not None else {"limit": 1}
            try:
                reply = self.ctx.http(PEER_TIMEOUT).request(
                    "GET",
                    self.ctx.url(host) + "/_lab/journal",
                    params=params,
                    headers={"Authorization": f"Bearer {self.ctx.admin_token}"},
                )
                entries = reply.json()["entries"] if reply.status == 200 else []
            except (TransportError, ValueError, KeyError):
                continue
            if entries:
                cursor.remote[process] = entries[-1]["seq"]
            if since is not None:  # the first poll only finds where "now" is
                out += entries
        return out

    def next_batch(self, cursor: Cursor, wait: float) -> list[dict]:
        """Exchanges after ``cursor`` (advancing it), waiting up to ``wait`` seconds for one."""
        journal = self.ctx.journal
        remote = self.remote_hosts()
        newest = journal.wait_newer(cursor.local, REMOTE_POLL_S if remote else wait)
        batch: list[dict] = []
        if newest > cursor.local:
            batch = journal.query(since=cursor.local)
            cursor.local = newest
        if remote:
            batch += self._remote(cursor)
        return [e for e in batch if e.get("host") != "dashboard"]


def stream(
    feed: Feed,
    journeys: Callable[[], list[dict]] | None,
    stopping: Callable[[], bool],
) -> Iterator[str]:
    """The ``/events`` body: ``exchange`` events, and ``journeys`` when the list changed."""
    cursor = feed.cursor()
    yield "retry: 1000\n\n"
    shown = journeys() if journeys else None
    quiet_since = time.monotonic()
    while not stopping():
        batch = feed.next_batch(cursor, LOCAL_WAIT_S)
        for entry in batch:
            yield sse("exchange", summary(entry), str(entry.get("seq")))
        if batch and journeys is not None:
            listed = journeys()
            if listed != shown:
                shown = listed
                yield sse("journeys", listed)
        if batch:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
