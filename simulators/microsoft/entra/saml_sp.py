"""Entra as SAML 2.0 SP for federated domains: ``POST /login.srf``.

The Response is verified by ``simulators.saml.verify`` against the federation configuration
whose ``issuerUri`` is the assertion's Issuer (the trust lookup: issuer → domain → tenant), with
``signingCertificate`` then ``nextSigningCertificate``; InResponseTo must be the request id
``begin_federated_signin`` kept on the pending sign-in named by RelayState; assertion ids are
remembered per process (replay); times are read on the lab clock with a configurable skew.

Then the user: NameID = ``onPremisesImmutableId`` in the tenant owning the domain (else
AADSTS51004), ``IDPEmail`` = UPN (else AADSTS50008 ``IDPEMAIL_*``), enabled (else 50057), in the
federated domain; then ``federatedIdpMfaBehavior``, and ``complete_signin`` for the rest.
Every failure renders Microsoft's error page with the verify Reason as ``#error-subreason``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, redirect, request
from lxml import etree

from simulators.core.context import LabContext
from simulators.microsoft.entra import signin_flow
from simulators.microsoft.entra.aadsts import AADSTS, Aadsts, AadstsError
from simulators.microsoft.entra.errors import error_page
from simulators.microsoft.ids import new_guid
from simulators.microsoft.services import Services, services
from simulators.saml import constants as c
from simulators.saml.bindings import decode_post_value, redirect_url
from simulators.saml.errors import SamlValidationError
from simulators.saml.messages import build_authn_request, to_bytes
from simulators.saml.verify import IdpTrust, ReplayCache, SpSettings, SpVerifier, VerifiedAssertion
from simulators.saml.xmlparse import parse_xml

EXTENSION = "m365lab.microsoft.saml_sp"
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
SKEW_ENV = "M365LAB_SAML_CLOCK_SKEW_SECONDS"
MFA_RETRY_KIND = "federated_mfa"
"""Pending sign-in kind of an IdP-initiated sign-in sent back to the IdP for MFA."""

ACCEPT = "acceptIfMfaDoneByFederatedIdp"
ENFORCE = "enforceMfaByFederatedIdp"
REJECT = "rejectMfaByFederatedIdp"

_SAML_CODES = (
    Aadsts(
        90081,
        "OrgIdWsFederationMessageInvalid",
        "invalid_request",
        "An error occurred when the service tried to process a WS-Federation message. "
        "The message isn't valid.",
    ),
    Aadsts(
        500081,
        "SigningKeyNotRegistered",
        "invalid_request",
        "Unable to verify the token signature. The signing key identifier doesn't match any "
        "valid registered keys.",
    ),
)
for _entry in _SAML_CODES:  # codes only the SAML leg emits; the STS table wins if it has them
    AADSTS.setdefault(_entry.code, _entry)


@dataclass(frozen=True)
class Federation:
    """The federation configuration a Response's issuer selected."""

    tenant_id: str
    domain: str
    config: dict
    trust: IdpTrust

    @property
    def mfa_behavior(self) -> str:
        return self.config.get("federatedIdpMfaBehavior") or ACCEPT


class SignInFailed(Exception):
    """A refusal after verification: the AADSTS error and the user, when one was found."""

    def __init__(self, err: AadstsError, user: dict | None = None, upn: str | None = None):
        super().__init__(err.code)
        self.err = err
        self.user = user
        self.upn = upn


