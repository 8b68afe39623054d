"""Isolated worlds: a tenant plus an organization, seeded and joined through public APIs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from harness.errors import WorldError
from harness.lab.descriptor import LabClient


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

    @property
    def tenant_id(self) -> str:
        return self.microsoft.get("tenant_id", "")

    @property
    def org_id(self) -> str:
        return self.jumpcloud.get("org_id", "")

    @property
    def domains(self) -> list[str]:
        """The tenant's domain names (the initial one included)."""
        return [d if isinstance(d, str) else d.get("name", d.get("id", ""))
                for d in self.microsoft.get("domains", [])]  # fmt: skip

    @property
    def people(self) -> list[dict]:
        """The people the world document seeded (the default world lists them)."""
        return self.sections.get("people", [])

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
