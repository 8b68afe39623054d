"""The SAML SP's user resolution and federatedIdpMfaBehavior, without a server."""

from __future__ import annotations

import pytest

from simulators.microsoft.entra.aadsts import AADSTS
from simulators.microsoft.entra.saml_rules import (
    ACCEPT,
    ENFORCE,
    REJECT,
    FederatedUsers,
    MfaStep,
    UserFound,
    UserRefused,
    mfa_verdict,
)
from tests.unit.microsoft.world import DOMAIN, build_world

IMMUTABLE = "q1w2e3+r4=="


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path)
    ada = world.user("ada")
    world.directory.users.set_columns(
        world.tenant_id, ada["id"], {"onPremisesImmutableId": IMMUTABLE}
    )
    yield world
    world.directory.close()


def _resolve(world, name_id=IMMUTABLE, email=f"ada@{DOMAIN}", *, domain=DOMAIN, pending=None):
    return FederatedUsers(world.directory).resolve(name_id, email, world.tenant_id, domain, pending)


def _refusal(found) -> tuple[int, str | None]:
    assert isinstance(found, UserRefused)
    return found.error.code, found.error.sub_reason


def test_the_immutable_id_and_idp_email_name_the_user(world):
    found = _resolve(world)
    assert isinstance(found, UserFound) and found.user["userPrincipalName"] == f"ada@{DOMAIN}"
    assert isinstance(_resolve(world, email=f"ADA@{DOMAIN.upper()}"), UserFound)
    encoded = IMMUTABLE.replace("+", ".2B")  # Microsoft's encoding of '+' in a NameID
    assert isinstance(_resolve(world, encoded), UserFound)


def test_an_unknown_immutable_id_is_51004(world):
    found = _resolve(world, "nobody")
    assert _refusal(found) == (51004, "IMMUTABLE_ID_NOT_FOUND")
    assert found.user is None and found.upn == f"ada@{DOMAIN}"


@pytest.mark.parametrize(
    ("email", "reason"),
    [(None, "IDPEMAIL_MISSING"), ("", "IDPEMAIL_MISSING"), ("eve@x.example", "IDPEMAIL_MISMATCH")],
)
def test_idp_email_must_be_the_upn(world, email, reason):
    found = _resolve(world, email=email)
    assert _refusal(found) == (50008, reason) and found.user["id"] == world.user("ada")["id"]


def test_the_user_must_be_in_the_federated_domain_and_the_sign_ins_tenant(world):
    assert _refusal(_resolve(world, domain="other.example")) == (
        50008,
        "USER_NOT_IN_FEDERATED_DOMAIN",
    )
    assert isinstance(_resolve(world, domain=DOMAIN.split(".", 1)[1]), UserFound)  # subdomain
    assert _refusal(_resolve(world, pending="another-tenant")) == (50008, "TENANT_MISMATCH")


def test_a_disabled_user_is_50057(world):
    ada = world.user("ada")
    world.directory.users.set_columns(world.tenant_id, ada["id"], {"accountEnabled": 0})
    assert _refusal(_resolve(world)) == (50057, "USER_DISABLED")


def test_mfa_verdict_by_federated_idp_mfa_behavior():
    assert mfa_verdict(ACCEPT, True, True, False).amr == ["fed", "mfa"]
    assert mfa_verdict(ACCEPT, False, True, False).step is MfaStep.SIGN_IN
    assert mfa_verdict(REJECT, True, False, False).amr == ["fed"]
    assert mfa_verdict(ENFORCE, False, True, False).step is MfaStep.BACK_TO_IDP
    assert mfa_verdict(ENFORCE, False, True, True).step is MfaStep.REFUSE
    assert mfa_verdict(ENFORCE, False, False, False).step is MfaStep.SIGN_IN
    assert mfa_verdict(ENFORCE, True, True, True).amr == ["fed", "mfa"]


def test_the_saml_leg_codes_are_in_the_one_aadsts_table():
    assert AADSTS[90081].name == "OrgIdWsFederationMessageInvalid"
    assert AADSTS[500081].name == "SigningKeyNotRegistered"
