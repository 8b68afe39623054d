"""Journeys, labels, the diagram and decoding on small hand-made journals (the real sign-ins are
in tests/integration/studio)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from urllib.parse import quote

from lxml import etree

from harness.studio.diagram import sequence_svg
from harness.studio.journeys import exchange_label, group_journeys
from harness.studio.messages import DomainFacts, Facts, UserFacts, decode_exchange, decode_jwt

PORTAL, LOGIN, SSO = "https://127.0.0.1:1", "https://127.0.0.1:2", "https://127.0.0.1:3"
AUTHN = (
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_req-0001" Version="2.0" '
    'AssertionConsumerServiceURL="https://127.0.0.1:2/login.srf">'
    "<saml:Issuer>urn:federation:MicrosoftOnline</saml:Issuer></samlp:AuthnRequest>"
)
RESPONSE = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp-0001" Version="2.0" '
    'InResponseTo="_req-0001" Destination="https://127.0.0.1:2/login.srf">'
    "<saml:Issuer>https://idp.example</saml:Issuer><samlp:Status><samlp:StatusCode "
    'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
    '<saml:Assertion ID="_a1" Version="2.0"><saml:Issuer>https://idp.example</saml:Issuer>'
    "<saml:Subject><saml:NameID>{name_id}</saml:NameID><saml:SubjectConfirmation>"
    '<saml:SubjectConfirmationData Recipient="https://127.0.0.1:2/login.srf" '
    'NotOnOrAfter="2030-01-01T00:05:00Z"/></saml:SubjectConfirmation></saml:Subject>'
    '<saml:Conditions NotBefore="2029-12-31T23:55:00Z" NotOnOrAfter="2030-01-01T01:00:00Z">'
    "<saml:AudienceRestriction><saml:Audience>urn:federation:MicrosoftOnline</saml:Audience>"
    "</saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement>"
    '<saml:Attribute Name="IDPEmail"><saml:AttributeValue>ann@contoso.com</saml:AttributeValue>'
    "</saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"
)


def _deflated(xml: str) -> str:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(xml.encode()) + compressor.flush()).decode()


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.[signature-redacted]"


class Journal:
    """Entries as the lab journals them: seq, wall_time (end), duration, trace, host."""

    made = 0

    def __init__(self) -> None:
        Journal.made += 1
        self.entries: list[dict] = []
        self.clock = 1_900_000_000.0 + Journal.made * 1000  # journals of a test never overlap

    def add(self, host, method, url, status=200, *, trace=None, ms=2.0, **fields) -> dict:
        self.clock += 0.01
        entry = {
            "seq": len(self.entries) + 1,
            "time": "2030-01-01T00:00:00Z",
            "wall_time": self.clock,
            "duration_ms": ms,
            "trace": trace or f"t{self.clock}",  # a browser's: one per request
            "host": host,
            "method": method,
            "url": url,
            "status": status,
            "request_headers": {"User-Agent": "Mozilla/5.0"},
            "response_headers": {},
            **fields,
        }
        self.entries.append(entry)
        return entry

    def decision(self, host, trace, **decision) -> None:
        self.entries.append(
            {
                "seq": len(self.entries) + 1,
                "time": "2030-01-01T00:00:00Z",
                "trace": trace,
                "host": host,
                "method": "DECISION",
                "url": f"x:{decision.get('event')}",
                "status": 200,
                "duration_ms": 0,
                "decision": decision,
            }
        )


def federated_signin(journal: Journal, who: str, n: int, *, trace=None, name_id="imm-1") -> None:
    """A browser (one trace per request unless ``trace``): portal → Entra → JumpCloud → back."""
    state, ctx, code = f"state-{who}-{n:04d}", f"ctx-{who}-{n:04d}", f"code-{who}-{n:04d}"
    request = AUTHN.replace("_req-0001", f"_req-{who}-{n}")
    response = RESPONSE.replace("_req-0001", f"_req-{who}-{n}").format(name_id=name_id)
    response = response.replace("_resp-0001", f"_resp-{who}-{n}")
    saml = base64.b64encode(response.encode()).decode()
    journal.add(
        "portal",
        "GET",
        f"{PORTAL}/signin",
        302,
        trace=trace,
        response_headers={
            "Location": f"{LOGIN}/organizations/oauth2/v2.0/authorize?"
            f"client_id=4765445b-32c6-49b0-83e6-1d93765276ca&state={state}"
        },
    )
    journal.add(
        "login",
        "GET",
        f"{LOGIN}/organizations/oauth2/v2.0/authorize?"
        f"client_id=4765445b-32c6-49b0-83e6-1d93765276ca&state={state}",
        trace=trace,
        response_body=f'<form><input type="hidden" name="ctx" value="{ctx}"></form>',
    )
    t = trace or f"login-{who}-{n}"
    journal.decision(
        "login",
        t,
        event="federated_redirect",
        user=f"{who}@contoso.com",
        tenant="tenant-1",
        request_id=f"_req-{who}-{n}",
    )
    journal.add(
        "login",
        "POST",
        f"{LOGIN}/common/login",
        302,
        trace=t,
        request_body=f"ctx={ctx}&loginfmt={who}%40contoso.com",
        response_headers={
            "Location": f"{SSO}/saml2/microsoft-365?SAMLRequest="
            f"{quote(_deflated(request), safe='')}&RelayState={ctx}"
        },
    )
    journal.add(
        "sso",
        "GET",
        f"{SSO}/saml2/microsoft-365?SAMLRequest="
        f"{quote(_deflated(request), safe='')}&RelayState={ctx}",
        trace=trace,
        response_body=f'<form><input type="hidden" name="SAMLResponse" value="{saml}">'
        f'<input type="hidden" name="RelayState" value="{ctx}"></form>',
    )
    journal.add(
        "login",
        "POST",
        f"{LOGIN}/login.srf",
        trace=trace,
        request_body=f"SAMLResponse={quote(saml, safe='')}&RelayState={ctx}",
        response_body=f'<form><input type="hidden" name="code" value="{code}">'
        f'<input type="hidden" name="state" value="{state}"></form>',
    )
    # the portal redeems the code while it serves /landing: same trace, inside its time, and
    # recorded first (it ends first)
    served = trace or f"landing-{who}-{n}"
    journal.add(
        "login",
        "POST",
        f"{LOGIN}/organizations/oauth2/v2.0/token",
        trace=served,
        ms=5,
        request_body=f"grant_type=authorization_code&code={code}",
        response_body=json.dumps({"access_token": _jwt({"tid": "tenant-1"})}),
    )
    journal.add(
        "portal",
        "POST",
        f"{PORTAL}/landing",
        302,
        trace=served,
        ms=50,
        request_body=f"code={code}&state={state}",
        response_headers={"Location": f"{PORTAL}/"},
    )
    journal.add("portal", "GET", f"{PORTAL}/", trace=trace)  # fmt: skip


def test_a_browser_signin_is_one_journey_with_lanes_and_labels():
    journal = Journal()
    federated_signin(journal, "ann", 1)
    (journey,) = group_journeys(journal.entries)
    assert journey.title == "ann → Microsoft 365: signed in" and journey.ok
    assert journey.who == "ann@contoso.com" and journey.world == "tenant-1"
    labels = [x.label for x in journey.exchanges]
    assert labels == [
        "302 → Entra ID (authorize)",
        "GET /organizations/oauth2/v2.0/authorize",
        "302 → JumpCloud (AuthnRequest)",
        "200 SAMLResponse form",
        "POST SAMLResponse",
        "token (authorization_code)",
        "302 → Microsoft 365",
        "GET /",
    ]
    token = next(x for x in journey.exchanges if x.label.startswith("token"))
    assert (token.source, token.target) == ("portal", "login")
    assert [d["decision"]["event"] for d in journey.exchanges[2].decisions] == [
        "federated_redirect"
    ]


def test_one_trace_for_two_signins_and_interleaved_browsers():
    journal = Journal()
    federated_signin(journal, "ann", 1, trace="driver")
    federated_signin(journal, "bo", 2, trace="driver")
    titles = [j.title for j in group_journeys(journal.entries)]
    assert titles == ["ann → Microsoft 365: signed in", "bo → Microsoft 365: signed in"]
    a, b = Journal(), Journal()
    federated_signin(a, "ann", 3)
    federated_signin(b, "bo", 4)
    mixed = [e for pair in zip(a.entries, b.entries, strict=True) for e in pair]
    for i, entry in enumerate(mixed):
        entry["seq"] = i + 1
        if "wall_time" in entry:
            entry["wall_time"] = 1_800_000_000 + i * 0.01
    journeys = {j.who: j for j in group_journeys(mixed)}
    assert sorted(journeys) == ["ann@contoso.com", "bo@contoso.com"]
    for who, journal in (("ann@contoso.com", a), ("bo@contoso.com", b)):
        mine = {id(e) for e in journal.entries if not e["url"].endswith("/")}
        got = {id(e) for e in journeys[who].entries if not e["url"].endswith("/")}
        assert got == mine  # (home pages look alike: either browser's may come first)


def test_errors_outcomes_and_stable_ids():
    journal = Journal()
    federated_signin(journal, "nora", 1)
    post = next(e for e in journal.entries if e["url"].endswith("/login.srf"))
    post["response_body"] = '<td id="error-code">AADSTS51004</td><td id="error-subreason">x'
    journal.decision("login", post["trace"], event="saml_response_rejected", aadsts=51004,
                     sub_reason="IMMUTABLE_ID_NOT_FOUND")  # fmt: skip
    journal.entries.insert(journal.entries.index(post), journal.entries.pop())  # recorded first
    for seq, entry in enumerate(journal.entries, 1):
        entry["seq"] = seq
    journal.entries = [e for e in journal.entries if "/landing" not in e["url"]]
    journal.entries = [e for e in journal.entries if "/token" not in e["url"]]
    first = group_journeys(journal.entries)[0]
    assert first.title == "nora → AADSTS51004" and first.outcome == "AADSTS51004"
    assert not first.ok and first.sub_reason == "IMMUTABLE_ID_NOT_FOUND"
    (failed,) = [x for x in first.exchanges if x.is_error]
    assert failed.label == "POST SAMLResponse → AADSTS51004"
    federated_signin(journal, "ann", 2)
    assert group_journeys(journal.entries)[0].id == first.id


def test_labels_of_each_kind():
    entry = {"method": "POST", "url": f"{LOGIN}/t/oauth2/v2.0/token", "status": 400,
             "request_body": "grant_type=refresh_token&x=1"}  # fmt: skip
    assert exchange_label(entry, "", "AADSTS70008") == "token (refresh_token) 400 → AADSTS70008"
    redirect = {"method": "GET", "url": f"{SSO}/saml2/app", "status": 302}
    hosts = {"127.0.0.1:1": "portal", "127.0.0.1:4": "console"}
    assert exchange_label(redirect, "https://127.0.0.1:4/userconsole/login?x=1", None, hosts) == (
        "302 → JumpCloud User Portal (sign-in)"
    )
    assert exchange_label(redirect, f"{PORTAL}/cb?code=c&state=s", None, hosts) == (
        "302 → Microsoft 365 (code)"
    )
    long = {"method": "GET", "url": f"{LOGIN}/" + "x" * 80, "status": 404}
    assert exchange_label(long, "", None).endswith("x 404") and "…" in exchange_label(
        long, "", None
    )


def test_svg_escapes_and_links_every_arrow():
    journal = Journal()
    federated_signin(journal, "ann", 1)
    journey = group_journeys(journal.entries)[0]
    journey.title = "ann <script>"
    svg = sequence_svg(journey, anchor_prefix="s1-")
    root = etree.fromstring(svg.encode())
    assert "<script>" not in svg and root.find("{*}title").text == "ann <script>"
    links = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert links == [f"#s1-exchange-{x.seq}" for x in journey.exchanges]


def test_duplicate_sequence_numbers_of_two_processes_get_distinct_anchors():
    journal = Journal()
    federated_signin(journal, "ann", 1)
    journal.entries[3]["seq"] = journal.entries[1]["seq"]
    journal.entries[3]["host"] = "sso"
    anchors = [x.anchor for x in group_journeys(journal.entries)[0].exchanges]
    assert len(anchors) == len(set(anchors))


def _facts(immutable_id: str | None) -> Facts:
    return Facts(
        users={"ann@contoso.com": UserFacts("ann@contoso.com", immutable_id)},
        domains={"contoso.com": DomainFacts("contoso.com", "Federated", "https://idp.example")},
        acs_url="https://127.0.0.1:2/login.srf",
    )


def _response_fields(facts: Facts, name_id: str = "imm-1", when: str = "2030-01-01T00:00:00Z"):
    saml = base64.b64encode(RESPONSE.format(name_id=name_id).encode()).decode()
    entry = {
        "time": when,
        "url": f"{LOGIN}/login.srf",
        "request_body": f"SAMLResponse={quote(saml)}",
    }
    (message,) = decode_exchange(entry, facts)
    assert message.kind == "SAMLResponse" and message.carrier == "SAMLResponse"
    return {f.name: f for f in message.fields}


def test_saml_response_fields_are_compared_with_the_facts():
    fields = _response_fields(_facts("imm-1"))
    for name in ("NameID", "Issuer", "IDPEmail", "Audience", "Destination", "Recipient"):
        assert fields[name].ok is True and fields[name].deciding, name
    assert fields["NotOnOrAfter"].ok and fields["NotBefore"].ok
    assert fields["Signature"].ok is False  # nothing is signed
    wrong = _response_fields(_facts(None), name_id="ann@contoso.com")
    assert wrong["NameID"].ok is False
    assert wrong["NameID"].expected == "(no onPremisesImmutableId on ann@contoso.com)"
    late = _response_fields(_facts("imm-1"), when="2030-01-01T00:10:00Z")
    assert late["SubjectConfirmation NotOnOrAfter"].ok is False


def test_authn_request_and_jwt_fields():
    url = f"{SSO}/saml2/app?SAMLRequest={quote(_deflated(AUTHN), safe='')}"
    (request,) = decode_exchange({"url": url}, _facts("imm-1"))
    fields = {f.name: f for f in request.fields}
    assert fields["ID"].value == "_req-0001" and fields["Issuer"].ok is True
    assert fields["AssertionConsumerServiceURL"].ok is True
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    token = _jwt({"aud": "https://graph.microsoft.com", "scp": "User.Read", "exp": 1893456000})
    message = decode_jwt(token, "response", now)
    claims = {f.name: f for f in message.fields}
    assert message.title == "JWT (access token)" and claims["aud"].deciding
    assert claims["exp"].ok is False  # 1893456000 is 2030-01-01T00:00:00Z: not after now
    broken = decode_exchange({"url": f"{SSO}/saml2/app?SAMLRequest=%%%"})
    assert all(m.fields for m in broken)


def test_entries_merged_from_two_processes_as_the_dashboard_merges_them():
    """Each process numbers its entries from 1 and decisions carry no wall time."""
    a, b = Journal(), Journal()
    b.clock = a.clock + 0.005  # the two sign-ins run at the same time
    federated_signin(a, "ann", 5)
    federated_signin(b, "bo", 6)
    merged = sorted(a.entries + b.entries, key=lambda e: (e.get("wall_time", 0), e["seq"]))
    journeys = {j.who: j for j in group_journeys(merged)}
    assert sorted(journeys) == ["ann@contoso.com", "bo@contoso.com"]
    for who, journal in (("ann@contoso.com", a), ("bo@contoso.com", b)):
        journey = journeys[who]
        signin = {id(e) for e in journey.entries if not e["url"].endswith("/")}
        assert journey.ok and signin <= {id(e) for e in journal.entries}  # home pages look alike
        (decided,) = [x for x in journey.exchanges if x.decisions]
        assert decided.label == "302 → JumpCloud (AuthnRequest)"
        anchors = [x.anchor for x in journey.exchanges]
        assert len(anchors) == len(set(anchors))


def test_a_journal_read_again_gives_what_a_fresh_read_gives():
    """Links are kept between calls: the newest entries are added, the oldest may be gone."""
    from harness.studio.journeys import clear_caches

    journal = Journal()
    for n, who in enumerate(("ann", "bo", "cy", "dee")):
        federated_signin(journal, who, 10 + n)

    def seen(entries: list[dict]) -> list[tuple]:
        return [(j.title, j.id, [e["seq"] for e in j.entries]) for j in group_journeys(entries)]

    group_journeys(journal.entries[:20])
    group_journeys(journal.entries[:-3])
    later = seen(journal.entries[9:])
    clear_caches()
    assert later == seen(journal.entries[9:])
    assert [t for t, _, _ in later] == [
        f"{w} → Microsoft 365: signed in" for w in ("bo", "cy", "dee")
    ]
