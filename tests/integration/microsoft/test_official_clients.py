"""Unmodified msal, azure-identity and msgraph-sdk against the lab (authority/URL + CA only)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import msal
import pytest
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.employee_org_data import EmployeeOrgData
from msgraph.generated.models.group import Group
from msgraph.generated.models.internal_domain_federation import InternalDomainFederation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.reference_update import ReferenceUpdate
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from msgraph_core.tasks.page_iterator import PageIterator

from harness.clients.useragent import UserAgent

from .certs import idp_certificate

GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]


@pytest.fixture(scope="module")
def world(ms):
    return ms.world(
        {
            "tenant": "Fabrikam",
            "domains": [{"name": "fabrikam-sdk.example"}, {"name": "fed-sdk.example"}],
            "users": [
                {
                    "userPrincipalName": "megan@fabrikam-sdk.example",
                    "displayName": "Megan Bowen",
                    "password": "Megan-Pass-1",
                }
            ],
            "generate_users": 250,
            "apps": [
                {
                    "displayName": "Web app",
                    "delegated_scopes": ["User.Read"],
                    "redirect_uris": [f"{ms.portal}/_test/callback"],
                }
            ],
        }
    )


def _claims(token: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def test_msal_client_credentials_token_is_a_v1_graph_token(ms, world):
    app = msal.ConfidentialClientApplication(
        world["app"]["client_id"],
        client_credential=world["app"]["client_secret"],
        authority=f"{ms.login}/{world['tenant_id']}",
        verify=ms.ca,
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=GRAPH_DEFAULT)
    assert "access_token" in result, result
    header, claims = _claims(result["access_token"])
    assert header["alg"] == "RS256" and header["kid"] == header["x5t"] and header["nonce"]
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{world['tenant_id']}/"
    assert claims["tid"] == world["tenant_id"] and claims["idtyp"] == "app"
    assert claims["ver"] == "1.0" and claims["appid"] == world["app"]["client_id"]
    assert sorted(claims["roles"]) == [
        "Directory.ReadWrite.All",
        "Domain.ReadWrite.All",
        "Policy.ReadWrite.ConditionalAccess",
        "User.ReadWrite.All",
    ]
    assert claims["exp"] - claims["iat"] == 3599
    # The signature verifies with the published JWKS.
    with ms.session() as s:
        jwks = s.get(f"{ms.login}/{world['tenant_id']}/discovery/v2.0/keys").json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    jwt.decode(result["access_token"], key, algorithms=["RS256"], audience=claims["aud"])


def test_msal_with_the_labs_instance_discovery_stays_on_loopback(ms, world):
    app = msal.ConfidentialClientApplication(
        world["app"]["client_id"],
        client_credential=world["app"]["client_secret"],
        authority=f"{ms.login}/{world['initial_domain']}",
        verify=ms.ca,
        instance_discovery=f"{ms.login}/common/discovery/instance",
    )
    assert "access_token" in app.acquire_token_for_client(scopes=GRAPH_DEFAULT)


def test_msal_authorization_code_flow_through_the_pages(ms, world):
    web = world["apps"][0]
    redirect_uri = f"{ms.portal}/_test/callback"
    app = msal.ConfidentialClientApplication(
        web["client_id"],
        client_credential=web["client_secret"],
        authority=f"{ms.login}/organizations",
        verify=ms.ca,
        instance_discovery=False,
    )
    flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=redirect_uri)
    with UserAgent(ms.ca) as agent:
        page = agent.get(flow["auth_uri"])
        assert page.page_id == "ms.signin.username"
        page = page.form("credentials").fill(loginfmt="megan@fabrikam-sdk.example").submit()
        assert page.page_id == "ms.signin.password"
        page = page.form("credentials").fill(passwd="Megan-Pass-1").submit()
        assert page.page_id == "ms.consent"
        assert "User.Read" in page.text_of("consent-scopes")
        page = page.form("consent").submit("accept")
        assert urlsplit(page.url).path == "/_test/callback"
        auth_response = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "megan@fabrikam-sdk.example"
    assert result["id_token_claims"]["iss"] == f"{ms.login}/{world['tenant_id']}/v2.0"
    _, claims = _claims(result["access_token"])
    assert claims["idtyp"] == "user" and "User.Read" in claims["scp"].split()
    assert claims["amr"] == ["pwd"]
    info = json.loads(base64.urlsafe_b64decode(result["client_info"] + "=="))
    assert info == {"uid": claims["oid"], "utid": world["tenant_id"]}
    with ms.graph_session(result["access_token"]) as s:
        me = s.get(f"{ms.graph}/me").json()
    assert me["userPrincipalName"] == "megan@fabrikam-sdk.example"
    # The refresh token works through MSAL's silent path.
    account = app.get_accounts()[0]
    again = app.acquire_token_silent(["User.Read"], account=account, force_refresh=True)
    assert again and "access_token" in again


def _credential(ms, world) -> ClientSecretCredential:
    return ClientSecretCredential(
        world["tenant_id"],
        world["app"]["client_id"],
        world["app"]["client_secret"],
        authority=urlsplit(ms.login).netloc,
        connection_verify=ms.ca,
        disable_instance_discovery=True,
    )


def test_azure_identity_client_secret_credential(ms, world):
    token = _credential(ms, world).get_token("https://graph.microsoft.com/.default")
    _, claims = _claims(token.token)
    assert claims["tid"] == world["tenant_id"]
    with ms.graph_session(token.token) as s:
        org = s.get(f"{ms.graph}/organization").json()["value"][0]
    assert org["id"] == world["tenant_id"]
    assert {d["name"] for d in org["verifiedDomains"]} >= {"fabrikam-sdk.example"}


def _graph_client(ms, world) -> GraphServiceClient:
    auth = AzureIdentityAuthenticationProvider(_credential(ms, world), scopes=GRAPH_DEFAULT)
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=ms.ca))
    adapter = GraphRequestAdapter(auth, http)
    adapter.base_url = ms.graph
    return GraphServiceClient(request_adapter=adapter)


def test_msgraph_sdk_user_lifecycle(ms, world):
    async def scenario():
        client = _graph_client(ms, world)
        created = await client.users.post(
            User(
                account_enabled=True,
                display_name="Adele Vance",
                mail_nickname="adele",
                user_principal_name="adele@fabrikam-sdk.example",
                password_profile=PasswordProfile(password="Adele-Pass-1"),
                job_title="Buyer",
            )
        )
        assert created.id and created.user_principal_name == "adele@fabrikam-sdk.example"

        by_upn = await client.users.by_user_id("adele@fabrikam-sdk.example").get()
        assert by_upn.id == created.id and by_upn.job_title == "Buyer"

        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter="startsWith(displayName,'Adele')", select=["id", "displayName", "jobTitle"]
        )
        found = await client.users.get(RequestConfiguration(query_parameters=query))
        assert [u.id for u in found.value] == [created.id]

        with pytest.raises(ODataError) as conflict:
            await client.users.post(
                User(
                    account_enabled=True,
                    display_name="Adele again",
                    mail_nickname="adele2",
                    user_principal_name="adele@fabrikam-sdk.example",
                    password_profile=PasswordProfile(password="Adele-Pass-1"),
                )
            )
        assert conflict.value.response_status_code == 400
        assert conflict.value.error.code == "Request_BadRequest"

        await client.users.by_user_id(created.id).patch(User(job_title="Senior Buyer"))
        assert (await client.users.by_user_id(created.id).get()).job_title == "Senior Buyer"

        await client.users.by_user_id(created.id).delete()
        with pytest.raises(ODataError) as gone:
            await client.users.by_user_id(created.id).get()
        assert gone.value.response_status_code == 404
        deleted = await client.directory.deleted_items.graph_user.get()
        assert created.id in [u.id for u in deleted.value]
        restored = await client.directory.deleted_items.by_directory_object_id(
            created.id
        ).restore.post()
        assert restored.id == created.id
        assert (await client.users.by_user_id(created.id).get()).display_name == "Adele Vance"

    asyncio.run(scenario())


def test_msgraph_sdk_pages_over_250_users(ms, world):
    async def scenario():
        client = _graph_client(ms, world)
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(top=40)
        first = await client.users.get(RequestConfiguration(query_parameters=query))
        assert len(first.value) == 40 and first.odata_next_link
        ids: list[str] = []

        def collect(user) -> bool:
            ids.append(user.id)
            return True

        await PageIterator(first, client.request_adapter).iterate(collect)
        return ids

    ids = asyncio.run(scenario())
    assert len(ids) == len(set(ids)) and len(ids) >= 252  # 250 generated + admin + Megan


def test_msgraph_sdk_manages_federation_configuration(ms, world):
    async def scenario():
        client = _graph_client(ms, world)
        domain = client.domains.by_domain_id("fed-sdk.example")
        created = await domain.federation_configuration.post(
            InternalDomainFederation(
                display_name="JumpCloud",
                issuer_uri="https://sso.example/fed-sdk",
                passive_sign_in_uri="https://sso.example/saml2/o365",
                sign_out_uri="https://sso.example/logout",
                signing_certificate=idp_certificate(),
                preferred_authentication_protocol="saml",
            )
        )
        assert created.id and created.issuer_uri == "https://sso.example/fed-sdk"
        assert (await domain.get()).authentication_type == "Federated"
        listed = await domain.federation_configuration.get()
        assert [c.id for c in listed.value] == [created.id]
        updated = await domain.federation_configuration.by_internal_domain_federation_id(
            created.id
        ).patch(InternalDomainFederation(display_name="JumpCloud SSO"))
        assert updated.display_name == "JumpCloud SSO"
        await domain.federation_configuration.by_internal_domain_federation_id(created.id).delete()
        assert (await domain.get()).authentication_type == "Managed"

    asyncio.run(scenario())


def test_msgraph_sdk_manages_security_groups_and_members(ms, world):
    async def scenario():
        client = _graph_client(ms, world)
        megan = await client.users.by_user_id("megan@fabrikam-sdk.example").get()
        group = await client.groups.post(
            Group(
                display_name="Finance",
                mail_nickname="finance",
                mail_enabled=False,
                security_enabled=True,
                group_types=[],
            )
        )
        assert group.id and group.security_enabled and not group.mail_enabled
        await client.groups.by_group_id(group.id).members.ref.post(
            ReferenceCreate(odata_id=f"{ms.graph}/directoryObjects/{megan.id}")
        )
        members = await client.groups.by_group_id(group.id).members.get()
        assert [m.id for m in members.value] == [megan.id]
        member_of = await client.users.by_user_id(megan.id).member_of.get()
        assert group.id in [g.id for g in member_of.value]
        await client.groups.by_group_id(group.id).patch(Group(display_name="Finance EMEA"))
        renamed = await client.groups.by_group_id(group.id).get()
        assert renamed.display_name == "Finance EMEA"
        await (
            client.groups.by_group_id(group.id)
            .members.by_directory_object_id(megan.id)
            .ref.delete()
        )
        assert (await client.groups.by_group_id(group.id).members.get()).value == []
        await client.groups.by_group_id(group.id).delete()
        with pytest.raises(ODataError) as gone:
            await client.groups.by_group_id(group.id).get()
        assert gone.value.response_status_code == 404

    asyncio.run(scenario())


def test_msgraph_sdk_reads_an_org_chart_and_employee_properties(ms, world):
    """directReports, $expand=manager and properties the lab keeps without a column, parsed by
    the SDK's own models."""

    async def scenario():
        client = _graph_client(ms, world)
        ids = {}
        for nick, kind in (("chief", "Employee"), ("deputy", "Contractor")):
            created = await client.users.post(
                User(
                    account_enabled=True,
                    display_name=nick.title(),
                    mail_nickname=nick,
                    user_principal_name=f"{nick}@fabrikam-sdk.example",
                    password_profile=PasswordProfile(password="Chart-Pass-12"),
                    employee_type=kind,
                    employee_org_data=EmployeeOrgData(division="Labs", cost_center="CC-7"),
                    employee_hire_date=datetime(2024, 3, 1, 9, 0, tzinfo=UTC),
                )
            )
            ids[nick] = created.id
        await client.users.by_user_id(ids["deputy"]).manager.ref.put(
            ReferenceUpdate(odata_id=f"{ms.graph}/users/{ids['chief']}")
        )
        reports = await client.users.by_user_id(ids["chief"]).direct_reports.get()
        assert [r.id for r in reports.value] == [ids["deputy"]]
        assert isinstance(reports.value[0], User)

        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["id", "employeeType", "employeeOrgData", "employeeHireDate"],
            expand=["manager($select=id,displayName)"],
        )
        deputy = await client.users.by_user_id(ids["deputy"]).get(
            RequestConfiguration(query_parameters=query)
        )
        assert deputy.employee_type == "Contractor"
        assert deputy.employee_org_data.cost_center == "CC-7"
        assert deputy.employee_hire_date == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
        assert deputy.manager.id == ids["chief"] and deputy.manager.display_name == "Chief"

    asyncio.run(scenario())
