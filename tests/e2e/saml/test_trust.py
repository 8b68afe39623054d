"""What Entra trusts: the issuer, the signing certificate (and its rollover), the clock."""

from __future__ import annotations

import pytest

from harness.testkit import assert_error, assert_signed_in, jumpcloud_signin, portal_signin
from simulators.saml.metadata import parse_idp_metadata

SKEW = 5 * 60


def captured_response(world, person):
    """Run an SP-initiated sign-in up to JumpCloud's auto-submitting POST form; return it."""
    agent = world.agent(auto_submit=False)
    home = agent.get(world.url("portal") + "/")
    username = agent.get(home.link("signin-link"))
    page = username.form("credentials").fill(loginfmt=person.email).submit()
    page = jumpcloud_signin(world, person, page)
    assert page.page_id == "saml.post", page
    assert page.form("saml-post-form").action == f"{world.url('login')}/login.srf"
    return agent, page.form("saml-post-form")


@pytest.mark.parametrize(
    ("shift", "outcome"),
    [
        (SKEW + 5 * 60 + 30, "EXPIRED"),  # SubjectConfirmation NotOnOrAfter (+5 min) + skew
        (SKEW + 5 * 60 - 30, None),  # inside the tolerance
        (-(SKEW + 30), "NOT_YET_VALID"),  # issued "in the future" beyond the skew
        (-(SKEW - 30), None),
    ],
    ids=["late-outside", "late-inside", "early-outside", "early-inside"],
)
def test_clock_skew_between_issuance_and_post(world, clock, shift, outcome):
    alice = world.people["alice"]
    agent, form = captured_response(world, alice)
    clock.advance(shift)
    agent.auto_submit = True
    page = form.submit()
    if outcome is None:
        assert_signed_in(page, alice)
    else:
        assert_error(page, "AADSTS50008", outcome)


def test_replayed_response_is_refused(world):
    alice = world.people["alice"]
    agent, form = captured_response(world, alice)
    agent.auto_submit = True
    assert_signed_in(form.submit(), alice)
    assert_error(form.submit(), "AADSTS50008", "REPLAY")


def test_replay_is_refused_after_a_lab_clock_round_trip(world, clock):
    """Forward two hours (the response is expired there) and back: still a replay."""
    alice = world.people["alice"]
    agent, form = captured_response(world, alice)
    agent.auto_submit = True
    assert_signed_in(form.submit(), alice)
    clock.advance(2 * 3600)
    assert_error(form.submit(), "AADSTS50008", "EXPIRED")
    assert_signed_in(portal_signin(world, alice), alice)  # a new assertion: the cache purges
    clock.advance(-2 * 3600)
    assert_error(form.submit(), "AADSTS50008", "REPLAY")


def test_response_to_another_browser_request_is_refused(world):
    """A captured Response posted without its RelayState: the request id is not pending here."""
    alice = world.people["alice"]
    _, form = captured_response(world, alice)
    fields = [(k, v) for k, v in form.fields if k != "RelayState"]
    page = world.agent().post(form.action, fields)
    assert_error(page, "AADSTS50008", "IN_RESPONSE_TO_MISMATCH")


def test_issuer_that_is_no_federation_realm(world):
    original = world.federation()["issuerUri"]
    world.patch_federation(issuerUri="https://elsewhere.example")
    try:
        page = portal_signin(world, world.people["alice"])
        assert_error(page, "AADSTS50107", "UNKNOWN_ISSUER")
        assert original in page.text_of("error-message")
    finally:
        world.patch_federation(issuerUri=original)


def test_missing_and_garbage_messages(world):
    agent = world.agent()
    assert_error(
        agent.post(f"{world.url('login')}/login.srf", {}), "AADSTS90081", "MISSING_MESSAGE"
    )
    page = agent.post(f"{world.url('login')}/login.srf", {"SAMLResponse": "%%%not base64"})
    assert_error(page, "AADSTS90081", "MALFORMED_BASE64")
    assert_error(agent.get(f"{world.url('login')}/login.srf"), "AADSTS90081", "MISSING_MESSAGE")


def test_rotated_certificate_then_next_signing_certificate(world):
    """JumpCloud rotates the connector's key: Entra refuses it until Graph knows the new cert."""
    alice = world.people["alice"]
    app_id = world.jumpcloud["m365_sso_app_id"]
    reply = world.jc_api().post(
        f"{world.url('console')}/api/applications/{app_id}/rotate-certificate", timeout=20
    )
    assert reply.status_code == 200, reply.text
    page = portal_signin(world, alice)
    assert_error(page, "AADSTS500081", "KEY_MISMATCH")

    metadata = world.agent().get(world.metadata_url())
    new_cert = parse_idp_metadata(metadata.content).certificates_b64[0]
    assert new_cert != world.federation()["signingCertificate"]
    world.patch_federation(nextSigningCertificate=new_cert)
    assert_signed_in(portal_signin(world, alice), alice)
