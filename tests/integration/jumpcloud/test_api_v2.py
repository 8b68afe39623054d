"""v2: user groups, graph, applications, Microsoft 365 instances."""

from __future__ import annotations

import pytest

from simulators.saml.metadata import parse_idp_metadata

from .conftest import PASSWORD

MISSING = "0123456789abcdef01234567"


@pytest.fixture(scope="module")
def world(jc):
    return jc.world(
        {
            "users": [
                {"username": u, "email": f"{u}@contoso.com", "password": PASSWORD}
                for u in ("ann", "ben", "cat", "dan")
            ],
            "groups": [{"name": "sales", "members": ["ann", "ben"]}, {"name": "ops"}],
            "office365": {"domains": ["contoso.com"], "defaultDomain": "contoso.com"},
            "apps": [
                {
                    "kind": "custom",
                    "label": "wiki-v2",
                    "idpEntityId": "jc-wiki",
                    "spEntityId": "https://wiki.example",
                    "acsUrl": "https://wiki.example/acs",
                    "assign_groups": ["sales"],
                    "assign_users": ["cat"],
                },
            ],
            "bindings": {"users": ["ann"], "groups": ["sales"]},
        }
    )


@pytest.fixture(scope="module")
def api(jc, world):
    return jc.api(world)


def uid(world, name):
    return next(u["id"] for u in world["users"] if u["username"] == name)


