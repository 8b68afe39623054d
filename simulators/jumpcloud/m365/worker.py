"""The background worker: pushes links whose propagation delay has passed on the lab clock,
retries pushes that were throttled out, and lets the clock watch push what time alone changed."""

from __future__ import annotations

import logging
import threading

from .clockwatch import ClockWatch
from .engine import SyncEngine

log = logging.getLogger("m365lab.jumpcloud.m365")
POLL_SECONDS = 0.25


class Worker:
    def __init__(self, engine: SyncEngine, watch: ClockWatch) -> None:
        self.engine = engine
        self.watch = watch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="m365-worker", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.watch.check()
                self.engine.sync_due()
            except Exception:
                log.exception("m365 worker pass failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
