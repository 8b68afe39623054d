"""Entra's SAML SP rules without HTTP: trust lookup, user resolution, federated MFA behaviour.

The trust lookup maps an assertion's Issuer to the federation configuration whose
``issuerUri`` it is (issuer → domain → tenant). The user: NameID = ``onPremisesImmutableId``
in the tenant owning the domain (else AADSTS51004), ``IDPEmail`` = UPN (else AADSTS50008
``IDPEMAIL_*``), in the federated domain and the sign-in's tenant, enabled (else 50057). Then
``federatedIdpMfaBehavior`` decides whether the IdP's MFA counts or the IdP is asked again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from simulators.core.context import LabContext
from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.records import EntraUserRow
from simulators.saml.verify import IdpTrust, ReplayCache, SpSettings, SpVerifier, VerifiedAssertion

ACCEPT = "acceptIfMfaDoneByFederatedIdp"
ENFORCE = "enforceMfaByFederatedIdp"
REJECT = "rejectMfaByFederatedIdp"


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


class SamlSp:
    """The SP of one Microsoft process: settings, the replay cache, the trust lookup."""

    def __init__(self, ctx: LabContext, directory: Directory, clock_skew: timedelta) -> None:
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


@dataclass(frozen=True)
class UserFound:
    user: EntraUserRow


@dataclass(frozen=True)
class UserRefused:
    """A refusal after verification: the AADSTS error and the user or name, when known."""

    error: AadstsError
    user: EntraUserRow | None = None
    upn: str | None = None


class FederatedUsers:
    """Which Entra user a verified assertion names, with every rule that can refuse it."""

    def __init__(self, directory: Directory) -> None:
        self.users = directory.users

    def _by_immutable_id(self, tenant_id: str, name_id: str) -> EntraUserRow | None:
        user = self.users.by_immutable_id(tenant_id, name_id)
        decoded = name_id.replace(".2B", "+")  # Microsoft's encoding of '+' in a NameID
        if user is None and decoded != name_id:
            user = self.users.by_immutable_id(tenant_id, decoded)
        return user

    def resolve(
        self,
        name_id: str,
        idp_email: str | None,
        tenant_id: str,
        domain: str,
        pending_tenant_id: str | None = None,
    ) -> UserFound | UserRefused:
        """The user of ``name_id`` in the tenant of the federated ``domain``, checked against
        ``IDPEmail`` and the tenant the sign-in started in (``pending_tenant_id``)."""
        user = self._by_immutable_id(tenant_id, name_id)
        if user is None:
            err = AadstsError(51004, sub_reason="IMMUTABLE_ID_NOT_FOUND", upn=idp_email or name_id)
            return UserRefused(err, upn=idp_email)
        upn = user["userPrincipalName"]
        user_domain = upn.rpartition("@")[2].lower()
        if not idp_email:
            reason = "IDPEMAIL_MISSING"
        elif idp_email.casefold() != upn.casefold():
            reason = "IDPEMAIL_MISMATCH"
        elif user_domain != domain and not user_domain.endswith("." + domain):
            reason = "USER_NOT_IN_FEDERATED_DOMAIN"
        elif pending_tenant_id and pending_tenant_id != tenant_id:
            reason = "TENANT_MISMATCH"
        elif not user["accountEnabled"]:
            return UserRefused(AadstsError(50057, sub_reason="USER_DISABLED"), user)
        else:
            return UserFound(user)
        return UserRefused(AadstsError(50008, sub_reason=reason), user)


class MfaStep(Enum):
    """What ``federatedIdpMfaBehavior`` makes of the assertion."""

    SIGN_IN = "sign_in"
    BACK_TO_IDP = "back_to_idp"
    """enforceMfaByFederatedIdp without IdP MFA: a new AuthnRequest asking for multipleauthn."""
    REFUSE = "refuse"
    """The IdP was asked for MFA once already and still did not perform it (50076)."""


@dataclass(frozen=True)
class MfaVerdict:
    step: MfaStep
    amr: list[str]


def mfa_verdict(behavior: str, idp_mfa: bool, mfa_required: bool, asked_idp: bool) -> MfaVerdict:
    """The step after a good assertion; ``asked_idp``: this sign-in already asked for MFA."""
    counted = idp_mfa and behavior != REJECT
    amr = ["fed", "mfa"] if counted else ["fed"]
    if behavior == ENFORCE and not counted and mfa_required:
        return MfaVerdict(MfaStep.REFUSE if asked_idp else MfaStep.BACK_TO_IDP, amr)
    return MfaVerdict(MfaStep.SIGN_IN, amr)
