"""The model's in-process read caches never serve a row a committed write has replaced."""

from __future__ import annotations

import threading

import pytest

from simulators.core.clock import LabClock
from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.errors import NotFound
from simulators.jumpcloud.model.orgs import merged_settings
from simulators.jumpcloud.sso.model import IdpDirectory


@pytest.fixture
def model(tmp_path):
    found = JumpCloudModel(tmp_path / "jc.db", LabClock(), lambda host: f"https://{host}.lab")
    yield found
    found.close()


def _org(model: JumpCloudModel, name: str = "Cache") -> str:
    return model.orgs.create(name, f"w-{name}", merged_settings(name, None, None))["_id"]


def _in_other_thread(fn):
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join()
    return out[0]


def test_a_settings_change_is_seen_by_the_next_read(model):
    org = _org(model)
    assert model.orgs.policy(org)["minLength"] == 8  # read (and cached)
    model.orgs.update_settings(org, {"passwordPolicy": {"minLength": 12}})
    assert model.orgs.policy(org)["minLength"] == 12
    assert _in_other_thread(lambda: model.orgs.policy(org)["minLength"]) == 12


def test_callers_cannot_change_the_cached_settings(model):
    org = _org(model)
    model.orgs.settings(org)["passwordPolicy"]["minLength"] = 99
    assert model.orgs.policy(org)["minLength"] == 8


def test_a_deleted_or_purged_organization_is_gone_at_once(model):
    org, other = _org(model, "Gone"), _org(model, "Purged")
    assert model.orgs.exists(org) and model.orgs.exists(other)
    model.orgs.mark_deleted(org)
    assert not model.orgs.exists(org)
    with pytest.raises(NotFound):
        model.orgs.get(org)
    model.purge_all()
    assert not model.orgs.exists(other)


def test_a_change_inside_a_transaction_is_cached_only_once_committed(model):
    org = _org(model)
    assert model.orgs.policy(org)["minLength"] == 8
    with model.backend.tx():
        model.orgs.update_settings(org, {"passwordPolicy": {"minLength": 10}})
        assert model.orgs.policy(org)["minLength"] == 10  # its own write, not cached
        # another connection still sees the committed row, and caches it
        assert _in_other_thread(lambda: model.orgs.policy(org)["minLength"]) == 8
    assert model.orgs.policy(org)["minLength"] == 10
    assert _in_other_thread(lambda: model.orgs.policy(org)["minLength"]) == 10


def test_a_rolled_back_change_never_reaches_the_cache(model):
    org = _org(model)
    with pytest.raises(RuntimeError), model.backend.tx():
        model.orgs.update_settings(org, {"passwordPolicy": {"minLength": 10}})
        assert model.orgs.policy(org)["minLength"] == 10
        raise RuntimeError("roll back")
    assert model.orgs.policy(org)["minLength"] == 8


def test_the_idp_sees_application_changes_at_once(model):
    org = _org(model)
    config = {
        "idpEntityId": {"value": "https://idp.cache.example"},
        "spEntityId": {"value": "urn:sp:old"},
        "acsUrl": {"value": "https://sp.cache.example/acs"},
    }
    body = {"name": "custom", "label": "cache-app", "displayLabel": "A", "config": config}
    app = model.apps.create(org, body)
    directory = IdpDirectory(model)
    before = directory.app("cache-app")
    assert before is not None and before.display_label == "A"
    assert directory.app("cache-app") is before  # unchanged row: the cached value

    model.apps.update_config(org, app["_id"], {"spEntityId": "urn:sp:new"})
    assert directory.app("cache-app").sp_entity_id == "urn:sp:new"
    rotated = model.apps.rotate_certificate(org, app["_id"])
    assert directory.app("cache-app").cert_pem == rotated["config"]["idpCertificate"]["value"]
    assert directory.signing_key(directory.app("cache-app")).cert_pem.strip() == (
        directory.app("cache-app").cert_pem.strip()
    )
    model.apps.delete(org, app["_id"])
    assert directory.app("cache-app") is None


def test_the_idp_forgets_the_applications_of_a_deleted_organization(model):
    org = _org(model)
    model.apps.create(org, {"name": "office365", "label": "m365-gone", "config": _m365_config()})
    directory = IdpDirectory(model)
    assert directory.app("m365-gone") is not None
    model.orgs.mark_deleted(org)
    assert directory.app("m365-gone") is None
    model.purge_org(org)
    assert directory.app("m365-gone") is None


def _m365_config() -> dict:
    return {"idpEntityId": {"value": "https://gone.example"}}
