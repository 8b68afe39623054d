"""The token endpoint's rules: one handler per OAuth grant behind a registry, no HTTP.

``TokenEndpoint.handle`` runs the checks every grant shares (tenant, grant type, client, secret)
in Entra's order and hands the grant-specific steps to the grant's handler. A refusal is an
``AadstsError`` (the route renders it as Entra's token error); success is a ``TokenIssued``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.scopes import client_credentials_scope, parse_scopes
from simulators.microsoft.entra.tokens import Subject, TokenService, client_info
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.oauth import pkce_matches
from simulators.microsoft.permissions import OIDC_SCOPES

MULTI_TENANT = ("common", "organizations")


@dataclass(frozen=True)
class TokenRequest:
    """A parsed token request: the tenant path segment, the client and the form."""

    segment: str
    client_id: str | None
    client_secret: str | None
    form: Mapping[str, str] = field(default_factory=dict)

    @property
    def grant_type(self) -> str | None:
        return self.form.get("grant_type") or None

    def require(self, name: str) -> str:
        """A form parameter the request must carry (AADSTS900144 without it)."""
        value = self.form.get(name)
        if not value:
            raise AadstsError(900144, parameter=name)
        return value


@dataclass(frozen=True)
class TokenIssued:
    """The token response body and what the lab journal records about it."""

    body: dict
    journal: dict


@dataclass(frozen=True)
class GrantDeps:
    """What the grants read and write: the directory, the token signer, Graph's base URL."""

    directory: Directory
    tokens: TokenService
    graph_url: str


class Grant:
    """One OAuth grant: ``load`` its grant row (before the client is checked), then ``issue``."""

    grant_type = ""
    parameter = ""
    """The form parameter carrying the grant (named by AADSTS70000 on a mismatch)."""

    def load(self, deps: GrantDeps, req: TokenRequest, tenant: dict | None) -> dict | None:
        return None

    def issue(
        self, deps: GrantDeps, req: TokenRequest, tenant: dict, app: dict, row: dict | None
    ) -> TokenIssued:
        raise NotImplementedError

    def owned_row(self, app: dict, row: dict | None) -> dict:
        """The loaded row, which must have been issued to this client (else AADSTS70000)."""
        assert row is not None
        if row["client_id"] != app["client_id"]:
            raise AadstsError(70000, parameter=self.parameter)
        return row


class ClientCredentialsGrant(Grant):
    """``client_credentials``: an app-only token with the app roles granted to the app."""

    grant_type = "client_credentials"

    def load(self, deps: GrantDeps, req: TokenRequest, tenant: dict | None) -> dict | None:
        if tenant is None:  # an app-only token needs a named tenant
            raise AadstsError(90002, tenant=req.segment)
        return None

    def issue(
        self, deps: GrantDeps, req: TokenRequest, tenant: dict, app: dict, row: dict | None
    ) -> TokenIssued:
        client_credentials_scope(req.form.get("scope"), deps.graph_url, req.segment)
        client_id = req.client_id or app["client_id"]
        subject = Subject(
            tenant_id=tenant["id"],
            client_id=client_id,
            app_name=app["display_name"],
            sp_object_id=app["sp_object_id"],
            roles=deps.directory.apps.app_roles(tenant["id"], client_id),
        )
        access_token, expires_in = deps.tokens.access_token(subject)
        body = {
            "token_type": "Bearer",
            "expires_in": expires_in,
            "ext_expires_in": expires_in,
            "access_token": access_token,
        }
        journal = {"grant": self.grant_type, "client_id": client_id, "tenant": tenant["id"]}
        return TokenIssued(body, journal)


class AuthorizationCodeGrant(Grant):
    """``authorization_code``: redeem a code once, for its client, redirect URI and PKCE."""

    grant_type = "authorization_code"
    parameter = "code"

    def load(self, deps: GrantDeps, req: TokenRequest, tenant: dict | None) -> dict | None:
        code = req.require("code")
        req.require("redirect_uri")
        status, row = deps.directory.oauth.redeem_code(code)
        if status == "invalid" or row is None:
            raise AadstsError(70000, parameter="code")
        if status == "used":
            raise AadstsError(54005)
        return row

    def issue(
        self, deps: GrantDeps, req: TokenRequest, tenant: dict, app: dict, row: dict | None
    ) -> TokenIssued:
        row = self.owned_row(app, row)
        redirect_uri = req.form.get("redirect_uri")
        if row["redirect_uri"] != redirect_uri:
            raise AadstsError(50011, redirect_uri=redirect_uri, client_id=app["client_id"])
        verifier = req.form.get("code_verifier")
        if not pkce_matches(verifier, row["code_challenge"], row["code_challenge_method"]):
            raise AadstsError(50148)
        return user_tokens(deps, req, tenant, app, row["user_id"], row["scopes"], row["amr"], row)


class RefreshTokenGrant(Grant):
    """``refresh_token``: new tokens for an unrevoked refresh token, scopes may widen."""

    grant_type = "refresh_token"
    parameter = "refresh_token"

    def load(self, deps: GrantDeps, req: TokenRequest, tenant: dict | None) -> dict | None:
        row = deps.directory.oauth.refresh_token(req.require("refresh_token"))
        if row is None:
            raise AadstsError(70000, parameter="refresh_token")
        return row

    def issue(
        self, deps: GrantDeps, req: TokenRequest, tenant: dict, app: dict, row: dict | None
    ) -> TokenIssued:
        row = self.owned_row(app, row)
        if row["revoked"]:
            raise AadstsError(70008)
        scopes = list(row["scopes"])
        asked = req.form.get("scope")
        if asked:
            wanted = parse_scopes(asked, deps.graph_url, tenant["id"])
            scopes += [s for s in [*wanted.graph, *wanted.oidc] if s not in scopes]
        return user_tokens(deps, req, tenant, app, row["user_id"], scopes, row["amr"], None)


