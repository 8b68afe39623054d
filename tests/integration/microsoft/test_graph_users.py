"""Graph /users: queries, paging, create/update rules, errors and token checks."""

from __future__ import annotations

import pytest

EVENTUAL = {"ConsistencyLevel": "eventual"}


@pytest.fixture(scope="module")
def world(ms):
    people = [
        ("alice", "Alice Archer", ["alice@home.example"], "Sales"),
        ("alan", "Alan Turing", [], "R&D"),
        ("bob", "Bob Builder", ["bob.b@home.example"], "IT"),
        ("carol", "Carol Danvers", [], None),
        ("albert", "Albert Einstein", [], "R&D"),
    ]
    return ms.world(
        {
            "domains": ["users.example", {"name": "fed-users.example"}],
            "users": [
                {
                    "userPrincipalName": f"{nick}@users.example",
                    "displayName": name,
                    "mail": f"{nick}@users.example",
                    "otherMails": other,
                    "department": dept,
                    "password": "Strong-Pass-1",
                }
                for nick, name, other, dept in people
            ],
        }
    )


def _names(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return sorted(u["displayName"] for u in reply.json()["value"])


def _error(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()["error"]
    assert body["code"] == code, body
    inner = body["innerError"]
    assert inner["request-id"] == reply.headers["request-id"] and inner["date"]
    assert inner["client-request-id"] == reply.headers["client-request-id"]
    return body


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("startsWith(displayName,'Al')", ["Alan Turing", "Albert Einstein", "Alice Archer"]),
        (
            "startswith(displayName,'al') and department eq 'R&D'",
            ["Alan Turing", "Albert Einstein"],
        ),
        ("displayName eq 'bob builder'", ["Bob Builder"]),
        (
            "userPrincipalName in ('bob@users.example','carol@users.example')",
            ["Bob Builder", "Carol Danvers"],
        ),
        (
            "(displayName eq 'Bob Builder' or displayName eq 'Carol Danvers')"
            " and accountEnabled eq true",
            ["Bob Builder", "Carol Danvers"],
        ),
        ("department eq null and startsWith(userPrincipalName,'c')", ["Carol Danvers"]),
        ("otherMails/any(x:x eq 'alice@home.example')", ["Alice Archer"]),
        ("otherMails/any(m:startsWith(m,'bob'))", ["Bob Builder"]),
        ("displayName ge 'Carol' and displayName le 'Carp'", ["Carol Danvers"]),
    ],
)
def test_default_filters(graph, ms, expression, expected):
    assert _names(graph.get(f"{ms.graph}/users", params={"$filter": expression})) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "department ne 'R&D' and startsWith(displayName,'A')",
        "not(startsWith(displayName,'A')) and startsWith(displayName,'B')",
        "endsWith(mail,'bob@users.example')",
    ],
)
def test_advanced_filters_need_eventual_and_count(graph, ms, expression):
    _error(
        graph.get(f"{ms.graph}/users", params={"$filter": expression}),
        400,
        "Request_UnsupportedQuery",
    )
    reply = graph.get(
        f"{ms.graph}/users", params={"$filter": expression, "$count": "true"}, headers=EVENTUAL
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["@odata.count"] == len(body["value"]) >= 1


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"$filter": "nosuch eq 'x'"}, 400, "BadRequest"),
        ({"$filter": "displayName eq"}, 400, "BadRequest"),
        ({"$filter": "displayName eq 'x' and"}, 400, "BadRequest"),
        ({"$filter": "id ge 'a'"}, 400, "Request_UnsupportedQuery"),
        ({"$filter": "displayName gt 'a'"}, 400, "Request_UnsupportedQuery"),
        ({"$filter": "accountEnabled eq 'yes'"}, 400, "BadRequest"),
        ({"$top": "1000"}, 400, "Request_UnsupportedQuery"),
        ({"$top": "0"}, 400, "Request_UnsupportedQuery"),
        ({"$skip": "5"}, 400, "Request_BadRequest"),
        ({"$search": '"displayName:al"'}, 400, "Request_UnsupportedQuery"),
        ({"$select": "displayName,nosuch"}, 400, "BadRequest"),
        ({"$select": "skills"}, 501, "NotImplemented"),
        ({"$orderby": "jobTitle"}, 400, "Request_UnsupportedQuery"),
        (
            {"$orderby": "displayName", "$filter": "accountEnabled eq true"},
            400,
            "Request_UnsupportedQuery",
        ),
        ({"$skiptoken": "garbage"}, 400, "Request_BadRequest"),
    ],
)
def test_unsupported_queries(graph, ms, params, status, code):
    _error(graph.get(f"{ms.graph}/users", params=params), status, code)


