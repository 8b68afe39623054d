"""HTTP-Redirect / HTTP-POST helpers, bounded inflation and the auto-submit form."""

from __future__ import annotations

import base64
import zlib
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from simulators.saml import bindings
from simulators.saml.errors import Reason, SamlError
from simulators.saml.messages import build_authn_request, parse_authn_request_value

from .helpers import NOW


def _reason(fn) -> Reason:
    with pytest.raises(SamlError) as info:
        fn()
    return info.value.reason


def test_redirect_round_trip_with_relay_state() -> None:
    rid, xml = build_authn_request("urn:federation:MicrosoftOnline", NOW)
    relay = "estsredirect=2&estsrequest=rQQIARAA+/=&x"
    url = bindings.redirect_url("https://sso.example/saml2/m365?tenant=1", xml, relay_state=relay)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query["tenant"] == ["1"]
    assert query["RelayState"] == [relay]
    assert bindings.decode_redirect_value(query["SAMLRequest"][0]) == xml
    info = parse_authn_request_value(query["SAMLRequest"][0], binding="redirect")
    assert info.id == rid


def test_post_binding_is_not_deflated() -> None:
    rid, xml = build_authn_request("urn:federation:MicrosoftOnline", NOW)
    value = bindings.encode_post_value(xml)
    assert base64.b64decode(value) == xml
    assert parse_authn_request_value(value, binding="post").id == rid
    # A deflated value on the POST binding is not XML.
    deflated = bindings.encode_redirect_value(xml)
    assert _reason(lambda: parse_authn_request_value(deflated, binding="post")) is Reason.XML_SYNTAX


def test_inflate_bounded_rejects_bombs_and_garbage() -> None:
    bomb = bindings.deflate_raw(b"\0" * (10 * 1024 * 1024))
    assert len(bomb) < 20_000
    assert _reason(lambda: bindings.inflate_bounded(bomb)) is Reason.MESSAGE_TOO_LARGE
    value = base64.b64encode(bomb).decode()
    assert _reason(lambda: bindings.decode_redirect_value(value)) is Reason.MESSAGE_TOO_LARGE
    exact = bindings.deflate_raw(b"a" * 1000)
    assert bindings.inflate_bounded(exact, limit=1000) == b"a" * 1000
    assert _reason(lambda: bindings.inflate_bounded(exact, limit=999)) is Reason.MESSAGE_TOO_LARGE
    good = bindings.deflate_raw(b"<x/>" * 10)
    assert _reason(lambda: bindings.inflate_bounded(good[:-2])) is Reason.MALFORMED_DEFLATE
    assert _reason(lambda: bindings.inflate_bounded(good + b"junk")) is Reason.MALFORMED_DEFLATE
    assert _reason(lambda: bindings.inflate_bounded(b"\xff\xfe\xfd")) is Reason.MALFORMED_DEFLATE
    zlib_wrapped = zlib.compress(b"<x/>")
    assert _reason(lambda: bindings.inflate_bounded(zlib_wrapped)) is Reason.MALFORMED_DEFLATE


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("PHg+", None),
        ("PHg+\r\n", None),
        ("PH g+", Reason.MALFORMED_BASE64),
        ("PHg", Reason.MALFORMED_BASE64),
        ("PHg+=", Reason.MALFORMED_BASE64),
        ("PHg-", Reason.MALFORMED_BASE64),
        ("PHh=", Reason.MALFORMED_BASE64),
        ("PHg+\t", Reason.MALFORMED_BASE64),
        ("\r\n", Reason.MISSING_MESSAGE),
        ("A" * (256 * 1024 + 1), Reason.MESSAGE_TOO_LARGE),
    ],
)
def test_strict_base64(value: str, reason: Reason | None) -> None:
    if reason is None:
        assert bindings.b64_strict(value) == b"<x>"
    else:
        assert _reason(lambda: bindings.b64_strict(value)) is reason


def test_size_cap_applies_to_encoded_and_decoded() -> None:
    value = base64.b64encode(b"x" * 999).decode()
    assert len(bindings.b64_strict(value, limit=1332)) == 999
    assert _reason(lambda: bindings.b64_strict(value, limit=1331)) is Reason.MESSAGE_TOO_LARGE


def test_single_form_value() -> None:
    assert bindings.single_form_value(["abc"]) == "abc"
    assert bindings.single_form_value("abc") == "abc"
    assert _reason(lambda: bindings.single_form_value(None)) is Reason.MISSING_MESSAGE
    assert _reason(lambda: bindings.single_form_value([" "])) is Reason.MISSING_MESSAGE
    assert _reason(lambda: bindings.single_form_value(["a", "b"])) is Reason.DUPLICATE_MESSAGE


class _FormScraper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: dict[str, str] = {}
        self.form: dict[str, str | None] = {}
        self.button: dict[str, str | None] = {}
        self.body: dict[str, str | None] = {}
        self.in_noscript = False
        self.button_in_noscript = False
        self.script = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        if tag == "input":
            self.inputs[attrs_d["name"]] = attrs_d["value"]
        elif tag == "form":
            self.form = attrs_d
        elif tag == "body":
            self.body = attrs_d
        elif tag == "noscript":
            self.in_noscript = True
        elif tag == "button":
            self.button = attrs_d
            self.button_in_noscript = self.in_noscript
        elif tag == "script":
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "noscript":
            self.in_noscript = False
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script += data


def test_post_form_html_escapes_and_echoes_relay_state_exactly() -> None:
    relay = "a&b=<c>\"d\"'e' &amp; ünï\u2028 </form><script>alert(1)</script>"
    saml = base64.b64encode(b"<samlp:Response/>" * 3).decode()
    action = 'https://login.microsoftonline.com/login.srf?x="1"&y=<2>'
    page = bindings.post_form_html(action, {"SAMLResponse": saml, "RelayState": relay})
    assert "<script>alert(1)" not in page
    scraper = _FormScraper()
    scraper.feed(page)
    assert scraper.inputs == {"SAMLResponse": saml, "RelayState": relay}
    assert scraper.form["action"] == action
    assert scraper.form["method"] == "post"
    assert scraper.form["id"] == "saml-post-form"
    assert "data-autosubmit" in scraper.form
    assert scraper.button["id"] == "saml-post-continue"
    assert scraper.button_in_noscript
    assert scraper.body["data-page"] == "saml.post"
    assert "submit()" in scraper.script
    assert 'value="a&amp;b=&lt;c&gt;&quot;d&quot;&#x27;e&#x27; &amp;amp;' in page
