"""The integration's consent steps and lab operations, on a JumpCloud system without a server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from simulators.core.context import LabContext
from simulators.core.topology import Topology
from simulators.jumpcloud.m365 import M365Integration, consent
from simulators.jumpcloud.m365.labops import LabOperations
from simulators.jumpcloud.model.errors import BadRequest, NotFound
from simulators.jumpcloud.model.orgs import merged_settings
from simulators.jumpcloud.system import JumpCloudSystem


@pytest.fixture
def system(tmp_path):
    ctx = LabContext(Topology.build(), tmp_path, tmp_path / "ca.pem", "admin-token")
    found = JumpCloudSystem(ctx)
    yield found
    found.close()


@pytest.fixture
def m365(system) -> M365Integration:
    return system.m365


@pytest.fixture
def org(system) -> str:
    return system.model.orgs.create("Consent", "w-c", merged_settings("Consent", None, None))["_id"]


@pytest.fixture
def instance(system, org) -> str:
    return system.model.office365.create(org, "M365")["id"]


def test_consent_starts_with_pkce_state_and_nonce(m365, org, instance):
    url = consent.begin(m365, org, instance, reauthorize=False, login_hint="admin@contoso")
    assert isinstance(url, str)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["login_hint"] == ["admin@contoso"]
    assert "prompt" not in query
    again = consent.begin(m365, org, instance, reauthorize=True, login_hint=None)
    assert parse_qs(urlsplit(str(again)).query)["prompt"] == ["consent"]


def test_consent_for_an_unknown_instance_is_a_404(m365, org):
    outcome = consent.begin(m365, org, "0" * 24, reauthorize=False, login_hint=None)
    assert isinstance(outcome, consent.ConsentFailure) and outcome.status == 404


def _state(url: str | consent.ConsentFailure) -> str:
    return parse_qs(urlsplit(str(url)).query)["state"][0]


def test_a_callback_needs_a_known_single_use_state_of_the_admins_org(m365, org, instance):
    unknown = consent.finish(m365, None, {"state": "nope"})
    assert unknown == consent.ConsentFailure(
        "m365_invalid_state", "This authorization request is unknown or expired."
    )
    state = _state(consent.begin(m365, org, instance, reauthorize=False, login_hint=None))
    other_admin = {"id": "a", "org_id": "f" * 24, "email": "x@y"}
    outcome = consent.finish(m365, other_admin, {"state": state})
    assert isinstance(outcome, consent.ConsentFailure) and "another organization" in outcome.message
    assert isinstance(consent.finish(m365, None, {"state": state}), consent.ConsentFailure)


def test_a_refusal_from_entra_is_logged_with_its_code(m365, org, instance):
    for description, code in (("AADSTS65004: declined", "AADSTS65004"), ("", "m365_denied")):
        state = _state(consent.begin(m365, org, instance, reauthorize=False, login_hint=None))
        reply = {"state": state, "error": "access_denied", "error_description": description}
        outcome = consent.finish(m365, None, reply)
        assert isinstance(outcome, consent.ConsentFailure) and outcome.reason == code
    events = m365.model.events.list(org, event_type="m365_authorize")
    assert [e["details"]["result"]["code"] for e in events] == ["m365_denied", "AADSTS65004"]


def test_lab_operations_check_the_instance_and_their_input(m365, org, instance):
    lab = LabOperations(m365)
    with pytest.raises(NotFound):
        lab.settings(org, "0" * 24)
    assert lab.update_settings(org, instance, {"propagationDelaySeconds": 5}) == {
        "propagationDelaySeconds": 5
    }
    with pytest.raises(BadRequest, match="propagationDelaySeconds"):
        lab.update_settings(org, instance, {"propagationDelaySeconds": "soon"})
    assert lab.update_settings(org, instance, {"other": 1}) == {"propagationDelaySeconds": 5}
    assert lab.sync_now(org, instance) == {"pushed": 0, "pending": 0}
    assert lab.stats(org, instance)["graphRequests"] >= 0


def test_lab_events_keep_the_instances_graph_writes(m365, org, instance):
    events = m365.model.events
    events.record(org, "m365_user_create", service="office_365",
                  resource={"office365": instance})  # fmt: skip
    events.record(org, "m365_user_create", service="office_365", resource={"office365": "x"})
    events.record(org, "user_create")
    found = LabOperations(m365).events(org, instance, limit=0)
    assert [e["resource"]["office365"] for e in found] == [instance]