def test_search_select_orderby_and_count(graph, ms):
    reply = graph.get(
        f"{ms.graph}/users",
        params={
            "$search": '"displayName:ein" OR "displayName:carol"',
            "$select": "displayName,department",
        },
        headers=EVENTUAL,
    )
    assert _names(reply) == ["Albert Einstein", "Carol Danvers"]
    assert set(reply.json()["value"][0]) == {"displayName", "department", "id"}
    ordered = graph.get(f"{ms.graph}/users", params={"$orderby": "displayName desc", "$top": "3"})
    names = [u["displayName"] for u in ordered.json()["value"]]
    assert names == sorted(names, reverse=True) and len(names) == 3
    _error(graph.get(f"{ms.graph}/users/$count"), 400, "Request_BadRequest")
    count = graph.get(
        f"{ms.graph}/users/$count",
        params={"$filter": "startsWith(displayName,'Al')"},
        headers=EVENTUAL,
    )
    assert count.status_code == 200 and count.headers["Content-Type"].startswith("text/plain")
    assert count.text == "3"
    silently = graph.get(f"{ms.graph}/users", params={"$count": "true"})
    assert "@odata.count" not in silently.json()


def test_paging_with_orderby_follows_next_links(graph, ms):
    seen, url, params = [], f"{ms.graph}/users", {"$top": "2", "$orderby": "displayName"}
    while url:
        body = graph.get(url, params=params).json()
        seen += [u["displayName"] for u in body["value"]]
        url, params = body.get("@odata.nextLink"), None
        assert url is None or "$skiptoken=" in url
    assert seen == sorted(seen, key=str.lower) and len(seen) == len(set(seen)) >= 6


def test_create_rules(graph, ms, world):
    base = {
        "accountEnabled": True,
        "displayName": "New Person",
        "mailNickname": "newperson",
        "passwordProfile": {"password": "Brand-New-Pass1"},
    }
    _error(
        graph.post(f"{ms.graph}/users", json={**base, "userPrincipalName": "x@nowhere.example"}),
        400,
        "Request_BadRequest",
    )
    _error(
        graph.post(
            f"{ms.graph}/users", json={**base, "userPrincipalName": "bad space@users.example"}
        ),
        400,
        "Request_BadRequest",
    )
    weak = {
        **base,
        "userPrincipalName": "weak@users.example",
        "passwordProfile": {"password": "short"},
    }
    assert (
        "complexity"
        in _error(graph.post(f"{ms.graph}/users", json=weak), 400, "Request_BadRequest")["message"]
    )
    lax = {**weak, "passwordPolicies": "DisableStrongPassword"}
    assert graph.post(f"{ms.graph}/users", json=lax).status_code == 201
    missing = {k: v for k, v in base.items() if k != "mailNickname"}
    _error(
        graph.post(f"{ms.graph}/users", json={**missing, "userPrincipalName": "m@users.example"}),
        400,
        "Request_BadRequest",
    )
    _error(
        graph.post(
            f"{ms.graph}/users", json={**base, "userPrincipalName": "u@users.example", "bogus": 1}
        ),
        400,
        "Request_BadRequest",
    )
    dup = _error(
        graph.post(f"{ms.graph}/users", json={**base, "userPrincipalName": "ALICE@users.example"}),
        400,
        "Request_BadRequest",
    )
    assert dup["details"] == [{"target": "userPrincipalName", "code": "ObjectConflict"}]
    created = graph.post(
        f"{ms.graph}/users", json={**base, "userPrincipalName": "new@users.example"}
    )
    assert created.status_code == 201
    assert created.json()["@odata.context"].endswith("/$metadata#users/$entity")


