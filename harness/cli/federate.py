"""``m365lab federate``: federate a Microsoft 365 domain to a JumpCloud SAML connector, with the
running lab's automation app unless told otherwise (``harness/lab/federation.py`` does the work).
"""

from __future__ import annotations

import json

import requests

from harness.errors import CliError, DescriptorError, FederationError
from harness.lab.descriptor import LabDescriptor, find_descriptor
from harness.lab.federation import federate_domain


def cmd_federate(args) -> int:
    """Run ``m365lab federate``; a failure is reported as ``CliError`` (one line, exit 1)."""
    try:
        return _federate_from_args(args)
    except (FederationError, DescriptorError, requests.RequestException) as exc:
        raise CliError(str(exc)) from exc


def _federate_from_args(args) -> int:
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
