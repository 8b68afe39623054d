"""Signing key pairs, IdP metadata round trip, and the entity-id → domain rule."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from simulators.saml import constants as saml_spec
from simulators.saml.errors import MetadataError
from simulators.saml.keys import SigningKeyPair, cert_b64_to_pem, cert_from_b64
from simulators.saml.metadata import (
    build_idp_metadata,
    federation_domain_from_entity_id,
    parse_idp_metadata,
)

from .helpers import NOW, attacker_key, idp_key, next_key


def test_generated_key_pair() -> None:
    kp = SigningKeyPair.generate("JumpCloud test", NOW, valid_days=30)
    cert = kp.certificate
    assert cert.subject.rfc4514_string() == "CN=JumpCloud test"
    assert cert.not_valid_before_utc == NOW
    assert cert.not_valid_after_utc == NOW + timedelta(days=30)
    assert kp.private_key.key_size == 2048
    der = base64.b64decode(kp.cert_b64, validate=True)
    assert x509.load_der_x509_certificate(der) == cert
    assert kp.cert_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert cert_b64_to_pem(kp.cert_b64) == kp.cert_pem
    assert len(kp.fingerprint.split(":")) == 32 and len(kp.fingerprint_sha1.split(":")) == 20


def test_key_pair_from_pem_round_trip_and_mismatch() -> None:
    kp = idp_key()
    loaded = SigningKeyPair.from_pem(kp.key_pem, kp.cert_pem)
    assert loaded.cert_b64 == kp.cert_b64
    assert loaded.private_key.private_numbers() == kp.private_key.private_numbers()
    with pytest.raises(ValueError, match="does not match"):
        SigningKeyPair.from_pem(kp.key_pem, attacker_key().cert_pem)
    encrypted = kp.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert SigningKeyPair.from_pem(encrypted, kp.cert_pem, password=b"pw").cert_b64 == kp.cert_b64


def test_cert_from_b64_tolerates_whitespace_only() -> None:
    b64 = idp_key().cert_b64
    wrapped = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    assert cert_from_b64(wrapped) == idp_key().certificate
    with pytest.raises(ValueError):
        cert_from_b64(b64[:-4] + "!!!!")


def test_metadata_round_trip() -> None:
    entity = "https://corp.example.com"
    sso = "https://sso.jumpcloud.com/saml2/office365"
    xml = build_idp_metadata(entity, sso, [idp_key().cert_b64, next_key().cert_b64])
    meta = parse_idp_metadata(xml)
    assert meta.entity_id == entity
    assert meta.sso_url == sso
    assert meta.certificates_b64 == [idp_key().cert_b64, next_key().cert_b64]
    assert meta.sso_bindings == {
        saml_spec.BINDING_HTTP_REDIRECT: sso,
        saml_spec.BINDING_HTTP_POST: sso,
    }
    assert meta.nameid_formats == [saml_spec.NAMEID_PERSISTENT, saml_spec.NAMEID_EMAIL]
    assert b'use="signing"' in xml
    assert b'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"' in xml


@pytest.mark.parametrize(
    "xml",
    [
        b'<!DOCTYPE x [<!ENTITY e "y">]><x/>',
        b"<md:EntitiesDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata'/>",
        b"<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='x'/>",
        b"not xml",
    ],
)
def test_metadata_parser_rejects(xml: bytes) -> None:
    with pytest.raises(MetadataError):
        parse_idp_metadata(xml)


def test_metadata_without_cert_or_sso_rejected() -> None:
    xml = build_idp_metadata("https://corp.example.com", "https://sso", [idp_key().cert_b64])
    no_cert = xml.replace(idp_key().cert_b64.encode(), b"")
    with pytest.raises(MetadataError):
        parse_idp_metadata(no_cert)
    with pytest.raises(MetadataError):
        build_idp_metadata("https://corp.example.com", "https://sso", [])


@pytest.mark.parametrize(
    ("entity_id", "domain"),
    [
        ("https://corp.example.com", "corp.example.com"),
        ("urn:uri:corp.example.com", "corp.example.com"),
        ("https://Contoso.COM", "contoso.com"),
    ],
)
def test_entity_id_rule(entity_id: str, domain: str) -> None:
    assert federation_domain_from_entity_id(entity_id) == domain


@pytest.mark.parametrize(
    "entity_id",
    [
        "JumpCloud",
        "corp.example.com",
        "http://corp.example.com",
        "https://corp.example.com/",
        "https://corp.example.com/saml2/app",
        "https://",
        "urn:uri:",
        "urn:corp.example.com",
        "https://localhost",
        "https://-bad.example.com",
        "https://corp.example.com:443",
    ],
)
def test_entity_id_rule_rejects(entity_id: str) -> None:
    with pytest.raises(MetadataError, match="Entity ID"):
        federation_domain_from_entity_id(entity_id)