def test_federated_domain_users_need_a_source_anchor(graph, ms, world):
    from .certs import idp_certificate

    reply = graph.post(
        f"{ms.graph}/domains/fed-users.example/federationConfiguration",
        json={
            "displayName": "IdP",
            "issuerUri": "https://idp.example/users",
            "passiveSignInUri": "https://idp.example/sso",
            "signingCertificate": idp_certificate(),
            "preferredAuthenticationProtocol": "saml",
        },
    )
    assert reply.status_code == 201, reply.text
    body = {
        "accountEnabled": True,
        "displayName": "Fed",
        "mailNickname": "fed",
        "userPrincipalName": "fed@fed-users.example",
        "passwordProfile": {"password": "Fed-Pass-123"},
    }
    error = _error(graph.post(f"{ms.graph}/users", json=body), 400, "Request_BadRequest")
    assert (
        error["message"] == "SourceAnchor is a required property for creation of a federated user."
    )
    assert (
        graph.post(f"{ms.graph}/users", json={**body, "onPremisesImmutableId": "fed-1"}).status_code
        == 201
    )
    change = graph.patch(
        f"{ms.graph}/users/fed@fed-users.example", json={"onPremisesImmutableId": "other"}
    )
    _error(change, 400, "Request_BadRequest")


def test_patch_password_profile_and_select(graph, ms, world):
    upn = "carol@users.example"
    before = graph.get(
        f"{ms.graph}/users/{upn}", params={"$select": "lastPasswordChangeDateTime"}
    ).json()
    ms.clock(advance_seconds=120)
    try:
        reply = graph.patch(
            f"{ms.graph}/users/{upn}",
            json={
                "passwordProfile": {
                    "password": "Carol-New-Pass1",
                    "forceChangePasswordNextSignIn": False,
                },
                "jobTitle": "Captain",
            },
        )
        assert reply.status_code == 204 and reply.content == b""
        after = graph.get(
            f"{ms.graph}/users/{upn}",
            params={"$select": "lastPasswordChangeDateTime,jobTitle,accountEnabled"},
        ).json()
    finally:
        ms.clock(reset=True)
    assert after["lastPasswordChangeDateTime"] > before["lastPasswordChangeDateTime"]
    assert after["jobTitle"] == "Captain" and after["accountEnabled"] is True
    _error(
        graph.patch(f"{ms.graph}/users/{upn}", json={"displayName": ""}), 400, "Request_BadRequest"
    )
    _error(graph.get(f"{ms.graph}/users/nobody@users.example"), 404, "Request_ResourceNotFound")


def test_delete_restore_purge(graph, ms):
    user = graph.post(
        f"{ms.graph}/users",
        json={
            "accountEnabled": True,
            "displayName": "Temp",
            "mailNickname": "temp",
            "userPrincipalName": "temp@users.example",
            "passwordProfile": {"password": "Temp-Pass-123"},
        },
    ).json()
    assert graph.delete(f"{ms.graph}/users/{user['id']}").status_code == 204
    _error(graph.get(f"{ms.graph}/users/{user['id']}"), 404, "Request_ResourceNotFound")
    listed = graph.get(f"{ms.graph}/directory/deletedItems/microsoft.graph.user").json()["value"]
    item = next(u for u in listed if u["id"] == user["id"])
    assert item["@odata.type"] == "#microsoft.graph.user" and item["deletedDateTime"]
    got = graph.get(f"{ms.graph}/directory/deletedItems/{user['id']}")
    assert got.status_code == 200
    restored = graph.post(f"{ms.graph}/directory/deletedItems/{user['id']}/restore")
    assert restored.status_code == 200 and restored.json()["id"] == user["id"]
    assert graph.delete(f"{ms.graph}/users/{user['id']}").status_code == 204
    assert graph.delete(f"{ms.graph}/directory/deletedItems/{user['id']}").status_code == 204
    _error(
        graph.post(f"{ms.graph}/directory/deletedItems/{user['id']}/restore"),
        404,
        "Request_ResourceNotFound",
    )


