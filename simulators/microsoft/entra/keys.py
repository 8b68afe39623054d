"""The STS signing key: RSA-2048 with a self-signed certificate, kept in the state dir."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulators.core.files import write_private
from simulators.core.tls import self_signed


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    """Private key, certificate and the ids (kid == x5t, as Entra publishes them)."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    # The key never changes once loaded: its encodings are computed once (every token needs them).
    @cached_property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @cached_property
    def x5t(self) -> str:
        return b64url(hashlib.sha1(self.der).digest())

    @property
    def kid(self) -> str:
        return self.x5t

    def jwk(self, issuer: str) -> dict:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.x5t,
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
            "x5c": [base64.b64encode(self.der).decode()],
            "issuer": issuer,
        }


def load_or_create(path: Path) -> SigningKey:
    """Read the key from ``path`` or make one there (so tokens survive restarts)."""
    if path.exists():
        data = path.read_bytes()
        # the lab wrote this key itself: OpenSSL's RSA consistency check (primality tests,
        # ~25 ms) would only add to every start
        key = serialization.load_pem_private_key(
            data, password=None, unsafe_skip_rsa_key_validation=True
        )
        cert = x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE") :])
        assert isinstance(key, rsa.RSAPrivateKey)
        return SigningKey(key, cert)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "accounts.accesscontrol.windows.net")]
    )
    cert = self_signed(key, name, dt.datetime.now(dt.UTC) - dt.timedelta(days=1), 3650)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + cert.public_bytes(serialization.Encoding.PEM)
    write_private(path, pem)
    return SigningKey(key, cert)
