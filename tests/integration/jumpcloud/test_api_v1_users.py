"""v1 /api/systemusers and /api/search/systemusers, positive and negative."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD

PEOPLE = [
    {"username": "alice", "email": "alice@contoso.com", "firstname": "Alice", "lastname": "Adams",
     "department": "Sales", "password": PASSWORD, "employeeIdentifier": "E1"},
    {"username": "bob", "email": "bob@contoso.com", "firstname": "Bob", "lastname": "Brown",
     "department": "Sales", "password": PASSWORD, "manager": "alice"},
    {"username": "carol", "email": "carol@contoso.com", "firstname": "Carol", "lastname": "Clark",
     "department": "Engineering", "password": PASSWORD, "state": "SUSPENDED"},
]  # fmt: skip


@pytest.fixture(scope="module")
def world(jc):
    return jc.world(
        {
            "users": PEOPLE,
            "password_policy": {"maxHistory": 2, "minLength": 10},
            "settings": {"newSystemUserStateDefaults": {"manualEntry": "STAGED"}},
        }
    )


@pytest.fixture(scope="module")
def api(jc, world):
    return jc.api(world)


def ids(world):
    return {u["username"]: u["id"] for u in world["users"]}


def test_list_envelope_paging_and_sort(api):
    reply = api.get("/api/systemusers", params={"limit": 2, "sort": "-username"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["totalCount"] == 3
    assert [u["username"] for u in body["results"]] == ["carol", "bob"]
    page2 = api.get("/api/systemusers", params={"limit": 2, "skip": 2, "sort": "-username"}).json()
    assert [u["username"] for u in page2["results"]] == ["alice"]
    # unknown sort keys are ignored; limit above 100 is clamped (v1)
    assert api.get("/api/systemusers", params={"sort": "nosuchfield", "limit": 500}).ok
    assert api.get("/api/systemusers").json()["totalCount"] == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("filter", "department:$eq:Sales")], {"alice", "bob"}),
        ([("filter", "department:eq:Sales")], {"alice", "bob"}),
        ([("filter", "department:$ne:Sales")], {"carol"}),
        ([("filter", "department:$eq:Sales"), ("filter", "username:$eq:bob")], {"bob"}),
        ([("filter[0]", "department:$eq:Sales"), ("filter[1]", "firstname:$eq:Alice")], {"alice"}),
        ([("filter[or][0]", "username:$eq:alice"), ("filter[or][1]", "username:eq:carol")],
         {"alice", "carol"}),
        ([("filter", "suspended:$eq:true")], {"carol"}),
        ([("filter", "username:$gt:b")], {"bob", "carol"}),
    ],
)  # fmt: skip
def test_v1_filters(api, params, expected):
    body = api.get("/api/systemusers", params=params).json()
    assert {u["username"] for u in body["results"]} == expected
    assert body["totalCount"] == len(expected)


def test_fields_projection_keeps_id(api):
    body = api.get("/api/systemusers", params={"fields": "username email", "limit": 1}).json()
    assert set(body["results"][0]) == {"_id", "username", "email"}


def test_bad_filter_and_limit(api):
    bad = api.get("/api/systemusers", params={"filter": "department:$like:x"})
    assert bad.status_code == 400
    assert bad.json()["code"] == 400 and "operator" in bad.json()["message"]
    assert api.get("/api/systemusers", params={"limit": "ten"}).status_code == 400


def test_search_and_or_searchfilter(api):
    body = api.post(
        "/api/search/systemusers",
        json={
            "filter": {"or": [{"username": "alice"}, {"firstname": "Carol"}]},
            "fields": "username",
        },
    ).json()
    assert {u["username"] for u in body["results"]} == {"alice", "carol"}
    assert set(body["results"][0]) == {"_id", "username"}
    anded = api.post(
        "/api/search/systemusers",
        json={"filter": {"and": [{"department": "Sales"}, {"firstname": "Bob"}]}, "limit": 100},
    ).json()
    assert [u["username"] for u in anded["results"]] == ["bob"]
    text = api.post(
        "/api/search/systemusers",
        json={"searchFilter": {"searchTerm": "clar", "fields": ["lastname", "email"]}},
    ).json()
    assert [u["username"] for u in text["results"]] == ["carol"]
    assert api.post("/api/search/systemusers", json={"filter": "x"}).status_code == 400


def test_get_user_shape(api, world):
    user = api.get(f"/api/systemusers/{ids(world)['bob']}").json()
    assert user["_id"] == ids(world)["bob"]
    assert user["manager"] == ids(world)["alice"]
    expected = (
        "account_locked activated suspended password_expired totp_enabled badLoginAttempts mfa "
        "mfaEnrollment created creationSource password_date addresses phoneNumbers attributes "
        "organization"
    )
    for key in expected.split():
        assert key in user, key
    assert user["state"] == "ACTIVATED" and user["activated"] and not user["suspended"]
    suspended = api.get(f"/api/systemusers/{ids(world)['carol']}").json()
    assert suspended["state"] == "SUSPENDED" and suspended["suspended"] is True


def test_unknown_and_malformed_ids(api):
    missing = api.get("/api/systemusers/0123456789abcdef01234567")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": 404,
        "message": "User 0123456789abcdef01234567 not found",
        "status": "Not Found",
    }
    assert api.get("/api/systemusers/not-an-id").status_code == 404
    assert api.put("/api/systemusers/0123456789abcdef01234567", json={}).status_code == 404


def test_create_default_state_from_org_setting_and_fields(api):
    reply = api.post(
        "/api/systemusers",
        json={
            "username": "dave",
            "email": "dave@contoso.com",
            "password": "Long-enough-9",
            "phoneNumbers": [{"type": "mobile", "number": "+1 555 0100"}],
            "addresses": [{"type": "work", "locality": "Oslo", "country": "NO"}],
            "attributes": [{"name": "costCode", "value": "42"}],
            "alternateEmail": "dave@fabrikam.com",
        },
    )
    assert reply.status_code == 200, reply.text
    user = reply.json()
    assert user["state"] == "STAGED" and user["activated"] is False
    assert user["phoneNumbers"][0]["id"] and user["addresses"][0]["locality"] == "Oslo"
    assert user["password_date"]
    activated = api.post(f"/api/systemusers/{user['_id']}/state/activate", json={})
    assert activated.status_code == 200
    assert api.get(f"/api/systemusers/{user['_id']}").json()["state"] == "ACTIVATED"


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"email": "x@contoso.com"}, 400, "username"),
        ({"username": "x"}, 400, "email"),
        ({"username": "x", "email": "not-an-email"}, 400, "email"),
        ({"username": "alice", "email": "new@contoso.com"}, 409, "username"),
        ({"username": "x1", "email": "ALICE@contoso.com"}, 409, "email"),
        ({"username": "x2", "email": "x2@contoso.com", "employeeIdentifier": "E1"}, 409,
         "employeeIdentifier"),
        ({"username": "x3", "email": "x3@contoso.com", "state": "ENABLED"}, 400, "state"),
        ({"username": "x4", "email": "x4@contoso.com", "sudo": "yes"}, 400, "sudo"),
        ({"username": "x5", "email": "x5@contoso.com", "manager": "0123456789abcdef01234567"},
         400, "manager"),
    ],
)  # fmt: skip
def test_create_rejections(api, body, status, needle):
    reply = api.post("/api/systemusers", json=body)
    assert reply.status_code == status, reply.text
    error = reply.json()
    assert error["code"] == status and needle in error["message"]
    assert error["status"] in ("Bad Request", "Conflict")


def test_invalid_json_and_non_object(api):
    raw = api.post("/api/systemusers", data="{nope", headers={"Content-Type": "application/json"})
    assert raw.status_code == 400 and "invalid JSON" in raw.json()["message"]
    assert api.post("/api/systemusers", json=[1, 2]).status_code == 400
    assert api.post("/api/systemusers").status_code == 400


def test_password_policy_full_validation_details(api):
    plain = api.post(
        "/api/systemusers", json={"username": "pw1", "email": "pw1@contoso.com", "password": "abc"}
    )
    assert plain.status_code == 400 and "details" not in plain.json()
    detailed = api.post(
        "/api/systemusers?fullValidationDetails=password",
        json={"username": "pw1", "email": "pw1@contoso.com", "password": "abcdefghijkl"},
    )
    assert detailed.status_code == 400
    body = detailed.json()
    assert body["message"] == "Password validation fail" and body["status"] == "INVALID_ARGUMENT"
    detail = body["details"][0]
    assert detail["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    found = {v["description"] for v in detail["fieldViolationsList"]}
    assert found == {"uppercase", "numeric", "specialCharacter"}


def test_put_is_partial_state_and_password_history(api, world):
    bob = ids(world)["bob"]
    reply = api.put(f"/api/systemusers/{bob}", json={"jobTitle": "Rep", "state": "SUSPENDED"})
    assert reply.status_code == 200
    user = reply.json()
    assert user["jobTitle"] == "Rep" and user["firstname"] == "Bob"
    assert user["state"] == "SUSPENDED" and user["suspended"] and user["activated"]
    assert api.put(f"/api/systemusers/{bob}", json={"state": "STAGED"}).status_code == 400
    assert api.put(f"/api/systemusers/{bob}", json={"state": "ACTIVATED"}).json()["state"] == (
        "ACTIVATED"
    )
    reuse = api.put(
        f"/api/systemusers/{bob}?fullValidationDetails=password", json={"password": PASSWORD}
    )
    assert reuse.status_code == 400
    violations = reuse.json()["details"][0]["fieldViolationsList"]
    assert violations == [{"field": "password", "description": "passwordHistory"}]
    assert api.put(f"/api/systemusers/{bob}", json={"password": "Brand-new-pw1"}).ok


def test_expire_unlock_resetmfa_totpinfo(api, world):
    alice = ids(world)["alice"]
    assert api.post(f"/api/systemusers/{alice}/expire").status_code == 200
    assert api.get(f"/api/systemusers/{alice}").json()["password_expired"] is True
    assert api.post(f"/api/systemusers/{alice}/unlock").status_code == 200
    assert api.get(f"/api/systemusers/{alice}/totpinfo").status_code == 404
    reset = api.post(
        f"/api/systemusers/{alice}/resetmfa", json={"exclusion": True, "exclusionDays": 7}
    )
    assert reset.status_code == 200
    user = api.get(f"/api/systemusers/{alice}").json()
    assert user["mfa"]["exclusion"] is True and user["mfa"]["exclusionUntil"].endswith("Z")
    assert user["mfaEnrollment"]["totpStatus"] == "PENDING_ACTIVATION"
    bad = api.post(
        f"/api/systemusers/{alice}/resetmfa", json={"exclusion": True, "exclusionDays": 0}
    )
    assert bad.status_code == 400
    assert api.post("/api/systemusers/0123456789abcdef01234567/expire").status_code == 404


def test_delete_with_and_without_cascade_manager(api, world):
    alice = ids(world)["alice"]
    refused = api.delete(f"/api/systemusers/{alice}")
    assert refused.status_code == 400 and "cascade_manager" in refused.json()["message"]
    deleted = api.delete(f"/api/systemusers/{alice}?cascade_manager=null")
    assert deleted.status_code == 200 and deleted.json()["username"] == "alice"
    assert "manager" not in api.get(f"/api/systemusers/{ids(world)['bob']}").json()
    assert api.get(f"/api/systemusers/{alice}").status_code == 404


def test_auth_missing_wrong_key_and_org_header(jc, api, world):
    anonymous = jc.api(key="")
    missing = anonymous.get("/api/systemusers")
    assert missing.status_code == 401 and missing.json()["status"] == "Unauthorized"
    assert jc.api(key="0" * 40).get("/api/systemusers").status_code == 401
    assert api.get("/api/systemusers", headers={"x-org-id": world["org_id"]}).ok
    assert api.get("/api/systemusers", headers={"x-org-id": ""}).ok
    assert api.get("/api/systemusers", headers={"x-org-id": "nope"}).status_code == 400
    unknown = api.get("/api/systemusers", headers={"x-org-id": "0123456789abcdef01234567"})
    assert unknown.status_code == 404
    other = jc.world({"users": []})
    foreign = api.get("/api/systemusers", headers={"x-org-id": other["org_id"]})
    assert foreign.status_code == 403 and foreign.json()["code"] == 403


def test_isolation_between_worlds(jc, api, world):
    other = jc.world({"users": [{"username": "zed", "email": "zed@other.com"}]})
    other_api = jc.api(other)
    assert [u["username"] for u in other_api.get("/api/systemusers").json()["results"]] == ["zed"]
    assert other_api.get(f"/api/systemusers/{ids(world)['bob']}").status_code == 404


def test_delete_world_stops_keys_at_once(jc):
    doomed = jc.world({"users": [{"username": "gone", "email": "gone@x.com"}]})
    assert jc.api(doomed).get("/api/systemusers").ok
    assert jc.control("DELETE", f"/_lab/worlds/{doomed['world_id']}").status_code == 204
    assert jc.api(doomed).get("/api/systemusers").status_code == 401
    assert jc.control("DELETE", f"/_lab/worlds/{doomed['world_id']}").status_code == 404


def test_unknown_route_and_method_are_jumpcloud_errors(api):
    missing = api.get("/api/nosuchthing")
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message", "status"}
    wrong = api.request("PATCH", "/api/systemusers")
    assert wrong.status_code == 405 and wrong.json()["code"] == 405


def test_service_account_token(jc, world):
    account = world["service_account"]
    reply = jc.session.post(
        jc.console + "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "api"},
        auth=(account["client_id"], account["client_secret"]),
    )
    assert reply.status_code == 200
    token = reply.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    listed = jc.session.get(
        jc.console + "/api/systemusers",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert listed.status_code == 200 and listed.json()["totalCount"] >= 1
    bad = jc.session.post(
        jc.console + "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "api"},
        auth=(account["client_id"], "wrong"),
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    grant = jc.session.post(
        jc.console + "/oauth2/token",
        data={"grant_type": "password"},
        auth=(account["client_id"], account["client_secret"]),
    )
    assert grant.status_code == 400
    jc.advance(3601)
    expired = jc.session.get(
        jc.console + "/api/systemusers",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert expired.status_code == 401