def _deleted_user(graph, ms, nick: str) -> str:
    """Create a user and soft-delete it; returns its id."""
    user = graph.post(
        f"{ms.graph}/users",
        json={
            "accountEnabled": True,
            "displayName": nick.title(),
            "mailNickname": nick,
            "userPrincipalName": f"{nick}@users.example",
            "passwordProfile": {"password": "Cast-Pass-123"},
        },
    ).json()
    assert graph.delete(f"{ms.graph}/users/{user['id']}").status_code == 204
    return user["id"]


@pytest.mark.parametrize("cast", ["microsoft.graph.user", "graph.user", "Microsoft.Graph.User"])
def test_deleted_items_answer_at_odata_cast_paths(graph, ms, cast):
    user_id = _deleted_user(graph, ms, "cast" + str(len(cast)))
    items = f"{ms.graph}/directory/deletedItems"
    for path in (f"{cast}/{user_id}", f"{user_id}/{cast}"):
        got = graph.get(f"{items}/{path}", params={"$select": "displayName,deletedDateTime"})
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["@odata.context"].endswith(
            "$metadata#directory/deletedItems/microsoft.graph.user/$entity"
        )
        assert body["id"] == user_id and body["@odata.type"] == "#microsoft.graph.user"
        assert set(body) - {"@odata.context", "@odata.type"} == {
            "id", "displayName", "deletedDateTime"
        }  # fmt: skip
    restored = graph.post(f"{items}/{cast}/{user_id}/restore")
    assert restored.status_code == 200 and restored.json()["id"] == user_id
    assert graph.delete(f"{ms.graph}/users/{user_id}").status_code == 204
    assert graph.delete(f"{items}/{cast}/{user_id}").status_code == 204
    _error(graph.get(f"{items}/{user_id}"), 404, "Request_ResourceNotFound")
    _error(graph.delete(f"{items}/{cast}/{user_id}"), 404, "Request_ResourceNotFound")


def test_a_cast_to_another_type_finds_no_deleted_user(graph, ms):
    user_id = _deleted_user(graph, ms, "wrongcast")
    items = f"{ms.graph}/directory/deletedItems"
    for path in (f"microsoft.graph.group/{user_id}", f"{user_id}/graph.group"):
        body = _error(graph.get(f"{items}/{path}"), 404, "Request_ResourceNotFound")
        assert body["message"].startswith(f"Resource '{user_id}' does not exist")
    _error(
        graph.delete(f"{items}/microsoft.graph.group/{user_id}"), 404, "Request_ResourceNotFound"
    )
    _error(
        graph.post(f"{items}/microsoft.graph.application/{user_id}/restore"),
        404,
        "Request_ResourceNotFound",
    )
    # Nothing happened to the user: it is still in deleted items.
    assert graph.get(f"{items}/microsoft.graph.user/{user_id}").status_code == 200
    # Deleted groups are listed empty: the lab removes groups at once.
    groups = graph.get(f"{items}/microsoft.graph.group")
    assert groups.status_code == 200 and groups.json()["value"] == []


