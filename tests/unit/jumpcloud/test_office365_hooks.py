"""The model tells subscribers when an office_365 instance's export settings change."""

from __future__ import annotations

import pytest

from simulators.core.clock import LabClock
from simulators.jumpcloud.model import JumpCloudModel, Office365Changed
from simulators.jumpcloud.model.errors import BadRequest


@pytest.fixture
def model(tmp_path):
    found = JumpCloudModel(tmp_path / "jc.db", LabClock(), lambda host: f"https://{host}")
    yield found
    found.close()


def test_settings_changes_fire_the_hook_after_commit(model):
    org = model.orgs.create("Hooks", "w-hooks", {})["_id"]
    instance = model.office365.create(org, "M365")["id"]
    seen: list[Office365Changed] = []
    model.hooks.on_office365_changed.append(seen.append)

    model.office365.patch(org, instance, {"userLockoutAction": "suspend", "name": "M365"})
    rule = model.office365.add_rule(org, instance, {"builtIn": "user_city"})
    model.office365.delete_rule(org, instance, rule["id"])
    domain = model.office365.add_domain(org, instance, "hooks.example")
    model.office365.patch(org, instance, {"defaultDomain": {"id": domain["objectId"]}})
    model.office365.delete_domain(org, instance, domain["objectId"])
    model.office365.patch(org, instance, {"userLockoutAction": "suspend"})  # no change: no event
    with pytest.raises(BadRequest):
        model.office365.patch(org, instance, {"userPasswordExpirationAction": "remove_access"})

    assert [(e.kind, e.changed) for e in seen] == [
        ("patched", ("userLockoutAction",)),
        ("rule_added", ("user_city",)),
        ("rule_removed", ("user_city",)),
        ("domain_added", ("hooks.example",)),
        ("patched", ("defaultDomain",)),
        ("domain_removed", ("hooks.example",)),
    ]
    assert {(e.org_id, e.office365_id) for e in seen} == {(org, instance)}
