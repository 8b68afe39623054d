"""Shared test context: fixed clock, key pairs, and builders of signed Entra-shaped responses."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from lxml import etree

from simulators.saml import constants as saml_spec
from simulators.saml import signing
from simulators.saml.keys import SigningKeyPair
from simulators.saml.messages import ResponseSpec, build_response
from simulators.saml.signing import Algorithm
from simulators.saml.verify import IdpTrust, SpSettings, SpVerifier, static_trust

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
ISSUER = "https://corp.example.com"
REQUEST_ID = "_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
IMMUTABLE_ID = "Zm9vYmFyLWltbXV0YWJsZS1pZA=="
UPN = "alice@corp.example.com"

NS = {
    "samlp": saml_spec.SAMLP_NS,
    "saml": saml_spec.SAML_NS,
    "ds": saml_spec.DS_NS,
    "md": saml_spec.MD_NS,
}


@cache
def idp_key() -> SigningKeyPair:
    """The IdP's signing key (generated once per test session)."""
    return SigningKeyPair.generate("JumpCloud corp.example.com", NOW.replace(year=2025))


@cache
def next_key() -> SigningKeyPair:
    """The IdP's next (rollover) signing key."""
    return SigningKeyPair.generate("JumpCloud corp.example.com next", NOW.replace(year=2025))


@cache
def attacker_key() -> SigningKeyPair:
    """A key the SP does not trust, with the same subject as the IdP cert."""
    return SigningKeyPair.generate("JumpCloud corp.example.com", NOW.replace(year=2025))


def base_spec(**overrides: Any) -> ResponseSpec:
    """The Entra-shaped spec every test starts from."""
    spec = ResponseSpec(
        issuer=ISSUER,
        destination=saml_spec.ENTRA_ACS_URL,
        audience=saml_spec.ENTRA_ENTITY_ID,
        name_id=IMMUTABLE_ID,
        in_response_to=REQUEST_ID,
        attributes={"IDPEmail": [UPN]},
    )
    return replace(spec, **overrides)


def signed(
    spec: ResponseSpec | None = None,
    *,
    now: datetime = NOW,
    key: SigningKeyPair | None = None,
    sign_assertion: bool = True,
    sign_response: bool = False,
    algorithm: Algorithm = "rsa-sha256",
    pre_sign: Callable[[etree._Element], None] | None = None,
) -> bytes:
    """Build, optionally mutate (before signing), and sign a Response."""
    root = build_response(spec or base_spec(), now)
    if pre_sign is not None:
        pre_sign(root)
    return signing.sign_response(
        root,
        key or idp_key(),
        sign_assertion=sign_assertion,
        sign_response=sign_response,
        algorithm=algorithm,
    )


def tree(data: bytes) -> etree._Element:
    """Parse our own (trusted) output for mutation."""
    return etree.fromstring(data)


def dump(root: etree._Element) -> bytes:
    """Serialise a mutated tree without re-indenting."""
    return etree.tostring(root)


def one(root: etree._Element, path: str) -> etree._Element:
    """Exactly one XPath match (namespaces samlp/saml/ds/md)."""
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, len(found))
    return found[0]


def deep(el: etree._Element) -> etree._Element:
    """Deep copy of an element."""
    return copy.deepcopy(el)


@dataclass
class Sp:
    """A verifier under test plus the request ids it is waiting for."""

    settings: SpSettings = field(default_factory=SpSettings)
    certs: tuple[str, ...] = ()
    pending: set[str] = field(default_factory=lambda: {REQUEST_ID})

    def __post_init__(self) -> None:
        certs = self.certs or (idp_key().cert_b64,)
        self.verifier = SpVerifier(self.settings, static_trust(IdpTrust(ISSUER, list(certs))))

    def verify(self, data: bytes, now: datetime = NOW):
        """Verify with a set-based pending-request check (non-consuming)."""
        return self.verifier.verify_xml(data, now=now, expected_in_response_to=self.pending)
