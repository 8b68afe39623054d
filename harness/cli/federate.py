"""``m365lab federate``: federate a Microsoft 365 domain to a JumpCloud SAML connector, with the
running lab's automation app unless told otherwise (``harness/lab/federation.py`` does the work).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import requests

from harness.errors import CliError, DescriptorError, FederationError
from harness.lab.descriptor import LabDescriptor, find_descriptor
from harness.lab.federation import MFA_BEHAVIORS, federate_domain


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
