"""Hand-off of a federated domain's sign-in to its IdP: Entra's SAML AuthnRequest.

The answer comes back to ``/login.srf`` (built elsewhere), which resumes the pending sign-in
named by RelayState through ``signin_flow.complete_signin``.
"""

from __future__ import annotations

from flask import redirect
from flask.typing import ResponseReturnValue

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.errors import error_page
from simulators.microsoft.services import services
from simulators.saml.bindings import redirect_url
from simulators.saml.constants import ENTRA_ENTITY_ID
from simulators.saml.messages import build_authn_request


def begin_federated_signin(
    tenant: dict, domain_row: dict, user_hint: str | None, pending: dict
) -> ResponseReturnValue:
    """Redirect the browser to the domain's IdP with an AuthnRequest (HTTP-Redirect binding).

    ``pending`` is the live pending sign-in; its id travels as RelayState and the request id is
    kept on it (``params.saml_request_id``) for the InResponseTo check.
    """
    svc = services()
    directory = svc.directory
    federation = directory.tenants.federation(tenant["id"], domain_row["name"])
    if federation is None or not federation.get("passiveSignInUri"):
        return error_page(AadstsError(50107, issuer=domain_row["name"]))
    resume_state = pending["id"]
    request_id, xml = build_authn_request(ENTRA_ENTITY_ID, svc.ctx.clock.now())
    params = {
        **pending["params"],
        "saml_request_id": request_id,
        "federated_domain": domain_row["name"],
        "user_hint": user_hint,
    }
    directory.oauth.update_pending(resume_state, tenant_id=tenant["id"], params=params)
    svc.journal(
        "federated_redirect",
        ok=True,
        tenant=tenant["id"],
        domain=domain_row["name"],
        user=user_hint,
        idp=federation["passiveSignInUri"],
        request_id=request_id,
    )
    return redirect(
        redirect_url(federation["passiveSignInUri"], xml, relay_state=resume_state), code=302
    )
