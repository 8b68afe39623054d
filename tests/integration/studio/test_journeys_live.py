"""Real sign-ins, whatever sends them, become one journey each; labels, lanes, diagram, decoding
and comparisons hold on what the lab really journaled."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from harness.studio.diagram import sequence_svg
from harness.studio.journeys import Journey, group_journeys
from harness.studio.messages import decode_exchange, facts_from_lab
from simulators.core.explanations import explain

EXPECTED = {
    "alice": ("alice → Microsoft 365: signed in", None, True),
    "nora": ("nora → AADSTS51004", "AADSTS51004", False),
    "carol": ("carol → jumpcloud:suspended", "jumpcloud:suspended", False),
    "dave": ("dave → Microsoft 365: signed in", None, True),
    "bob": ("bob → Microsoft 365: signed in", None, True),
}


def _requests(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["method"] != "DECISION" and "/_lab/" not in e["url"]]


def _only(entries: list[dict]) -> Journey:
    journeys = group_journeys(entries)
    assert len(journeys) == 1, [j.title for j in journeys]
    return journeys[0]


def _labels(journey: Journey) -> list[str]:
    return [x.label for x in journey.exchanges]


@pytest.fixture(scope="module")
def tenant(lab) -> str:
    return lab.descriptor()["microsoft"]["tenant_id"]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_browser_signin_without_trace_header_is_one_journey(browser_signins, tenant, name):
    capture = browser_signins[name]
    journey = _only(capture.entries)
    title, outcome, ok = EXPECTED[name]
    assert capture.outcomes[name] == (outcome or "ok")
    assert (journey.title, journey.outcome, journey.ok) == (title, outcome, ok)
    assert journey.who.startswith(name + "@") and journey.world == tenant
    # every request of the sign-in is in it, each once
    assert sorted(x.seq for x in journey.exchanges) == [
        e["seq"] for e in _requests(capture.entries)
    ]
    assert len({e["trace"] for e in _requests(capture.entries)}) > 5  # really untied by trace


def test_labels_name_what_each_hop_carries(browser_signins):
    alice = _only(browser_signins["alice"].entries)
    labels = _labels(alice)
    for wanted in (
        "302 → Entra ID (authorize)",
        "302 → JumpCloud (AuthnRequest)",
        "302 → JumpCloud User Portal (sign-in)",
        "200 SAMLResponse form",
        "POST SAMLResponse",
        "token (authorization_code)",
    ):
        assert wanted in labels, labels
    nora = _only(browser_signins["nora"].entries)
    failed = [x for x in nora.exchanges if x.is_error]
    assert [x.label for x in failed] == ["POST SAMLResponse → AADSTS51004"]
    assert nora.sub_reason == "IMMUTABLE_ID_NOT_FOUND"
    carol = _only(browser_signins["carol"].entries)
    assert carol.exchanges[-1].is_error and carol.exchanges[-1].error_code == "jumpcloud:suspended"


def test_lanes_put_server_to_server_calls_under_the_server_that_made_them(browser_signins):
    alice = _only(browser_signins["alice"].entries)
    lanes = {(x.source, x.target, x.label.split(" ")[0]) for x in alice.exchanges}
    assert ("portal", "login", "token") in lanes  # the portal redeems the code
    assert ("console", "graph", "GET") in lanes  # JumpCloud reads Graph while signing in
    browser = [x for x in alice.exchanges if x.source == "browser"]
    assert {x.target for x in browser} == {"portal", "login", "sso", "console"}


def test_one_http_driver_trace_with_two_signins_gives_two_journeys(driver_signin):
    assert driver_signin.outcomes == {"alice": "ok", "nora": "AADSTS51004"}
    assert len({e["trace"] for e in _requests(driver_signin.entries) if e["host"] != "graph"}) <= 2
    titles = [j.title for j in group_journeys(driver_signin.entries)]
    assert titles == ["alice → Microsoft 365: signed in", "nora → AADSTS51004"]


def test_concurrent_browsers_are_kept_apart(concurrent_signins):
    assert concurrent_signins.outcomes == {"alice": "ok", "nora": "AADSTS51004", "dave": "ok"}
    journeys = group_journeys(concurrent_signins.entries)
    assert sorted(j.title for j in journeys) == sorted(
        EXPECTED[n][0] for n in ("alice", "nora", "dave")
    )
    seqs = [x.seq for j in journeys for x in j.exchanges]
    assert len(seqs) == len(set(seqs))
    # the only requests left out are the home pages nobody can tell apart
    left = {e["seq"] for e in _requests(concurrent_signins.entries)} - set(seqs)
    assert all(
        e["url"].endswith("/") for e in _requests(concurrent_signins.entries) if e["seq"] in left
    )


def test_msal_authorization_code_flow_is_one_journey(msal_signin):
    assert msal_signin.outcomes["megan"] == "ok"
    journey = _only(msal_signin.entries)
    assert journey.ok and journey.who == "megan@studio-msal.example"
    assert journey.world == msal_signin.outcomes["tenant"]
    assert "token (authorization_code)" in _labels(journey)
    token = next(x for x in journey.exchanges if x.label.startswith("token"))
    assert token.source == "browser"  # msal itself, not a lab host, redeemed the code


def test_chromium_signin_is_one_journey(chromium_signin):
    assert chromium_signin.outcomes == {"alice": "ok"}
    journey = next(j for j in group_journeys(chromium_signin.entries) if j.who)
    assert journey.title == "alice → Microsoft 365: signed in"
    assert "POST SAMLResponse" in _labels(journey)


def test_ids_are_stable_as_the_journal_grows(browser_signins):
    first = browser_signins["alice"].entries
    later = first + browser_signins["nora"].entries
    assert group_journeys(first)[0].id == group_journeys(later)[0].id
    assert group_journeys(later)[0].id != group_journeys(later)[1].id


def test_sequence_svg_has_one_linked_arrow_per_exchange_and_red_errors(browser_signins):
    nora = _only(browser_signins["nora"].entries)
    svg = sequence_svg(nora)
    root = etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    arrows = root.findall(".//s:a", ns)
    assert len(arrows) == len(nora.exchanges)
    for arrow, exchange in zip(arrows, nora.exchanges, strict=True):
        assert arrow.get("href") == f"#exchange-{exchange.seq}"
        assert arrow.get("id") == f"arrow-exchange-{exchange.seq}"
        assert ("error" in arrow.get("class")) == exchange.is_error
    titles = [t.text for t in root.findall("./s:g/s:text", ns)]
    assert titles == [
        "Browser",
        "Microsoft 365 portal",
        "Entra ID",
        "JumpCloud User Portal",
        "JumpCloud SSO",
        "Graph",
    ]
    red = [a for a in arrows if "error" in a.get("class")]
    assert red and all(a.find("s:line", ns).get("stroke") == "#cf222e" for a in red)


@pytest.fixture(scope="module")
def facts(lab):
    return facts_from_lab(lab.descriptor())


def _fields(journey: Journey, kind: str, facts) -> dict:
    for exchange in journey.exchanges:
        if exchange.label.startswith("POST SAMLResponse") or kind != "SAMLResponse":
            for message in decode_exchange(exchange, facts):
                if message.kind == kind:
                    return {f.name: f for f in message.fields}
    raise AssertionError(f"no {kind}")


def test_facts_come_from_the_public_apis(facts, lab):
    alice = facts.user("alice@contoso.com")
    assert re.fullmatch(r"[0-9a-f]{24}", alice.immutable_id)
    assert alice.jumpcloud_id == alice.immutable_id  # the engine uses the JumpCloud id
    assert facts.user("nora@contoso.com").immutable_id is None
    assert facts.user("carol@contoso.com").jumpcloud_state == "SUSPENDED"
    contoso = facts.domains["contoso.com"]
    assert (
        contoso.authentication_type == "Federated" and contoso.issuer_uri == "https://contoso.com"
    )
    assert contoso.signing_certificate and facts.now is not None
    assert facts.acs_url == lab.ctx.url("login") + "/login.srf"


def test_alice_saml_response_matches_every_expectation(browser_signins, facts):
    fields = _fields(_only(browser_signins["alice"].entries), "SAMLResponse", facts)
    for name in ("NameID", "Issuer", "IDPEmail", "Audience", "Destination", "Recipient"):
        assert fields[name].deciding and fields[name].ok is True, fields[name]
    assert fields["NameID"].value == facts.user("alice@contoso.com").immutable_id
    assert fields["Signing certificate"].ok is True
    assert fields["Signature valid"].value == "yes"
    assert fields["NotOnOrAfter"].ok is True


def test_nora_saml_response_shows_the_missing_immutable_id(browser_signins, facts):
    fields = _fields(_only(browser_signins["nora"].entries), "SAMLResponse", facts)
    name_id = fields["NameID"]
    assert name_id.ok is False and name_id.value == "nora@contoso.com"
    assert name_id.expected == "(no onPremisesImmutableId on nora@contoso.com)"
    assert fields["Issuer"].ok is True and fields["Signature valid"].value == "yes"


def test_a_tampered_signature_is_shown_invalid(browser_signins, facts):
    import base64

    from harness.studio.messages import response_fields, saml_xml

    exchange = next(
        x
        for x in _only(browser_signins["alice"].entries).exchanges
        if x.label == "POST SAMLResponse"
    )
    from urllib.parse import parse_qsl

    value = dict(parse_qsl(exchange.entry["request_body"]))["SAMLResponse"]
    xml = saml_xml(value).replace(b">alice@contoso.com<", b">mallory@contoso.com<", 1)
    assert b"mallory" in xml
    root = etree.fromstring(xml)
    fields = {f.name: f for f in response_fields(root, xml, facts, facts.now)}
    assert fields["Signature valid"].ok is False
    assert base64.b64encode(xml)  # the tampered message still decodes


def test_token_jwt_claims_are_decoded_with_expiry_against_the_lab_clock(browser_signins, facts):
    alice = _only(browser_signins["alice"].entries)
    token = next(x for x in alice.exchanges if x.label.startswith("token"))
    (jwt,) = [m for m in decode_exchange(token, facts) if m.title == "JWT (access token)"]
    fields = {f.name: f for f in jwt.fields}
    assert fields["upn"].value == "alice@contoso.com" and fields["aud"].deciding
    assert fields["exp"].ok is True and fields["header alg"].value == "RS256"


def test_the_outcome_has_an_explanation_filled_from_the_journey(browser_signins):
    nora = _only(browser_signins["nora"].entries)
    text = explain(nora.outcome, {"user": "nora", "sub_reason": nora.sub_reason})
    assert "nora is not bound" in text.cause and "Directories" in text.fix
    carol = _only(browser_signins["carol"].entries)
    assert "Activate" in explain(carol.outcome, {"user": "carol"}).fix


def test_error_pages_show_more_details(browser_signins):
    nora = _only(browser_signins["nora"].entries).exchanges[-1].entry["response_body"]
    assert "<details id='more-details'>" in nora and "Console → Users" in nora
    carol = _only(browser_signins["carol"].entries).exchanges[-1].entry["response_body"]
    assert "is suspended in JumpCloud" in carol and "id='more-fix-link' href='https://" in carol
