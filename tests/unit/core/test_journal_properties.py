"""Capture, redaction and the journal's JSON output are total and never emit a listed secret."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.report.decode import decode_entry
from harness.report.timeline import build_timeline
from simulators.core.journal import BODY_CAP, Journal, RawExchange, redact_body

SECRET = st.text(string.ascii_letters + string.digits, min_size=24, max_size=40).map(
    lambda s: "Zq" + s
)
# A distinct prefix: a header secret equal to the body's would be echoed, unredacted and
# legitimately, by the response body (whose secrets this test does not promise to hide).
HEADER_SECRET = SECRET.map(lambda s: "Zh" + s[2:])
JSON_TYPES = ("application/json", "application/scim+json", "text/plain", "text/xml", "")
ANY_TYPE = st.sampled_from(
    (*JSON_TYPES, "application/x-www-form-urlencoded", "application/octet-stream", "image/png")
)

json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_tree = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def pem(secret: str) -> str:
    return f"-----BEGIN PRIVATE KEY-----\nMIIE{secret}\n-----END PRIVATE KEY-----\n"


def secret_slot(secret: str, kind: int) -> dict:
    """One place the journal must redact, by key name or by value."""
    return [
        {"password": secret},
        {"client_secret": secret},
        {"config": {"idpPrivateKey": {"value": pem(secret), "type": "file"}}},
        {"note": pem(secret)},
        {"refresh_token": secret},
        {"header": f"Bearer {secret}"},
    ][kind]


@st.composite
def secret_json_body(draw) -> tuple[bytes, str]:
    secret = draw(SECRET)
    tree = draw(json_tree)
    slot = secret_slot(secret, draw(st.integers(0, 5)))
    depth = draw(st.sampled_from((0, 3, 5_000)))
    doc: object = [tree, slot] if draw(st.booleans()) else {"a": tree, "b": slot}
    text = json.dumps(doc)
    text = "[" * depth + text + "]" * depth
    pad = draw(st.sampled_from((0, BODY_CAP - len(text) // 2, BODY_CAP)))
    if pad > 0:
        text = '{"pad": "' + "x" * pad + '", "v": ' + text + "}"
    if draw(st.booleans()):  # cut anywhere: a truncated upload, a broken client
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode(), secret


@st.composite
def secret_form_body(draw) -> tuple[bytes, str]:
    secret = draw(SECRET)
    name = draw(st.sampled_from(("password", "client_secret", "passwd", "code_verifier")))
    other = draw(st.binary(max_size=200)).decode("latin-1").replace("&", "")
    return f"a={other}&{name}={secret}&b=1".encode("utf-8", "surrogateescape"), secret


def render_all(raw: RawExchange) -> str:
    journal = Journal()
    journal.record({"host": "login", "trace": "t", "_raw": raw})
    entries = journal.query()
    build_timeline(entries)
    decode_entry(entries[0])
    return json.dumps(entries)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=secret_json_body() | secret_form_body(),
    ctype=ANY_TYPE,
    response=st.binary(max_size=3000),
    rtype=ANY_TYPE,
    headers=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=5),
    header_secret=HEADER_SECRET,
    url_tail=st.text(max_size=40),
)
def test_any_exchange_renders_and_never_emits_a_listed_secret(
    body, ctype, response, rtype, headers, header_secret, url_tail
):
    raw_body, secret = body
    if b"=" in raw_body[:3]:  # form bodies only mean something as a form
        ctype = "application/x-www-form-urlencoded"
    raw = RawExchange(
        url=f"https://login.lab.test/x?password={header_secret}&q={url_tail}",
        request_headers=[
            *headers,
            ("Authorization", f"Bearer {header_secret}"),
            ("X-Custom-Token", header_secret),
            ("X-Forwarded-Note", f"bearer {header_secret}"),
        ],
        request_body=raw_body[: BODY_CAP + 1],
        request_type=ctype,
        response_headers=[*headers, ("X-Client-Secret", header_secret)],
        response_body=response + raw_body[: BODY_CAP + 1],
        response_type=rtype if rtype else ctype,
    )
    out = render_all(raw)
    assert header_secret not in out
    if ctype in JSON_TYPES or ctype.endswith("form-urlencoded"):
        assert secret not in out.split('"response_body"')[0]


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=BODY_CAP + 2000), ctype=ANY_TYPE | st.text(max_size=30))
def test_any_bytes_give_a_displayable_body(raw, ctype):
    text = redact_body(raw, ctype)
    assert isinstance(text, str)
    json.dumps(text)
    assert len(text.encode()) <= BODY_CAP + 64


def test_pathological_bodies_are_shown_with_a_note():
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    assert redact_body(deep, "application/json").startswith("[nested too deeply")
    assert redact_body(b"9" * 10_000, "application/json").startswith("[not valid JSON")
    assert "[redacted]" in redact_body(b'{"password": "\xff\xfe', "application/json")
    saml = RawExchange(
        url="https://login.lab.test/saml?SAMLRequest=%%%not-base64%%%",
        request_headers=[],
        request_body=[("SAMLResponse", "\u00e9not base64!")],
        request_type="application/x-www-form-urlencoded",
        response_headers=[],
        response_body=b"<input name='SAMLResponse' value='abc'>",
        response_type="text/html",
    )
    json.loads(render_all(saml))