def test_deleted_items_count_and_bad_paths(graph, ms):
    user_id = _deleted_user(graph, ms, "counted")
    items = f"{ms.graph}/directory/deletedItems"
    listed = graph.get(
        f"{items}/graph.user", params={"$count": "true", "$select": "id"}, headers=EVENTUAL
    ).json()
    assert listed["@odata.count"] == len(listed["value"]) >= 1
    assert user_id in [u["id"] for u in listed["value"]]
    count = graph.get(f"{items}/microsoft.graph.user/$count", headers=EVENTUAL)
    assert count.status_code == 200 and count.headers["Content-Type"].startswith("text/plain")
    assert count.text == str(listed["@odata.count"])
    assert graph.get(f"{items}/microsoft.graph.group/$count", headers=EVENTUAL).text == "0"
    _error(graph.get(f"{items}/microsoft.graph.user/$count"), 400, "Request_BadRequest")
    # The cast is required to list (Graph's words); unknown types and shapes are unknown segments.
    for path in ("", "/$count"):
        body = _error(graph.get(items + path), 400, "Request_UnsupportedQuery")
        assert body["message"].startswith("Searches against this resource are not supported.")
    for path, segment in (
        ("microsoft.graph.nosuch", "microsoft.graph.nosuch"),
        ("microsoft.graph.directoryRole", "microsoft.graph.directoryRole"),
        ("microsoft.graph.user/graph.user", "graph.user"),
        (f"{user_id}/$count", "$count"),
    ):
        body = _error(graph.get(f"{items}/{path}"), 400, "BadRequest")
        assert body["message"] == f"Resource not found for the segment '{segment}'."


def test_deleted_users_are_purged_after_30_days(graph, ms, world):
    user = graph.post(
        f"{ms.graph}/users",
        json={
            "accountEnabled": True,
            "displayName": "Old",
            "mailNickname": "old",
            "userPrincipalName": "old@users.example",
            "passwordProfile": {"password": "Old-Pass-1234"},
        },
    ).json()
    graph.delete(f"{ms.graph}/users/{user['id']}")
    ms.clock(advance_seconds=31 * 86400)
    try:
        with ms.graph_session(ms.app_token(world)) as later:
            reply = later.get(f"{ms.graph}/directory/deletedItems/{user['id']}")
        _error(reply, 404, "Request_ResourceNotFound")
    finally:
        ms.clock(reset=True)


def test_bearer_token_checks(ms, world, graph):
    with ms.session() as s:
        missing = s.get(f"{ms.graph}/users")
        garbage = s.get(f"{ms.graph}/users", headers={"Authorization": "Bearer abc"})
    assert _error(missing, 401, "InvalidAuthenticationToken")["message"] == "Access token is empty."
    assert missing.headers["WWW-Authenticate"].startswith('Bearer realm="", authorization_uri=')
    assert 'client_id="00000003-0000-0000-c000-000000000000"' in missing.headers["WWW-Authenticate"]
    _error(garbage, 401, "InvalidAuthenticationToken")
    # A token of a tenant whose world was deleted is refused at once.
    other = ms.world({})
    token = ms.app_token(other)
    with ms.graph_session(token) as s:
        assert s.get(f"{ms.graph}/users").status_code == 200
        assert ms.admin("DELETE", f"/_lab/worlds/{other['world_id']}").status_code == 204
        _error(s.get(f"{ms.graph}/users"), 401, "InvalidAuthenticationToken")


def test_expired_token_after_clock_advance(ms, world, clock_reset):
    token = ms.app_token(world)
    ms.clock(advance_seconds=3700)
    with ms.graph_session(token) as s:
        body = _error(s.get(f"{ms.graph}/users"), 401, "InvalidAuthenticationToken")
    assert body["message"] == "Access token has expired or is not yet valid."


def test_tokens_only_see_their_own_tenant(ms, world):
    other = ms.world({"domains": ["other-tenant.example"]})
    with ms.graph_session(ms.app_token(other)) as s:
        names = [u["userPrincipalName"] for u in s.get(f"{ms.graph}/users").json()["value"]]
        assert not any(n.endswith("@users.example") for n in names)
        _error(s.get(f"{ms.graph}/users/alice@users.example"), 404, "Request_ResourceNotFound")
        alice_id = None
    with ms.graph_session(ms.app_token(world)) as s:
        alice_id = s.get(f"{ms.graph}/users/alice@users.example").json()["id"]
    with ms.graph_session(ms.app_token(other)) as s:
        _error(s.get(f"{ms.graph}/users/{alice_id}"), 404, "Request_ResourceNotFound")
        _error(
            s.patch(f"{ms.graph}/users/{alice_id}", json={"jobTitle": "x"}),
            404,
            "Request_ResourceNotFound",
        )


