"""The wire's form encoder (user agent, SAML redirects) matches urllib's, fast path or not."""

from __future__ import annotations

from urllib.parse import urlencode

from simulators.core.wire import encode_form


def test_encode_form_matches_urlencode():
    pairs = [
        ("SAMLResponse", "PHN+/=abc" * 500),
        ("RelayState", "a&b c~*"),
        ("x", "é€"),
        ("empty", ""),
        ("sym", "!\"#$%'()*,:;<>?@[\\]^`{|}"),
    ]
    assert encode_form(pairs) == urlencode(pairs)
