"""Federate a Microsoft 365 domain to a JumpCloud SAML connector, the way JumpCloud's tooling does.

Mirrors ``Enable-JumpCloud.Office365.SSO``: read the connector's IdP
metadata (entity id, first SSO URL, signing certificate), derive the domain from the entity id
(``https://<domain>`` or ``urn:uri:<domain>``), check the domain exists in the tenant, create its
``federationConfiguration`` through Graph with a client-credentials token, make sure the domain is
``Federated``. Everything goes over HTTPS to the lab's public URLs, trusting only the lab CA.

``m365lab federate`` (``harness/cli/federate.py``) is its command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from harness.errors import FederationError
from simulators.core.httpclient import lab_session
from simulators.saml.errors import MetadataError
from simulators.saml.metadata import federation_domain_from_entity_id, parse_idp_metadata

if TYPE_CHECKING:  # requests loads with the first session, off the lab's start-up path
    import requests

MFA_BEHAVIORS = (
    "acceptIfMfaDoneByFederatedIdp",
    "enforceMfaByFederatedIdp",
    "rejectMfaByFederatedIdp",
)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = 20


def _graph_base(urls: dict) -> str:
    graph = urls["graph"].rstrip("/")
    return graph if graph.endswith("/v1.0") else graph + "/v1.0"


def _check(reply: requests.Response, what: str) -> dict:
    if reply.status_code >= 400:
        try:
            error = reply.json()["error"]
            detail = f"{error.get('code')}: {error.get('message')}"
        except (ValueError, KeyError, TypeError):
            detail = reply.text[:300]
        raise FederationError(f"{what} failed (HTTP {reply.status_code}): {detail}")
    return reply.json() if reply.content else {}


def graph_token(
    session: requests.Session, login_url: str, tenant_id: str, client_id: str, client_secret: str
) -> str:
    """A client-credentials access token for Graph."""
    reply = session.post(
        f"{login_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": GRAPH_SCOPE,
        },
        timeout=TIMEOUT,
    )
    if reply.status_code != 200:
        try:
            detail = reply.json().get("error_description", "").splitlines()[0]
        except (ValueError, AttributeError, IndexError):
            detail = reply.text[:300]
        raise FederationError(f"token request failed (HTTP {reply.status_code}): {detail}")
    return reply.json()["access_token"]


def read_metadata(session: requests.Session, metadata_url: str):
    """Fetch and parse the connector's IdP metadata (``IdpMetadata``)."""
    reply = session.get(metadata_url, timeout=TIMEOUT)
    if reply.status_code != 200:
        raise FederationError(
            f"cannot read IdP metadata at {metadata_url}: HTTP {reply.status_code}"
        )
    try:
        return parse_idp_metadata(reply.content)
    except MetadataError as exc:
        raise FederationError(f"IdP metadata at {metadata_url} is not usable: {exc}") from None


class _Domain:
    """Graph calls on one domain of a tenant, with an app token."""

    def __init__(self, session: requests.Session, urls: dict, token: str, domain: str) -> None:
        self.session, self.name = session, domain
        self.auth = {"Authorization": f"Bearer {token}"}
        self.url = f"{_graph_base(urls)}/domains/{quote(domain, safe='')}"

    def call(self, method: str, suffix: str = "", body: dict | None = None) -> dict:
        reply = self.session.request(
            method, self.url + suffix, json=body, headers=self.auth, timeout=TIMEOUT
        )
        return _check(reply, f"{method} /domains/{self.name}{suffix}")

    def check_usable(self, tenant_id: str) -> None:
        reply = self.session.get(self.url, headers=self.auth, timeout=TIMEOUT)
        if reply.status_code == 404:
            raise FederationError(f"domain {self.name} is not a domain of tenant {tenant_id}")
        if not _check(reply, f"GET /domains/{self.name}").get("isVerified", True):
            raise FederationError(f"domain {self.name} is not verified in tenant {tenant_id}")

    def configure(self, body: dict, update_existing: bool) -> dict:
        """Create the federation configuration, or patch the existing one when allowed."""
        existing = self.call("GET", "/federationConfiguration").get("value", [])
        if existing and not update_existing:
            raise FederationError(
                f"domain {self.name} is already federated (issuer "
                f"{existing[0].get('issuerUri')!r}); disable federation first or pass --update"
            )
        if not existing:
            return self.call("POST", "/federationConfiguration", body)
        suffix = f"/federationConfiguration/{existing[0]['id']}"
        return self.call("PATCH", suffix, body) or {**existing[0], **body}

    def make_federated(self) -> dict:
        state = self.call("GET")
        if state.get("authenticationType") != "Federated":
            self.call("PATCH", "", {"authenticationType": "Federated"})
            state = self.call("GET")
        if state.get("authenticationType") != "Federated":
            raise FederationError(f"domain {self.name} did not become Federated")
        return state


def _federation_body(metadata, urls: dict, domain: str, mfa_behavior: str) -> dict:
    """The domain's ``internalDomainFederation`` as JumpCloud's connector documents it."""
    return {
        "displayName": domain,
        "issuerUri": metadata.entity_id,
        "passiveSignInUri": metadata.sso_url,
        "activeSignInUri": metadata.sso_url,
        "signingCertificate": metadata.certificates_b64[0],
        "signOutUri": f"{urls['console'].rstrip('/')}/userconsole/",
        "preferredAuthenticationProtocol": "saml",
        "federatedIdpMfaBehavior": mfa_behavior,
    }


def federate_domain(
    descriptor_like: dict,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    metadata_url: str,
    *,
    mfa_behavior: str = "acceptIfMfaDoneByFederatedIdp",
    update_existing: bool = False,
    session: requests.Session | None = None,
) -> dict:
    """Federate the domain named by the connector's entity id; returns what was configured.

    ``descriptor_like`` needs ``urls`` (login, graph, console) and ``ca_bundle``. An already
    federated domain is an error unless ``update_existing`` (then its configuration is patched).
    ``session`` (e.g. one carrying a scenario's trace) replaces a fresh lab session.
    """
    if mfa_behavior not in MFA_BEHAVIORS:
        raise FederationError(f"federatedIdpMfaBehavior must be one of {', '.join(MFA_BEHAVIORS)}")
    urls = descriptor_like["urls"]
    own = session is None
    session = session or lab_session(descriptor_like["ca_bundle"])
    try:
        metadata = read_metadata(session, metadata_url)
        try:
            domain = federation_domain_from_entity_id(metadata.entity_id)
        except MetadataError as exc:
            raise FederationError(str(exc)) from None
        token = graph_token(session, urls["login"], tenant_id, client_id, client_secret)
        target = _Domain(session, urls, token, domain)
        target.check_usable(tenant_id)
        body = _federation_body(metadata, urls, domain, mfa_behavior)
        config = target.configure(body, update_existing)
        state = target.make_federated()
    finally:
        if own:
            session.close()
    return {
        "domain": domain,
        "authenticationType": state["authenticationType"],
        "federationConfiguration": config,
        "metadata": {
            "entityId": metadata.entity_id,
            "ssoUrl": metadata.sso_url,
            "certificates": len(metadata.certificates_b64),
        },
    }
