"""The background worker: pushes links whose propagation delay has passed on the lab clock,
and retries pushes that were throttled out."""

from __future__ import annotations

import logging
import threading

from .engine import SyncEngine

log = logging.getLogger("m365lab.jumpcloud.m365")
POLL_SECONDS = 0.25


class Worker:
    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="m365-worker", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.engine.sync_due()
            except Exception:
                log.exception("m365 worker pass failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
