"""The unit negative corpus of ``tests/unit/saml``, posted to ``/login.srf`` over HTTPS.

The corpus mutators are reused by import; its base Response is re-pointed at this lab's ACS
(Destination/Recipient) and left unsolicited. A domain of the world is federated to the corpus
IdP (its issuer and key), and the lab clock is frozen at the corpus instant. Every case must
come back as Microsoft's error page with the case's AADSTS code and Reason, never a 500.
"""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from harness.testkit import FederatedWorld, Person, add_microsoft_user, new_world
from simulators.saml import constants as saml_spec
from tests.unit.saml import corpus, helpers


@pytest.fixture(scope="module")
def corpus_world(lab):
    """A tenant whose domain of the corpus UPN trusts the corpus IdP key."""
    domain = helpers.UPN.rpartition("@")[2]
    sections = new_world(lab, {"name": "Corpus"}, {"tenant": "Corpus", "domains": [domain]}, domain)
    world = FederatedWorld(lab, sections, domain)
    add_microsoft_user(
        world, Person("alice", helpers.UPN), onPremisesImmutableId=helpers.IMMUTABLE_ID
    )
    reply = world.graph().post(
        f"{world.url('graph')}/v1.0/domains/{domain}/federationConfiguration",
        json={
            "displayName": domain,
            "issuerUri": helpers.ISSUER,
            "passiveSignInUri": "https://idp.corp.example.com/sso",
            "signingCertificate": helpers.idp_key().cert_b64,
            "preferredAuthenticationProtocol": "saml",
        },
        timeout=20,
    )
    assert reply.status_code == 201, reply.text
    return world


@pytest.fixture(scope="module")
def cases(lab):
    """The corpus, built against this lab's ACS (cases with their own SP settings left out)."""
    acs = f"{lab.ctx.url('login')}/login.srf"
    original = helpers.base_spec

    def lab_spec(**overrides):
        spec = replace(original(), destination=acs, recipient=None, in_response_to=None)
        return replace(spec, **overrides)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(helpers, "base_spec", lab_spec)
        patch.setattr(corpus, "base_spec", lab_spec)
        built = corpus.all_cases()
        control = helpers.signed()
    assert saml_spec.ENTRA_ACS_URL.encode() not in control
    return [case for case in built if not case.settings], control


@pytest.fixture
def frozen(lab, clock):
    clock.set(helpers.NOW)
    return clock


def _post(world, data: bytes | str, channel: str):
    value = data if channel == "post" else base64.b64encode(data).decode()
    return world.agent().post(f"{world.url('login')}/login.srf", {"SAMLResponse": value})


def test_control_response_is_accepted(corpus_world, cases, frozen):
    _, control = cases
    page = _post(corpus_world, control, "xml")
    assert page.page_id == "portal.signedin", (page, page.text[:1500])


def test_every_case_is_rejected_with_its_code(corpus_world, cases, frozen):
    negative, _ = cases
    assert len(negative) > 60
    wrong = []
    for case in negative:
        page = _post(corpus_world, case.data, case.channel)
        got = tuple(
            page.text_of(i) if page.has(i) else None for i in ("error-code", "error-subreason")
        )
        if (
            page.page_id != "ms.error"
            or page.status >= 500
            or got
            != (
                case.reason.aadsts,
                case.reason.value,
            )
        ):
            wrong.append((case.name, case.reason.value, page.status, page.page_id, got))
    assert not wrong, wrong
