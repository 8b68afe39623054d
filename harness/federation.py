"""Federate a Microsoft 365 domain to a JumpCloud SAML connector, the way JumpCloud's tooling does.

Mirrors ``Enable-JumpCloud.Office365.SSO``: read the connector's IdP
metadata (entity id, first SSO URL, signing certificate), derive the domain from the entity id
(``https://<domain>`` or ``urn:uri:<domain>``), check the domain exists in the tenant, create its
``federationConfiguration`` through Graph with a client-credentials token, make sure the domain is
``Federated``. Everything goes over HTTPS to the lab's public URLs, trusting only the lab CA.

``m365lab federate`` is the CLI entry (``add_federate_parser`` / ``cmd_federate``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import quote

import requests

from simulators.core.httpclient import lab_session
from simulators.saml.errors import MetadataError
from simulators.saml.metadata import federation_domain_from_entity_id, parse_idp_metadata

MFA_BEHAVIORS = (
    "acceptIfMfaDoneByFederatedIdp",
    "enforceMfaByFederatedIdp",
    "rejectMfaByFederatedIdp",
)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = 20


class FederationError(Exception):
    """Federation could not be set up; the message is one line a user can act on."""


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
        auth = {"Authorization": f"Bearer {token}"}
        graph = _graph_base(urls)
        domain_url = f"{graph}/domains/{quote(domain, safe='')}"
        reply = session.get(domain_url, headers=auth, timeout=TIMEOUT)
        if reply.status_code == 404:
            raise FederationError(f"domain {domain} is not a domain of tenant {tenant_id}")
        found = _check(reply, f"GET /domains/{domain}")
        if not found.get("isVerified", True):
            raise FederationError(f"domain {domain} is not verified in tenant {tenant_id}")
        body = {
            "displayName": domain,
            "issuerUri": metadata.entity_id,
            "passiveSignInUri": metadata.sso_url,
            "activeSignInUri": metadata.sso_url,
            "signingCertificate": metadata.certificates_b64[0],
            "signOutUri": f"{urls['console'].rstrip('/')}/userconsole/",
            "preferredAuthenticationProtocol": "saml",
            "federatedIdpMfaBehavior": mfa_behavior,
        }
        existing = _check(
            session.get(f"{domain_url}/federationConfiguration", headers=auth, timeout=TIMEOUT),
            f"GET /domains/{domain}/federationConfiguration",
        ).get("value", [])
        if existing and not update_existing:
            raise FederationError(
                f"domain {domain} is already federated (issuer "
                f"{existing[0].get('issuerUri')!r}); disable federation first or pass --update"
            )
        if existing:
            config = _check(
                session.patch(
                    f"{domain_url}/federationConfiguration/{existing[0]['id']}",
                    json=body,
                    headers=auth,
                    timeout=TIMEOUT,
                ),
                f"PATCH /domains/{domain}/federationConfiguration",
            ) or {**existing[0], **body}
        else:
            config = _check(
                session.post(
                    f"{domain_url}/federationConfiguration",
                    json=body,
                    headers=auth,
                    timeout=TIMEOUT,
                ),
                f"POST /domains/{domain}/federationConfiguration",
            )
        state = _check(
            session.get(domain_url, headers=auth, timeout=TIMEOUT), f"GET /domains/{domain}"
        )
        if state.get("authenticationType") != "Federated":
            _check(
                session.patch(
                    domain_url,
                    json={"authenticationType": "Federated"},
                    headers=auth,
                    timeout=TIMEOUT,
                ),
                f"PATCH /domains/{domain}",
            )
            state = _check(
                session.get(domain_url, headers=auth, timeout=TIMEOUT), f"GET /domains/{domain}"
            )
        if state.get("authenticationType") != "Federated":
            raise FederationError(f"domain {domain} did not become Federated")
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


# -- CLI -----------------------------------------------------------------------------------------
def add_federate_parser(sub) -> argparse.ArgumentParser:
    """``m365lab federate``: add the sub-command to ``sub`` (an argparse subparsers object)."""
    p = sub.add_parser(
        "federate",
        help="federate a Microsoft 365 domain to a JumpCloud SAML connector (from its metadata)",
    )
    p.add_argument("--state-dir", type=Path, help="the lab's state directory")
    p.add_argument(
        "--metadata-url",
        required=True,
        help="the connector's IdP metadata URL, e.g. {sso}/saml2/<label>/metadata",
    )
    p.add_argument("--tenant-id", help="default: the descriptor's microsoft.tenant_id")
    p.add_argument("--client-id", help="default: the descriptor's microsoft.app.client_id")
    p.add_argument("--client-secret", help="default: the descriptor's microsoft.app.client_secret")
    p.add_argument("--mfa-behavior", choices=MFA_BEHAVIORS, default=MFA_BEHAVIORS[0])
    p.add_argument("--update", action="store_true", help="update an existing federation")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def cmd_federate(args) -> int:
    """Run ``m365lab federate``; a failure is reported as ``CliError`` (one line, exit 1)."""
    from harness.descriptor import DescriptorError
    from harness.errors import CliError

    try:
        return _federate_from_args(args)
    except (FederationError, DescriptorError, requests.RequestException) as exc:
        raise CliError(str(exc)) from exc


def _federate_from_args(args) -> int:
    from harness.descriptor import LabDescriptor, find_descriptor

    descriptor = LabDescriptor.load(find_descriptor(args.state_dir)).data
    microsoft = descriptor.get("microsoft") or {}
    app = microsoft.get("app") or {}
    tenant_id = args.tenant_id or microsoft.get("tenant_id")
    client_id = args.client_id or app.get("client_id")
    client_secret = args.client_secret or app.get("client_secret")
    if not (tenant_id and client_id and client_secret):
        raise FederationError(
            "no tenant or app credentials: pass --tenant-id, --client-id and --client-secret"
        )
    result = federate_domain(
        descriptor,
        tenant_id,
        client_id,
        client_secret,
        args.metadata_url,
        mfa_behavior=args.mfa_behavior,
        update_existing=args.update,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        config = result["federationConfiguration"]
        print(f"{result['domain']}: {result['authenticationType']}")
        print(f"  issuerUri        {config.get('issuerUri')}")
        print(f"  passiveSignInUri {config.get('passiveSignInUri')}")
        print(f"  mfa behavior     {config.get('federatedIdpMfaBehavior')}")
    return 0
