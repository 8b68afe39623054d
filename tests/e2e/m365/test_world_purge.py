"""Deleting a world (or resetting the lab) also drops the sync engine's own rows."""

from __future__ import annotations

import time

import pytest

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session
from simulators.jumpcloud.m365.tables import TABLES

from .helpers import new_world

PASSWORD = "Jc-Passw0rd!2024"


def _jumpcloud_doc(domain: str) -> dict:
    return {
        "users": [{"username": "pat", "email": f"pat@{domain}", "password": PASSWORD}],
        "office365": {"domains": [domain]},
        "bindings": {"users": ["pat"]},
    }


def _engine_rows(lab: Lab, org_id: str | None = None) -> dict[str, int]:
    db = lab.system("jumpcloud").model.store.db
    where, params = ("WHERE org_id = ?", (org_id,)) if org_id else ("", ())
    return {
        t: db.execute(f"SELECT COUNT(*) FROM {t} {where}", params).fetchone()[0] for t in TABLES
    }


def _admin(lab: Lab):
    session = lab_session(lab.ctx.ca_file)
    session.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    return session


def test_deleting_a_world_purges_the_engine_rows_of_its_org_only(lab):
    doomed = new_world(lab, {"domains": [{"name": "purge-a.com", "verified": True}]},
                       _jumpcloud_doc("purge-a.com"))  # fmt: skip
    doomed.authorize()
    doomed.engine.domains.get(doomed.o365, doomed.engine.client(doomed.o365), "purge-a.com")
    kept = new_world(lab, {"domains": [{"name": "purge-b.com", "verified": True}]},
                     _jumpcloud_doc("purge-b.com"))  # fmt: skip
    rows = _engine_rows(lab, doomed.jc["org_id"])
    assert rows["m365_grants"] == rows["m365_links"] == rows["m365_settings"] == 1, rows
    kept_rows = _engine_rows(lab, kept.jc["org_id"])
    assert kept_rows["m365_links"] == 1, kept_rows

    reply = _admin(lab).delete(f"{lab.ctx.url('console')}/_lab/worlds/{doomed.id}", timeout=30)
    assert reply.status_code in (200, 204), reply.text
    engine = doomed.engine

    def purged() -> bool:  # the background purge drops the rows, then the caches
        return not any(_engine_rows(lab, doomed.jc["org_id"]).values()) and not (
            doomed.o365 in engine._clients
            or doomed.o365 in engine.settings.cached()
            or doomed.o365 in engine.domains._cache
        )

    deadline = time.monotonic() + 10
    while not purged() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_engine_rows(lab, doomed.jc["org_id"]).values())
    assert _engine_rows(lab, kept.jc["org_id"]) == kept_rows
    assert doomed.o365 not in engine._clients and doomed.o365 not in engine.settings.cached()
    assert doomed.o365 not in engine.domains._cache


@pytest.fixture
def own_lab(tmp_path):
    lab = Lab(
        LabOptions(state_dir=tmp_path, port_base=0, systems=("jumpcloud",), default_world=False)
    ).start()
    yield lab
    lab.stop()


def test_reset_purges_every_engine_row(own_lab):
    admin = _admin(own_lab)
    console = own_lab.ctx.url("console")
    doc = {"id": "purge-reset", "jumpcloud": _jumpcloud_doc("purge-c.com")}
    assert admin.post(f"{console}/_lab/worlds", json=doc, timeout=60).status_code == 201
    assert _engine_rows(own_lab)["m365_links"] == 1  # bound, waiting for consent
    assert admin.post(f"{console}/_lab/reset", timeout=60).status_code in (200, 204)
    assert not any(_engine_rows(own_lab).values())
