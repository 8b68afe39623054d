"""Entra as SAML 2.0 SP for federated domains: ``POST /login.srf``.

The Response is verified by ``simulators.saml.verify`` against the federation configuration
whose ``issuerUri`` is the assertion's Issuer (the trust lookup: issuer → domain → tenant), with
``signingCertificate`` then ``nextSigningCertificate``; InResponseTo must be the request id
``begin_federated_signin`` kept on the pending sign-in named by RelayState; assertion ids are
remembered per process (replay); times are read on the lab clock with a configurable skew.

The rules (trust lookup, which user, federatedIdpMfaBehavior) are in ``saml_rules``; this module
parses the POST, runs them and renders: ``complete_signin`` for the rest of an SP-initiated
sign-in, an Entra session for an IdP-initiated one, a new AuthnRequest when the IdP must do MFA.
Every failure renders Microsoft's error page with the verify Reason as ``#error-subreason``.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Blueprint, Response, current_app, redirect, request
from flask.typing import ResponseReturnValue
from lxml import etree

from simulators.core.context import LabContext
from simulators.microsoft.entra import signin_flow
from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.entra.errors import error_page
from simulators.microsoft.entra.saml_rules import (
    FederatedUsers,
    Federation,
    MfaStep,
    SamlSp,
    UserFound,
    UserRefused,
    mfa_verdict,
)
from simulators.microsoft.ids import new_guid
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.services import Services, services
from simulators.saml import constants as saml_spec
from simulators.saml.bindings import decode_post_value, redirect_url
from simulators.saml.errors import SamlValidationError
from simulators.saml.messages import build_authn_request, to_bytes
from simulators.saml.verify import VerifiedAssertion
from simulators.saml.xmlparse import parse_xml

EXTENSION = "m365lab.microsoft.saml_sp"
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
SKEW_ENV = "M365LAB_SAML_CLOCK_SKEW_SECONDS"
MFA_RETRY_KIND = "federated_mfa"
"""Pending sign-in kind of an IdP-initiated sign-in sent back to the IdP for MFA."""


def sp() -> SamlSp:
    return current_app.extensions[EXTENSION]


bp = Blueprint("ms_saml_sp", __name__)


@bp.route("/login.srf", methods=["GET", "POST"])
def login_srf() -> ResponseReturnValue:
    """The Assertion Consumer Service of every federated domain."""
    svc = services()
    relay_state = request.form.get("RelayState") if request.method == "POST" else None
    pending = signin_flow.load_pending(relay_state) if relay_state else None
    values = request.form.getlist("SAMLResponse") if request.method == "POST" else []
    expected_id = (pending or {}).get("params", {}).get("saml_request_id")
    try:
        result, federation = sp().verify(
            values, lambda rid: bool(expected_id) and rid == expected_id
        )
    except SamlValidationError as exc:
        issuer = _claimed_issuer(values) if exc.code == 50107 else None
        err = AadstsError(exc.code, sub_reason=exc.reason.value, issuer=issuer or "")
        return _fail(svc, pending, err, detail=exc.detail)
    found: UserFound | UserRefused
    try:
        idp_email = result.attribute("IDPEmail")
    except SamlValidationError as exc:
        found = UserRefused(AadstsError(exc.code, sub_reason=exc.reason.value))
    else:
        pending_tenant = (pending or {}).get("tenant_id")
        found = FederatedUsers(svc.directory).resolve(
            result.name_id, idp_email, federation.tenant_id, federation.domain, pending_tenant
        )
    if isinstance(found, UserRefused):
        return _fail(
            svc, pending, found.error, user=found.user, upn=found.upn, tenant=federation.tenant_id
        )
    return _sign_in(svc, result, federation, found.user, pending, relay_state)


def _sign_in(
    svc: Services,
    result: VerifiedAssertion,
    federation: Federation,
    user: EntraUserRow,
    pending: dict | None,
    relay_state: str | None,
) -> ResponseReturnValue:
    """Apply federatedIdpMfaBehavior, then finish the sign-in (or send the user back to the IdP)."""
    behavior = federation.mfa_behavior
    if result.in_response_to is None:
        pending = None  # unsolicited: RelayState is a target, not a sign-in of ours
    if pending is not None:
        # The request id is answered: it cannot be answered twice. Every path below saves
        # these params with its own write of the pending sign-in.
        pending = {**pending, "params": {**pending["params"], "saml_request_id": None}}
    asked = pending is not None and bool(pending["params"].get("idp_mfa_requested"))
    verdict = mfa_verdict(behavior, result.mfa, bool(user["mfa_required"]), asked)
    if verdict.step is MfaStep.REFUSE:
        assert pending is not None
        svc.directory.oauth.update_pending(pending["id"], params=pending["params"])
        err = AadstsError(50076, sub_reason="IDP_MFA_NOT_PERFORMED")
        return _fail(svc, pending, err, user=user, tenant=federation.tenant_id)
    if verdict.step is MfaStep.BACK_TO_IDP:
        return _back_to_idp_for_mfa(svc, federation, user, pending, relay_state)
    svc.journal(
        "saml_assertion_accepted",
        ok=True,
        tenant=federation.tenant_id,
        domain=federation.domain,
        user=user["userPrincipalName"],
        issuer=result.issuer,
        assertion=result.assertion_id,
        in_response_to=result.in_response_to,
        idp_mfa=result.mfa,
        mfa_behavior=behavior,
    )
    if pending is not None and pending["kind"] != MFA_RETRY_KIND:
        amr = verdict.amr
        return signin_flow.complete_signin(pending, user, amr, tenant_id=federation.tenant_id)
    target = pending["params"].get("relay_target") if pending is not None else relay_state
    return _idp_initiated_session(svc, federation, user, verdict.amr, target, pending)


def _idp_initiated_session(
    svc: Services,
    federation: Federation,
    user: EntraUserRow,
    amr: list[str],
    target: str | None,
    pending: dict | None,
) -> ResponseReturnValue:
    """An unsolicited Response: start the Entra session and go where RelayState points."""
    signin_flow.start_session(federation.tenant_id, user["id"], amr)
    if pending is not None:
        svc.directory.oauth.update_pending(pending["id"], done=1, params=pending["params"])
    _log(svc, pending, "success", tenant=federation.tenant_id, user=user)
    return redirect(_safe_target(svc, target), code=302)


def _back_to_idp_for_mfa(
    svc: Services,
    federation: Federation,
    user: EntraUserRow,
    pending: dict | None,
    relay_target: str | None,
) -> ResponseReturnValue:
    """enforceMfaByFederatedIdp without IdP MFA: a new AuthnRequest asking for multipleauthn."""
    oauth = svc.directory.oauth
    if pending is None:
        pending = oauth.new_pending(
            federation.tenant_id,
            federation.tenant_id,
            MFA_RETRY_KIND,
            {"relay_target": relay_target},
        )
    request_id, xml = _authn_request_requiring_mfa(svc)
    params = {**pending["params"], "saml_request_id": request_id, "idp_mfa_requested": True}
    oauth.update_pending(pending["id"], tenant_id=federation.tenant_id, params=params)
    pending = {**pending, "params": params}
    _log(
        svc, pending, "interrupted", tenant=federation.tenant_id, user=user, sub="IDP_MFA_REQUESTED"
    )
    sign_in_url = federation.config.get("passiveSignInUri") or ""
    return redirect(redirect_url(sign_in_url, xml, relay_state=pending["id"]), code=302)


def _authn_request_requiring_mfa(svc: Services) -> tuple[str, bytes]:
    """Entra's AuthnRequest plus ``RequestedAuthnContext`` = multipleauthn (exact)."""
    request_id, xml = build_authn_request(saml_spec.ENTRA_ENTITY_ID, svc.ctx.clock.now())
    root = etree.fromstring(xml)
    context = etree.SubElement(root, saml_spec.q(saml_spec.SAMLP_NS, "RequestedAuthnContext"))
    context.set("Comparison", "exact")
    etree.SubElement(
        context, saml_spec.q(saml_spec.SAML_NS, "AuthnContextClassRef")
    ).text = saml_spec.AC_MFA
    return request_id, to_bytes(root)