class SamlSp:
    """The SP of one Microsoft process: settings, the replay cache, the trust lookup."""

    def __init__(self, ctx: LabContext, directory: Any, clock_skew: timedelta) -> None:
        self.ctx = ctx
        self.directory = directory
        self.acs_url = f"{ctx.url('login')}/login.srf"
        self.settings = SpSettings(acs_url=self.acs_url, clock_skew=clock_skew)
        self.replay_cache = ReplayCache()
        self._trusts: dict[tuple[str, ...], IdpTrust] = {}

    def federation_for(self, issuer: str) -> Federation | None:
        """The federated domain whose issuerUri is ``issuer`` (live tenant, domain Federated)."""
        row = self.directory.tenants.one(
            "SELECT f.tenant_id, f.domain, f.id, f.data FROM federations f "
            "JOIN tenants t ON t.id = f.tenant_id AND t.deleted = 0 "
            "JOIN domains d ON d.tenant_id = f.tenant_id AND d.name = f.domain "
            "WHERE json_extract(f.data, '$.issuerUri') = ? "
            "AND d.authentication_type = 'Federated' ORDER BY f.rowid LIMIT 1",
            (issuer,),
        )
        if row is None:
            return None
        config = {"id": row["id"], **json.loads(row["data"])}
        wanted = ("signingCertificate", "nextSigningCertificate")
        certs = tuple(config[key] for key in wanted if config.get(key))
        trust = self._trusts.get((issuer, *certs))
        if trust is None:
            try:
                trust = IdpTrust(issuer, list(certs))
            except ValueError:
                return None
            if len(self._trusts) > 1000:
                self._trusts.clear()
            self._trusts[(issuer, *certs)] = trust
        return Federation(row["tenant_id"], row["domain"], config, trust)

    def verify(
        self, values: list[str], expected: Callable[[str], bool]
    ) -> tuple[VerifiedAssertion, Federation]:
        """Run the verification engine; the federation its trust lookup chose comes back too."""
        chosen: list[Federation] = []

        def lookup(issuer: str) -> IdpTrust | None:
            federation = self.federation_for(issuer)
            if federation is None:
                return None
            chosen.append(federation)
            return federation.trust

        verifier = SpVerifier(self.settings, lookup, self.replay_cache)
        result = verifier.verify_post(
            values, now=self.ctx.clock.now(), expected_in_response_to=expected
        )
        return result, chosen[-1]


def sp() -> SamlSp:
    return current_app.extensions[EXTENSION]


bp = Blueprint("ms_saml_sp", __name__)


@bp.route("/login.srf", methods=["GET", "POST"])
def login_srf() -> Response:
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
    try:
        user = _find_user(svc, result, federation, pending)
    except SignInFailed as failed:
        return _fail(
            svc, pending, failed.err, user=failed.user, upn=failed.upn, tenant=federation.tenant_id
        )
    return _sign_in(svc, result, federation, user, pending, relay_state)


def _find_user(
    svc: Services, result: VerifiedAssertion, federation: Federation, pending: dict | None
) -> dict:
    """The Entra user the assertion names, with every rule that can refuse it."""
    users = svc.directory.users
    try:
        idp_email = result.attribute("IDPEmail")
    except SamlValidationError as exc:
        raise SignInFailed(AadstsError(exc.code, sub_reason=exc.reason.value)) from None
    user = users.by_immutable_id(federation.tenant_id, result.name_id)
    decoded = result.name_id.replace(".2B", "+")  # Microsoft's encoding of '+' in a NameID
    if user is None and decoded != result.name_id:
        user = users.by_immutable_id(federation.tenant_id, decoded)
    if user is None:
        err = AadstsError(
            51004, sub_reason="IMMUTABLE_ID_NOT_FOUND", upn=idp_email or result.name_id
        )
        raise SignInFailed(err, upn=idp_email)
    upn = user["userPrincipalName"]
    if not idp_email:
        raise SignInFailed(AadstsError(50008, sub_reason="IDPEMAIL_MISSING"), user)
    if idp_email.casefold() != upn.casefold():
        raise SignInFailed(AadstsError(50008, sub_reason="IDPEMAIL_MISMATCH"), user)
    user_domain = upn.rpartition("@")[2].lower()
    if user_domain != federation.domain and not user_domain.endswith("." + federation.domain):
        raise SignInFailed(AadstsError(50008, sub_reason="USER_NOT_IN_FEDERATED_DOMAIN"), user)
    if pending and pending.get("tenant_id") and pending["tenant_id"] != federation.tenant_id:
        raise SignInFailed(AadstsError(50008, sub_reason="TENANT_MISMATCH"), user)
    if not user["accountEnabled"]:
        raise SignInFailed(AadstsError(50057, sub_reason="USER_DISABLED"), user)
    return user


