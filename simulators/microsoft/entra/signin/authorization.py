"""The rules of ``/authorize`` and ``/adminconsent`` requests, without HTTP.

Each function takes the parsed query and raises ``AadstsError`` on a refusal; ``client`` errors
go to Microsoft's error page (the redirect URI is not trusted yet), ``authorize_params`` errors go
back to the client's redirect URI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.scopes import parse_scopes
from simulators.microsoft.model.directory import Directory

MULTI_TENANT = ("common", "organizations", "consumers")
PROMPTS = ("login", "none", "consent", "select_account")
RESPONSE_MODES = ("query", "form_post", "fragment")
DEFAULT_ADMIN_CONSENT_SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True)
class Client:
    """The requesting app, its tenant (None for common/organizations) and its redirect URI."""

    tenant: dict | None
    app: dict
    redirect_uri: str

    @property
    def tenant_id(self) -> str | None:
        return self.tenant["id"] if self.tenant else None


def client(directory: Directory, segment: str, args: Mapping[str, str]) -> Client:
    """The tenant of the path, the app of ``client_id`` and a registered ``redirect_uri``."""
    tenant = None
    if segment.lower() not in MULTI_TENANT:
        tenant = directory.tenants.resolve(segment)
        if tenant is None:
            raise AadstsError(90002, tenant=segment)
    client_id = args.get("client_id")
    if not client_id:
        raise AadstsError(900144, parameter="client_id")
    if tenant is not None:
        app = directory.apps.get(tenant["id"], client_id)
    else:
        app = directory.apps.in_any_tenant(client_id)
    if app is None:
        raise AadstsError(700016, client_id=client_id, tenant=segment)
    redirect_uri = args.get("redirect_uri")
    if not redirect_uri:
        raise AadstsError(900971)
    if redirect_uri not in app["redirect_uris"]:
        raise AadstsError(50011, redirect_uri=redirect_uri, client_id=app["client_id"])
    return Client(tenant, app, redirect_uri)


def error_response_mode(args: Mapping[str, str]) -> str:
    """How an error goes back to the client: the asked response_mode if known, else query."""
    mode = args.get("response_mode") or "query"
    return mode if mode in RESPONSE_MODES else "query"


def authorize_params(args: Mapping[str, str], found: Client, graph_url: str, segment: str) -> dict:
    """The pending sign-in's params of a valid authorization request."""
    response_mode = args.get("response_mode") or "query"
    if "code" not in (args.get("response_type") or "").split():
        raise AadstsError(900144, parameter="response_type")
    if response_mode not in ("query", "form_post"):
        raise AadstsError(9002313, detail=f"response_mode '{response_mode}' is not supported.")
    prompt = args.get("prompt")
    if prompt and prompt not in PROMPTS:
        raise AadstsError(9002313, detail=f"invalid prompt value '{prompt}'.")
    method = args.get("code_challenge_method") or ("plain" if args.get("code_challenge") else None)
    if method not in (None, "S256", "plain"):
        raise AadstsError(9002313, detail="code_challenge_method must be S256 or plain.")
    scopes = parse_scopes(args.get("scope"), graph_url, segment)
    if not scopes.oidc and not scopes.graph and not scopes.default:
        raise AadstsError(900144, parameter="scope")
    return {
        "client_id": found.app["client_id"],
        "redirect_uri": found.redirect_uri,
        "response_mode": response_mode,
        "state": args.get("state"),
        "nonce": args.get("nonce"),
        "scope": args.get("scope"),
        "oidc_scopes": scopes.oidc,
        "graph_scopes": scopes.graph,
        "default_scope": scopes.default,
        "code_challenge": args.get("code_challenge"),
        "code_challenge_method": method,
        "prompt": prompt,
        "login_hint": args.get("login_hint"),
        "domain_hint": args.get("domain_hint"),
    }


def admin_consent_params(args: Mapping[str, str], found: Client) -> dict:
    """The pending sign-in's params of an admin consent request."""
    return {
        "client_id": found.app["client_id"],
        "redirect_uri": found.redirect_uri,
        "response_mode": "query",
        "state": args.get("state"),
        "scope": args.get("scope") or DEFAULT_ADMIN_CONSENT_SCOPE,
        "prompt": "login" if args.get("prompt") == "login" else None,
    }
