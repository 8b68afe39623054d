"""Import: Graph paging passed through, then chosen users become bound JumpCloud users."""

from __future__ import annotations

import pytest

from harness.clients.useragent import UserAgent

from .helpers import new_world


@pytest.fixture(scope="module")
def world(lab):
    w = new_world(
        lab,
        {
            "domains": [{"name": "fabrikam-imp.com", "verified": True}],
            "generate_users": {"count": 249, "domain": "fabrikam-imp.com"},
        },
        {"office365": {"domains": ["fabrikam-imp.com"]}},
    )
    w.authorize()
    return w


def test_250_users_are_listed_in_three_pages_of_100(world):
    path = f"/v2/office365s/{world.o365}/import/users"
    seen, token, pages = [], None, 0
    while True:
        params = {"top": 100, **({"skipToken": token} if token else {})}
        page = world.ok("GET", path, params=params)
        pages += 1
        assert page["top"] == 100
        seen += page["users"]
        token = page["skipToken"]
        if not token:
            break
    assert pages == 3 and len(seen) == 249  # the generated users, not the authorizing admin
    assert len({u["id"] for u in seen}) == 249
    assert world.ms["global_admin"]["upn"] not in {u["userPrincipalName"] for u in seen}
    assert set(seen[0]) >= {"id", "givenName", "surname", "userPrincipalName"}


def _all_candidates(world, **params) -> list[dict]:
    path = f"/v2/office365s/{world.o365}/import/users"
    seen, token = [], None
    while True:
        page = world.ok(
            "GET", path, params={"top": 100, **params, **({"skipToken": token} if token else {})}
        )
        seen += page["users"]
        token = page["skipToken"]
        if not token:
            return seen


def test_filter_and_search_are_passed_to_graph(world):
    path = f"/v2/office365s/{world.o365}/import/users"
    someone = _all_candidates(world)[5]["userPrincipalName"]
    found = world.ok("GET", path, params={"filter": f"userPrincipalName eq '{someone}'"})
    assert [u["userPrincipalName"] for u in found["users"]] == [someone]
    admin_upn = world.ms["global_admin"]["upn"]
    found = world.ok("GET", path, params={"filter": f"userPrincipalName eq '{admin_upn}'"})
    assert found["users"] == []
    bad = world.api("GET", path, params={"filter": "nonsense eq eq"})
    assert bad.status_code == 400 and set(bad.json()) >= {"code", "message", "status"}


def test_import_creates_bound_jumpcloud_users(world):
    page = world.ok("GET", f"/v2/office365s/{world.o365}/import/users", params={"top": 3})
    picked = [u for u in page["users"] if "admin@" not in u["userPrincipalName"]][:2]
    reply = world.ok(
        "POST", f"/v2/office365s/{world.o365}/import/users",
        json={"users": [u["id"] for u in picked] + ["00000000-0000-0000-0000-000000000000"]},
    )  # fmt: skip
    results = reply["results"]
    assert [r["status"] for r in results] == [201, 201, 404]
    statuses = world.statuses()
    remaining = {u["id"] for u in _all_candidates(world)}
    assert not remaining & {u["id"] for u in picked}  # bound now: no longer offered
    for candidate, result in zip(picked, results, strict=False):
        user = world.ok("GET", f"/systemusers/{result['userId']}")
        assert user["creationSource"] == "jumpcloud:o365"
        assert user["state"] == "STAGED"  # the org default for application imports
        assert (
            user["email"].lower()
            == (candidate.get("mail") or candidate["userPrincipalName"]).lower()
        )
        assert statuses[result["userId"]]["externalId"] == candidate["id"]
        assert world.ms_user(candidate["id"])["onPremisesImmutableId"] == result["userId"]
        assert world.ms_user(candidate["id"])["accountEnabled"] is True


def test_import_from_the_admin_console_page(world):
    agent = UserAgent(world.ca)
    page = agent.get(f"{world.url('console')}/m365/import?office365_id={world.o365}&top=5")
    if page.page_id == "jc.admin.signin":
        form = page.form("admin-login-form")
        page = form.fill(
            email=world.jc["admin"]["email"], password=world.jc["admin"]["password"]
        ).submit()
    assert page.page_id == "jc.admin.m365.import"
    assert page.has("m365-import-next")
    form = page.form("m365-import-form")
    box = page.tree.xpath("//input[@name='users']")[-1]
    form.set("users", box.get("value"))
    done = form.submit()
    assert done.page_id == "jc.admin.m365.imported"
    assert "201" in done.text_of(f"result-{box.get('value')}")


def test_disabled_accounts_are_not_offered(world):
    someone = _all_candidates(world)[7]
    assert world.graph_patch(f"/users/{someone['id']}", {"accountEnabled": False}).ok
    assert someone["id"] not in {u["id"] for u in _all_candidates(world)}
    assert world.graph_patch(f"/users/{someone['id']}", {"accountEnabled": True}).ok
    assert someone["id"] in {u["id"] for u in _all_candidates(world)}
