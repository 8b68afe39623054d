"""Isolated worlds: a tenant plus an organization, seeded and joined through public APIs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulators.core.context import System

if TYPE_CHECKING:
    from harness.descriptor import LabClient
    from harness.lab import Lab


class WorldError(Exception):
    """The lab refused a world document; the message is the lab's."""


@dataclass
class World:
    """One isolated world: its id and what each system returned (ids, credentials, people)."""

    id: str
    client: LabClient
    sections: dict = field(default_factory=dict)

    @property
    def microsoft(self) -> dict:
        return self.sections.get("microsoft", {})

    @property
    def jumpcloud(self) -> dict:
        return self.sections.get("jumpcloud", {})

    def delete(self) -> None:
        for host in self.client.processes().values():
            self.client.call("DELETE", host, f"/_lab/worlds/{self.id}")


def create_world(client: LabClient, doc: dict) -> World:
    """Create a world from a seed document in every lab process (each system takes its half)."""
    doc = dict(doc)
    doc.setdefault("id", "w" + uuid.uuid4().hex[:11])
    world = World(doc["id"], client)
    try:
        for host in client.processes().values():
            reply = client.call("POST", host, "/_lab/worlds", json=doc)
            if reply.status_code != 201:
                try:
                    message = reply.json()["error"]["message"]
                except (ValueError, KeyError, TypeError):
                    message = reply.text[:500]
                raise WorldError(f"world {doc['id']}: {message}")
            body = reply.json()
            world.sections.update({k: v for k, v in body.items() if k not in {"id", "process"}})
    except BaseException:
        world.delete()
        raise
    return world


def _implements_worlds(system: System) -> bool:
    return type(system).create_world is not System.create_world


def can_build_default(lab: Lab) -> bool:
    """The default world needs both the Microsoft and the JumpCloud system in this process."""
    names = {s.name for s in lab.systems if _implements_worlds(s)}
    return {"microsoft", "jumpcloud"} <= names


def build_default_world(lab: Lab) -> dict:
    """Create the default world (README: The default world) and return its lab.json sections."""
    from harness.default_world import build

    assert lab.ctx is not None
    return build(lab.descriptor(), lab.ctx.seed)
