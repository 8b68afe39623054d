"""HTTP-Redirect and HTTP-POST bindings: bounded decoding, encoding, and the auto-submit form."""

from __future__ import annotations

import base64
import binascii
import html
import zlib
from collections.abc import Mapping, Sequence
from typing import Final, Literal
from urllib.parse import urlsplit

from simulators.core.wire import encode_form

from .errors import Reason, SamlError

MAX_MESSAGE_BYTES: Final = 256 * 1024  # cap for both the encoded value and the decoded XML

Binding = Literal["redirect", "post"]


def b64_strict(value: str | bytes, *, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Strict base64 decode: only CR/LF removed, alphabet/padding enforced, both sizes capped."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            raise SamlError(Reason.MALFORMED_BASE64, "non-ASCII bytes in base64 value") from None
    if len(value) > limit:
        raise SamlError(Reason.MESSAGE_TOO_LARGE, f"encoded message exceeds {limit} bytes")
    cleaned = value.replace("\r", "").replace("\n", "")
    if not cleaned:
        raise SamlError(Reason.MISSING_MESSAGE, "empty message")
    try:
        decoded = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise SamlError(Reason.MALFORMED_BASE64, "value is not strict base64") from None
    if base64.b64encode(decoded).decode("ascii") != cleaned:
        raise SamlError(Reason.MALFORMED_BASE64, "non-canonical base64 (padding or trailing bits)")
    if len(decoded) > limit:
        raise SamlError(Reason.MESSAGE_TOO_LARGE, f"decoded message exceeds {limit} bytes")
    if not decoded:
        raise SamlError(Reason.MISSING_MESSAGE, "empty message")
    return decoded


def b64_encode(data: bytes) -> str:
    """Plain single-line base64 (what both bindings carry)."""
    return base64.b64encode(data).decode("ascii")


def deflate_raw(data: bytes) -> bytes:
    """Raw DEFLATE (no zlib header), as the HTTP-Redirect binding requires."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def inflate_bounded(data: bytes, *, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Inflate raw DEFLATE with an output cap; bombs and malformed streams raise ``SamlError``."""
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise SamlError(Reason.MALFORMED_DEFLATE, f"invalid DEFLATE stream: {exc}") from None
    if len(out) > limit or decompressor.unconsumed_tail:
        raise SamlError(Reason.MESSAGE_TOO_LARGE, f"inflated message exceeds {limit} bytes")
    if not decompressor.eof or decompressor.unused_data:
        raise SamlError(Reason.MALFORMED_DEFLATE, "truncated DEFLATE stream or trailing data")
    if not out:
        raise SamlError(Reason.MISSING_MESSAGE, "empty message")
    return out


def encode_redirect_value(xml: bytes) -> str:
    """base64(raw-deflate(xml)) — the un-URL-encoded value of SAMLRequest/SAMLResponse."""
    return b64_encode(deflate_raw(xml))


def decode_redirect_value(value: str, *, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Decode an (already URL-decoded) HTTP-Redirect value: strict base64, then bounded inflate."""
    compressed = b64_strict(value, limit=limit)
    return inflate_bounded(compressed, limit=limit)


def redirect_query(
    xml: bytes, *, param: str = "SAMLRequest", relay_state: str | None = None
) -> str:
    """Build the HTTP-Redirect query string (``SAMLRequest=…&RelayState=…``, unsigned)."""
    pairs = [(param, encode_redirect_value(xml))]
    if relay_state is not None:
        pairs.append(("RelayState", relay_state))
    return encode_form(pairs)  # urlencode's output, at C speed (a deflated request is ~1 KB)


def redirect_url(
    base_url: str, xml: bytes, *, param: str = "SAMLRequest", relay_state: str | None = None
) -> str:
    """Append the HTTP-Redirect query to ``base_url`` (respecting an existing query)."""
    separator = "&" if urlsplit(base_url).query else "?"
    return base_url + separator + redirect_query(xml, param=param, relay_state=relay_state)


def encode_post_value(xml: bytes) -> str:
    """HTTP-POST value: base64 of the XML (never deflated)."""
    return b64_encode(xml)


def decode_post_value(value: str | bytes, *, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Decode an HTTP-POST value (strict base64, size-capped; no inflation)."""
    return b64_strict(value, limit=limit)


def single_form_value(values: str | Sequence[str] | None, *, name: str = "SAMLResponse") -> str:
    """Require exactly one non-empty form value (from e.g. ``request.form.getlist(name)``)."""
    if values is None:
        raise SamlError(Reason.MISSING_MESSAGE, f"{name} form field missing")
    if isinstance(values, str):
        values = [values]
    if len(values) == 0:
        raise SamlError(Reason.MISSING_MESSAGE, f"{name} form field missing")
    if len(values) > 1:
        raise SamlError(Reason.DUPLICATE_MESSAGE, f"{name} form field given {len(values)} times")
    value = values[0]
    if not isinstance(value, str) or not value.strip():
        raise SamlError(Reason.MISSING_MESSAGE, f"{name} form field empty")
    return value


def decode_saml_message(value: str, *, binding: Binding, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Decode a SAMLRequest/SAMLResponse value (Redirect: inflate; POST: base64 only)."""
    if binding == "redirect":
        return decode_redirect_value(value, limit=limit)
    if binding == "post":
        return decode_post_value(value, limit=limit)
    raise ValueError(f"unknown binding {binding!r}")


_FORM_TEMPLATE: Final = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Working...</title></head>
<body data-page="saml.post">
<form method="post" action="{action}" data-autosubmit id="saml-post-form">
{inputs}
<noscript><p>JavaScript is disabled. Click Continue to proceed.</p>
<button type="submit" id="saml-post-continue">Continue</button></noscript>
</form>
<script>window.addEventListener("load",function(){{document.getElementById("saml-post-form").submit();}});</script>
</body>
</html>
"""


def post_form_html(action: str, fields: Mapping[str, str]) -> str:
    """Auto-submitting HTTP-POST binding form; every value HTML-escaped exactly once."""
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(name, quote=True)}" '
        f'value="{html.escape(value, quote=True)}">'
        for name, value in fields.items()
    )
    return _FORM_TEMPLATE.format(action=html.escape(action, quote=True), inputs=inputs)
