"""JUnit XML and the HTML report, from synthetic results and a synthetic journal."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from harness.report.decode import decode_entry
from harness.report.html import render_html
from harness.report.junit import to_xml
from harness.report.timeline import summarize
from harness.scenario.results import ERROR, FAILED, PASSED, ScenarioResult, StepResult

AUTHN = (
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0">'
    "<saml:Issuer>urn:federation:MicrosoftOnline</saml:Issuer></samlp:AuthnRequest>"
)
RESPONSE = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_p1" Version="2.0">'
    "<saml:Issuer>https://sso.jumpcloud.com/saml2/office365</saml:Issuer>"
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
    "</samlp:Status><saml:Assertion><saml:Subject><saml:NameID>imm-123</saml:NameID>"
    "</saml:Subject></saml:Assertion></samlp:Response>"
)


def _b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = (
    _b64url({"alg": "RS256", "kid": "k1"})
    + "."
    + _b64url({"iss": "https://login/t/v2.0", "aud": "00000003", "roles": ["User.Read.All"]})
    + ".[signature-redacted]"
)


def deflated(xml: str) -> str:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(compressor.compress(xml.encode()) + compressor.flush()).decode()


def journal() -> list[dict]:
    saml_response = base64.b64encode(RESPONSE.encode()).decode()
    return [
        {
            "time": "2030-01-01T00:00:00.100Z",
            "host": "sso",
            "method": "GET",
            "url": "https://127.0.0.1:1/saml2/office365?SAMLRequest=" + quote(deflated(AUTHN)),
            "status": 302,
            "duration_ms": 2.5,
            "seq": 1,
        },
        {
            "time": "2030-01-01T00:00:00.200Z",
            "host": "login",
            "method": "POST",
            "url": "https://127.0.0.1:2/login.srf",
            "status": 200,
            "duration_ms": 4.0,
            "seq": 2,
            "request_body": "SAMLResponse=" + quote(saml_response, safe="") + "&RelayState=x",
        },
        {
            "time": "2030-01-01T00:00:00.300Z",
            "host": "graph",
            "method": "GET",
            "url": "https://127.0.0.1:3/v1.0/users",
            "status": 429,
            "duration_ms": 1.0,
            "seq": 3,
            "request_headers": {"Authorization": "Bearer " + JWT},
            "fault": {"status": 429},
        },
    ]


def results(tmp_path: Path) -> list[ScenarioResult]:
    ok = ScenarioResult("works", Path("s/a.yaml"), "s/a.yaml", "trace-a", "http", ["x"])
    ok.steps = [StepResult(1, "wait", 3, {"seconds": 0}, status=PASSED, duration=0.01)]
    bad = ScenarioResult("breaks <b>", Path("s/b.yaml"), "s/b.yaml", "trace-b", "browser")
    bad.status = FAILED
    bad.timeline = journal()
    shot = tmp_path / "shot.png"
    shot.write_bytes(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAfbLI3wAAAABJRU5ErkJggg=="
        )
    )
    bad.screenshots = [("step 2 (expect.equals) failed", shot)]
    bad.steps = [
        StepResult(1, "value", 4, {"value": 1}, step_id="v", status=PASSED),
        StepResult(
            2,
            "expect.equals",
            6,
            {"actual": "${steps.v}", "expected": 2},
            status=FAILED,
            message="expected 2, got 1",
            expected=2,
            actual=1,
            has_expectation=True,
            resolved={"actual": 1, "expected": 2},
        ),
        StepResult(3, "wait", 7, {"seconds": 1}),
    ]
    broken = ScenarioResult("no world", Path("s/c.yaml"), "s/c.yaml", "trace-c", "http")
    broken.status = ERROR
    broken.setup_error = "creating the world failed: boom"
    return [ok, bad, broken]


def test_decoding_saml_both_bindings_and_jwt_claims():
    entries = journal()
    [request] = decode_entry(entries[0])
    assert request.kind == "SAMLRequest" and request.where == "query"
    assert "<samlp:AuthnRequest" in request.text and "\n" in request.text  # pretty printed
    assert "issuer urn:federation:MicrosoftOnline" in request.summary
    [response] = decode_entry(entries[1])
    assert response.kind == "SAMLResponse" and response.where == "form"
    assert "status Success" in response.summary and "NameID imm-123" in response.summary
    [token] = decode_entry(entries[2])
    assert token.kind == "JWT"
    assert json.loads(token.text)["claims"]["roles"] == ["User.Read.All"]
    assert json.loads(token.text)["header"]["kid"] == "k1"


def test_junit_xml_shape(tmp_path):
    root = ET.fromstring(to_xml(results(tmp_path)))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    [suite] = root
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["works", "breaks <b>", "no world"]
    assert cases[0].get("classname") == "s.a" and cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == "s/b.yaml:6: step 2 (expect.equals): expected 2, got 1"
    assert failure.get("type") == "expect.equals.expectation"
    assert "expected: 2" in failure.text and "actual:   1" in failure.text
    assert "login     POST   /login.srf -> 200 [SAMLResponse]" in failure.text
    assert cases[2].find("error").get("message") == "creating the world failed: boom"
    props = {p.get("name"): p.get("value") for p in cases[1].iter("property")}
    assert props["trace"] == "trace-b" and props["driver"] == "browser"


def test_html_report_is_self_contained_with_timeline_and_decoded_messages(tmp_path):
    html = render_html(results(tmp_path))
    assert "<script" not in html and "http://" not in html and "src='http" not in html
    assert "breaks &lt;b&gt;" in html  # escaped
    assert "id='timeline-2'" in html
    assert "SAMLRequest (query)" in html and "SAMLResponse (form)" in html
    assert "<th>roles</th>" in html and '"roles": [' in html  # JWT claims: fields and source
    assert "<section class='journey'" in html and "<svg class='sequence'" in html
    assert "data:image/png;base64," in html
    assert "class='expected'" in html and "class='actual'" in html
    assert "id='count-passed'>1 passed" in html


def test_summary_lines():
    text = summarize(journal(), limit=2)
    assert text.splitlines()[0] == "... 1 earlier exchanges"
    assert "(injected fault) [JWT]" in text
    assert summarize([]) == "(no exchanges in this scenario's trace)"


def test_html_report_shows_each_steps_narration_escaped(tmp_path):
    narrated = ScenarioResult("narrated", Path("s/n.yaml"), "s/n.yaml", "trace-n", "http")
    narrated.steps = [
        StepResult(1, "value", 3, {"value": 1}, status=PASSED, say="Alice <b>signs in</b>"),
        StepResult(2, "wait", 4, {"seconds": 0}, status=PASSED),
    ]
    html = render_html([narrated])
    assert html.count("class='say'") == 1
    assert "<div class='say'>Alice &lt;b&gt;signs in&lt;/b&gt;</div>" in html