def test_insufficient_privileges(ms):
    world = ms.world(
        {
            "apps": [
                {
                    "displayName": "Reader",
                    "application_permissions": ["User.Read.All"],
                    "admin_consent": True,
                },
                {"displayName": "Nothing", "application_permissions": ["Group.Read.All"]},
            ]
        }
    )
    reader, nothing = world["apps"]
    with ms.graph_session(ms.app_token(world, reader)) as s:
        assert s.get(f"{ms.graph}/users").status_code == 200
        body = {
            "accountEnabled": True,
            "displayName": "x",
            "mailNickname": "x",
            "userPrincipalName": f"x@{world['initial_domain']}",
            "passwordProfile": {"password": "Xx-Pass-1234"},
        }
        denied = _error(s.post(f"{ms.graph}/users", json=body), 403, "Authorization_RequestDenied")
        assert denied["message"] == "Insufficient privileges to complete the operation."
        _error(s.get(f"{ms.graph}/domains"), 403, "Authorization_RequestDenied")
    with ms.graph_session(ms.app_token(world, nothing)) as s:
        _error(s.get(f"{ms.graph}/users"), 403, "Authorization_RequestDenied")


def test_delegated_writes_need_an_admin_role(ms):
    password = "Delegated-Pass-1"
    world = ms.world(
        {
            "domains": ["delegated.example"],
            "users": [
                {"userPrincipalName": "worker@delegated.example", "password": password},
                {
                    "userPrincipalName": "helpdesk@delegated.example",
                    "password": password,
                    "roles": ["User Administrator"],
                },
            ],
            "apps": [
                {
                    "displayName": "Sync",
                    "delegated_scopes": ["User.ReadWrite.All"],
                    "redirect_uris": [f"{ms.portal}/_test/cb"],
                    "admin_consent": True,
                }
            ],
        }
    )
    app = world["apps"][0]
    body = {
        "accountEnabled": True,
        "displayName": "Made",
        "mailNickname": "made",
        "userPrincipalName": "made@delegated.example",
        "passwordProfile": {"password": "Made-Pass-123"},
    }
    worker = ms.delegated_token(
        world, app, "worker@delegated.example", password, "User.ReadWrite.All"
    )
    with ms.graph_session(worker) as s:
        assert s.get(f"{ms.graph}/users").status_code == 200
        assert s.get(f"{ms.graph}/me").json()["userPrincipalName"] == "worker@delegated.example"
        _error(s.post(f"{ms.graph}/users", json=body), 403, "Authorization_RequestDenied")
    helpdesk = ms.delegated_token(
        world, app, "helpdesk@delegated.example", password, "User.ReadWrite.All"
    )
    with ms.graph_session(helpdesk) as s:
        assert s.post(f"{ms.graph}/users", json=body).status_code == 201


def test_a_user_synchronized_from_on_premises_is_read_only_at_graph(ms):
    world = ms.world(
        {
            "domains": ["onprem.example"],
            "users": [
                {"userPrincipalName": "ad@onprem.example", "password": "Strong-Pass-1",
                 "onPremisesSyncEnabled": True, "onPremisesImmutableId": "YWQtZ3VpZA=="},
            ],
        }
    )  # fmt: skip
    with ms.graph_session(ms.app_token(world)) as graph:
        url = f"{ms.graph}/users/ad@onprem.example"
        got = graph.get(url, params={"$select": "onPremisesSyncEnabled,onPremisesImmutableId"})
        assert got.json()["onPremisesSyncEnabled"] is True
        refused = graph.patch(url, json={"displayName": "Changed"})
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert error["code"] == "Request_BadRequest"
        assert "on-premises mastered Directory Sync objects" in error["message"]
        assert graph.patch(url, json={"usageLocation": "NL"}).status_code == 204
        cloud = graph.get(f"{ms.graph}/users", params={"$select": "onPremisesSyncEnabled"})
        assert [u["onPremisesSyncEnabled"] for u in cloud.json()["value"]].count(True) == 1
