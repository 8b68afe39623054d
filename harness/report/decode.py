"""Decode what travels through a journal entry: SAML messages and JWTs, for people to read."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

_JWT = re.compile(
    r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.(?:\[signature-redacted\]|[A-Za-z0-9_-]*)"
)
_SAML_PARAMS = ("SAMLRequest", "SAMLResponse")
_HIDDEN_INPUT = re.compile(
    r"<input[^>]*name=[\"'](SAMLRequest|SAMLResponse)[\"'][^>]*value=[\"']([^\"']+)[\"']"
    r"|<input[^>]*value=[\"']([^\"']+)[\"'][^>]*name=[\"'](SAMLRequest|SAMLResponse)[\"']",
    re.IGNORECASE,
)
_INFLATE_CAP = 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


@dataclass(frozen=True)
class Decoded:
    """One decoded message: ``kind`` (SAMLRequest, SAMLResponse, JWT), where it was, the text."""

    kind: str
    where: str
    text: str
    summary: str = ""


def _b64(data: str) -> bytes:
    data = data.strip().replace(" ", "+")
    return base64.b64decode(data + "=" * (-len(data) % 4))


def decode_saml(value: str) -> str:
    """Pretty XML of a SAML message: base64, then raw DEFLATE for the redirect binding."""
    raw = _b64(value)
    with contextlib.suppress(zlib.error):
        # bounded: a message is a few kilobytes, a crafted one must not fill memory
        raw = zlib.decompressobj(-15).decompress(raw, _INFLATE_CAP)
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError:
        return raw.decode("utf-8", "replace")
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def _saml_summary(xml: str) -> str:
    try:
        root = etree.fromstring(xml.encode(), _PARSER)
    except etree.XMLSyntaxError:
        return ""
    tag = etree.QName(root).localname
    status = root.find(".//{*}StatusCode")
    issuer = root.find("{*}Issuer")
    parts = [tag]
    if issuer is not None and issuer.text:
        parts.append(f"issuer {issuer.text.strip()}")
    if status is not None:
        parts.append("status " + (status.get("Value") or "").rsplit(":", 1)[-1])
    name_id = root.find(".//{*}NameID")
    if name_id is not None and name_id.text:
        parts.append(f"NameID {name_id.text.strip()}")
    return ", ".join(parts)


def decode_jwt(token: str) -> str:
    """Header and claims of a JWT as pretty JSON (the journal has already dropped signatures)."""
    header, payload = token.split(".")[:2]
    out = {}
    for name, part in (("header", header), ("claims", payload)):
        try:
            out[name] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (ValueError, binascii.Error, RecursionError):
            out[name] = part
    try:
        return json.dumps(out, indent=2, sort_keys=False)
    except (ValueError, RecursionError):
        return json.dumps({"header": header, "claims": payload}, indent=2)


def _jwt_summary(text: str) -> str:
    try:
        claims = json.loads(text)["claims"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return ""
    if not isinstance(claims, dict):
        return ""
    keys = ("iss", "aud", "sub", "upn", "preferred_username", "roles", "scp")
    return ", ".join(f"{k}={claims[k]}" for k in keys if k in claims)


def decode_entry(entry: dict) -> list[Decoded]:
    """Every SAML message and JWT in a journal entry (URL, request/response bodies, headers).

    Never raises: an entry that cannot be decoded yields a note instead.
    """
    try:
        return _decode_entry(entry)
    except Exception as exc:
        return [Decoded("note", "entry", f"[could not be decoded: {type(exc).__name__}]")]


def _decode_entry(entry: dict) -> list[Decoded]:
    found: list[Decoded] = []
    seen: set[tuple[str, str]] = set()

    def add_saml(kind: str, value: str, where: str) -> None:
        if (kind, value) in seen:
            return
        seen.add((kind, value))
        try:
            xml = decode_saml(value)
            summary = _saml_summary(xml)
        except (ValueError, binascii.Error):
            return  # not base64: not a SAML message, the raw value stays in the entry
        except Exception as exc:  # decoding is for display; it never fails the report
            xml, summary = f"[could not be decoded: {type(exc).__name__}]", ""
        found.append(Decoded(kind, where, xml, summary))

    for key, value in parse_qsl(urlsplit(entry.get("url", "")).query):
        if key in _SAML_PARAMS:
            add_saml(key, value, "query")
    request_body = entry.get("request_body") or ""
    if "SAML" in request_body and "=" in request_body and "<" not in request_body[:50]:
        for key, value in parse_qsl(request_body):
            if key in _SAML_PARAMS:
                add_saml(key, value, "form")
    response_body = entry.get("response_body") or ""
    for match in _HIDDEN_INPUT.finditer(response_body):
        kind = match.group(1) or match.group(4)
        add_saml(kind, match.group(2) or match.group(3), "page form")
    texts = [
        ("url", entry.get("url", "")),
        ("request", request_body),
        ("response", response_body),
        ("request headers", json.dumps(entry.get("request_headers") or {})),
        ("response headers", json.dumps(entry.get("response_headers") or {})),
    ]
    for where, text in texts:
        for token in _JWT.findall(text):
            if ("JWT", token) in seen:
                continue
            seen.add(("JWT", token))
            decoded = decode_jwt(token)
            found.append(Decoded("JWT", where, decoded, _jwt_summary(decoded)))
    return found