def _sign_in(
    svc: Services,
    result: VerifiedAssertion,
    federation: Federation,
    user: dict,
    pending: dict | None,
    relay_state: str | None,
) -> Response:
    """Apply federatedIdpMfaBehavior, then finish the sign-in (or send the user back to the IdP)."""
    behavior = federation.mfa_behavior
    idp_mfa = result.mfa and behavior != REJECT
    if result.in_response_to is None:
        pending = None  # unsolicited: RelayState is a target, not a sign-in of ours
    if pending is not None:
        # The request id is answered: it cannot be answered twice. Every path below saves
        # these params with its own write of the pending sign-in.
        pending = {**pending, "params": {**pending["params"], "saml_request_id": None}}
    if behavior == ENFORCE and not idp_mfa and user["mfa_required"]:
        if pending is not None and pending["params"].get("idp_mfa_requested"):
            svc.directory.oauth.update_pending(pending["id"], params=pending["params"])
            err = AadstsError(50076, sub_reason="IDP_MFA_NOT_PERFORMED")
            return _fail(svc, pending, err, user=user, tenant=federation.tenant_id)
        return _back_to_idp_for_mfa(svc, federation, user, pending, relay_state)
    amr = ["fed", "mfa"] if idp_mfa else ["fed"]
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
        return signin_flow.complete_signin(pending, user, amr, tenant_id=federation.tenant_id)
    target = pending["params"].get("relay_target") if pending is not None else relay_state
    return _idp_initiated_session(svc, federation, user, amr, target, pending)


def _idp_initiated_session(
    svc: Services,
    federation: Federation,
    user: dict,
    amr: list[str],
    target: str | None,
    pending: dict | None,
) -> Response:
    """An unsolicited Response: start the Entra session and go where RelayState points."""
    signin_flow.start_session(federation.tenant_id, user["id"], amr)
    if pending is not None:
        svc.directory.oauth.update_pending(pending["id"], done=1, params=pending["params"])
    _log(svc, pending, "success", tenant=federation.tenant_id, user=user)
    return redirect(_safe_target(svc, target), code=302)


def _back_to_idp_for_mfa(
    svc: Services,
    federation: Federation,
    user: dict,
    pending: dict | None,
    relay_target: str | None,
) -> Response:
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
    request_id, xml = build_authn_request(c.ENTRA_ENTITY_ID, svc.ctx.clock.now())
    root = etree.fromstring(xml)
    context = etree.SubElement(root, c.q(c.SAMLP_NS, "RequestedAuthnContext"))
    context.set("Comparison", "exact")
    etree.SubElement(context, c.q(c.SAML_NS, "AuthnContextClassRef")).text = c.AC_MFA
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
    issuer = root.find(f"{c.q(c.SAML_NS, 'Assertion')}/{c.q(c.SAML_NS, 'Issuer')}")
    if issuer is None:
        issuer = root.find(c.q(c.SAML_NS, "Issuer"))
    return (issuer.text or "")[:200] if issuer is not None else None


# -- the sign-in log and the error page ------------------------------------------------------
def _log(
    svc: Services,
    pending: dict | None,
    result: str,
    *,
    tenant: str | None = None,
    user: dict | None = None,
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
        tenant_id=tenant or (user or {}).get("tenant_id"),
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
        upn=upn or (user or {}).get("userPrincipalName"),
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
    user: dict | None = None,
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


def register_saml_sp(
    app: Flask, ctx: LabContext, microsoft_system: Any, *, clock_skew: timedelta | None = None
) -> SamlSp:
    """Serve ``/login.srf`` on the login host's ``app``.

    ``clock_skew`` defaults to ``$M365LAB_SAML_CLOCK_SKEW_SECONDS`` or five minutes.
    """
    if clock_skew is None:
        env = os.environ.get(SKEW_ENV)
        clock_skew = timedelta(seconds=float(env)) if env else DEFAULT_CLOCK_SKEW
    saml_sp = SamlSp(ctx, microsoft_system.directory, clock_skew)
    app.extensions[EXTENSION] = saml_sp
    app.register_blueprint(bp)
    return saml_sp
