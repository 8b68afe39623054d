"""Rules of the ``/_lab`` control plane, without Flask: access, clock, faults, journal, worlds.

``simulators.core.control`` only parses requests, calls ``LabControl`` and renders its outcomes.
"""

from __future__ import annotations

import enum
import hmac
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from simulators.core.context import LabContext, System

WORLD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class Access(enum.Enum):
    """What an ``Authorization`` header is worth on the control plane."""

    GRANTED = "granted"
    MISSING = "missing"
    INVALID = "invalid"


@dataclass(frozen=True)
class Refused:
    """A request the control plane turns down: ``status``, error ``code`` and ``message``."""

    status: int
    code: str
    message: str


def bad_request(message: str) -> Refused:
    return Refused(400, "BadRequest", message)


def check_access(header: str, admin_token: str) -> Access:
    """``Authorization: Bearer <admin_token>``; the token is compared in constant time."""
    if not header:
        return Access.MISSING
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), admin_token.encode()
    ):
        return Access.INVALID
    return Access.GRANTED


@dataclass(frozen=True)
class JournalQuery:
    """The filters of ``GET /_lab/journal``."""

    trace: str | None = None
    since: int | None = None
    host: str | None = None
    limit: int | None = None

    @classmethod
    def parse(
        cls, trace: str | None, since: str | None, host: str | None, limit: str | None
    ) -> JournalQuery | Refused:
        """From query-string values (empty means absent); ``since`` and ``limit`` are integers."""
        try:
            since_n = int(since) if since else None
            limit_n = int(limit) if limit else None
        except ValueError:
            return bad_request("since and limit must be integers")
        return cls(trace or None, since_n, host or None, limit_n)


def world_id_of(doc: object) -> str | Refused:
    """The id of a world document (a fresh one when it names none), or why it is refused."""
    if not isinstance(doc, dict):
        return bad_request("body must be a JSON object (a world document)")
    world_id = doc.get("id") or uuid.uuid4().hex[:12]
    if not isinstance(world_id, str) or not WORLD_ID.match(world_id):
        return bad_request("id must be 1-64 letters, digits, '-' or '_'")
    return world_id


class LabControl:
    """The control plane of one host: it acts on every system of the process."""

    def __init__(self, host: str, ctx: LabContext, systems: Sequence[System]) -> None:
        self.host = host
        self.ctx = ctx
        self.systems = tuple(systems)

    def access(self, header: str) -> Access:
        return check_access(header, self.ctx.admin_token)

    def system_names(self) -> list[str]:
        return [s.name for s in self.systems]

    def health(self) -> dict:
        return {
            "status": "ok",
            "host": self.host,
            "systems": self.system_names(),
            "process": self.ctx.instance_id,
            "time": self.ctx.clock.state()["now"],
        }

    def reset(self) -> dict:
        """Every system emptied, the journal, clock and fault rules back to their start."""
        for system in self.systems:
            system.reset()
        self.ctx.journal.clear()
        self.ctx.clock.reset()
        self.ctx.faults.clear()
        return {"status": "reset", "systems": self.system_names()}

    def state(self) -> dict:
        ctx = self.ctx
        return {
            "process": ctx.instance_id,
            "host": self.host,
            "clock": ctx.clock.state(),
            "journal": ctx.journal.stats(),
            "faults": ctx.faults.describe(),
            "systems": {s.name: s.state() for s in self.systems},
        }

    def journal(self, query: JournalQuery) -> dict:
        ctx = self.ctx
        entries = ctx.journal.query(
            trace=query.trace, since=query.since, host=query.host, limit=query.limit
        )
        return {"process": ctx.instance_id, "entries": entries, "stats": ctx.journal.stats()}

    def set_clock(self, body: object) -> dict | Refused:
        """Apply a clock change (the clock checks fields and ranges); the new clock state."""
        try:
            self.ctx.clock.apply(body)
        except ValueError as exc:
            return bad_request(str(exc))
        return self.ctx.clock.state()

    def set_faults(self, body: object) -> list[dict] | Refused:
        """Replace the fault rules; the rules now in force."""
        try:
            return self.ctx.faults.replace(body)
        except (ValueError, TypeError) as exc:
            return bad_request(str(exc))

    def create_world(self, doc: object) -> dict | Refused:
        """Each system's half of a new world; a system that refuses rolls back every half."""
        world_id = world_id_of(doc)
        if isinstance(world_id, Refused):
            return world_id
        assert isinstance(doc, dict)
        result: dict = {"id": world_id, "process": self.ctx.instance_id}
        try:
            for system in self.systems:
                result[system.name] = system.create_world(world_id, doc)
        except ValueError as exc:
            for system in self.systems:
                system.delete_world(world_id)
            return bad_request(str(exc))
        return result

    def delete_world(self, world_id: str) -> Refused | None:
        """Every system's half of the world gone; refused when no system knew it."""
        found = [system.delete_world(world_id) for system in self.systems]
        if not any(found):
            return Refused(404, "NotFound", f"no world {world_id!r} in this lab")
        return None
