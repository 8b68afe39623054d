"""Rules the admin API's handlers call, without a server: association writes, traversals,
sync status, domain pages, organization visibility, Directory Insights pages, token requests."""

from __future__ import annotations

import base64

import pytest

from simulators.core.clock import LabClock
from simulators.jumpcloud.api.token import TokenRefusal, TokenRequest
from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.errors import BadRequest, Conflict, NotFound
from simulators.jumpcloud.model.graph import GraphOperation, traversal_types
from simulators.jumpcloud.model.insights import EventQuery, search
from simulators.jumpcloud.model.orgs import merged_settings


@pytest.fixture
def model(tmp_path):
    found = JumpCloudModel(tmp_path / "jc.db", LabClock(), lambda host: f"https://{host}")
    yield found
    found.close()


@pytest.fixture
def org(model) -> str:
    return model.orgs.create("Rules", "w-rules", merged_settings("Rules", None, None))["_id"]


def _user(model, org: str, name: str) -> str:
    return model.users.create(org, {"username": name, "email": f"{name}@rules.example"})["_id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "body must be a JSON object"),
        ({"op": "drop", "type": "user", "id": "x"}, "op: must be one of add, remove, update"),
        ({"op": "add", "type": "system", "id": "x"}, "type: must be one of user, user_group"),
        ({"op": "add", "type": "user", "id": ""}, "id: is required"),
        ({"op": "add", "type": "user", "id": "x", "attributes": []}, "attributes: must be an"),
    ],
)
def test_graph_operations_are_checked(body, message):
    with pytest.raises(BadRequest, match=message):
        GraphOperation.parse(body, ("user", "user_group"))


def test_a_graph_operation_keeps_its_attributes():
    body = {"op": "update", "type": "user", "id": "u1", "attributes": {"sudo": {"enabled": True}}}
    assert GraphOperation.parse(body, ("user",)) == GraphOperation(
        "update", "user", "u1", {"sudo": {"enabled": True}}
    )


def test_traversal_collections_map_to_target_types():
    assert traversal_types("applications") == ("application",)
    assert "office_365" in (traversal_types("directories") or ())
    assert traversal_types("systems") == ()
    assert traversal_types("nope") is None


def test_membership_writes_add_and_remove_users_but_not_update(model, org):
    group = model.groups.create(org, {"name": "Sales"})["id"]
    user = _user(model, org, "ann")
    model.graph.write_membership(org, group, {"op": "add", "type": "user", "id": user})
    assert [m["to"]["id"] for m in model.graph.members(org, group)] == [user]
    with pytest.raises(Conflict):
        model.graph.write_membership(org, group, {"op": "add", "type": "user", "id": user})
    with pytest.raises(BadRequest, match="op: must be add or remove"):
        model.graph.write_membership(org, group, {"op": "update", "type": "user", "id": user})
    with pytest.raises(NotFound):
        model.graph.write_membership(org, group, {"op": "add", "type": "user", "id": "0" * 24})
    model.graph.write_membership(org, group, {"op": "remove", "type": "user", "id": user})
    assert model.graph.members(org, group) == []


def test_resource_side_writes_and_traversals_meet(model, org):
    instance = model.office365.create(org, "M365")["id"]
    user = _user(model, org, "bob")
    model.graph.write_from_resource(org, "office_365", instance,
                                    {"op": "add", "type": "user", "id": user})  # fmt: skip
    reached = model.graph.traverse(org, "user", user, "office365s")
    assert [r["id"] for r in reached or []] == [instance]
    assert model.graph.traverse(org, "user", user, "systems") == []
    assert model.graph.traverse(org, "user", user, "nope") is None
    remove = {"op": "remove", "type": "office_365", "id": instance}
    model.graph.write_from_subject(org, "user", user, remove)
    assert model.graph.traverse(org, "user", user, "office365s") == []


def test_sync_status_is_merged_from_bindings(model, org):
    instance = model.office365.create(org, "M365")["id"]
    user = _user(model, org, "cid")
    model.office365.upsert_binding(org, instance, user, external_id="graph-1")
    merged = model.office365.with_sync_status(org, instance, [{"id": user}, {"id": "other"}])
    assert merged[0]["externalId"] == "graph-1" and merged[1] == {"id": "other"}
    groups = [{"id": "g1"}]
    assert model.office365.groups_with_sync_status(instance, groups) == [{"id": "g1"}]
    model.office365.group_status_provider = lambda _i, g: {"syncStatus": {"group": g}}
    assert model.office365.groups_with_sync_status(instance, groups)[0]["syncStatus"]


