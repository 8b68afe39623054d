"""Every Graph reply the lab makes has Graph v1.0's property names and types (its CSDL).

The facts come from ``tests/data/graph_contract.json`` (``tools/graph_contract.py``). The
world is made through Graph itself with every property the lab stores set, so each reply
below carries all the properties the lab can return.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from simulators.microsoft.graph.serialize import GROUP_STORED, SINGLE_ONLY, USER_STORED

from .certs import idp_certificate
from .graph_contract import contract, problems, properties

DOMAIN = "contract.example"
FEDERATED = "contract-fed.example"
PASSWORD = "Contract-Pass-1"
EXTENSION_1 = "onPremisesExtensionAttributes/extensionAttribute1"


def _full_user(nick: str) -> dict:
    """A creation body with every user property the lab accepts."""
    return {
        "accountEnabled": True,
        "displayName": f"{nick.title()} Contract",
        "givenName": nick.title(),
        "surname": "Contract",
        "mailNickname": nick,
        "userPrincipalName": f"{nick}@{DOMAIN}",
        "mail": f"{nick}@{DOMAIN}",
        "passwordProfile": {"password": PASSWORD, "forceChangePasswordNextSignIn": False},
        "passwordPolicies": "DisablePasswordExpiration",
        "usageLocation": "GB",
        "jobTitle": "Tester",
        "department": "QA",
        "employeeId": "E1",
        "companyName": "Contoso",
        "officeLocation": "B1",
        "mobilePhone": "+44 20 7946 0000",
        "businessPhones": ["+44 20 7946 0001"],
        "otherMails": [f"{nick}@other.example"],
        "preferredLanguage": "en-GB",
        "city": "London",
        "state": "LDN",
        "country": "United Kingdom",
        "streetAddress": "1 Lab Street",
        "postalCode": "N1 1AA",
        "userType": "Member",
        "onPremisesImmutableId": f"{nick}-immutable",
        "employeeType": "Contractor",
        "faxNumber": "+44 20 7946 0002",
        "employeeHireDate": "2024-03-01T09:00:00+01:00",
        "employeeOrgData": {"division": "Labs", "costCenter": "CC-1"},
        "onPremisesExtensionAttributes": {"extensionAttribute1": "blue"},
        "ageGroup": "Adult",
        "preferredDataLocation": "EUR",
        "birthday": "1990-05-17T00:00:00Z",
        "skills": ["SAML", "OAuth"],
    }


@pytest.fixture(scope="module")
def world(ms):
    return ms.world({"tenant": "Contract", "domains": [DOMAIN, FEDERATED]})


FEDERATION = {
    "displayName": "JumpCloud",
    "issuerUri": "https://sso.example/contract",
    "passiveSignInUri": "https://sso.example/saml2/o365",
    "signOutUri": "https://sso.example/logout",
    "preferredAuthenticationProtocol": "saml",
    "federatedIdpMfaBehavior": "acceptIfMfaDoneByFederatedIdp",
}
NEW_GROUP = {
    "displayName": "Contract group",
    "description": "Checked against the CSDL",
    "mailEnabled": False,
    "mailNickname": "contract-group",
    "securityEnabled": True,
}


@pytest.fixture(scope="module")
def objects(ms, graph):
    """Ids of what the world holds: two full users (one the other's manager), a deleted one,
    a group with a member, a new domain and a federated one; and the replies of those writes
    that have a body, as (what, body, type)."""
    written: list[tuple[str, dict, str]] = []

    def call(method: str, path: str, body: dict, status: int, type_name: str = "") -> dict:
        reply = graph.request(method, ms.graph + path, json=body)
        assert reply.status_code == status, f"{method} {path}: {reply.text}"
        if type_name:
            written.append((f"{method} {path}", reply.json(), type_name))
        return reply.json() if reply.content else {}

    users = {
        nick: call("POST", "/users", _full_user(nick), 201, "user")["id"]
        for nick in ("ada", "bo", "gone")
    }
    ada, bo, gone = users["ada"], users["bo"], users["gone"]
    call("PATCH", f"/users/{bo}", {"city": "Leeds"}, 204)
    call("DELETE", f"/users/{gone}", {}, 204)
    call("PUT", f"/users/{ada}/manager/$ref", {"@odata.id": f"{ms.graph}/users/{bo}"}, 204)
    group = call("POST", "/groups", NEW_GROUP, 201, "group")["id"]
    member = {"@odata.id": f"{ms.graph}/directoryObjects/{ada}"}
    call("POST", f"/groups/{group}/members/$ref", member, 204)
    call("POST", "/domains", {"id": "contract-new.example"}, 201, "domain")
    federation = {**FEDERATION, "signingCertificate": idp_certificate()}
    path = f"/domains/{FEDERATED}/federationConfiguration"
    call("POST", path, federation, 201, "internalDomainFederation")
    return {"users": users, "group": group, "written": written}


def _replies(ms, objects) -> list[tuple[str, dict, str]]:
    """(path, query, the type of each object in the reply) for every Graph read the lab serves."""
    ada, bo, gone = (objects["users"][n] for n in ("ada", "bo", "gone"))
    group = objects["group"]
    every_user_property = ",".join(sorted(properties("user")))
    listable_user_property = ",".join(sorted(set(properties("user")) - SINGLE_ONLY))
    every_group_property = ",".join(sorted(properties("group")))
    return [
        ("/users", {}, "user"),
        ("/users", {"$select": listable_user_property}, "user"),
        (f"/users/{ada}", {}, "user"),
        (f"/users/{ada}", {"$select": every_user_property}, "user"),
        (f"/users/{ada}/manager", {}, "directoryObject"),
        (f"/users/{ada}/memberOf", {}, "directoryObject"),
        (f"/users/{ada}/memberOf/microsoft.graph.group", {}, "group"),
        ("/groups", {}, "group"),
        ("/groups", {"$select": every_group_property}, "group"),
        (f"/groups/{group}", {"$select": every_group_property}, "group"),
        (f"/groups/{group}", {}, "group"),
        (f"/groups/{group}/members", {}, "directoryObject"),
        (f"/groups/{group}/members/microsoft.graph.user", {}, "user"),
        ("/domains", {}, "domain"),
        (f"/domains/{DOMAIN}", {}, "domain"),
        (f"/domains/{DOMAIN}/verificationDnsRecords", {}, "domainDnsRecord"),
        (f"/domains/{FEDERATED}/federationConfiguration", {}, "internalDomainFederation"),
        ("/organization", {}, "organization"),
        ("/organization", {"$select": "displayName,STREET,verifiedDomains"}, "organization"),
        ("/directory/deletedItems/microsoft.graph.user", {}, "user"),
        (f"/directory/deletedItems/{gone}", {}, "directoryObject"),
        ("/policies/identitySecurityDefaultsEnforcementPolicy", {},
         "identitySecurityDefaultsEnforcementPolicy"),
        (f"/users/{bo}", {"$select": "id,displayName,accountEnabled"}, "user"),
    ]  # fmt: skip


def test_every_reply_has_graph_names_and_types(ms, graph, objects):
    found: list[str] = []
    checked = 0
    for path, query, type_name in _replies(ms, objects):
        reply = graph.get(ms.graph + path, params=query)
        assert reply.status_code == 200, f"{path}: {reply.text}"
        body = reply.json()
        assert body.get("@odata.context", "").startswith(f"{ms.graph}/$metadata#"), path
        items = body["value"] if "value" in body and isinstance(body["value"], list) else [body]
        assert items, f"{path} returned nothing to check"
        for i, item in enumerate(items):
            found += problems(item, type_name, f"{path}{'?' if query else ''}[{i}]")
            checked += len(item)
    assert found == []
    assert checked > 300  # the world is rich enough that most properties were seen


def test_every_write_reply_has_graph_names_and_types(objects):
    found = [p for what, body, kind in objects["written"] for p in problems(body, kind, what)]
    assert found == []
    assert len(objects["written"]) == 6


def test_writable_properties_without_a_column_are_kept(ms, graph):
    created = graph.post(f"{ms.graph}/users", json=_full_user("cy"))
    assert created.status_code == 201, created.text
    url = f"{ms.graph}/users/{created.json()['id']}"
    names = "employeeType,employeeHireDate,employeeOrgData,onPremisesExtensionAttributes,birthday"
    got = graph.get(url, params={"$select": names + ",skills,hireDate"}).json()
    assert got["employeeType"] == "Contractor"
    assert got["employeeHireDate"] == "2024-03-01T08:00:00Z"  # normalized to UTC
    assert got["employeeOrgData"] == {"division": "Labs", "costCenter": "CC-1"}
    assert got["onPremisesExtensionAttributes"] == {"extensionAttribute1": "blue"}
    assert got["birthday"] == "1990-05-17T00:00:00Z" and got["skills"] == ["SAML", "OAuth"]
    assert got["hireDate"] == "0001-01-01T00:00:00Z"  # never set
    patch = {
        "onPremisesExtensionAttributes": {"extensionAttribute2": "green"},  # merged
        "employeeOrgData": {"costCenter": None},
        "employeeType": None,  # cleared
    }
    assert graph.patch(url, json=patch).status_code == 204
    got = graph.get(url, params={"$select": names}).json()
    assert got["onPremisesExtensionAttributes"] == {
        "extensionAttribute1": "blue", "extensionAttribute2": "green"
    }  # fmt: skip
    assert got["employeeOrgData"] == {"division": "Labs", "costCenter": None}
    assert got["employeeType"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"$filter": "employeeType eq 'contractor'"}, {"ada", "bo"}),  # any letter case
        ({"$filter": "faxNumber in ('+44 20 7946 0002', 'x')"}, {"ada", "bo"}),
        ({"$filter": "startsWith(employeeType, 'Con')"}, {"ada", "bo"}),
        ({"$filter": "employeeHireDate ge 2024-03-01T08:00:00Z"}, {"ada", "bo"}),
        ({"$filter": "employeeHireDate le 2024-01-01T00:00:00Z"}, set()),
        ({"$filter": "ageGroup eq 'Adult'"}, {"ada", "bo"}),
        ({"$filter": "employeeType ne 'Contractor'", "$count": "true"}, set()),
        ({"$filter": "employeeOrgData/costCenter eq 'cc-1'", "$count": "true"}, {"ada", "bo"}),
        ({"$filter": "employeeOrgData/division in ('Ops')", "$count": "true"}, set()),
        ({"$filter": f"{EXTENSION_1} eq 'blue'", "$count": "true"}, {"ada", "bo"}),
    ],
)
def test_filter_on_properties_without_a_column(ms, graph, objects, query, expected):
    headers = {"ConsistencyLevel": "eventual"} if "$count" in query else {}
    reply = graph.get(f"{ms.graph}/users", params=query, headers=headers)
    assert reply.status_code == 200, reply.text
    nicks = {u["userPrincipalName"].split("@")[0] for u in reply.json()["value"]}
    assert nicks & {"ada", "bo"} == expected  # (other tests add users of their own)


@pytest.mark.parametrize(
    "clause",
    [
        "faxNumber ne 'x'",
        "employeeOrgData/costCenter eq 'CC-1'",
        "onPremisesExtensionAttributes/extensionAttribute2 eq 'x'",
    ],
)
def test_these_filters_need_an_advanced_query(ms, graph, clause):
    reply = graph.get(f"{ms.graph}/users", params={"$filter": clause})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "Request_UnsupportedQuery"


@pytest.mark.parametrize(
    "clause",
    [
        "createdDateTime ge 9999-12-31T23:00:00-05:00",
        "employeeHireDate ge 0001-01-01T00:00:00+01:00",
    ],
)
def test_a_date_out_of_range_in_utc_is_a_bad_request(ms, graph, clause):
    reply = graph.get(f"{ms.graph}/users", params={"$filter": clause})
    assert reply.status_code == 400, reply.text
    assert "incompatible types" in reply.json()["error"]["message"]


def test_a_complex_member_the_table_lacks_is_a_syntax_error(ms, graph):
    query = {"$filter": "employeeOrgData/team eq 'x'", "$count": "true"}
    reply = graph.get(f"{ms.graph}/users", params=query, headers={"ConsistencyLevel": "eventual"})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "BadRequest"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ageGroup": "Teen"}, "Invalid value specified for property 'ageGroup' of resource"),
        ({"employeeHireDate": "soon"}, "property 'employeeHireDate' of resource 'User'"),
        ({"birthday": "9999-12-31T23:00:00-05:00"}, "property 'birthday' of resource 'User'"),
        ({"hireDate": "0001-01-01T00:00:00+01:00"}, "property 'hireDate' of resource 'User'"),
        ({"employeeOrgData": {"team": "x"}}, "property 'employeeOrgData' of resource 'User'"),
        ({"skills": "SAML"}, "Invalid value specified for property 'skills'"),
        ({"faxNumber": 42}, "Invalid value specified for property 'faxNumber'"),
        ({"userPrincipalName": None}, "Invalid value specified for property 'userPrincipalName'"),
        ({"mailNickname": None}, "Invalid value specified for property 'mailNickname'"),
        ({"signInActivity": None}, "Property 'signInActivity' is read-only and cannot be set."),
        ({"createdDateTime": "2020-01-01T00:00:00Z"}, "'createdDateTime' is read-only"),
        ({"favouriteColour": "red"}, "Property 'favouriteColour' does not exist on type"),
    ],
)
def test_bad_writes_are_refused_and_change_nothing(ms, graph, objects, body, message):
    url = f"{ms.graph}/users/{objects['users']['bo']}"
    before = graph.get(url, params={"$select": ",".join(properties("user"))}).json()
    reply = graph.patch(url, json={"employeeType": "Changed", "jobTitle": "Changed", **body})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "Request_BadRequest"
    assert message in reply.json()["error"]["message"]
    after = graph.get(url, params={"$select": ",".join(properties("user"))}).json()
    assert after == before


def test_organization_has_every_declared_property(ms, graph, world):
    org = graph.get(f"{ms.graph}/organization/{world['tenant_id']}").json()
    assert set(org) - {"@odata.context"} == set(properties("organization"))
    assert org["technicalNotificationMails"] == [] and org["street"] is None
    picked = graph.get(f"{ms.graph}/organization", params={"$select": "street"}).json()
    assert set(picked["value"][0]) == {"id", "street"}
    bad = graph.get(f"{ms.graph}/organization", params={"$select": "streetName"})
    assert bad.status_code == 400 and "'microsoft.graph.organization'" in bad.text


def test_group_properties_without_a_column_and_refused_ones(ms, graph):
    body = {**NEW_GROUP, "mailNickname": "classified", "classification": "Confidential",
            "preferredLanguage": "en-GB", "theme": "Teal"}  # fmt: skip
    created = graph.post(f"{ms.graph}/groups", json=body)
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["classification"] == "Confidential" and group["theme"] == "Teal"
    assert group["membershipRule"] is None and group["resourceBehaviorOptions"] == []
    url = f"{ms.graph}/groups/{group['id']}"
    assert graph.patch(url, json={"theme": None, "preferredLanguage": "fr-FR"}).status_code == 204
    got = graph.get(url, params={"$select": "theme,preferredLanguage,classification"}).json()
    assert (got["theme"], got["preferredLanguage"], got["classification"]) == (
        None, "fr-FR", "Confidential"
    )  # fmt: skip
    for patch, message in (
        ({"membershipRule": "user.department -eq 'QA'"}, "dynamic membership is not simulated"),
        ({"securityIdentifier": "S-1-5"}, "'securityIdentifier' is read-only"),
        ({"classification": 7}, "Invalid value specified for property 'classification'"),
        ({"colour": "red"}, "'colour' does not exist on type 'microsoft.graph.group'"),
    ):
        reply = graph.patch(url, json={"displayName": "Changed", **patch})
        assert reply.status_code == 400 and message in reply.json()["error"]["message"], patch
    assert graph.get(url).json()["displayName"] == NEW_GROUP["displayName"]  # nothing applied


def test_the_lab_stores_graph_properties_only():
    for type_name, names in (("user", USER_STORED), ("group", GROUP_STORED)):
        assert sorted(set(names) - set(properties(type_name))) == [], type_name


def test_select_takes_every_declared_property_in_any_case(ms, graph, objects):
    ada = objects["users"]["ada"]
    reply = graph.get(f"{ms.graph}/users/{ada}", params={"$select": "JOBtitle,creationType,ID"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["jobTitle"] == "Tester" and body["creationType"] is None and body["id"] == ada
    assert not {"JOBtitle", "ID"} & set(body)  # Graph answers with the declared spelling
    every = graph.get(f"{ms.graph}/users/{ada}", params={"$select": ",".join(properties("user"))})
    assert set(every.json()) - {"@odata.context"} == set(properties("user"))
    assert every.json()["hireDate"] == "0001-01-01T00:00:00Z"
    assert every.json()["assignedLicenses"] == []


@pytest.mark.parametrize(
    ("path", "select", "status", "message"),
    [
        ("/users", "id,manager", 400, "Could not find a property named 'manager' on type"),
        ("/users", "id,notAProperty", 400, "named 'notAProperty' on type 'microsoft.graph.user'"),
        ("/users", "id,birthday", 501, "The property 'birthday' is only supported on a single"),
        ("/groups", "id,members", 400, "named 'members' on type 'microsoft.graph.group'"),
    ],
)
def test_select_refuses_what_graph_refuses(ms, graph, objects, path, select, status, message):
    reply = graph.get(ms.graph + path, params={"$select": select})
    assert reply.status_code == status, reply.text
    assert message in reply.json()["error"]["message"]


def test_the_properties_the_lab_reads_are_derived_from_the_contract(tmp_path):
    """``graph_properties.json`` is what ``tools/graph_contract.py --runtime-only`` writes."""
    root = Path(__file__).resolve().parents[3]
    location = importlib.util.spec_from_file_location(
        "graph_contract_tool", root / "tools" / "graph_contract.py"
    )
    tool = importlib.util.module_from_spec(location)
    location.loader.exec_module(tool)
    tool.write_runtime(contract(), tmp_path / "graph_properties.json")
    committed = root / "simulators" / "microsoft" / "model" / "graph_properties.json"
    assert committed.read_text() == (tmp_path / "graph_properties.json").read_text()
    assert json.loads(committed.read_text())["user"]["birthday"] == [
        "Edm.DateTimeOffset",
        False,
        False,
    ]


def test_the_contract_names_its_source():
    provenance = contract()["x-provenance"]
    assert provenance["repository"] == "https://github.com/microsoftgraph/msgraph-metadata"
    assert provenance["commit"] and provenance["license"] == "MIT"
    assert contract()["entitySets"]["users"] == "microsoft.graph.user"


@pytest.mark.parametrize(
    ("value", "type_name", "expected"),
    [
        ({"id": "x", "displayName": "A"}, "group", None),
        ({"displayname": "A"}, "group", "$.displayname: no such property on microsoft.graph.group"),
        ({"accountEnabled": "true"}, "user", "$.accountEnabled: 'true' is not a JSON Edm.Boolean"),
        ({"businessPhones": None}, "user", "$.businessPhones: expected a collection of Edm.String"),
        ({"createdDateTime": "2024-01-01 10:00"}, "user", "is not a JSON Edm.DateTimeOffset"),
        ({"passwordProfile": {"forceChange": True}}, "user", "$.passwordProfile.forceChange: no"),
        ({"@odata.type": "#microsoft.graph.group", "id": "g"}, "directoryObject", None),
        ({"@odata.type": "#microsoft.graph.group"}, "user", "does not derive from"),
        ({"federatedIdpMfaBehavior": "x"}, "internalDomainFederation", "x not a member of"),
        ({"birthday": None}, "user", "$.birthday: null, but Edm.DateTimeOffset is not nullable"),
    ],
)
def test_the_checker_finds_what_departs(value, type_name, expected):
    found = problems(value, type_name)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found