GRANTS: dict[str, Grant] = {
    grant.grant_type: grant
    for grant in (ClientCredentialsGrant(), AuthorizationCodeGrant(), RefreshTokenGrant())
}
"""The grants the endpoint serves, by ``grant_type``; any other type is AADSTS70003."""


def user_tokens(
    deps: GrantDeps,
    req: TokenRequest,
    tenant: dict,
    app: dict,
    user_id: str,
    scopes: list[str],
    amr: list[str],
    code_row: dict | None,
) -> TokenIssued:
    """Access (and refresh, ID) token for the user, for the consented scopes."""
    directory = deps.directory
    user = directory.users.get(tenant["id"], user_id)
    if user is None or not user["accountEnabled"]:
        raise AadstsError(70008)
    graph_scopes = [s for s in scopes if s not in OIDC_SCOPES]
    granted = directory.apps.delegated_scopes(tenant["id"], app["client_id"], user_id)
    if app["first_party"]:
        granted |= set(graph_scopes)
    if set(graph_scopes) - granted:
        raise AadstsError(65001, client_id=app["client_id"], app_name=app["display_name"])
    token_scopes = sorted(granted) if granted else ["User.Read"]
    roles = json.loads(user["roles"]) if isinstance(user["roles"], str) else user["roles"]
    subject = Subject(
        tenant_id=tenant["id"],
        client_id=app["client_id"],
        app_name=app["display_name"],
        sp_object_id=app["sp_object_id"],
        user=user,
        scopes=token_scopes,
        amr=amr,
        wids=roles,
    )
    access_token, expires_in = deps.tokens.access_token(subject)
    body: dict = {
        "token_type": "Bearer",
        "scope": " ".join([*token_scopes, *(s for s in scopes if s in OIDC_SCOPES)]),
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    }
    if "offline_access" in scopes:
        body["refresh_token"] = directory.oauth.new_refresh_token(
            tenant["id"], app["client_id"], user_id, scopes, amr
        )
    if "openid" in scopes:
        body["id_token"] = deps.tokens.id_token(
            tenant_id=tenant["id"],
            client_id=app["client_id"],
            user=user,
            nonce=code_row.get("nonce") if code_row else None,
            auth_time=code_row["auth_time"] if code_row else directory.oauth.now_ts(),
        )
    if req.form.get("client_info") == "1":
        body["client_info"] = client_info(user["id"], tenant["id"])
    journal = {
        "grant": req.grant_type,
        "client_id": app["client_id"],
        "user": user["userPrincipalName"],
    }
    return TokenIssued(body, journal)


class TokenEndpoint:
    """``/{tenant}/oauth2/v2.0/token`` without HTTP: the shared checks, then the grant."""

    def __init__(self, deps: GrantDeps, grants: Mapping[str, Grant] = GRANTS) -> None:
        self.deps = deps
        self.grants = grants

    def handle(self, req: TokenRequest) -> TokenIssued:
        directory = self.deps.directory
        tenant = None
        if req.segment.lower() not in MULTI_TENANT:
            tenant = directory.tenants.resolve(req.segment)
            if tenant is None:
                raise AadstsError(90002, tenant=req.segment)
        grant_type = req.require("grant_type")
        grant = self.grants.get(grant_type)
        if grant is None:
            raise AadstsError(70003, grant_type=grant_type)
        if not req.client_id:
            raise AadstsError(900144, parameter="client_id")
        row = grant.load(self.deps, req, tenant)
        tenant = self._tenant(req, tenant, grant, row)
        app = self._authenticated_app(req, tenant)
        return grant.issue(self.deps, req, tenant, app, row)

    def _tenant(
        self, req: TokenRequest, tenant: dict | None, grant: Grant, row: dict | None
    ) -> dict:
        """The named tenant, else the grant's; a grant of another tenant is no grant here."""
        grant_tenant = (row or {}).get("tenant_id")
        if tenant is None:
            tenant = self.deps.directory.tenants.get(grant_tenant or "")
            if tenant is None:
                raise AadstsError(90002, tenant=req.segment)
        if grant_tenant and grant_tenant != tenant["id"]:
            raise AadstsError(70000, parameter=grant.parameter)
        return tenant

    def _authenticated_app(self, req: TokenRequest, tenant: dict) -> dict:
        """The client app of the tenant, once its secret checks out."""
        apps = self.deps.directory.apps
        app = apps.get(tenant["id"], req.client_id or "")
        if app is None:
            raise AadstsError(700016, client_id=req.client_id, tenant=req.segment)
        if not req.client_secret:
            raise AadstsError(7000218)
        verdict = apps.check_secret(tenant["id"], req.client_id or "", req.client_secret)
        if verdict == "invalid":
            raise AadstsError(7000215, client_id=req.client_id)
        if verdict == "expired":
            raise AadstsError(7000222, client_id=req.client_id)
        return app