def test_domain_pages_and_import_page_size(model, org):
    instance = model.office365.create(org, "M365")["id"]
    for name in ("a.example", "b.example", "c.example"):
        model.office365.add_domain(org, instance, name)
    page = model.office365.domains_page(org, instance, limit=1, skip=1)
    assert page["totalCount"] == 3 and [d["domain"] for d in page["domains"]] == ["b.example"]
    for top in (0, 1000):
        with pytest.raises(BadRequest, match="top: must be between 1 and 999"):
            model.office365.import_candidates(org, instance, top)
    assert model.office365.import_candidates(org, instance, 5)["users"] == []


def test_an_api_key_sees_only_its_own_organization(model, org):
    other = model.orgs.create("Other", "w-other", merged_settings("Other", None, None))["_id"]
    assert model.orgs.visible(org, org)["_id"] == org
    assert "world_id" not in model.orgs.visible(org, org)
    with pytest.raises(NotFound):
        model.orgs.visible(org, other)
    assert model.orgs.listing(org) == [{"_id": org, "displayName": "Rules", "logoUrl": ""}]


def test_deleting_an_application_drops_its_associations(model, org):
    config = {
        "idpEntityId": {"value": "rules-idp"},
        "spEntityId": {"value": "rules-sp"},
        "acsUrl": {"value": "https://sp.example/acs"},
    }
    body = {"name": "custom", "label": "rules-app", "displayLabel": "R", "config": config}
    app = model.apps.create(org, body)
    user = _user(model, org, "dee")
    model.graph.write_from_resource(org, "application", app["_id"],
                                    {"op": "add", "type": "user", "id": user})  # fmt: skip
    assert model.published_application(org, app["_id"])["_id"] == app["_id"]
    model.delete_application(org, app["_id"])
    assert model.graph.traverse(org, "user", user, "applications") == []
    with pytest.raises(NotFound):
        model.published_application("0" * 24, app["_id"])


def test_insights_search_pages_with_a_cursor(model, org):
    for n in range(3):
        model.events.record(org, "user_create", details={"n": n})
    body = {"service": ["all"], "start_time": "2000-01-01T00:00:00Z", "limit": 2, "sort": "ASC"}
    query = EventQuery.parse({**body, "fields": ["event_type", "n"]})
    first = search(model.events, org, query)
    assert first.events == [{"event_type": "user_create", "n": 0},
                            {"event_type": "user_create", "n": 1}]  # fmt: skip
    assert first.search_after is not None
    body["search_after"] = first.search_after
    second = search(model.events, org, EventQuery.parse(body))
    assert [e["n"] for e in second.events] == [2] and second.search_after is None
    with pytest.raises(BadRequest, match="search_after"):
        search(model.events, org, EventQuery.parse({**body, "search_after": '[1, "nope"]'}))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_token_requests_take_basic_or_form_credentials():
    grant = {"grant_type": "client_credentials"}
    assert TokenRequest.parse(_basic("id", "se:cret"), grant) == TokenRequest("id", "se:cret")
    form = {**grant, "client_id": "id2", "client_secret": "s2", "scope": "api"}
    assert TokenRequest.parse("", form) == TokenRequest("id2", "s2")
    assert TokenRequest.parse("Basic !!!", grant) == TokenRefusal(
        401, "invalid_client", "malformed Basic credentials"
    )
    assert TokenRequest.parse("", {}).error == "unsupported_grant_type"  # type: ignore[union-attr]
    refused = TokenRequest.parse("", {**grant, "scope": "api admin"})
    assert refused == TokenRefusal(400, "invalid_scope", "scope must be api")


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00", "2024-02-30T00:00:00Z"]
)
def test_an_insights_time_out_of_range_is_a_bad_request(start):
    with pytest.raises(BadRequest, match="start_time: required, an ISO-8601 time"):
        EventQuery.parse({"service": ["all"], "start_time": start})
