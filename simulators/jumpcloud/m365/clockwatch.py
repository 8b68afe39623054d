"""Lockouts and password expiries that start or end with time alone.

No model event marks the moment a JumpCloud lockout runs out (``lockoutTimeInSeconds``) or a
password passes its expiration date. The watch remembers the lab time it last looked at; each
time it looks again — on every worker pass and right after ``PUT /_lab/clock`` (a clock
subscription) — it asks the model which users' state flipped in between (in either direction:
a clock moved back un-expires) and pushes those that are bound to an instance whose
``userLockoutAction`` / ``userPasswordExpirationAction`` is ``suspend``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from simulators.jumpcloud.model.errors import JumpCloudError

from .engine import SyncEngine
from .links import BOUND

log = logging.getLogger("m365lab.jumpcloud.m365")
SUSPEND = "suspend"


class ClockWatch:
    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine
        self._seen: dt.datetime | None = None
        self._lock = threading.Lock()

    def check(self) -> int:
        """Push the bound users whose lock or expiry state flipped since the last look."""
        with self._lock:  # one look at a time, so no window is skipped or read twice
            now = self.engine.ctx.clock.now()
            seen, self._seen = self._seen, now
            if seen is None or seen == now:
                return 0
            pushed = 0
            for org_id, office365_id in self.engine.settings.instances():
                try:
                    pushed += self._check_instance(org_id, office365_id, seen, now)
                except Exception:  # one instance's trouble must not hide the others' flips
                    log.exception("m365 time check of %s failed", office365_id)
            return pushed

    def _check_instance(
        self, org_id: str, office365_id: str, seen: dt.datetime, now: dt.datetime
    ) -> int:
        try:
            return self._flips(org_id, office365_id, seen, now)
        except JumpCloudError as exc:  # gone with its world (deleted meanwhile): nothing to push
            log.debug("m365 time check of %s skipped: %s", office365_id, exc)
            return 0

    def _flips(self, org_id: str, office365_id: str, seen: dt.datetime, now: dt.datetime) -> int:
        model = self.engine.model
        instance = model.office365.get(org_id, office365_id)
        lockout = instance["userLockoutAction"] == SUSPEND
        expiry = instance["userPasswordExpirationAction"] == SUSPEND
        if not (lockout or expiry):
            return 0
        flipped = model.users.time_flips(org_id, seen, now, lockout=lockout, expiry=expiry)
        links = self.engine.links.many(office365_id, flipped)
        bound = [user_id for user_id, link in links.items() if link.state == BOUND]
        if bound:
            self.engine.touch(org_id, office365_id, bound, only_existing=True)
        return len(bound)
