"""Rules of the ``/_lab`` control plane, without a server: access, journal filters, worlds."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.core.context import LabContext, System
from simulators.core.labcontrol import (
    Access,
    JournalQuery,
    LabControl,
    Refused,
    check_access,
    world_id_of,
)
from simulators.core.topology import Topology


class Recorder(System):
    """A system that keeps its worlds in a set; ``refuse`` makes world creation fail."""

    def __init__(self, ctx: LabContext, name: str, refuse: bool = False) -> None:
        super().__init__(ctx)
        self.name = name  # type: ignore[misc]
        self.refuse = refuse
        self.worlds: set[str] = set()
        self.resets = 0

    def create_world(self, world_id: str, doc: dict) -> dict:
        if self.refuse:
            raise ValueError(f"{self.name} refuses {world_id}")
        self.worlds.add(world_id)
        return {"created": world_id}

    def delete_world(self, world_id: str) -> bool:
        found = world_id in self.worlds
        self.worlds.discard(world_id)
        return found

    def reset(self) -> None:
        self.resets += 1


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(Topology.build(), tmp_path, tmp_path / "ca.pem", "secret-token")


def test_access_needs_the_bearer_admin_token():
    assert check_access("", "tok") is Access.MISSING
    assert check_access("Bearer tok", "tok") is Access.GRANTED
    assert check_access("bearer  tok ", "tok") is Access.GRANTED
    assert check_access("Basic tok", "tok") is Access.INVALID
    assert check_access("Bearer other", "tok") is Access.INVALID


def test_journal_query_takes_integers_and_treats_empty_as_absent():
    assert JournalQuery.parse("t1", "5", "", None) == JournalQuery("t1", 5, None, None)
    assert JournalQuery.parse("", "", "login", "10") == JournalQuery(None, None, "login", 10)
    refused = JournalQuery.parse(None, "soon", None, None)
    assert refused == Refused(400, "BadRequest", "since and limit must be integers")


@pytest.mark.parametrize("doc", [None, [], "x", {"id": "bad id!"}, {"id": 7}, {"id": "a" * 65}])
def test_world_documents_and_ids_are_checked(doc):
    refused = world_id_of(doc)
    assert isinstance(refused, Refused) and refused.status == 400


def test_a_world_without_id_gets_a_fresh_one():
    first, second = world_id_of({}), world_id_of({})
    assert isinstance(first, str) and first != second
    assert world_id_of({"id": "w-1_a"}) == "w-1_a"


def test_world_lifecycle_spans_every_system(ctx):
    systems = [Recorder(ctx, "one"), Recorder(ctx, "two")]
    plane = LabControl("login", ctx, systems)
    created = plane.create_world({"id": "w1"})
    assert created == {"id": "w1", "process": ctx.instance_id, "one": {"created": "w1"},
                       "two": {"created": "w1"}}  # fmt: skip
    assert plane.delete_world("w1") is None
    assert all(not s.worlds for s in systems)
    assert plane.delete_world("w1") == Refused(404, "NotFound", "no world 'w1' in this lab")


def test_a_refusing_system_rolls_back_every_half(ctx):
    systems = [Recorder(ctx, "one"), Recorder(ctx, "two", refuse=True)]
    outcome = LabControl("login", ctx, systems).create_world({"id": "w2"})
    assert outcome == Refused(400, "BadRequest", "two refuses w2")
    assert not systems[0].worlds


def test_clock_and_faults_refusals_are_400s(ctx):
    plane = LabControl("login", ctx, [])
    refused = plane.set_clock({"frozen_at": "3000-01-01T00:00:00Z"})
    assert isinstance(refused, Refused) and "2100-01-01" in refused.message
    assert isinstance(plane.set_clock("not a body"), Refused)
    assert isinstance(plane.set_faults({"rules": [{"status": 99}]}), Refused)
    assert plane.set_faults([{"status": 503}])[0]["status"] == 503
    assert plane.set_clock({"advance_seconds": 0})["now"]


def test_reset_empties_systems_faults_and_clock(ctx):
    system = Recorder(ctx, "one")
    plane = LabControl("sso", ctx, [system])
    plane.set_faults([{"status": 503}])
    plane.set_clock({"offset_seconds": 3600})
    assert plane.reset() == {"status": "reset", "systems": ["one"]}
    assert system.resets == 1 and ctx.faults.describe() == [] and not ctx.clock.state()["frozen"]
    assert plane.health()["host"] == "sso"
    assert plane.state()["systems"] == {"one": {}}
