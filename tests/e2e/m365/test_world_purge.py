"""Deleting a world (or resetting the lab) also drops the sync engine's own rows."""

from __future__ import annotations

import pytest

from harness.lab import Lab, LabOptions, wait_until
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
    db = lab.model("jumpcloud").store.db
    where, params = ("WHERE org_id = ?", (org_id,)) if org_id else ("", ())
    return {
        t: db.execute(f"SELECT COUNT(*) FROM {t} {where}", params).fetchone()[0] for t in TABLES
    }


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

    reply = lab.control().call("DELETE", "console", f"/_lab/worlds/{doomed.id}", timeout=30)
    assert reply.status_code in (200, 204), reply.text
    engine = doomed.engine

    def purged() -> bool:  # the background purge drops the rows, then the caches
        return not any(_engine_rows(lab, doomed.jc["org_id"]).values()) and (
            doomed.o365 not in engine.cached_instances()
        )

    wait_until(purged, 10, 0.05, what="the deleted org's engine rows and caches purged")
    assert _engine_rows(lab, kept.jc["org_id"]) == kept_rows


@pytest.fixture
def own_lab(tmp_path):
    lab = Lab(
        LabOptions(state_dir=tmp_path, port_base=0, systems=("jumpcloud",), default_world=False)
    ).start()
    yield lab
    lab.stop()


def test_reset_purges_every_engine_row(own_lab):
    control = own_lab.control()
    doc = {"id": "purge-reset", "jumpcloud": _jumpcloud_doc("purge-c.com")}
    assert control.call("POST", "console", "/_lab/worlds", json=doc, timeout=60).status_code == 201
    assert _engine_rows(own_lab)["m365_links"] == 1  # bound, waiting for consent
    assert control.call("POST", "console", "/_lab/reset", timeout=60).status_code in (200, 204)
    assert not any(_engine_rows(own_lab).values())