def test_usergroups_crud(api):
    created = api.post("/api/v2/usergroups", json={"name": "temps", "description": "x"})
    assert created.status_code == 201
    group = created.json()
    assert group["type"] == "user_group" and group["membershipMethod"] == "STATIC"
    assert api.post("/api/v2/usergroups", json={"name": "temps"}).status_code == 409
    assert api.post("/api/v2/usergroups", json={"description": "no name"}).status_code == 400
    assert (
        api.post("/api/v2/usergroups", json={"name": "y", "membershipMethod": "X"}).status_code
        == 400
    )
    replaced = api.put(f"/api/v2/usergroups/{group['id']}", json={"name": "temps2"}).json()
    assert replaced["name"] == "temps2" and replaced["description"] == ""
    listed = api.get("/api/v2/usergroups", params={"filter": "name:eq:temps2"})
    assert [g["name"] for g in listed.json()] == ["temps2"] and listed.headers[
        "X-Total-Count"
    ] == "1"
    deleted = api.delete(f"/api/v2/usergroups/{group['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == group["id"]
    assert api.get(f"/api/v2/usergroups/{group['id']}").status_code == 404


def test_v2_list_paging_sort_fields_and_limit_cap(api):
    reply = api.get("/api/v2/usergroups", params={"sort": "-name", "limit": 1, "fields": "name"})
    assert reply.json() == [{"id": reply.json()[0]["id"], "name": "sales"}]
    assert reply.headers["X-Total-Count"] == "2"
    assert api.get("/api/v2/usergroups", params={"limit": 101}).status_code == 400
    assert api.get("/api/v2/usergroups", params={"sort": "bogus"}).ok
    both = api.get("/api/v2/usergroups", params={"filter": "name:in:sales|ops"}).json()
    assert len(both) == 2
    csv = api.get("/api/v2/usergroups", params={"filter": "name:eq:sales,type:eq:user_group"})
    assert [g["name"] for g in csv.json()] == ["sales"]
    repeated = api.get(
        "/api/v2/usergroups", params=[("filter", "name:ne:sales"), ("filter", "type:eq:user_group")]
    )
    assert [g["name"] for g in repeated.json()] == ["ops"]
    assert api.get("/api/v2/usergroups", params={"filter": "name:like:x"}).status_code == 400


def test_members_membership_memberof(api, world):
    ops = next(g for g in api.get("/api/v2/usergroups").json() if g["name"] == "ops")
    dan = uid(world, "dan")
    add = api.post(
        f"/api/v2/usergroups/{ops['id']}/members", json={"op": "add", "type": "user", "id": dan}
    )
    assert add.status_code == 204 and add.content == b""
    again = api.post(
        f"/api/v2/usergroups/{ops['id']}/members", json={"op": "add", "type": "user", "id": dan}
    )
    assert again.status_code == 409
    members = api.get(f"/api/v2/usergroups/{ops['id']}/members").json()
    assert members == [{"to": {"id": dan, "type": "user"}}]
    membership = api.get(f"/api/v2/usergroups/{ops['id']}/membership").json()
    assert membership[0]["id"] == dan and membership[0]["paths"]
    memberof = api.get(f"/api/v2/users/{dan}/memberof").json()
    assert [g["id"] for g in memberof] == [ops["id"]]
    assert (
        api.post(
            f"/api/v2/usergroups/{ops['id']}/members",
            json={"op": "add", "type": "user", "id": MISSING},
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v2/usergroups/{ops['id']}/members",
            json={"op": "add", "type": "system", "id": dan},
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"/api/v2/usergroups/{ops['id']}/members",
            json={"op": "remove", "type": "user", "id": dan},
        ).status_code
        == 204
    )
    assert api.get(f"/api/v2/usergroups/{ops['id']}/members").json() == []


def test_user_associations_targets_required_and_csv(api, world):
    ann = uid(world, "ann")
    assert api.get(f"/api/v2/users/{ann}/associations").status_code == 400
    assert (
        api.get(f"/api/v2/users/{ann}/associations", params={"targets": "nope"}).status_code == 400
    )
    direct = api.get(f"/api/v2/users/{ann}/associations", params={"targets": "office_365"}).json()
    assert direct == [{"to": {"id": world["office365_id"], "type": "office_365"}}]
    csv = api.get(
        f"/api/v2/users/{ann}/associations", params={"targets": "application,office_365,system"}
    ).json()
    assert [c["to"]["type"] for c in csv] == ["office_365"]
    missing = api.post(
        f"/api/v2/users/{ann}/associations", json={"op": "add", "type": "system", "id": MISSING}
    )
    assert missing.status_code == 404


def test_traversals_direct_and_through_groups(api, world):
    ann, ben, cat = uid(world, "ann"), uid(world, "ben"), uid(world, "cat")
    office = api.get(f"/api/v2/users/{ann}/office365s").json()
    assert len(office) == 1 and len(office[0]["paths"]) == 2  # direct and via "sales"
    via_group = api.get(f"/api/v2/users/{ben}/office365s").json()[0]["paths"]
    assert [c["to"]["type"] for c in via_group[0]] == ["user_group", "office_365"]
    assert api.get(f"/api/v2/users/{cat}/office365s").json() == []
    directories = api.get(f"/api/v2/users/{ann}/directories").json()
    assert [d["type"] for d in directories] == ["office_365"]
    apps = api.get(f"/api/v2/users/{cat}/applications").json()
    assert [a["id"] for a in apps] == [world["apps"]["wiki-v2"]]
    app_users = api.get(f"/api/v2/applications/{world['apps']['wiki-v2']}/users")
    assert {u["id"] for u in app_users.json()} == {ann, ben, cat}
    assert app_users.headers["X-Total-Count"] == "3"
    app_groups = api.get(f"/api/v2/applications/{world['apps']['wiki-v2']}/usergroups").json()
    assert [g["id"] for g in app_groups] == [world["groups"]["sales"]]
    group_apps = api.get(f"/api/v2/usergroups/{world['groups']['sales']}/applications").json()
    assert [a["id"] for a in group_apps] == [world["apps"]["wiki-v2"]]
    assert api.get(f"/api/v2/usergroups/{world['groups']['sales']}/office365s").json()
    assert api.get(f"/api/v2/users/{MISSING}/office365s").status_code == 404
    assert api.get(f"/api/v2/users/{ann}/nonsense").status_code == 404


def test_application_associations(api, world):
    app_id, dan = world["apps"]["wiki-v2"], uid(world, "dan")
    body = {"op": "add", "type": "user", "id": dan}
    assert api.post(f"/api/v2/applications/{app_id}/associations", json=body).status_code == 204
    found = api.get(
        f"/api/v2/applications/{app_id}/associations", params={"targets": "user"}
    ).json()
    assert {"to": {"id": dan, "type": "user"}} in found
    body["op"] = "remove"
    assert api.post(f"/api/v2/applications/{app_id}/associations", json=body).status_code == 204
    bad = api.post(
        f"/api/v2/applications/{app_id}/associations", json={"op": "add", "type": "x", "id": dan}
    )
    assert bad.status_code == 400
    assert api.post(f"/api/v2/applications/{MISSING}/associations", json=body).status_code == 404


def test_v1_applications_crud_and_metadata(jc, api, world):
    created = api.post(
        "/api/applications",
        json={
            "name": "custom",
            "displayLabel": "Jira",
            "ssoUrl": "https://sso.jumpcloud.com/saml2/jira-v2",
            "config": {
                "idpEntityId": {"value": "JumpCloud-jira"},
                "spEntityId": {"value": "https://jira.example"},
                "acsUrl": {"value": "https://jira.example/acs"},
            },
        },
    )
    assert created.status_code == 200, created.text
    app = created.json()
    assert app["ssoUrl"] == f"{jc.ctx.url('sso')}/saml2/jira-v2"
    assert app["config"]["idpPrivateKey"]["value"] == ""
    assert "BEGIN CERTIFICATE" in app["config"]["idpCertificate"]["value"]
    for key in ("value", "label", "type", "visible", "readOnly", "required", "position"):
        assert key in app["config"]["acsUrl"]
    dup = api.post("/api/applications", json={**app, "_id": None})
    assert dup.status_code == 409
    # PUT replaces: description not sent goes back to ""
    replaced = api.put(
        f"/api/applications/{app['_id']}",
        json={
            "name": "custom",
            "ssoUrl": app["ssoUrl"],
            "displayLabel": "Jira 2",
            "config": {
                "idpEntityId": {"value": "JumpCloud-jira"},
                "spEntityId": {"value": "https://jira2.example"},
                "acsUrl": {"value": "https://jira2.example/acs"},
            },
        },
    ).json()
    assert replaced["displayLabel"] == "Jira 2"
    assert replaced["config"]["spEntityId"]["value"] == "https://jira2.example"
    moved = api.put(
        f"/api/applications/{app['_id']}", json={**replaced, "ssoUrl": "https://x/saml2/other"}
    )
    assert moved.status_code == 400
    listed = api.get("/api/applications").json()
    assert listed["totalCount"] == 3 and {"totalCount", "results"} <= set(listed)
    metadata = jc.session.get(
        f"{jc.console}/api/organizations/{world['org_id']}/applications/{app['_id']}/metadata.xml"
    )
    assert metadata.status_code == 200 and metadata.headers["Content-Type"].startswith(
        "application/xml"
    )
    parsed = parse_idp_metadata(metadata.content)
    assert parsed.entity_id == "JumpCloud-jira" and parsed.sso_url == app["ssoUrl"]
    assert api.delete(f"/api/applications/{app['_id']}").json()["_id"] == app["_id"]
    assert api.get(f"/api/applications/{app['_id']}").status_code == 404


def test_m365_connector_rules(jc, api, world):
    connector = api.get(f"/api/applications/{world['m365_sso_app_id']}").json()
    assert connector["name"] == "office365"
    assert connector["config"]["idpEntityId"]["value"] == "https://contoso.com"
    assert connector["config"]["spEntityId"]["value"] == "urn:federation:MicrosoftOnline"
    assert connector["config"]["acsUrl"]["value"] == f"{jc.ctx.url('login')}/login.srf"
    bad = api.post(
        "/api/applications",
        json={"name": "office365", "ssoUrl": "https://sso/saml2/o365-bad",
              "config": {"idpEntityId": {"value": "JumpCloud"}}},
    )  # fmt: skip
    assert bad.status_code == 400 and "idpEntityId" in bad.json()["message"]
    urn = api.post(
        "/api/applications",
        json={"name": "office365", "ssoUrl": "https://sso/saml2/o365-urn",
              "config": {"idpEntityId": {"value": "urn:uri:fabrikam.com"}}},
    )  # fmt: skip
    assert urn.status_code == 200


def test_office365_instance_get_patch_list(api, world):
    o365 = world["office365_id"]
    got = api.get(f"/api/v2/office365s/{o365}").json()
    assert got["userLockoutAction"] in ("suspend", "maintain")
    assert got["defaultDomain"]["domain"] == "contoso.com"
    listed = api.get("/api/v2/office365s")
    assert [o["id"] for o in listed.json()] == [o365] and listed.headers["X-Total-Count"] == "1"
    patched = api.patch(
        f"/api/v2/office365s/{o365}",
        json={
            "userLockoutAction": "suspend",
            "userPasswordExpirationAction": "suspend",
            "groupsEnabled": True,
            "name": "M365",
        },
    ).json()
    assert patched["userLockoutAction"] == "suspend" and patched["name"] == "M365"
    assert (
        api.patch(f"/api/v2/office365s/{o365}", json={"userLockoutAction": "x"}).status_code == 400
    )
    unset = api.patch(f"/api/v2/office365s/{o365}", json={"defaultDomain": {}}).json()
    assert "defaultDomain" not in unset
    assert (
        api.patch(f"/api/v2/office365s/{o365}", json={"defaultDomain": {"id": MISSING}}).status_code
        == 404
    )
    assert api.get(f"/api/v2/office365s/{MISSING}").status_code == 404
    directories = api.get("/api/v2/directories").json()
    assert directories[0]["type"] == "office_365"
    assert directories[0]["oAuthStatus"] == {"status": "not_authorized"}


def test_office365_associations_users_sync_status(jc, api, world):
    o365, dan = world["office365_id"], uid(world, "dan")
    post = api.post(
        f"/api/v2/office365s/{o365}/associations", json={"op": "add", "type": "user", "id": dan}
    )
    assert post.status_code == 204
    assert (
        api.post(
            f"/api/v2/office365s/{o365}/associations", json={"op": "add", "type": "user", "id": dan}
        ).status_code
        == 409
    )
    conns = api.get(f"/api/v2/office365s/{o365}/associations", params={"targets": "user"}).json()
    assert {c["to"]["id"] for c in conns} == {uid(world, "ann"), dan}
    groups = api.get(f"/api/v2/office365s/{o365}/usergroups").json()
    assert [g["id"] for g in groups] == [world["groups"]["sales"]]
    model = jc.lab.model("jumpcloud")
    model.office365.upsert_binding(
        world["org_id"], o365, dan, external_id="entra-1", immutable_id="im1"
    )
    model.set_sync_status(world["org_id"], o365, dan, 200, "synced")
    users = api.get(f"/api/v2/office365s/{o365}/users", params={"syncStatus": "true"}).json()
    row = next(u for u in users if u["id"] == dan)
    assert row["externalId"] == "entra-1" and row["syncStatus"]["message"] == "synced"
    plain = api.get(f"/api/v2/office365s/{o365}/users").json()
    assert all("syncStatus" not in u for u in plain)
    assert {u["id"] for u in plain} == {uid(world, "ann"), uid(world, "ben"), dan}


def test_translation_rules(api, world):
    path = f"/api/v2/office365s/{world['office365_id']}/translationrules"
    created = api.post(path, json={"builtIn": "user_department", "direction": "export"})
    assert created.status_code == 201
    rule = created.json()
    assert api.post(path, json={"builtIn": "user_department"}).status_code == 409
    assert api.post(path, json={"builtIn": "user_shoe_size"}).status_code == 400
    assert api.get(path).json() == [rule]
    assert api.get(f"{path}/{rule['id']}").json() == rule
    assert api.delete(f"{path}/{rule['id']}").status_code == 204
    assert api.get(f"{path}/{rule['id']}").status_code == 404


def test_domains(api, world):
    path = f"/api/v2/office365s/{world['office365_id']}/domains"
    listed = api.get(path).json()
    assert listed["totalCount"] == 1 and listed["domains"][0]["domain"] == "contoso.com"
    added = api.post(path, json={"domain": "fabrikam.com"})
    assert added.status_code == 201 and added.json()["domain"]["domain"] == "fabrikam.com"
    assert api.post(path, json={"domain": "FABRIKAM.com"}).status_code == 409
    assert api.post(path, json={"domain": "not a domain"}).status_code == 400
    removed = api.delete(f"{path}/{added.json()['domain']['objectId']}")
    assert removed.status_code == 200 and removed.json()["domain"]["domain"] == "fabrikam.com"
    assert api.delete(f"{path}/{MISSING}").status_code == 404


def test_import_users_without_engine(jc, api, world):
    path = f"/api/v2/office365s/{world['office365_id']}/import/users"
    model = jc.lab.model("jumpcloud")
    engine, model.office365.import_provider = model.office365.import_provider, None
    assert api.get(path, params={"top": 5}).json() == {"top": 5, "skipToken": "", "users": []}
    assert api.get(path, params={"top": 0}).status_code == 400
    seen = {}

    def provider(org_id, office365_id, top, skip_token, filter_, search):
        seen.update(top=top, skip=skip_token, search=search)
        return {
            "top": top,
            "skipToken": "n2",
            "users": [{"id": "g1", "userPrincipalName": "a@b.c"}],
        }

    model.office365.import_provider = provider
    try:
        page = api.get(
            path, params={"top": 1, "skipToken": "t1", "search": '"displayName:a"'}
        ).json()
    finally:
        model.office365.import_provider = engine
    assert page["skipToken"] == "n2" and seen == {
        "top": 1,
        "skip": "t1",
        "search": '"displayName:a"',
    }


def test_organizations(api, world):
    listed = api.get("/api/organizations").json()
    assert listed["totalCount"] == 1 and listed["results"][0]["_id"] == world["org_id"]
    org = api.get(f"/api/organizations/{world['org_id']}").json()
    policy = org["settings"]["passwordPolicy"]
    assert policy["minLength"] == 8 and policy["lockoutTimeInSeconds"] == 600
    assert org["settings"]["newSystemUserStateDefaults"]["manualEntry"] == "ACTIVATED"
    assert api.get(f"/api/organizations/{MISSING}").status_code == 404
