"""The hardened parser: DTDs, entities, PIs and size limits, each with its own Reason."""

from __future__ import annotations

import threading

import pytest

from simulators.saml.errors import Reason, SamlError
from simulators.saml.xmlparse import MAX_DEPTH, MAX_ELEMENTS, get_parser, parse_xml


def _reason(data: bytes) -> Reason:
    with pytest.raises(SamlError) as info:
        parse_xml(data)
    return info.value.reason


def test_plain_document_parses() -> None:
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><a x="1"><!-- ok --><b>t</b></a>')
    assert root.tag == "a"
    assert root.find("b").text == "t"


@pytest.mark.parametrize(
    "doc",
    [
        b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>',
        b"<!DOCTYPE a><a/>",
        b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
        b'<!DOCTYPE a [<!ATTLIST a xmlns CDATA "urn:evil">]><a/>',
    ],
)
def test_any_dtd_is_forbidden(doc: bytes) -> None:
    assert _reason(doc) is Reason.DTD_FORBIDDEN


def test_dtd_in_other_encoding_caught_after_parse() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    assert _reason(doc.encode("utf-16")) is Reason.DTD_FORBIDDEN


@pytest.mark.parametrize("doc", [b"<?pi x?><a/>", b"<a/><?pi x?>", b"<a><b><?pi x?></b></a>"])
def test_processing_instructions_rejected(doc: bytes) -> None:
    assert _reason(doc) is Reason.PROCESSING_INSTRUCTION


@pytest.mark.parametrize(
    "doc", [b"", b"   ", b"<a>", b"<a></b>", b"<a>&undefined;</a>", b"\xff\xfe<", b"text"]
)
def test_syntax_errors(doc: bytes) -> None:
    assert _reason(doc) is Reason.XML_SYNTAX


def test_non_bytes_rejected() -> None:
    assert _reason("<a/>") is Reason.XML_SYNTAX  # type: ignore[arg-type]


def test_depth_limit_is_exact() -> None:
    ok = b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH
    assert parse_xml(ok) is not None
    assert _reason(b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1)) is Reason.TOO_DEEP


def test_element_count_limit_is_exact() -> None:
    ok = b"<a>" + b"<b/>" * (MAX_ELEMENTS - 1) + b"</a>"
    assert parse_xml(ok) is not None
    too_many = b"<a>" + b"<b/>" * MAX_ELEMENTS + b"</a>"
    assert _reason(too_many) is Reason.TOO_MANY_ELEMENTS


def test_parser_settings_and_per_thread_instances() -> None:
    mine = get_parser()
    assert get_parser() is mine
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(get_parser()))
    thread.start()
    thread.join()
    assert other[0] is not mine
