"""The package's single hardened lxml parser and ``parse_xml`` (no DTD, entities, PIs; bounded)."""

from __future__ import annotations

import threading
from typing import Final

from lxml import etree

from .errors import Reason, SamlError

MAX_DEPTH: Final = 32
MAX_ELEMENTS: Final = 2000

_local = threading.local()


def _new_parser() -> etree.XMLParser:
    """Build a parser with every dangerous libxml2 feature switched off."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        recover=False,
        decompress=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=True,
        remove_blank_text=False,
    )


def get_parser() -> etree.XMLParser:
    """Return this thread's hardened parser (also handed to signxml so both stages agree)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _new_parser()
        _local.parser = parser
    return parser


def _check_limits(root: etree._Element) -> None:
    """Reject entity nodes, PIs, and trees that are too deep or too large."""
    count = 0
    depth = 0
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if depth > MAX_DEPTH:
            raise SamlError(Reason.TOO_DEEP, f"element depth exceeds {MAX_DEPTH}")
        if count > MAX_ELEMENTS:
            raise SamlError(Reason.TOO_MANY_ELEMENTS, f"more than {MAX_ELEMENTS} elements")
        for child in node:
            tag = child.tag
            if tag is etree.Entity:
                raise SamlError(Reason.ENTITY_FORBIDDEN, "entity reference in document")
            if tag is etree.PI:
                raise SamlError(Reason.PROCESSING_INSTRUCTION, "processing instruction in document")


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML bytes; every failure is a ``SamlError`` with a precise reason."""
    if not isinstance(data, bytes | bytearray):
        raise SamlError(Reason.XML_SYNTAX, "XML input must be bytes")
    if not data.strip():
        raise SamlError(Reason.XML_SYNTAX, "empty document")
    head = bytes(data)
    # Cheap pre-scan (UTF-8/ASCII spellings); the docinfo checks below catch other encodings.
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or b"<!ATTLIST" in head:
        raise SamlError(Reason.DTD_FORBIDDEN, "DOCTYPE/DTD declarations are forbidden")
    try:
        root = etree.fromstring(head, parser=get_parser())
    except etree.XMLSyntaxError as exc:
        raise SamlError(Reason.XML_SYNTAX, f"not well-formed XML: {exc}") from None
    except (ValueError, TypeError, LookupError) as exc:
        raise SamlError(Reason.XML_SYNTAX, f"unparsable XML: {exc}") from None
    if root is None:
        raise SamlError(Reason.XML_SYNTAX, "no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SamlError(Reason.DTD_FORBIDDEN, "DOCTYPE/DTD declarations are forbidden")
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if sibling.tag is etree.PI:
            raise SamlError(Reason.PROCESSING_INSTRUCTION, "processing instruction in prolog")
        if sibling.tag is etree.Entity:
            raise SamlError(Reason.ENTITY_FORBIDDEN, "entity reference in prolog")
    _check_limits(root)
    return root