def _safe_target(svc: Services, target: str | None) -> str:
    """Where an IdP-initiated sign-in lands: RelayState if it is a portal URL, else the portal's
    sign-in, which finds the new Entra session and signs the user in without a prompt."""
    portal = svc.ctx.url("portal")
    if target and (target == portal or target.startswith(portal + "/")):
        return target
    return portal + "/signin"


def _claimed_issuer(values: list[str]) -> str | None:
    """The Issuer a rejected Response claimed (for AADSTS50107's message only)."""
    try:
        root = parse_xml(decode_post_value(values[0]))
    except Exception:  # only for the message; the refusal itself is already decided
        return None
    issuer = root.find(
        f"{saml_spec.q(saml_spec.SAML_NS, 'Assertion')}/{saml_spec.q(saml_spec.SAML_NS, 'Issuer')}"
    )
    if issuer is None:
        issuer = root.find(saml_spec.q(saml_spec.SAML_NS, "Issuer"))
    return (issuer.text or "")[:200] if issuer is not None else None


# -- the sign-in log and the error page ------------------------------------------------------
def _log(
    svc: Services,
    pending: dict | None,
    result: str,
    *,
    tenant: str | None = None,
    user: EntraUserRow | None = None,
    upn: str | None = None,
    err: AadstsError | None = None,
    sub: str | None = None,
) -> str:
    """One sign-in log row plus a journal decision; returns the correlation id."""
    if pending is not None and pending["kind"] != MFA_RETRY_KIND:
        signin_flow.record(
            {**pending, "tenant_id": pending.get("tenant_id") or tenant},
            result,
            user=user,
            upn=upn,
            err=err,
        )
        return pending["correlation_id"]
    correlation = pending["correlation_id"] if pending else new_guid()
    svc.directory.oauth.log_signin(
        tenant_id=tenant or (user["tenant_id"] if user else None),
        user=user,
        upn=upn,
        client_id=None,
        result=result,
        error_code=err.code if err else None,
        sub_reason=err.sub_reason if err else sub,
        correlation_id=correlation,
    )
    svc.journal(
        "signin",
        ok=err is None,
        result=result,
        upn=upn or (user["userPrincipalName"] if user else None),
        aadsts=err.code if err else None,
        sub_reason=err.sub_reason if err else sub,
        idp_initiated=True,
        correlation_id=correlation,
    )
    return correlation


def _fail(
    svc: Services,
    pending: dict | None,
    err: AadstsError,
    *,
    user: EntraUserRow | None = None,
    upn: str | None = None,
    tenant: str | None = None,
    detail: str | None = None,
) -> Response:
    """Log the refusal and show Microsoft's error page (``ms.error``)."""
    svc.journal(
        "saml_response_rejected",
        ok=False,
        aadsts=err.code,
        sub_reason=err.sub_reason,
        detail=detail,
    )
    correlation = _log(svc, pending, "failure", tenant=tenant, user=user, upn=upn, err=err)
    return error_page(err, correlation)


def new_saml_sp(
    ctx: LabContext, directory: Directory, *, clock_skew: timedelta | None = None
) -> SamlSp:
    """The SP the ``/login.srf`` route reads from ``app.extensions[EXTENSION]``.

    ``clock_skew`` defaults to ``$M365LAB_SAML_CLOCK_SKEW_SECONDS`` or five minutes.
    """
    if clock_skew is None:
        env = os.environ.get(SKEW_ENV)
        clock_skew = timedelta(seconds=float(env)) if env else DEFAULT_CLOCK_SKEW
    return SamlSp(ctx, directory, clock_skew)
