"""Build + sign + verify round trips, trust rollover, policy switches, replay and time windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

from simulators.saml import constants as saml_spec
from simulators.saml.errors import Reason, SamlValidationError
from simulators.saml.verify import (
    IdpTrust,
    PendingRequests,
    ReplayCache,
    SpSettings,
    SpVerifier,
    static_trust,
    verify_response,
)

from . import corpus
from .helpers import (
    IMMUTABLE_ID,
    ISSUER,
    NOW,
    REQUEST_ID,
    UPN,
    Sp,
    attacker_key,
    base_spec,
    dump,
    idp_key,
    next_key,
    one,
    signed,
    tree,
)

SKEW = timedelta(minutes=5)
MS = timedelta(milliseconds=1)


def _reason(fn) -> Reason:
    with pytest.raises(SamlValidationError) as info:
        fn()
    return info.value.reason


@pytest.mark.parametrize("sign_response", [False, True], ids=["assertion-only", "both"])
def test_round_trip_reads_every_field(sign_response: bool) -> None:
    data = signed(base_spec(session_index="_sess1"), sign_response=sign_response)
    result = Sp().verify(data)
    assert result.issuer == ISSUER
    assert result.name_id == IMMUTABLE_ID
    assert result.name_id_format == saml_spec.NAMEID_PERSISTENT
    assert result.attributes == {"IDPEmail": [UPN]}
    assert result.attribute("IDPEmail") == UPN
    assert result.attribute("missing") is None
    assert result.authn_context_class_ref == saml_spec.AC_PASSWORD_PROTECTED
    assert result.mfa is False
    assert result.authn_instant == NOW
    assert result.session_index == "_sess1"
    assert result.in_response_to == REQUEST_ID
    assert result.not_on_or_after == NOW + timedelta(minutes=5)
    assert result.response_signed is sign_response
    assert result.assertion_id == one(tree(data), "//saml:Assertion").get("ID")


def test_mfa_class_ref() -> None:
    result = Sp().verify(signed(base_spec(mfa=True)))
    assert result.mfa is True
    assert result.authn_context_class_ref == saml_spec.AC_MFA


def test_stripping_the_response_signature_leaves_a_valid_assertion_signed_response() -> None:
    root = tree(signed(sign_response=True))
    root.remove(root.find(f"{{{saml_spec.DS_NS}}}Signature"))
    assert Sp().verify(dump(root)).response_signed is False


@pytest.mark.parametrize("sign_response", [False, True])
def test_sha1_only_when_allowed(sign_response: bool) -> None:
    data = signed(algorithm="rsa-sha1", sign_response=sign_response)
    assert _reason(lambda: Sp().verify(data)) is Reason.DEPRECATED_ALGORITHM
    result = Sp(settings=SpSettings(allow_sha1=True)).verify(data)
    assert result.name_id == IMMUTABLE_ID


def test_idp_initiated_follows_allow_unsolicited() -> None:
    data = signed(base_spec(in_response_to=None))
    result = Sp(pending=set()).verify(data)
    assert result.in_response_to is None
    strict = Sp(settings=SpSettings(allow_unsolicited=False))
    assert _reason(lambda: strict.verify(data)) is Reason.UNSOLICITED_NOT_ALLOWED


def test_pending_requests_are_single_use() -> None:
    pending = PendingRequests()
    pending.add(REQUEST_ID, NOW)
    verifier = SpVerifier(SpSettings(), static_trust(IdpTrust(ISSUER, [idp_key().cert_b64])))
    check = pending.checker(NOW)
    verifier.verify_xml(signed(), now=NOW, expected_in_response_to=check)
    again = signed()  # fresh assertion ID, same InResponseTo
    reason = _reason(lambda: verifier.verify_xml(again, now=NOW, expected_in_response_to=check))
    assert reason is Reason.IN_RESPONSE_TO_MISMATCH


def test_pending_request_expires() -> None:
    pending = PendingRequests(lifetime=timedelta(minutes=1))
    pending.add(REQUEST_ID, NOW - timedelta(minutes=2))
    assert pending.consume(REQUEST_ID, NOW) is False


def test_replay_rejected() -> None:
    sp = Sp()
    data = signed()
    sp.verify(data)
    assert _reason(lambda: sp.verify(data)) is Reason.REPLAY


class FakeWall:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_replay_cache_expiry_and_bound() -> None:
    wall = FakeWall()
    cache = ReplayCache(max_entries=3, wall=wall)
    assert cache.check_and_store("a", NOW + timedelta(minutes=1), NOW)
    assert not cache.check_and_store("a", NOW + timedelta(minutes=1), NOW)
    wall.t += 61
    assert cache.check_and_store("a", NOW + timedelta(minutes=3), NOW + timedelta(minutes=2))
    for key in "bcde":
        assert cache.check_and_store(key, NOW + timedelta(minutes=10), NOW)
    assert len(cache) == 3
    assert "a" not in cache  # earliest deadline evicted first


def test_replay_cache_survives_a_lab_clock_round_trip() -> None:
    """Forward two hours and back, in no wall time: the ID is still a replay."""
    wall = FakeWall()
    cache = ReplayCache(wall=wall)
    expires = NOW + timedelta(minutes=5)
    assert cache.check_and_store("a", expires, NOW)
    assert cache.check_and_store("b", NOW + timedelta(hours=3), NOW + timedelta(hours=2))
    assert not cache.check_and_store("a", expires, NOW + timedelta(seconds=1))
    wall.t += 301  # wall deadline past, but the lab clock is back before NotOnOrAfter
    assert not cache.check_and_store("a", expires, NOW + timedelta(seconds=2))
    wall.t += 300  # and now both clocks are past it
    assert cache.check_and_store("a", expires, NOW + timedelta(minutes=6))


def test_rollover_next_certificate_is_tried_in_order() -> None:
    data = signed(key=next_key())
    sp = Sp(certs=(idp_key().cert_b64, next_key().cert_b64))
    assert sp.verify(data).name_id == IMMUTABLE_ID
    only_current = Sp(certs=(idp_key().cert_b64,))
    assert _reason(lambda: only_current.verify(data)) is Reason.KEY_MISMATCH


def test_faked_embedded_cert_is_ignored_under_ignore_policy() -> None:
    root = tree(signed())
    one(root, corpus.X509).text = attacker_key().cert_b64
    data = dump(root)
    assert _reason(lambda: Sp().verify(data)) is Reason.KEY_MISMATCH
    lenient = Sp(settings=SpSettings(embedded_cert_policy="ignore"))
    assert lenient.verify(data).name_id == IMMUTABLE_ID


def test_cert_validity_enforced_only_on_request() -> None:
    late = NOW + timedelta(days=3650 * 2)
    data = signed(now=late)
    assert Sp().verify(data, now=late).name_id == IMMUTABLE_ID
    strict = Sp(settings=SpSettings(enforce_cert_validity=True))
    assert _reason(lambda: strict.verify(signed(now=late), now=late)) is Reason.CERT_NOT_VALID


def test_duplicate_attribute_is_reported_by_accessor_only() -> None:
    case = next(x for x in corpus.semantic_cases() if x.name == "duplicate-idpemail")
    result = Sp().verify(case.data)
    assert result.attributes["IDPEmail"] == [UPN, "mallory@corp.example.com"]
    with pytest.raises(SamlValidationError) as info:
        result.attribute("IDPEmail")
    assert info.value.reason is Reason.DUPLICATE_ATTRIBUTE


def test_verify_response_function_and_post_entry_point() -> None:
    import base64

    data = signed()
    trust = static_trust(IdpTrust(ISSUER, [idp_key().cert_b64]))
    result = verify_response(
        data,
        settings=SpSettings(),
        trust_lookup=trust,
        now=NOW,
        expected_in_response_to=[REQUEST_ID],
    )
    assert result.name_id == IMMUTABLE_ID
    verifier = SpVerifier(SpSettings(), trust)
    value = base64.b64encode(signed()).decode()
    wrapped = value[:76] + "\r\n" + value[76:]  # CR/LF are the only characters stripped
    assert verifier.verify_post([wrapped], now=NOW, expected_in_response_to=[REQUEST_ID])
    for values, reason in (
        (None, Reason.MISSING_MESSAGE),
        ([], Reason.MISSING_MESSAGE),
        ([value, value], Reason.DUPLICATE_MESSAGE),
    ):
        assert _reason(lambda v=values: verifier.verify_post(v, now=NOW)) is reason


# ---------------------------------------------------------------------------- time windows


def _window_spec(**overrides):
    # Long-lived SCD so the Conditions window is what is being tested (and vice versa).
    defaults = {"subject_confirmation_lifetime": timedelta(hours=2)}
    return base_spec(**(defaults | overrides))


@pytest.mark.parametrize(
    ("spec_kw", "at", "expected", "detail"),
    [
        # SCD NotOnOrAfter = NOW + 5 min (default spec).
        ({}, NOW + timedelta(minutes=5) + SKEW - MS, None, ""),
        ({}, NOW + timedelta(minutes=5) + SKEW, Reason.EXPIRED, "SubjectConfirmationData"),
        # Conditions NotOnOrAfter = NOW + 10 min.
        (
            {"conditions_lifetime": timedelta(minutes=10)},
            NOW + timedelta(minutes=10) + SKEW - MS,
            None,
            "",
        ),
        (
            {"conditions_lifetime": timedelta(minutes=10)},
            NOW + timedelta(minutes=10) + SKEW,
            Reason.EXPIRED,
            "Conditions NotOnOrAfter",
        ),
        # Conditions NotBefore = NOW + 10 min (issued early on purpose).
        (
            {"conditions_not_before": -timedelta(minutes=10)},
            NOW + timedelta(minutes=10) - SKEW,
            None,
            "",
        ),
        (
            {"conditions_not_before": -timedelta(minutes=10)},
            NOW + timedelta(minutes=10) - SKEW - MS,
            Reason.NOT_YET_VALID,
            "Conditions NotBefore",
        ),
        # IssueInstant = NOW: verifying earlier than NOW - skew is "not yet valid".
        ({"conditions_not_before": timedelta(0)}, NOW - SKEW, None, ""),
        (
            {"conditions_not_before": timedelta(0)},
            NOW - SKEW - MS,
            Reason.NOT_YET_VALID,
            "IssueInstant",
        ),
    ],
)
def test_time_boundaries(spec_kw, at, expected, detail) -> None:
    spec = _window_spec(**spec_kw) if spec_kw else base_spec()
    data = signed(spec)
    if expected is None:
        assert Sp().verify(data, now=at).name_id == IMMUTABLE_ID
        return
    with pytest.raises(SamlValidationError) as info:
        Sp().verify(data, now=at)
    assert info.value.reason is expected
    assert detail in info.value.detail


def test_skew_is_configurable() -> None:
    data = signed()
    at = NOW + timedelta(minutes=5) + timedelta(seconds=30)
    no_skew = Sp(settings=SpSettings(clock_skew=timedelta(0)))
    assert _reason(lambda: no_skew.verify(data, now=at)) is Reason.EXPIRED
    assert Sp().verify(data, now=at).name_id == IMMUTABLE_ID


def test_naive_now_is_treated_as_utc() -> None:
    assert Sp().verify(signed(), now=NOW.replace(tzinfo=None)).name_id == IMMUTABLE_ID


# ---------------------------------------------------------------------------- why the checks exist


@pytest.mark.parametrize("name", ["xsw3", "xsw5", "reference-to-response", "comment-in-nameid"])
def test_pinned_signxml_alone_would_accept(name: str) -> None:
    """These attacks defeat signxml's own checks; only the engine's structure checks stop them."""
    case = next(x for x in corpus.all_cases() if x.name == name)
    location = f"./{{{saml_spec.SAML_NS}}}Assertion/"
    config = SignatureConfiguration(location=location, expect_references=1)
    result = XMLVerifier().verify(
        case.data,
        x509_cert=idp_key().cert_pem,
        id_attribute="ID",
        expect_config=replace(config, verification_time=NOW),
    )
    assert etree.QName(result.signed_xml).localname in {"Assertion", "Response"}
    assert _reason(lambda: Sp().verify(case.data)) is case.reason
